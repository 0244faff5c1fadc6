//===- Patterns.h - shared pieces of the dlc-to-linalg lowering -*- C++ -*-===//
//
// The patterns are split by op family (one .cpp each); this header declares
// their populate functions and the builders they share: empty/filled
// tensors, bias initialization, spatial padding, activations and
// broadcasting elementwise generics.
//
// Every builder takes the location of the dlc op being lowered, so each
// generated op keeps the model op's name as its location.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_CONVERSION_DLCTOLINALG_PATTERNS_H
#define DLC_LIB_CONVERSION_DLCTOLINALG_PATTERNS_H

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace dlc {

void populateConvPatterns(mlir::RewritePatternSet &patterns);
void populatePoolPatterns(mlir::RewritePatternSet &patterns);
void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateNormalizationPatterns(mlir::RewritePatternSet &patterns);
void populateBatchNormTrainPatterns(mlir::RewritePatternSet &patterns);
void populateDropoutTrainPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
// Training: gradients, losses and optimizer updates.
void populateConvGradPatterns(mlir::RewritePatternSet &patterns);
void populateDepthwiseGradPatterns(mlir::RewritePatternSet &patterns);
void populatePoolGradPatterns(mlir::RewritePatternSet &patterns);
void populateElementwiseGradPatterns(mlir::RewritePatternSet &patterns);
void populateTrainingShapePatterns(mlir::RewritePatternSet &patterns);
void populateLossPatterns(mlir::RewritePatternSet &patterns);
void populateOptimizerPatterns(mlir::RewritePatternSet &patterns);

/// Unit attribute on an op that the code generator must compute once, as a
/// whole, rather than fuse into the tiles of a consumer: a transposed or
/// flipped operand of a contraction is read by every tile, so fusing it
/// would recompute it once per tile. dlc-tile-and-fuse refuses to fuse ops
/// that carry it (it spells the same name).
inline constexpr llvm::StringLiteral kMaterializeAttrName = "dlc.materialize";

/// Computes one scalar of a generic's body from the block arguments that
/// belong to its inputs (and, for reductions, the accumulator last).
using ScalarBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// `tensor.empty` of the given static type.
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type);

/// `linalg.fill` of a new tensor of `type` with the f32 `value`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, float value);

/// f32 scalar constant.
mlir::Value createF32(mlir::OpBuilder &b, mlir::Location loc, float value);

/// The init of a conv/matmul accumulating into `type`: `bias` (a [C] vector
/// for the innermost dim) broadcast over the other dims, or zeros.
mlir::Value createBiasInit(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::RankedTensorType type, mlir::Value bias);

/// Pads the H and W dims of an NHWC tensor by (top, bottom, left, right)
/// with `value`; returns `input` unchanged when all four are zero.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> padding,
                       float value);

/// `linalg.fill` with the reduction's identity (-inf for max, 0 otherwise)
/// then `linalg.pooling_nhwc_max` (PoolKind::Max) or `pooling_nhwc_sum`
/// (PoolKind::Avg: the caller divides) over the already padded NHWC
/// `input`. Returns the pooling op's result. Empty `dilations` means 1, 1.
mlir::Value createPool(mlir::OpBuilder &b, mlir::Location loc, PoolKind kind,
                       mlir::Value input, mlir::RankedTensorType type,
                       llvm::ArrayRef<int64_t> window,
                       llvm::ArrayRef<int64_t> strides,
                       llvm::ArrayRef<int64_t> dilations = {});

/// `act(x)` on one f32 scalar.
mlir::Value createActivationScalar(mlir::OpBuilder &b, mlir::Location loc,
                                   mlir::Value x, Activation act, float alpha);

/// `act'(x)` computed from the activation's output `y = act(x)` (each
/// supported activation's derivative is a function of its output): relu
/// `y > 0`, relu6 `0 < y < 6`, leaky relu `y > 0 ? 1 : alpha`, sigmoid
/// `y (1 - y)`, tanh `1 - y^2`, sqrt `0.5 / y`, exp `y`, log `e^-y`; 1 for
/// none. Not for erf.
mlir::Value createActivationDerivative(mlir::OpBuilder &b, mlir::Location loc,
                                       mlir::Value y, Activation act,
                                       float alpha);

/// A copy of `input` transposed by `perm` (`linalg.transpose`), marked
/// kMaterializeAttrName so that tiled consumers read it instead of
/// recomputing it.
mlir::Value createMaterializedTranspose(mlir::OpBuilder &b, mlir::Location loc,
                                        mlir::Value input,
                                        llvm::ArrayRef<int64_t> perm);

/// Where dy's rows (or columns) land in the buffer of
/// dilateForTransposedConv along one spatial dim: the first buffer row that
/// holds one and one past the last, every `stride`-th row in between.
/// Empty (end <= begin) when no output row reaches the input.
struct TransposedConvRows {
  int64_t first, end;  // dy rows [first, end) are used
  int64_t begin;       // buffer row of dy row `first`
  int64_t bufferRows;  // input size + (K - 1) * dilation
};
TransposedConvRows transposedConvRows(int64_t inputSize, int64_t outputSize,
                                      int64_t kernel, int64_t stride,
                                      int64_t dilation, int64_t padBefore);

/// The output gradient of a convolution laid out for the transposed
/// convolution that computes its input gradient: `dy` ([N, OH, OW, ...])
/// dilated by `strides` and padded with zeros so that a stride-1
/// correlation with the spatially flipped filter at `dilations` yields
/// exactly `inputSpatial` ([H, W]) rows and columns. Returns a tensor of
/// spatial size `inputSpatial + (K - 1) * dilation`.
mlir::Value dilateForTransposedConv(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value dy,
                                    llvm::ArrayRef<int64_t> inputSpatial,
                                    llvm::ArrayRef<int64_t> kernel,
                                    llvm::ArrayRef<int64_t> strides,
                                    llvm::ArrayRef<int64_t> dilations,
                                    llvm::ArrayRef<int64_t> padding);

/// Applies `act` and then a multiplication by `scale` to a whole tensor as
/// one elementwise generic; returns `input` when there is nothing to do.
mlir::Value applyActivation(mlir::OpBuilder &b, mlir::Location loc,
                            mlir::Value input, Activation act, float alpha,
                            float scale = 1.0f);

/// A parallel `linalg.generic` producing `resultType` from `inputs` with
/// NumPy broadcasting: operands are right-aligned with the result, missing
/// leading dims are dropped from their indexing maps and size-1 dims read
/// index 0.
mlir::Value createElementwise(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::RankedTensorType resultType,
                              mlir::ValueRange inputs, ScalarBodyFn body);

/// A `linalg.generic` with explicit maps writing into `init`; `maps` holds
/// one map per input followed by the map of `init`.
mlir::Value createGeneric(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value init, mlir::ValueRange inputs,
                          llvm::ArrayRef<mlir::AffineMap> maps,
                          llvm::ArrayRef<mlir::utils::IteratorType> iterators,
                          ScalarBodyFn body);

/// The `dense<[a, b]> : tensor<2xi64>` attribute the linalg conv and pooling
/// named ops take for strides and dilations.
mlir::DenseIntElementsAttr createI64TensorAttr(mlir::OpBuilder &b,
                                               llvm::ArrayRef<int64_t> values);

} // namespace dlc

#endif // DLC_LIB_CONVERSION_DLCTOLINALG_PATTERNS_H
