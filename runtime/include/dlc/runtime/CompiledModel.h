// CompiledModel: runs a compiled model through its C ABI (dlc_abi.h).
//
// The same class serves shared libraries made by `dlc compile` (loaded with
// dlopen) and code the JIT produced in-process (fromFunctions); the JIT lives
// in the compiler, so this file needs neither LLVM nor MLIR.
//
// Batching: generated code is specialized for one batch size B
// (desc().batch_size), but run() accepts any batch N. It calls the model on
// consecutive chunks of B rows; the last, partial chunk is copied into a
// zero-padded staging buffer and only its N mod B valid rows are copied
// back. Full chunks are passed in place, without copies.
//
// A model that cannot be split that way -- it has no batched input (e.g.
// no input at all), or an output without a batch dimension (flagged
// DLC_TENSOR_UNBATCHED: a transpose that moves the batch, a constant) --
// runs whole instead: one call with every input at exactly its compiled
// shape, outputs at theirs.
//
// Threads: with RunOptions::threads > 1, chunks run concurrently on the
// process's ThreadPool, each worker with a workspace of its own.
//
// Thread-safety: run() may be called concurrently from several threads on
// one CompiledModel. Each call uses workspaces no other call holds (taken
// from a mutex-guarded free list and returned afterwards) and local staging
// buffers, and the ABI promises that dlc_model_infer keeps no state between
// calls.
#ifndef DLC_RUNTIME_COMPILEDMODEL_H
#define DLC_RUNTIME_COMPILEDMODEL_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/Status.h"
#include "dlc/runtime/dlc_abi.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace dlc {

/// The batch size to compile a model for when it will run batches of
/// `batch` images on `threads` threads. One thread takes the whole batch in
/// one call. With more, the batch is cut into about four chunks per thread,
/// handed out one at a time, so that a thread slowed down by other work on
/// its core (a shared machine) runs fewer chunks instead of holding up the
/// call; but chunks stay at 8 images or more (or a thread's share, if that
/// is smaller), because smaller batches reuse weights less (dense layers).
int64_t chunkBatchFor(int64_t batch, int threads);

struct RunOptions {
  /// Threads of the runtime's pool (ThreadPool::global()) for the call. With
  /// at least as many chunks of the compiled batch size as threads, they run
  /// chunks concurrently, each with its own workspace; otherwise (batch 1,
  /// or a model compiled for the whole batch) they share the tasks of each
  /// kernel (dlc_parallel in dlc_abi.h).
  int threads = 1;
};

class CompiledModel {
public:
  /// dlopen()s `path` (RTLD_NOW | RTLD_LOCAL), resolves dlc_model_describe
  /// and dlc_model_infer, and checks the description (ABI version, batch
  /// size, ranks, dtypes). The library stays loaded while the object lives.
  static StatusOr<std::unique_ptr<CompiledModel>>
  loadSharedLibrary(const std::string &path);

  /// Wraps functions that are already in memory (the JIT). `keepAlive` owns
  /// whatever backs the code and the description; it is released when the
  /// CompiledModel is destroyed. `name` is used in messages.
  static StatusOr<std::unique_ptr<CompiledModel>>
  fromFunctions(dlc_model_describe_fn describe, dlc_model_infer_fn infer,
                std::shared_ptr<void> keepAlive,
                const std::string &name = "<jit>");

  /// The model's description; valid as long as this object lives.
  const dlc_model_desc &desc() const { return *desc_; }
  /// The library path, or the name given to fromFunctions.
  const std::string &name() const { return name_; }
  /// The compiled entry point itself, for callers that bind buffers
  /// themselves (dlc::Trainer drives a training step through it).
  dlc_model_infer_fn function() const { return infer_; }
  /// Whether run() calls the model once at its compiled shapes rather than
  /// in chunks of the batch (see the top of this file).
  bool runsWhole() const { return !splittable_; }

  /// Runs the model on `inputs` (in desc().inputs order). Every input must
  /// have the described dtype and non-batch dims, and all batched inputs
  /// must share one batch size N >= 0; the outputs have batch N. Inputs
  /// flagged DLC_TENSOR_UNBATCHED (e.g. weights given as inputs) are passed
  /// whole to every chunk. A model that runs whole (see the top of this
  /// file) takes its inputs at exactly the described shapes, in one call
  /// whatever options.threads says. An input described as one element [1]
  /// (a graph's scalar) also takes a 0-d tensor, as ONNX Runtime does. A
  /// training step is refused: it updates inputs.
  StatusOr<std::vector<HostTensor>>
  run(const std::vector<HostTensor> &inputs,
      const RunOptions &options = RunOptions()) const;

private:
  CompiledModel() = default;
  static StatusOr<std::unique_ptr<CompiledModel>>
  create(dlc_model_describe_fn describe, dlc_model_infer_fn infer,
         std::shared_ptr<void> keepAlive, const std::string &name);
  /// The input count, and no training step.
  Status checkCall(const std::vector<HostTensor> &inputs) const;
  /// Input shapes of a chunked run; `batch` is their common dim 0.
  Status checkInputs(const std::vector<HostTensor> &inputs,
                     int64_t &batch) const;
  /// One call at the compiled shapes, for models that are not splittable_.
  StatusOr<std::vector<HostTensor>>
  runWhole(const std::vector<HostTensor> &inputs, int threads) const;
  /// Why the model runs whole, for messages ("output 1 'y' has no batch
  /// dimension").
  std::string whyWhole() const;
  /// Runs rows [start, start + rows) (rows <= batch size) into `outputs`.
  Status runChunk(const std::vector<HostTensor> &inputs,
                  std::vector<HostTensor> &outputs, int64_t start,
                  int64_t rows, void *workspace,
                  const dlc_parallel *parallel) const;

  std::string name_;
  std::shared_ptr<void> keepAlive_;
  const dlc_model_desc *desc_ = nullptr;
  dlc_model_infer_fn infer_ = nullptr;
  /// Bytes of one batch row of each input and output.
  std::vector<size_t> inputRowBytes_, outputRowBytes_;
  /// Whether run() splits the batch into chunks (a batched input and only
  /// batched outputs) rather than running the model whole.
  bool splittable_ = false;

  /// Workspaces are kept between runs (one per concurrent worker): a fresh
  /// allocation per call would page-fault the same memory in again every
  /// time. Guarded by the mutex, so concurrent run() calls stay safe.
  AlignedBuffer acquireWorkspace() const;
  void releaseWorkspace(AlignedBuffer workspace) const;
  mutable std::mutex workspaceMutex_;
  mutable std::vector<AlignedBuffer> freeWorkspaces_;
};

} // namespace dlc

#endif // DLC_RUNTIME_COMPILEDMODEL_H
