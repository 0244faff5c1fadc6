//===- Idx.h - IDX files (the MNIST format), gzipped or not -----*- C++ -*-===//
//
// An IDX file is a big-endian header -- two zero bytes, a type code, the
// number of dimensions, then each dimension as a 32-bit count -- followed by
// the elements in row-major order. Fashion-MNIST ships its images
// ([N, 28, 28] unsigned bytes) and labels ([N] unsigned bytes) this way,
// gzip-compressed.
//
// Files are untrusted: the header is checked (type, rank, dimension bounds,
// overflow-checked element count) before anything is allocated, and the data
// must be exactly as long as the header says. Every error names the file.
//
// Thread-safety: every function is reentrant (no shared state).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_IDX_H
#define DLC_RUNTIME_IDX_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

/// Largest file (after decompression) readIdx accepts by default.
constexpr uint64_t kMaxIdxBytes = uint64_t(1) << 32;

/// Reads an IDX file of unsigned bytes (type 0x08), gzipped (by its magic
/// bytes, whatever its name) or plain, into a U8 tensor of the file's shape.
StatusOr<HostTensor> readIdx(const std::string &path,
                             uint64_t maxBytes = kMaxIdxBytes);

/// The same on bytes already in memory (decompressed); `name` stands in for
/// the path in messages.
StatusOr<HostTensor> parseIdx(const uint8_t *data, size_t size,
                              const std::string &name);

/// Encodes a U8 tensor as an (uncompressed) IDX image.
std::vector<uint8_t> encodeIdx(const HostTensor &tensor);

} // namespace dlc

#endif // DLC_RUNTIME_IDX_H
