//===- Passes.h - graph-level passes on the dlc dialect ---------*- C++ -*-===//
//
// The passes (generated from Passes.td), the batch specialization helper the
// driver calls before compiling a variant, and the graph pipeline builder.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_DIALECT_DLC_TRANSFORMS_PASSES_H
#define DLC_DIALECT_DLC_TRANSFORMS_PASSES_H

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace dlc {

#define GEN_PASS_DECL
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"

/// Refines result types inside `func` from its current argument types (see
/// `--dlc-infer-shapes`) and sets the function's result types from its
/// return. Fails, with a diagnostic, on a type conflict.
mlir::LogicalResult inferShapes(mlir::func::FuncOp func);

/// Replaces a dynamic leading (batch) dimension of every ranked tensor
/// argument of `func` by `batch`, then runs `inferShapes`. Call it outside a
/// running pass manager: it may load the tensor dialect into the context
/// (for casts towards users that cannot be refined).
mlir::LogicalResult specializeBatch(mlir::func::FuncOp func, int64_t batch);

/// Options of the graph-level pipeline.
struct GraphPipelineOptions {
  /// Fuse conv2d + activation + pool into dlc.fused_conv2d.
  bool fuseConvActPool = true;
};

/// Adds the graph-level optimizations to `pm`, which must be anchored on
/// `builtin.module` (the passes run nested on each func.func):
/// canonicalize, fold batch norm, fold bias, fuse activations, optionally
/// fuse conv + activation + pool, then canonicalize and CSE.
void buildDlcGraphPipeline(mlir::OpPassManager &pm,
                           const GraphPipelineOptions &opts);

/// Registers `buildDlcGraphPipeline` as the `dlc-graph-opt` pipeline of
/// dlc-opt (option `fuse-conv-act-pool`, default true).
void registerDlcGraphPipeline();

} // namespace dlc

#endif // DLC_DIALECT_DLC_TRANSFORMS_PASSES_H
