// Runs a model compiled by `dlc compile` (a .so) through the installed
// runtime alone: load it, fill its inputs with a ramp, run one batch,
// print each output's shape and first values.
//
//   run_compiled MODEL.so [BATCH]
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/HostTensor.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: run_compiled MODEL.so [BATCH]\n");
    return 2;
  }
  auto model = dlc::CompiledModel::loadSharedLibrary(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "error: %s\n", model.status().message().c_str());
    return 1;
  }
  const dlc_model_desc &desc = (*model)->desc();
  int64_t batch = argc == 3 ? std::atoll(argv[2]) : desc.batch_size;
  std::vector<dlc::HostTensor> inputs;
  for (int32_t i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &in = desc.inputs[i];
    std::vector<int64_t> shape(in.shape, in.shape + in.rank);
    if (!(in.flags & DLC_TENSOR_UNBATCHED) && !shape.empty())
      shape[0] = batch;
    auto tensor =
        dlc::HostTensor::create(static_cast<dlc::DType>(in.dtype), shape);
    if (!tensor.ok() || tensor->dtype() != dlc::DType::F32) {
      std::fprintf(stderr, "error: input '%s' is not a float tensor\n",
                   in.name);
      return 1;
    }
    float *data = tensor->data<float>();
    for (int64_t k = 0; k < tensor->numElements(); ++k)
      data[k] = static_cast<float>(k % 17) / 17.0f;
    inputs.push_back(std::move(*tensor));
  }
  auto outputs = (*model)->run(inputs);
  if (!outputs.ok()) {
    std::fprintf(stderr, "error: %s\n", outputs.status().message().c_str());
    return 1;
  }
  for (int32_t i = 0; i < desc.num_outputs; ++i) {
    const dlc::HostTensor &out = (*outputs)[size_t(i)];
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
  return 0;
}
