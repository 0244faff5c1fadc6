// Whole-file reading and crash-safe writing.
//
// Models and .npy files are written by long training runs; losing the
// previous good file because the disk filled up or the machine lost power
// half-way through a save would be the worst possible outcome. So every file
// the runtime writes goes through writeFileAtomically: the new contents go to
// a temporary file next to the target, are flushed to disk, and only then
// replace the target in one rename.
//
// Thread-safety: both functions are reentrant. Concurrent saves to the same
// path are safe (each uses its own temporary file); the last rename wins.
#ifndef DLC_RUNTIME_FILEIO_H
#define DLC_RUNTIME_FILEIO_H

#include "dlc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

/// Reads a regular file completely. Fails (naming the file) if it cannot be
/// opened, is not a regular file, or is larger than `maxBytes`.
StatusOr<std::vector<uint8_t>> readFile(const std::string &path,
                                        uint64_t maxBytes);

/// Replaces `path` with `size` bytes at `data`, or leaves it untouched:
/// writes `path.tmp.PID.XXXXXX` in the same directory, fsyncs it, renames it
/// over `path` and fsyncs the directory. On failure the temporary file is
/// removed and the error names `path` and the failing step. An existing
/// target keeps its permission bits; a new one gets 0644. After a successful
/// save, temporaries of `path` left by writers that no longer run (a save
/// killed half-way) are removed.
Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size);

} // namespace dlc

#endif // DLC_RUNTIME_FILEIO_H
