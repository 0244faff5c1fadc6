//===- ModelLoader.cpp - open a model file of any supported format --------===//

#include "ModelLoader.h"

#include "dlc/Compiler/CompileCache.h"
#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/ONNXConverter.h"
#include "dlc/Import/TFLiteConverter.h"
#include "dlc/runtime/FileIO.h"

#include "llvm/Support/MemoryBuffer.h"

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
/// Converts a TFLite or ONNX file's bytes, or takes the conversion from the
/// compile cache. Converting a real network (parsing, folding batch norms,
/// relaying weights) takes a second or more, which a warm start cannot
/// afford; the converted model is keyed by the source bytes and this build,
/// and a cached one is used in place, in the mapped entry.
StatusOr<std::unique_ptr<ModelFile>>
convertCached(llvm::ArrayRef<uint8_t> bytes, bool isTFLite,
              const std::string &path, bool useCache) {
  auto convert = [&]() -> StatusOr<std::vector<uint8_t>> {
    return isTFLite ? convertTFLiteToDlc(bytes.data(), bytes.size(), path)
                    : convertONNXToDlc(bytes.data(), bytes.size(), path);
  };
  auto open = [&](StatusOr<std::vector<uint8_t>> converted)
      -> StatusOr<std::unique_ptr<ModelFile>> {
    if (!converted.ok())
      return converted.status();
    return ModelFile::fromBuffer(std::move(*converted), path);
  };
  if (!useCache)
    return open(convert());
  CacheOptions options;
  if (options.directory.empty())
    return open(convert());
  CompileCache cache(options);
  std::string key = CacheKeyBuilder()
                        .add("format", "dlc-import-1")
                        .add("kind", isTFLite ? "tflite" : "onnx")
                        .add("source", bytes.data(), bytes.size())
                        .add("version", compilerBuildIdentity())
                        .hex();
  std::string problem;
  std::shared_ptr<CacheEntry> entry = cache.lookup(key, &problem);
  if (!problem.empty())
    warnCacheProblemOnce(problem, "converting again");
  if (entry)
    if (std::optional<std::string_view> model = entry->find("model")) {
      auto file = ModelFile::fromMemory(
          reinterpret_cast<const uint8_t *>(model->data()), model->size(),
          entry, path);
      if (file.ok())
        return file;
      warnCacheProblemOnce(cache.directory() + ": cached conversion of " + path +
                   " is invalid: " + file.status().message(),
               "converting again");
    }
  auto converted = convert();
  if (converted.ok())
    if (Status s = cache.store(key, {{"model", converted->data(),
                                      converted->size()}});
        !s.ok())
      warnCacheProblemOnce(s.message(), "the converted model is not cached");
  return open(std::move(converted));
}
} // namespace

StatusOr<std::unique_ptr<ModelFile>> loadModel(const std::string &path,
                                               bool useCache) {
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
  // Mapped, not read: a cache hit only hashes the bytes, and reading a
  // large model into a zeroed vector cost more than everything else a
  // warm start does.
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return Status::error(path + ": cannot open: " +
                         buffer.getError().message());
  if ((*buffer)->getBufferSize() > kMaxConvertedBytes)
    return Status::error(path + ": file too large to convert (" +
                         std::to_string((*buffer)->getBufferSize()) +
                         " bytes; the limit is " +
                         std::to_string(kMaxConvertedBytes) + ")");
  auto bytes = llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
      (*buffer)->getBufferSize());
  return convertCached(bytes, isTFLite, path, useCache);
}

std::string batchMismatch(const ModelFile &file, int64_t batch) {
  const fb::Graph *graph = file.graph();
  const fb::Tensor *first = nullptr;
  if (graph->inputs() && graph->tensors())
    for (int32_t index : *graph->inputs()) {
      if (index < 0 || uint32_t(index) >= graph->tensors()->size())
        continue;
      const fb::Tensor *t = graph->tensors()->Get(uint32_t(index));
      if (!t->shape() || t->shape()->size() == 0)
        continue;
      if (t->shape()->Get(0) < 0)
        return ""; // A batch dimension: any --batch applies.
      if (!first)
        first = t;
    }
  if (!first || first->shape()->Get(0) == batch)
    return "";
  std::string name = first->name() ? first->name()->str() : "?";
  std::string shape;
  for (uint32_t d = 0; d < first->shape()->size(); ++d)
    shape += (d ? ", " : "") + std::to_string(first->shape()->Get(d));
  return "--batch " + std::to_string(batch) +
         " cannot apply: the model's inputs have no batch dimension (input '" +
         name + "' is [" + shape +
         "]); export it with a dynamic first dimension, e.g. "
         "torch.onnx.export(..., dynamic_axes={'" +
         name + "': {0: 'batch'}})";
}

} // namespace dlc::tool
