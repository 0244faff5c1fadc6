/*
 * The C ABI of a model compiled by dlc.
 *
 * Every compiled model -- a shared library made by `dlc compile`, or code the
 * JIT produced in-process -- exports the same two C symbols:
 *
 *   const dlc_model_desc *dlc_model_describe(void);
 *   int32_t dlc_model_infer(void *const *inputs, void *const *outputs,
 *                           void *workspace, const dlc_parallel *parallel);
 *
 * `dlc_model_describe` returns a pointer to static, immutable data: the ABI
 * version, the batch size the code was specialized for, the inputs and
 * outputs (name, dtype, shape) in the order `dlc_model_infer` takes them, and
 * the size of the workspace the caller must provide.
 *
 * `dlc_model_infer` reads `inputs[i]` (dense, row-major, with exactly the
 * described shape) and writes `outputs[i]`. `workspace` points to at least
 * `workspace_bytes` bytes aligned to 64 bytes (it may be NULL when
 * `workspace_bytes` is 0); it holds every intermediate result, so the call
 * performs no heap allocation of its own. Returns 0 on success.
 *
 * `parallel` lends the call a thread pool (it may be NULL: everything then
 * runs on the calling thread). A kernel whose tiles are independent tasks
 * calls `parallel->parallel_for(parallel->pool, n, task, args)` once, and
 * expects it to run `task(args, i)` for every i in [0, n) -- in any order,
 * on any threads, the calling one included -- and to return when all have
 * finished. A task's scratch lives on the stack of the thread that runs it
 * (at most 1 MiB by default, see dlc-form-parallel-tasks), so the pool's
 * threads need ordinary stack sizes. The model has no threads of its own
 * and needs nothing but libc.
 *
 * Thread-safety: `dlc_model_infer` keeps no state between calls. Concurrent
 * calls are safe as long as each uses its own outputs and workspace (and,
 * for a training step, its own DLC_TENSOR_UPDATED inputs); they may share
 * one `parallel` if its parallel_for may be called concurrently.
 *
 * A training step (made by `dlc train` or dlc::Trainer) has the same two
 * symbols: its inputs are the data, the labels, the step's hyper-parameters
 * ("hyper": three floats, the learning rate, the step size and the 0-based
 * step number that dropout masks are drawn from), the parameters and the
 * optimizer state, the last two flagged DLC_TENSOR_UPDATED and overwritten
 * by the call; its outputs are the loss and the model's output for the
 * batch.
 *
 * This header is plain C and needs neither LLVM nor MLIR.
 */
#ifndef DLC_RUNTIME_DLC_ABI_H
#define DLC_RUNTIME_DLC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DLC_ABI_VERSION 3

/* Element types; the values match the model schema's DType. */
enum dlc_dtype {
  DLC_DTYPE_F32 = 0,
  DLC_DTYPE_I32 = 1,
  DLC_DTYPE_I64 = 2,
  DLC_DTYPE_U8 = 3,
};

/* Bits of dlc_tensor_desc.flags. */
enum dlc_tensor_flags {
  /* shape[0] is not the batch: the tensor is passed whole (parameters,
     optimizer state, a training step's hyper-parameters and loss). */
  DLC_TENSOR_UNBATCHED = 1,
  /* An input the call overwrites with its new value (a training step
     updates parameters and optimizer state in place). */
  DLC_TENSOR_UPDATED = 2,
  /* A trainable parameter of the model (named like its tensor). */
  DLC_TENSOR_PARAMETER = 4,
  /* Optimizer state of a parameter ("<param>/m", "<param>/v", ...). */
  DLC_TENSOR_OPTIMIZER_STATE = 8,
  /* With DLC_TENSOR_PARAMETER: model state the training step updates
     itself rather than the optimizer (batch norm's moving mean and
     variance), so it has no gradient and no optimizer state. */
  DLC_TENSOR_NOT_TRAINABLE = 16,
};

typedef struct dlc_tensor_desc {
  const char *name;
  int32_t dtype; /* enum dlc_dtype */
  int32_t rank;
  const int64_t *shape; /* rank entries; shape[0] is the batch unless
                           DLC_TENSOR_UNBATCHED */
  int32_t flags;        /* enum dlc_tensor_flags */
} dlc_tensor_desc;

typedef struct dlc_model_desc {
  uint32_t abi_version; /* DLC_ABI_VERSION */
  const char *name;
  int64_t batch_size;
  int32_t num_inputs;
  int32_t num_outputs;
  const dlc_tensor_desc *inputs;
  const dlc_tensor_desc *outputs;
  int64_t workspace_bytes;
} dlc_model_desc;

/* One task of a kernel: `args` is the kernel's argument array, `task` the
   task's index. */
typedef void (*dlc_task_fn)(void *args, int64_t task);

/* A thread pool lent to dlc_model_infer (see above). */
typedef struct dlc_parallel {
  void *pool;
  void (*parallel_for)(void *pool, int64_t num_tasks, dlc_task_fn task,
                       void *args);
} dlc_parallel;

typedef const dlc_model_desc *(*dlc_model_describe_fn)(void);
typedef int32_t (*dlc_model_infer_fn)(void *const *inputs,
                                      void *const *outputs, void *workspace,
                                      const dlc_parallel *parallel);

#define DLC_MODEL_DESCRIBE_SYMBOL "dlc_model_describe"
#define DLC_MODEL_INFER_SYMBOL "dlc_model_infer"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DLC_RUNTIME_DLC_ABI_H */
