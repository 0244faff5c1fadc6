// CompiledModel: loading compiled models and running them in batch chunks.
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/ThreadPool.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <dlfcn.h>

namespace dlc {
namespace {

/// Upper bounds on what a description may claim; anything beyond is a
/// corrupt or hostile description rather than a real model.
constexpr int64_t kMaxBatch = 1 << 24;
constexpr int32_t kMaxTensorsPerSide = 4096;

std::string tensorName(const dlc_tensor_desc &d, const char *kind, int i) {
  return std::string(kind) + " " + std::to_string(i) + " '" +
         (d.name ? d.name : "") + "'";
}

/// The expected shape with the batch shown as N: `[N, 28, 28, 1]`.
std::string expectedShape(const dlc_tensor_desc &d) {
  std::string s = shapeToString(d.shape, size_t(d.rank));
  return "[N" + s.substr(s.find_first_of(",]"));
}

/// Validates one tensor description and computes the bytes of one row.
Status checkTensorDesc(const dlc_tensor_desc &d, int64_t batch,
                       const std::string &what, size_t &rowBytes) {
  if (!isValidDType(d.dtype))
    return Status::error(what + " has invalid dtype " +
                         std::to_string(d.dtype));
  bool unbatched = d.flags & DLC_TENSOR_UNBATCHED;
  if (d.rank < (unbatched ? 0 : 1) || d.rank > kMaxTensorRank ||
      (d.rank > 0 && !d.shape))
    return Status::error(what + " has invalid rank " + std::to_string(d.rank));
  if (unbatched) {
    // Passed whole: its "row" is the entire tensor.
    std::vector<int64_t> shape(d.shape, d.shape + d.rank);
    size_t elemSize = dtypeSize(DType(d.dtype));
    StatusOr<int64_t> n = checkedNumElements(shape, elemSize);
    if (!n.ok())
      return n.status().withPrefix(what);
    rowBytes = size_t(*n) * elemSize;
    return Status::success();
  }
  if (d.shape[0] != batch)
    return Status::error(what + " has batch dim " + std::to_string(d.shape[0]) +
                         ", but the model's batch size is " +
                         std::to_string(batch));
  std::vector<int64_t> row(d.shape + 1, d.shape + d.rank);
  size_t elemSize = dtypeSize(DType(d.dtype));
  StatusOr<int64_t> n = checkedNumElements(row, elemSize);
  if (!n.ok())
    return n.status().withPrefix(what);
  rowBytes = size_t(*n) * elemSize;
  if (rowBytes != 0 && uint64_t(batch) > kMaxTensorBytes / rowBytes)
    return Status::error(what + " is too large");
  return Status::success();
}

} // namespace

StatusOr<std::unique_ptr<CompiledModel>>
CompiledModel::loadSharedLibrary(const std::string &path) {
  // Without a slash dlopen searches the library path, not the current
  // directory, which is never what `dlc run model.so` means.
  std::string loadPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  void *handle = ::dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return Status::error(path + ": cannot load the compiled model: " +
                         (why ? why : "unknown dlopen error"));
  }
  std::shared_ptr<void> keepAlive(handle, [](void *h) { ::dlclose(h); });
  void *describe = ::dlsym(handle, DLC_MODEL_DESCRIBE_SYMBOL);
  void *infer = ::dlsym(handle, DLC_MODEL_INFER_SYMBOL);
  if (!describe || !infer)
    return Status::error(
        path + ": not a dlc compiled model: it does not export " +
        (!describe ? DLC_MODEL_DESCRIBE_SYMBOL : DLC_MODEL_INFER_SYMBOL));
  return create(reinterpret_cast<dlc_model_describe_fn>(describe),
                reinterpret_cast<dlc_model_infer_fn>(infer),
                std::move(keepAlive), path);
}

StatusOr<std::unique_ptr<CompiledModel>> CompiledModel::fromFunctions(
    dlc_model_describe_fn describe, dlc_model_infer_fn infer,
    std::shared_ptr<void> keepAlive, const std::string &name) {
  return create(describe, infer, std::move(keepAlive), name);
}

