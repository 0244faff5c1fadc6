// Runs a model compiled by `dlc compile` (a .so) through the installed
// runtime alone: load it, fill its inputs with a ramp, run one batch,
// print each output's shape and first values.
//
//   run_compiled MODEL.so [BATCH]
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/HostTensor.h"

#include "RampIO.h"

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
  auto inputs = rampInputs(desc, batch);
  if (!inputs.ok()) {
    std::fprintf(stderr, "error: %s\n", inputs.status().message().c_str());
    return 1;
  }
  auto outputs = (*model)->run(*inputs);
  if (!outputs.ok()) {
    std::fprintf(stderr, "error: %s\n", outputs.status().message().c_str());
    return 1;
  }
  printOutputs(desc, *outputs);
  return 0;
}
