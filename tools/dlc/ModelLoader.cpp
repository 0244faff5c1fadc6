//===- ModelLoader.cpp - open a model file of any supported format --------===//

#include "ModelLoader.h"

#include "dlc/Import/TFLiteConverter.h"
#include "dlc/runtime/FileIO.h"

#include <cstdio>

namespace dlc::tool {

namespace {
// TFLite files are read whole (the converter copies every weight), so cap
// them at the FlatBuffers limit.
constexpr uint64_t kMaxTFLiteBytes = (uint64_t(1) << 31) - 1;

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
  if (readIdentifier(path) != "TFL3")
    // ModelFile::open gives the precise error for anything else.
    return ModelFile::open(path);
  auto bytes = readFile(path, kMaxTFLiteBytes);
  if (!bytes.ok())
    return bytes.status();
  auto converted = convertTFLiteToDlc(bytes->data(), bytes->size(), path);
  if (!converted.ok())
    return converted.status();
  return ModelFile::fromBuffer(std::move(*converted), path);
}

} // namespace dlc::tool