StatusOr<std::unique_ptr<CompiledModel>>
CompiledModel::create(dlc_model_describe_fn describe, dlc_model_infer_fn infer,
                      std::shared_ptr<void> keepAlive,
                      const std::string &name) {
  if (!describe || !infer)
    return Status::error(name + ": missing describe or infer function");
  const dlc_model_desc *d = describe();
  if (!d)
    return Status::error(name + ": dlc_model_describe returned null");
  if (d->abi_version != DLC_ABI_VERSION)
    return Status::error(name + ": the model uses ABI version " +
                         std::to_string(d->abi_version) +
                         ", but this runtime supports version " +
                         std::to_string(DLC_ABI_VERSION) +
                         "; recompile the model with this dlc");
  const std::string invalid = name + ": invalid model description";
  if (d->batch_size < 1 || d->batch_size > kMaxBatch)
    return Status::error(invalid + ": batch size " +
                         std::to_string(d->batch_size));
  // A function without outputs updates its inputs in place (a training
  // step's optimizer update); one without inputs computes its outputs from
  // its weights alone.
  if (d->num_inputs < 0 || d->num_inputs > kMaxTensorsPerSide ||
      d->num_outputs < 0 || d->num_outputs > kMaxTensorsPerSide ||
      (d->num_inputs > 0 && !d->inputs) ||
      (d->num_outputs > 0 && !d->outputs))
    return Status::error(invalid + ": " + std::to_string(d->num_inputs) +
                         " inputs and " + std::to_string(d->num_outputs) +
                         " outputs");
  if (d->workspace_bytes < 0 || uint64_t(d->workspace_bytes) > kMaxTensorBytes)
    return Status::error(invalid + ": workspace of " +
                         std::to_string(d->workspace_bytes) + " bytes");

  std::unique_ptr<CompiledModel> m(new CompiledModel());
  for (int i = 0; i < d->num_inputs; ++i) {
    size_t bytes = 0;
    DLC_RETURN_IF_ERROR(checkTensorDesc(d->inputs[i], d->batch_size,
                                        tensorName(d->inputs[i], "input", i),
                                        bytes)
                            .withPrefix(invalid));
    m->inputRowBytes_.push_back(bytes);
  }
  for (int i = 0; i < d->num_outputs; ++i) {
    size_t bytes = 0;
    DLC_RETURN_IF_ERROR(checkTensorDesc(d->outputs[i], d->batch_size,
                                        tensorName(d->outputs[i], "output", i),
                                        bytes)
                            .withPrefix(invalid));
    m->outputRowBytes_.push_back(bytes);
  }
  // Chunks need a batch to split (a batched input) and a place for every
  // output's rows (no unbatched output); otherwise run() calls the model
  // once, at its compiled shapes.
  bool batchedInput = false, unbatchedOutput = false;
  for (int i = 0; i < d->num_inputs; ++i)
    batchedInput |= !(d->inputs[i].flags & DLC_TENSOR_UNBATCHED);
  for (int o = 0; o < d->num_outputs; ++o)
    unbatchedOutput |= bool(d->outputs[o].flags & DLC_TENSOR_UNBATCHED);
  m->splittable_ = batchedInput && !unbatchedOutput;
  m->name_ = name;
  m->keepAlive_ = std::move(keepAlive);
  m->desc_ = d;
  m->infer_ = infer;
  return m;
}

Status CompiledModel::checkCall(const std::vector<HostTensor> &inputs) const {
  const dlc_model_desc &d = *desc_;
  if (inputs.size() != size_t(d.num_inputs))
    return Status::error(name_ + ": the model takes " +
                         std::to_string(d.num_inputs) + " inputs, but " +
                         std::to_string(inputs.size()) + " were given");
  for (int i = 0; i < d.num_inputs; ++i)
    if (d.inputs[i].flags & DLC_TENSOR_UPDATED)
      return Status::error(name_ + ": is a training step (it updates " +
                           tensorName(d.inputs[i], "input", i) +
                           " in place); drive it with dlc::Trainer");
  return Status::success();
}

