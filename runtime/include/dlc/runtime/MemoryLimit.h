// MemoryLimit: refusing models whose memory would exceed a cap.
//
// A model file is a few kilobytes of shapes that can ask for terabytes: a
// hostile or mistaken file (or a batch size typed with one zero too many)
// must be refused with a clear message before the compiler or the runtime
// allocates anything, not end in an out-of-memory kill. So the compiler
// checks twice against the same limit (compiler/lib/dlc/Compiler/):
//   1. right after import, before any pass runs, against an estimate: the
//      file's weights, the graph's inputs and outputs at the batch size, and
//      the peak of the intermediate tensors live at once in operator order
//      (for training: every activation, kept for the backward pass, plus a
//      gradient of each; the weights with their gradients and optimizer
//      slots);
//   2. after memory planning, against the exact workspace the planner chose.
// `dlc run`/`dlc bench` check a compiled .so by its description. All sizes
// are computed with overflow checks (each tensor is bounded by
// kMaxTensorBytes; sums saturate).
//
// The limit is CompileOptions::maxMemoryBytes (`--max-memory` on the dlc
// commands); 0 means the default: the DLC_MAX_MEMORY environment variable
// when set, else the machine's physical memory.
//
// Thread-safety: every function is reentrant (resolveMemoryLimit reads the
// environment, so it must not race with setenv).
#ifndef DLC_RUNTIME_MEMORYLIMIT_H
#define DLC_RUNTIME_MEMORYLIMIT_H

#include "dlc/runtime/Status.h"
#include "dlc/runtime/dlc_abi.h"

#include <cstdint>
#include <optional>
#include <string>

namespace dlc {

/// Where a model's bytes go.
struct MemoryEstimate {
  /// Constant tensors of the file, times the copies training keeps of each
  /// (parameter, gradient, optimizer slots).
  uint64_t weightBytes = 0;
  /// Graph inputs and outputs at the batch size.
  uint64_t ioBytes = 0;
  /// Intermediate tensors: estimated from the graph, or the planner's exact
  /// workspace (times the workers that each own one).
  uint64_t workspaceBytes = 0;
  int64_t batch = 1;
  /// True when workspaceBytes is the planner's figure, not an estimate.
  bool planned = false;

  /// The sum, saturated at UINT64_MAX.
  uint64_t total() const;
};

/// Parses a byte count: "1048576", "512K", "64M", "2G", "1T" (powers of
/// 1024; "KB", "KiB", ... and lower case are accepted too). std::nullopt
/// when malformed, zero or beyond 2^64 - 1.
std::optional<uint64_t> parseByteSize(const std::string &text);

/// "1.50 GiB (1610612736 bytes)"; plain "N bytes" below 1 KiB.
std::string formatBytes(uint64_t bytes);

/// The limit to enforce: `requested` when non-zero, else DLC_MAX_MEMORY
/// (an error if it is set but malformed), else the physical memory.
StatusOr<uint64_t> resolveMemoryLimit(uint64_t requested);

/// The memory of running a compiled model on `threads` concurrent chunks of
/// its batch: inputs, outputs and one workspace per thread (weights live in
/// the compiled code and are not counted).
MemoryEstimate compiledModelMemory(const dlc_model_desc &desc, int threads);

/// An error naming `name`, the figure, its parts and the limit when
/// `estimate.total()` exceeds `limit`; success otherwise.
Status checkMemoryLimit(const MemoryEstimate &estimate, uint64_t limit,
                        const std::string &name);

} // namespace dlc

#endif // DLC_RUNTIME_MEMORYLIMIT_H
