/*
 * Calling a model compiled by `dlc compile` from plain C, with no dlc
 * library at all: open the shared library, read its description, run it.
 *
 *   dlc compile examples/mnist_cnn.fb --batch 4 -o mnist_cnn.so
 *   run_from_c ./mnist_cnn.so
 *
 * The C ABI is runtime/include/dlc/runtime/dlc_abi.h.
 */
#include "dlc/runtime/dlc_abi.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

static int64_t elements(const dlc_tensor_desc *t) {
  int64_t n = 1;
  for (int32_t d = 0; d < t->rank; ++d)
    n *= t->shape[d];
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: run_from_c MODEL.so\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "error: %s\n", dlerror());
    return 1;
  }
  dlc_model_describe_fn describe =
      (dlc_model_describe_fn)dlsym(lib, DLC_MODEL_DESCRIBE_SYMBOL);
  dlc_model_infer_fn infer =
      (dlc_model_infer_fn)dlsym(lib, DLC_MODEL_INFER_SYMBOL);
  if (!describe || !infer) {
    fprintf(stderr, "error: %s is not a dlc model\n", argv[1]);
    return 1;
  }
  const dlc_model_desc *desc = describe();
  if (desc->abi_version != DLC_ABI_VERSION || desc->num_inputs != 1 ||
      desc->num_outputs != 1) {
    fprintf(stderr, "error: expected ABI %d with one input and one output\n",
            DLC_ABI_VERSION);
    return 1;
  }
  printf("model %s: batch %lld, workspace %lld bytes\n", desc->name,
         (long long)desc->batch_size, (long long)desc->workspace_bytes);

  /* Inputs and outputs: dense row-major buffers of the described shapes;
   * the workspace: 64-byte aligned. A mid-grey image for every row. */
  int64_t inCount = elements(&desc->inputs[0]);
  int64_t outCount = elements(&desc->outputs[0]);
  float *input = malloc(sizeof(float) * (size_t)inCount);
  float *output = malloc(sizeof(float) * (size_t)outCount);
  size_t wsBytes = ((size_t)desc->workspace_bytes + 63) / 64 * 64;
  void *workspace = wsBytes ? aligned_alloc(64, wsBytes) : NULL;
  if (!input || !output || (wsBytes && !workspace)) {
    fprintf(stderr, "error: out of memory\n");
    return 1;
  }
  for (int64_t i = 0; i < inCount; ++i)
    input[i] = 0.5f;

  void *inputs[1] = {input};
  void *outputs[1] = {output};
  /* NULL: no thread pool, everything runs on this thread (dlc_abi.h says
   * how to lend the model one). */
  int32_t rc = infer(inputs, outputs, workspace, NULL);
  if (rc != 0) {
    fprintf(stderr, "error: dlc_model_infer returned %d\n", rc);
    return 1;
  }
  /* Each row of the softmax output sums to 1. */
  int64_t rows = desc->outputs[0].shape[0];
  int64_t cols = outCount / rows;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t c = 0; c < cols; ++c)
      sum += output[r * cols + c];
    printf("row %lld: %s sums to %.4f\n", (long long)r,
           desc->outputs[0].name, sum);
  }
  free(input);
  free(output);
  free(workspace);
  dlclose(lib);
  return 0;
}