namespace {
/// A scalar (0-d) tensor given for an input described as one element [1]:
/// dlc holds a graph's scalar inputs as one-element vectors, ONNX Runtime
/// takes them as 0-d arrays; the bytes are the same.
bool isScalarFor(const HostTensor &t, const dlc_tensor_desc &td) {
  return t.rank() == 0 && td.rank == 1 && td.shape[0] == 1 &&
         int32_t(t.dtype()) == td.dtype;
}
} // namespace

Status CompiledModel::checkInputs(const std::vector<HostTensor> &inputs,
                                  int64_t &batch) const {
  const dlc_model_desc &d = *desc_;
  int first = -1;
  for (int i = 0; i < d.num_inputs; ++i) {
    const dlc_tensor_desc &td = d.inputs[i];
    const HostTensor &t = inputs[i];
    bool unbatched = td.flags & DLC_TENSOR_UNBATCHED;
    if (isScalarFor(t, td)) {
      // A batch of one, if the input is batched at all.
      if (!unbatched && first >= 0 && batch != 1)
        return Status::error(name_ + ": " + tensorName(td, "input", i) +
                             " is a scalar (batch 1), but input " +
                             std::to_string(first) + " has batch " +
                             std::to_string(batch));
      if (!unbatched && first < 0) {
        first = i;
        batch = 1;
      }
      continue;
    }
    bool match =
        int32_t(t.dtype()) == td.dtype && int64_t(t.rank()) == int64_t(td.rank);
    for (size_t k = unbatched ? 0 : 1; match && k < t.rank(); ++k)
      match = t.dim(k) == td.shape[k];
    if (!match)
      return Status::error(name_ + ": " + tensorName(td, "input", i) +
                           ": expected " + dtypeName(DType(td.dtype)) + " " +
                           (unbatched ? shapeToString(td.shape, size_t(td.rank))
                                      : expectedShape(td)) +
                           ", got " + t.describe());
    if (unbatched)
      continue;
    if (first < 0) {
      first = i;
      batch = t.dim(0);
    } else if (t.dim(0) != batch) {
      return Status::error(name_ + ": " + tensorName(td, "input", i) +
                           " has batch " + std::to_string(t.dim(0)) +
                           ", but input " + std::to_string(first) +
                           " has batch " + std::to_string(batch));
    }
  }
  return Status::success();
}

std::string CompiledModel::whyWhole() const {
  const dlc_model_desc &d = *desc_;
  for (int o = 0; o < d.num_outputs; ++o)
    if (d.outputs[o].flags & DLC_TENSOR_UNBATCHED)
      return tensorName(d.outputs[o], "output", o) + " has no batch dimension";
  return d.num_inputs == 0 ? "the model has no inputs"
                           : "the model has no batched input";
}

