// Reading and writing NumPy .npy files.
//
// .npy is how tensors enter and leave the tools (inputs for `dlc run`,
// reference outputs, training data), so the reader treats every file as
// untrusted: the header is parsed by a small bounded parser instead of being
// evaluated, every length and product is checked, and each malformed case
// produces an error naming the file and the problem instead of a crash or an
// over-read.
//
// Supported: format versions 1.0, 2.0 and 3.0; dtypes '<f4', '<i4', '<i8'
// and '|u1' (the little-endian types NumPy writes on x86 and ARM); C order.
// Fortran-order and big-endian arrays are refused with a message; convert
// them with np.ascontiguousarray / astype first.
//
// Thread-safety: every function is reentrant (no shared state); calls on
// different files may run concurrently.
#ifndef DLC_RUNTIME_NPY_H
#define DLC_RUNTIME_NPY_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

/// The header NumPy's reader refuses above by default is 10000 bytes; allow
/// more for hand-written files, but stay bounded.
constexpr uint32_t kMaxNpyHeaderBytes = 1 << 20;

/// Reads `path`. The error message starts with the path.
StatusOr<HostTensor> readNpy(const std::string &path);

/// Parses a complete .npy image held in memory. `name` is used in error
/// messages in place of a file name. Entry point for fuzzing.
StatusOr<HostTensor> readNpyFromMemory(const uint8_t *data, size_t size,
                                       const std::string &name);
inline StatusOr<HostTensor> readNpyFromMemory(const std::vector<uint8_t> &bytes,
                                              const std::string &name) {
  return readNpyFromMemory(bytes.data(), bytes.size(), name);
}

/// Serializes `tensor` as a version 1.0 .npy image (2.0 if the header would
/// not fit in 1.0's 16-bit length). The data starts at a 64-byte boundary.
std::vector<uint8_t> encodeNpy(const HostTensor &tensor);

/// Writes `tensor` to `path` atomically (see writeFileAtomically).
Status writeNpy(const std::string &path, const HostTensor &tensor);

} // namespace dlc

#endif // DLC_RUNTIME_NPY_H
