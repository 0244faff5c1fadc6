// What both installed examples do around the model call: inputs filled with
// a deterministic ramp (the batch dimension set to the batch asked for), and
// each output printed as its name, shape and first values.
#ifndef DLC_EXAMPLES_RAMPIO_H
#define DLC_EXAMPLES_RAMPIO_H

#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/HostTensor.h"

#include <cstdio>
#include <vector>

/// Ramp inputs for `desc` at `batch`; a non-float input is an error.
inline dlc::StatusOr<std::vector<dlc::HostTensor>>
rampInputs(const dlc_model_desc &desc, int64_t batch) {
  std::vector<dlc::HostTensor> inputs;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &in = desc.inputs[i];
    std::vector<int64_t> shape(in.shape, in.shape + in.rank);
    if (!(in.flags & DLC_TENSOR_UNBATCHED) && !shape.empty())
      shape[0] = batch;
    auto tensor =
        dlc::HostTensor::create(static_cast<dlc::DType>(in.dtype), shape);
    if (!tensor.ok())
      return tensor.status();
    if (tensor->dtype() != dlc::DType::F32)
      return dlc::Status::error(std::string("input '") + in.name +
                                "' is not a float tensor");
    float *data = tensor->data<float>();
    for (int64_t k = 0; k < tensor->numElements(); ++k)
      data[k] = static_cast<float>(k % 17) / 17.0f;
    inputs.push_back(std::move(*tensor));
  }
  return inputs;
}

/// "name: [d0, d1] v0 v1 v2 v3" per output.
inline void printOutputs(const dlc_model_desc &desc,
                         const std::vector<dlc::HostTensor> &outputs) {
  for (int32_t i = 0; i < desc.num_outputs; ++i) {
    const dlc::HostTensor &out = outputs[size_t(i)];
    std::printf("%s: [", desc.outputs[i].name);
    for (size_t d = 0; d < out.shape().size(); ++d)
      std::printf("%s%lld", d ? ", " : "",
                  static_cast<long long>(out.shape()[d]));
    std::printf("]");
    if (out.dtype() == dlc::DType::F32)
      for (int64_t k = 0; k < out.numElements() && k < 4; ++k)
        std::printf(" %.5f", double(out.data<float>()[k]));
    std::printf("\n");
  }
}

#endif // DLC_EXAMPLES_RAMPIO_H
