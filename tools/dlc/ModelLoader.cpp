//===- ModelLoader.cpp - open a model file of any supported format --------===//

#include "ModelLoader.h"

#include "dlc/Import/ONNXConverter.h"
#include "dlc/Import/TFLiteConverter.h"
#include "dlc/runtime/FileIO.h"

#include <cstdio>

namespace dlc::tool {

namespace {
// TFLite and ONNX files are read whole (the converters copy every weight),
// so cap them at the FlatBuffers (and protobuf) limit.
constexpr uint64_t kMaxConvertedBytes = (uint64_t(1) << 31) - 1;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads the 4-byte file identifier; empty if the file is shorter.
std::string readIdentifier(const std::string &path) {
  std::FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return "";
  unsigned char header[8];
  size_t n = std::fread(header, 1, sizeof header, f);
  std::fclose(f);
  if (n != sizeof header)
    return "";
  return std::string(reinterpret_cast<const char *>(header) + 4, 4);
}
} // namespace

StatusOr<std::unique_ptr<ModelFile>> loadModel(const std::string &path) {
  std::string id = readIdentifier(path);
  bool isTFLite = id == "TFL3";
  // ONNX files carry no identifier: the name says it, or the first byte
  // does (a ModelProto starts with its ir_version field).
  bool isONNX = !isTFLite && id != "DLCM" && endsWith(path, ".onnx");
  if (!isTFLite && !isONNX) {
    // ModelFile::open gives the precise error for anything else.
    auto file = ModelFile::open(path);
    if (file.ok() || id == "DLCM")
      return file;
    unsigned char first = 0;
    if (std::FILE *f = std::fopen(path.c_str(), "rb")) {
      first = static_cast<unsigned char>(std::fgetc(f));
      std::fclose(f);
    }
    if (!looksLikeONNX(&first, 2))
      return file;
    isONNX = true;
  }
  auto bytes = readFile(path, kMaxConvertedBytes);
  if (!bytes.ok())
    return bytes.status();
  auto converted =
      isTFLite ? convertTFLiteToDlc(bytes->data(), bytes->size(), path)
               : convertONNXToDlc(bytes->data(), bytes->size(), path);
  if (!converted.ok())
    return converted.status();
  return ModelFile::fromBuffer(std::move(*converted), path);
}

} // namespace dlc::tool
