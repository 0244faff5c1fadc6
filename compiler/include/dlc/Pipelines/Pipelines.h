//===- Pipelines.h - the compiler's pass pipelines --------------*- C++ -*-===//
//
// Pipeline builders, kept apart from the passes they chain (as in IREE):
// each builder is one stage of the path from the dlc dialect to the LLVM
// dialect, and each stage's output can be printed and fed back to dlc-opt.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINES_PIPELINES_H
#define DLC_PIPELINES_PIPELINES_H

#include "dlc/Pipelines/PipelineOptions.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace dlc {

/// dlc dialect (as imported) -> optimized dlc graph.
void buildGraphPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);
/// The graph stage of training: weights become `dlc.parameter` arguments of
/// `opts.entry` before any folding, the graph passes run without the
/// conv + activation + pool fusion (the backward reads the activation the
/// pool consumes), then `--dlc-build-train-step` replaces the entry by the
/// `train_step` function.
/// `mode` is --dlc-build-train-step's: "step" (train_step), "gradients"
/// or "apply" (apply_gradients).
void buildTrainingGraphPipeline(mlir::OpPassManager &pm,
                                const PipelineOptions &opts,
                                const TrainingConfig &training,
                                const std::string &mode = "step");
/// The graph stage of a forward function that reads the weights from its
/// arguments (for evaluating while training).
void buildParameterInputGraphPipeline(mlir::OpPassManager &pm,
                                      const PipelineOptions &opts);
/// dlc graph -> linalg on tensors, tiled, fused and vectorized.
void buildLinalgPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);
/// tensors -> buffers: destination-passing entry, one-shot bufferization,
/// workspace planning.
void buildBufferizePipeline(mlir::OpPassManager &pm,
                            const PipelineOptions &opts);
/// buffers -> LLVM dialect, with bare-pointer arguments for the model ABI.
void buildLLVMPipeline(mlir::OpPassManager &pm, const PipelineOptions &opts);

/// Registers every upstream and dlc pass, and the stages above as named
/// pipelines of dlc-opt: dlc-graph-opt, dlc-lower-to-linalg, dlc-bufferize,
/// dlc-lower-to-llvm. Safe to call more than once.
void registerAllDlcPasses();

} // namespace dlc

#endif // DLC_PIPELINES_PIPELINES_H