StatusOr<std::vector<HostTensor>>
CompiledModel::runWhole(const std::vector<HostTensor> &inputs,
                        int threads) const {
  const dlc_model_desc &d = *desc_;
  std::vector<void *> inPtrs, outPtrs;
  for (int i = 0; i < d.num_inputs; ++i) {
    const dlc_tensor_desc &td = d.inputs[i];
    const HostTensor &t = inputs[size_t(i)];
    std::vector<int64_t> want(td.shape, td.shape + td.rank);
    if ((int32_t(t.dtype()) != td.dtype || t.shape() != want) &&
        !isScalarFor(t, td))
      return Status::error(name_ + ": " + tensorName(td, "input", i) +
                           ": expected " + dtypeName(DType(td.dtype)) + " " +
                           shapeToString(want) + ", got " + t.describe() +
                           " (" + whyWhole() +
                           ", so it runs whole, at its compiled shapes)");
    // The ABI never writes inputs (see runChunk).
    inPtrs.push_back(const_cast<void *>(t.rawData()));
  }
  std::vector<HostTensor> outputs;
  for (int o = 0; o < d.num_outputs; ++o) {
    const dlc_tensor_desc &td = d.outputs[o];
    StatusOr<HostTensor> t = HostTensor::create(
        DType(td.dtype), std::vector<int64_t>(td.shape, td.shape + td.rank));
    if (!t.ok())
      return t.status().withPrefix(name_ + ": " + tensorName(td, "output", o));
    outputs.push_back(std::move(*t));
    outPtrs.push_back(outputs.back().rawData());
  }
  AlignedBuffer workspace;
  if (d.workspace_bytes > 0) {
    workspace = acquireWorkspace();
    if (!workspace)
      return Status::error(name_ + ": cannot allocate the workspace of " +
                           std::to_string(d.workspace_bytes) + " bytes");
  }
  KernelThreads kernelThreads(threads);
  int32_t rc = infer_(inPtrs.data(), outPtrs.data(), workspace.get(),
                      kernelThreads.parallel());
  if (workspace)
    releaseWorkspace(std::move(workspace));
  if (rc != 0)
    return Status::error(name_ + ": dlc_model_infer failed with code " +
                         std::to_string(rc));
  return outputs;
}

StatusOr<std::vector<HostTensor>>
CompiledModel::run(const std::vector<HostTensor> &inputs,
                   const RunOptions &options) const {
  const dlc_model_desc &d = *desc_;
  DLC_RETURN_IF_ERROR(checkCall(inputs));
  if (!splittable_)
    return runWhole(inputs, std::max(options.threads, 1));
  int64_t n = 0;
  DLC_RETURN_IF_ERROR(checkInputs(inputs, n));
  const int64_t b = d.batch_size;
  const size_t numOut = size_t(d.num_outputs);

  std::vector<HostTensor> outputs;
  for (size_t o = 0; o < numOut; ++o) {
    const dlc_tensor_desc &td = d.outputs[o];
    std::vector<int64_t> shape(td.shape, td.shape + td.rank);
    shape[0] = n;
    StatusOr<HostTensor> t = HostTensor::create(DType(td.dtype), shape);
    if (!t.ok())
      return t.status().withPrefix(name_ + ": " +
                                   tensorName(td, "output", int(o)));
    outputs.push_back(std::move(*t));
  }

  // Chunks of the compiled batch are independent. With at least as many
  // chunks as threads, whole chunks run concurrently (no synchronisation
  // inside a call): they are handed out one at a time (ThreadPool::
  // parallelFor is dynamic), so a thread slowed down by other work on its
  // core runs fewer chunks instead of holding up the whole call; each
  // running chunk takes a workspace from the free list, so at most
  // `workers` workspaces exist at once. With fewer chunks (batch 1, or a
  // model compiled for the whole batch) the chunks run in turn and the
  // threads share each kernel's tasks instead.
  const int64_t chunks = (n + b - 1) / b;
  const int threads = std::max(options.threads, 1);
  const bool threadsTakeChunks = chunks >= threads;
  const int workers = threadsTakeChunks ? threads : 1;
  KernelThreads kernelThreads(threadsTakeChunks ? 1 : threads);
  std::vector<Status> status(size_t(chunks), Status::success());
  std::atomic<bool> failed{false};
  auto work = [&](int64_t c) {
    if (failed.load(std::memory_order_relaxed))
      return;
    AlignedBuffer workspace;
    if (d.workspace_bytes > 0) {
      workspace = acquireWorkspace();
      if (!workspace) {
        status[size_t(c)] =
            Status::error(name_ + ": cannot allocate the workspace of " +
                          std::to_string(d.workspace_bytes) + " bytes");
        failed = true;
        return;
      }
    }
    status[size_t(c)] =
        runChunk(inputs, outputs, c * b, std::min(b, n - c * b),
                 workspace.get(), kernelThreads.parallel());
    if (!status[size_t(c)].ok())
      failed = true;
    if (workspace)
      releaseWorkspace(std::move(workspace));
  };
  if (workers == 1) {
    for (int64_t c = 0; c < chunks && !failed; ++c)
      work(c);
  } else {
    ThreadPool::global().parallelFor(chunks, workers, work);
  }
  for (const Status &s : status)
    if (!s.ok())
      return s;
  return outputs;
}

