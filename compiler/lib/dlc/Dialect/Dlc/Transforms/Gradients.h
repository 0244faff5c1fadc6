//===- Gradients.h - reverse-mode differentiation of dlc ops ----*- C++ -*-===//
//
// Private to the DlcTransforms library. BuildTrainStep seeds the gradient of
// the loss and asks for the gradients of the parameters; this class walks
// the forward ops backwards and emits, for each, the dlc ops computing the
// gradients of its operands from those of its results.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_LIB_DIALECT_DLC_TRANSFORMS_GRADIENTS_H
#define DLC_LIB_DIALECT_DLC_TRANSFORMS_GRADIENTS_H

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace dlc {

class ReverseModeBuilder {
public:
  /// Gradients are only built towards `sources` (the parameters): operands
  /// that do not depend on one get none.
  ReverseModeBuilder(mlir::OpBuilder &builder, mlir::ValueRange sources);

  /// Adds `grad` to the gradient of `value`.
  void seed(mlir::Value value, mlir::Value grad);
  /// Sets the gradient with respect to the input of `op`'s fused activation
  /// (conv2d, depthwise_conv2d, dense), skipping the activation's backward.
  void seedPreActivation(mlir::Operation *op, mlir::Value grad);
  /// Ops whose own backward must be skipped because the seed already
  /// accounts for them (a final softmax whose loss is computed from logits).
  void skip(mlir::Operation *op) { skipped.insert(op); }

  /// Differentiates `forwardOps` (in program order) from last to first,
  /// emitting at the builder's insertion point. Fails with a diagnostic at
  /// the first op that has no gradient rule.
  mlir::LogicalResult run(llvm::ArrayRef<mlir::Operation *> forwardOps);

  /// The accumulated gradient of `value`; null if nothing reached it.
  mlir::Value gradientOf(mlir::Value value) const {
    return gradients.lookup(value);
  }

private:
  bool needsGradient(mlir::Value value) const {
    return dependsOnSource.contains(value);
  }
  mlir::LogicalResult differentiate(mlir::Operation *op);
  /// The gradient with respect to the pre-activation value of a conv or
  /// dense op with a fused activation (its result's gradient otherwise).
  mlir::Value preActivationGradient(mlir::Operation *op,
                                    Activation activation, float alpha);
  mlir::LogicalResult poolGradient(mlir::Operation *pool, mlir::Value dy);
  void binaryGradient(mlir::Operation *op, mlir::Value dy);
  mlir::Value reduceTo(mlir::Location loc, mlir::Value grad, mlir::Type type);
  mlir::Value scalar(mlir::Location loc, float value);

  mlir::OpBuilder &b;
  llvm::DenseSet<mlir::Value> dependsOnSource;
  llvm::DenseMap<mlir::Value, mlir::Value> gradients;
  llvm::DenseMap<mlir::Operation *, mlir::Value> preActivation;
  llvm::DenseSet<mlir::Operation *> skipped;
};

} // namespace dlc

#endif // DLC_LIB_DIALECT_DLC_TRANSFORMS_GRADIENTS_H
