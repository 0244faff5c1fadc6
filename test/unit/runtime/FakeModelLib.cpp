// A stand-in for a model compiled by `dlc compile`, built as several small
// shared libraries to test CompiledModel::loadSharedLibrary:
//   (default)               a valid model: y = 2 * x, x and y float32 [2, 3]
//   DLC_FAKE_BAD_ABI        describes itself with ABI version 99
//   DLC_FAKE_NO_INFER       does not export dlc_model_infer
#include "dlc/runtime/dlc_abi.h"

namespace {

const int64_t kShape[] = {2, 3};
const dlc_tensor_desc kInput = {"x", DLC_DTYPE_F32, 2, kShape, 0};
const dlc_tensor_desc kOutput = {"y", DLC_DTYPE_F32, 2, kShape, 0};
#ifdef DLC_FAKE_BAD_ABI
constexpr uint32_t kAbi = 99;
#else
constexpr uint32_t kAbi = DLC_ABI_VERSION;
#endif
const dlc_model_desc kDesc = {kAbi, "fake", 2, 1, 1, &kInput, &kOutput, 0};

} // namespace

extern "C" {

__attribute__((visibility("default"))) const dlc_model_desc *
dlc_model_describe(void) {
  return &kDesc;
}

#ifndef DLC_FAKE_NO_INFER
__attribute__((visibility("default"))) int32_t
dlc_model_infer(void *const *inputs, void *const *outputs, void *workspace,
                const dlc_parallel *) {
  (void)workspace;
  const float *x = static_cast<const float *>(inputs[0]);
  float *y = static_cast<float *>(outputs[0]);
  for (int i = 0; i < 6; ++i)
    y[i] = 2.0f * x[i];
  return 0;
}
#endif

} // extern "C"