int64_t chunkBatchFor(int64_t batch, int threads) {
  constexpr int64_t kChunksPerThread = 4, kMinChunk = 8;
  if (threads <= 1 || batch <= 1)
    return std::max<int64_t>(batch, 1);
  int64_t share = (batch + threads - 1) / threads;
  int64_t small = (batch + threads * kChunksPerThread - 1) /
                  (threads * kChunksPerThread);
  return std::max(small, std::min(share, kMinChunk));
}

AlignedBuffer CompiledModel::acquireWorkspace() const {
  {
    std::lock_guard<std::mutex> lock(workspaceMutex_);
    if (!freeWorkspaces_.empty()) {
      AlignedBuffer workspace = std::move(freeWorkspaces_.back());
      freeWorkspaces_.pop_back();
      return workspace;
    }
  }
  return allocateAligned(size_t(desc_->workspace_bytes), false);
}

void CompiledModel::releaseWorkspace(AlignedBuffer workspace) const {
  std::lock_guard<std::mutex> lock(workspaceMutex_);
  freeWorkspaces_.push_back(std::move(workspace));
}

Status CompiledModel::runChunk(const std::vector<HostTensor> &inputs,
                               std::vector<HostTensor> &outputs, int64_t start,
                               int64_t rows, void *workspace,
                               const dlc_parallel *parallel) const {
  const int64_t b = desc_->batch_size;
  const size_t numIn = inputs.size(), numOut = outputs.size();
  const bool partial = rows < b;
  // A partial last chunk runs on zero-padded copies of full batch size.
  std::vector<AlignedBuffer> stageIn, stageOut;
  std::vector<void *> inPtrs(numIn), outPtrs(numOut);
  for (size_t i = 0; i < numIn; ++i) {
    // The ABI never writes inputs; the pointer type is only non-const so
    // that inputs and outputs share one C signature.
    bool unbatched = desc_->inputs[i].flags & DLC_TENSOR_UNBATCHED;
    auto *src = const_cast<uint8_t *>(
        static_cast<const uint8_t *>(inputs[i].rawData()) +
        (unbatched ? 0 : size_t(start) * inputRowBytes_[i]));
    if (!partial || unbatched) {
      inPtrs[i] = src;
      continue;
    }
    stageIn.push_back(allocateAligned(size_t(b) * inputRowBytes_[i], true));
    if (!stageIn.back())
      return Status::error(name_ + ": cannot allocate staging buffers");
    std::memcpy(stageIn.back().get(), src, size_t(rows) * inputRowBytes_[i]);
    inPtrs[i] = stageIn.back().get();
  }
  for (size_t o = 0; o < numOut; ++o) {
    if (!partial) {
      outPtrs[o] = static_cast<uint8_t *>(outputs[o].rawData()) +
                   size_t(start) * outputRowBytes_[o];
      continue;
    }
    stageOut.push_back(allocateAligned(size_t(b) * outputRowBytes_[o], false));
    if (!stageOut.back())
      return Status::error(name_ + ": cannot allocate staging buffers");
    outPtrs[o] = stageOut.back().get();
  }
  int32_t rc = infer_(inPtrs.data(), outPtrs.data(), workspace, parallel);
  if (rc != 0)
    return Status::error(name_ + ": dlc_model_infer failed with code " +
                         std::to_string(rc) + " on rows " +
                         std::to_string(start) + ".." +
                         std::to_string(start + rows - 1));
  if (partial)
    for (size_t o = 0; o < numOut; ++o)
      std::memcpy(static_cast<uint8_t *>(outputs[o].rawData()) +
                      size_t(start) * outputRowBytes_[o],
                  stageOut[o].get(), size_t(rows) * outputRowBytes_[o]);
  return Status::success();
}

} // namespace dlc
