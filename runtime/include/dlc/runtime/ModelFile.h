// ModelFile: a verified, read-only view of a dlc model (.fb) file.
//
// The file is memory-mapped, not read: weights can be hundreds of megabytes,
// and the format stores every buffer 64-byte aligned precisely so that they
// can be used in place. A ModelFile that exists has passed three gates, so
// code holding one can index the graph without further checks:
//   1. the FlatBuffers verifier (every offset and length inside the file),
//   2. the format version (newer versions are refused, not misread),
//   3. validateModel: the semantic rules the schema states in comments
//      (index ranges, buffer sizes, op arity and options, topological order).
// Shape inference and per-op shape rules are the compiler's job.
//
// Thread-safety: a ModelFile is immutable once open() returns, so any
// number of threads may read it (and compile from it) at once; open(),
// fromBuffer() and validateModel() are reentrant.
#ifndef DLC_RUNTIME_MODELFILE_H
#define DLC_RUNTIME_MODELFILE_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/OpSchema.h"
#include "dlc/runtime/Status.h"

#include "dlc_model_generated.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dlc {

/// The newest model format version this runtime understands.
constexpr uint32_t kModelFormatVersion = 1;
/// Weight buffers must start at a multiple of this file offset (the widest
/// element type); dlc's own writers use 64.
constexpr size_t kMinBufferAlignment = 8;

/// Checks the semantic rules of the format on an already verified model.
/// `name` (usually the file path) prefixes every message, e.g.
///   model.fb: operator 3 'conv2d_1' (CONV_2D): input 1 is tensor 99, but
///   the graph has 12 tensors
Status validateModel(const fb::Model &model, const std::string &name);

/// A byte range inside the model file.
struct BufferView {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

class ModelFile {
public:
  /// Maps `path` read-only and verifies it. The mapping is private and
  /// read-only; as with any mapped file, truncating the file while it is
  /// open is not supported (the OS would signal SIGBUS on access).
  static StatusOr<std::unique_ptr<ModelFile>> open(const std::string &path);

  /// Same checks on a model image in memory. The bytes are copied into
  /// 64-byte-aligned storage so that weights are as aligned as in a mapped
  /// file. `name` stands in for the path in messages.
  static StatusOr<std::unique_ptr<ModelFile>>
  fromBuffer(std::vector<uint8_t> bytes, const std::string &name);

  /// Same checks on a model image that stays where it is (e.g. inside a
  /// mapped cache entry): no copy. `data` must be 64-byte aligned and stay
  /// valid while `owner` lives; the ModelFile keeps `owner`.
  static StatusOr<std::unique_ptr<ModelFile>>
  fromMemory(const uint8_t *data, size_t size,
             std::shared_ptr<const void> owner, const std::string &name);

  ~ModelFile();
  ModelFile(const ModelFile &) = delete;
  ModelFile &operator=(const ModelFile &) = delete;

  const fb::Model *model() const { return model_; }
  /// Never null (validateModel requires a graph).
  const fb::Graph *graph() const { return model_->graph(); }
  const std::string &path() const { return path_; }

  /// The raw file image.
  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

  /// Data of Model.buffers[index]; empty for index 0 or out of range.
  BufferView bufferData(uint32_t index) const;
  /// Data of the tensor's buffer; empty for tensors without stored data
  /// and for out-of-range indices.
  BufferView tensorData(int32_t tensorIndex) const;

private:
  ModelFile() = default;
  static StatusOr<std::unique_ptr<ModelFile>>
  finishOpen(std::unique_ptr<ModelFile> file);

  std::string path_;
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
  void *mapping_ = nullptr; // Set when data_ is an mmap of the file.
  AlignedBuffer owned_;     // Set when data_ is a copy made by fromBuffer.
  std::shared_ptr<const void> external_; // Keeps fromMemory's image alive.
  const fb::Model *model_ = nullptr;
};

} // namespace dlc

#endif // DLC_RUNTIME_MODELFILE_H
