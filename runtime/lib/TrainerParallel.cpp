// Trainer::parallelStep: one training step split over two threads.
//
// Each half of the batch runs the compiled `gradients` on its own thread,
// workspace and outputs (the parameters are only read); the host averages
// the two gradients weighted by rows, in a fixed order, so the result does
// not depend on which thread finishes first; the compiled
// `apply_gradients` then updates parameters and state in place.
#include "dlc/runtime/Trainer.h"

#include "dlc/runtime/ThreadPool.h"

#include <cstring>

namespace dlc {
namespace {
/// Checks everything but the batch dimension.
Status checkRows(const HostTensor &t, const dlc_tensor_desc &d,
                 const std::string &what) {
  bool ok = int32_t(t.dtype()) == d.dtype && int64_t(t.rank()) == d.rank;
  for (int k = 1; ok && k < d.rank; ++k)
    ok = t.dim(size_t(k)) == d.shape[k];
  if (ok)
    return Status::success();
  return Status::error(what + " '" + d.name + "': expected " +
                       dtypeName(DType(d.dtype)) + " " +
                       shapeToString(d.shape, size_t(d.rank)) +
                       " (any batch), got " + t.describe());
}

} // namespace

StatusOr<float> Trainer::parallelStep(const HostTensor &inputs,
                                      const HostTensor &labels,
                                      HostTensor *predictions) {
  const int64_t n = inputs.dim(0);
  const int64_t rows[2] = {(n + 1) / 2, n / 2};
  const size_t inRow = inputs.byteSize() / size_t(n);
  const size_t labelRow = labels.byteSize() / size_t(n);
  Variant *code[2];
  for (int p = 0; p < 2; ++p) {
    StatusOr<Variant *> v = variant(rows[p], StepKind::Gradients);
    if (!v.ok())
      return v.status();
    code[p] = *v;
    const dlc_model_desc &desc = code[p]->code->desc();
    for (int i = 0; i < desc.num_inputs; ++i) {
      const dlc_tensor_desc &d = desc.inputs[i];
      if (std::string(d.name) == "labels")
        DLC_RETURN_IF_ERROR(checkRows(labels, d, "labels"));
      else if (!(d.flags & (DLC_TENSOR_UNBATCHED | DLC_TENSOR_PARAMETER |
                            DLC_TENSOR_OPTIMIZER_STATE)))
        DLC_RETURN_IF_ERROR(checkRows(inputs, d, "input"));
    }
    Part &part = parts_[p];
    // Outputs and a workspace of this part's size, made once.
    if (part.workspaceBytes < desc.workspace_bytes) {
      part.workspace = allocateAligned(size_t(desc.workspace_bytes), false);
      if (!part.workspace)
        return Status::error("cannot allocate a training workspace");
      part.workspaceBytes = desc.workspace_bytes;
    }
    for (int o = 1; o < desc.num_outputs; ++o) {
      const dlc_tensor_desc &d = desc.outputs[o];
      std::vector<int64_t> shape(d.shape, d.shape + d.rank);
      HostTensor &slot = o == 1 ? part.output : part.gradients[d.name];
      if (slot.shape() != shape) {
        StatusOr<HostTensor> t = HostTensor::create(DType::F32, shape);
        if (!t.ok())
          return t.status();
        slot = std::move(*t);
      }
    }
  }
  // The step's hyper-parameters: the updates read them, and so does a
  // dropout mask (the step number).
  float hyper[3];
  hyperParameters(hyper);
  // The two parts run concurrently, each on its rows, its workspace and
  // its outputs; parameters are only read.
  Status status[2] = {Status::success(), Status::success()};
  ThreadPool::global().parallelFor(2, 2, [&](int64_t p) {
    const dlc_model_desc &desc = code[p]->code->desc();
    int64_t start = p == 0 ? 0 : rows[0];
    StatusOr<std::vector<void *>> in = bindInputs(
        desc, static_cast<const uint8_t *>(inputs.rawData()) + start * inRow,
        static_cast<const uint8_t *>(labels.rawData()) + start * labelRow,
        hyper, nullptr);
    if (!in.ok()) {
      status[p] = in.status();
      return;
    }
    Part &part = parts_[p];
    std::vector<void *> out{&part.loss, part.output.rawData()};
    for (int o = 2; o < desc.num_outputs; ++o)
      out.push_back(part.gradients.at(desc.outputs[o].name).rawData());
    if (code[p]->code->function()(in->data(), out.data(),
                                  part.workspace.get(), nullptr) != 0)
      status[p] = Status::error("the gradient step failed");
  });
  for (const Status &st : status)
    if (!st.ok())
      return st;

  // The batch's gradient is the row-weighted mean of the parts' gradients
  // (each is a mean over its rows); summed in a fixed order.
  const float w0 = float(rows[0]) / float(n), w1 = float(rows[1]) / float(n);
  for (auto &[name, g0] : parts_[0].gradients) {
    float *a = g0.data<float>();
    const float *b = parts_[1].gradients.at(name).data<float>();
    for (int64_t i = 0; i < g0.numElements(); ++i)
      a[i] = w0 * a[i] + w1 * b[i];
  }
  StatusOr<Variant *> apply = variant(0, StepKind::ApplyGradients);
  if (!apply.ok())
    return apply.status();
  StatusOr<std::vector<void *>> in = bindInputs(
      (*apply)->code->desc(), nullptr, nullptr, hyper, &parts_[0]);
  if (!in.ok())
    return in.status();
  if ((*apply)->code->function()(in->data(), nullptr,
                                 (*apply)->workspace.get(), nullptr) != 0)
    return Status::error("the optimizer update failed");

  if (predictions) {
    std::vector<int64_t> shape = parts_[0].output.shape();
    shape[0] = n;
    // Reuses the caller's tensor when it has the shape (every full batch).
    if (predictions->shape() != shape || predictions->dtype() != DType::F32) {
      StatusOr<HostTensor> all = HostTensor::create(DType::F32, shape);
      if (!all.ok())
        return all.status();
      *predictions = std::move(*all);
    }
    size_t bytes0 = parts_[0].output.byteSize();
    std::memcpy(predictions->rawData(), parts_[0].output.rawData(), bytes0);
    std::memcpy(static_cast<uint8_t *>(predictions->rawData()) + bytes0,
                parts_[1].output.rawData(), parts_[1].output.byteSize());
  }
  return w0 * parts_[0].loss + w1 * parts_[1].loss;
}

} // namespace dlc
