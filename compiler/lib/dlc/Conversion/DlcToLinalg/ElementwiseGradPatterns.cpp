//===- ElementwiseGradPatterns.cpp - activation and softmax gradients -----===//
//
// Both read the forward's output rather than its input: every supported
// activation's derivative, and the softmax Jacobian, are functions of it, so
// the forward pass keeps one tensor per op for the backward.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// dx = dy * act'(y), one elementwise generic.
struct ActivationGradLowering : OpConversionPattern<ActivationGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ActivationGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Activation act = op.getActivation();
    if (act == Activation::None) {
      rewriter.replaceOp(op, adaptor.getOutputGrad());
      return success();
    }
    float alpha = op.getLeakyAlpha().convertToFloat();
    rewriter.replaceOp(
        op, createElementwise(
                rewriter, op.getLoc(), op.getType(),
                ValueRange{adaptor.getOutput(), adaptor.getOutputGrad()},
                [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
                  Value d =
                      createActivationDerivative(b, loc, args[0], act, alpha);
                  return arith::MulFOp::create(b, loc, args[1], d);
                }));
    return success();
  }
};

/// Over the last axis, from the forward output y:
///   softmax:     s = sum(dy * y),  dx = y * (dy - s)
///   log_softmax: s = sum(dy),      dx = dy - exp(y) * s
/// A reduction generic into the leading dims, then a parallel generic.
struct SoftmaxGradLowering : OpConversionPattern<SoftmaxGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    bool log = op.getLog();
    Value y = adaptor.getOutput(), dy = adaptor.getOutputGrad();

    auto reducedType = RankedTensorType::get(type.getShape().drop_back(),
                                             type.getElementType());
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap reduced = identity.dropResult(rank - 1);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value sum = createGeneric(
        rewriter, loc, createFilled(rewriter, loc, reducedType, 0.0f),
        ValueRange{y, dy}, {identity, identity, reduced}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value term = log ? args[1]
                           : arith::MulFOp::create(b, l, args[0], args[1])
                                 .getResult();
          return arith::AddFOp::create(b, l, args[2], term);
        });

    SmallVector<utils::IteratorType> parallel(rank,
                                              utils::IteratorType::parallel);
    rewriter.replaceOp(
        op, createGeneric(
                rewriter, loc, createEmpty(rewriter, loc, type),
                ValueRange{y, dy, sum}, {identity, identity, reduced, identity},
                parallel,
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  if (log) {
                    Value p = math::ExpOp::create(b, l, args[0]);
                    Value scaled = arith::MulFOp::create(b, l, p, args[2]);
                    return arith::SubFOp::create(b, l, args[1], scaled);
                  }
                  Value centered = arith::SubFOp::create(b, l, args[1], args[2]);
                  return arith::MulFOp::create(b, l, args[0], centered);
                }));
    return success();
  }
};

} // namespace

void populateElementwiseGradPatterns(RewritePatternSet &patterns) {
  patterns.add<ActivationGradLowering, SoftmaxGradLowering>(
      patterns.getContext());
}

} // namespace dlc
