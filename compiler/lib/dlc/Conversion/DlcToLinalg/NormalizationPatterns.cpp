//===- NormalizationPatterns.cpp - softmax, log_softmax, batch_norm -------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;

namespace dlc {
namespace {

/// Numerically stable softmax / log_softmax along `axis`, in three ops:
///   m = max(x)                        (linalg.reduce)
///   s = sum(exp(x - m))               (reduction generic)
///   softmax     = exp(x - m) / s      (parallel generic)
///   log_softmax = (x - m) - log(s)
/// Subtracting the max keeps exp from overflowing. The exponentials are
/// recomputed in the last op instead of being stored by the second: that
/// saves a full-size temporary and a pass over memory, and a vectorized exp
/// is cheap next to that traffic. `linalg.softmax` is not used because it
/// has no log variant and would only be decomposed into the same generics
/// later, adding a pipeline step.
Value buildSoftmax(OpBuilder &b, Location loc, Value input, int64_t axis,
                   bool logarithm) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> reducedShape(type.getShape());
  reducedShape.erase(reducedShape.begin() + axis);
  auto reducedType = RankedTensorType::get(reducedShape, type.getElementType());

  Value maxInit = createFilled(b, loc, reducedType,
                               -std::numeric_limits<float>::infinity());
  Value max = linalg::ReduceOp::create(
                  b, loc, ValueRange{input}, ValueRange{maxInit},
                  ArrayRef<int64_t>{axis},
                  [](OpBuilder &nb, Location l, ValueRange args) {
                    Value m = arith::MaxNumFOp::create(nb, l, args[0], args[1]);
                    linalg::YieldOp::create(nb, l, m);
                  })
                  .getResult(0);

  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap reduced = identity.dropResult(axis);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[axis] = utils::IteratorType::reduction;
  Value sum =
      createGeneric(b, loc, createFilled(b, loc, reducedType, 0.0f),
                    ValueRange{input, max}, {identity, reduced, reduced},
                    iterators, [](OpBuilder &nb, Location l, ValueRange args) {
                      Value shifted =
                          arith::SubFOp::create(nb, l, args[0], args[1]);
                      Value exp = math::ExpOp::create(nb, l, shifted);
                      return arith::AddFOp::create(nb, l, args[2], exp);
                    });

  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  return createGeneric(
      b, loc, createEmpty(b, loc, type), ValueRange{input, max, sum},
      {identity, reduced, reduced, identity}, parallel,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(nb, l, args[0], args[1]);
        if (logarithm)
          return arith::SubFOp::create(nb, l, shifted,
                                       math::LogOp::create(nb, l, args[2]));
        Value exp = math::ExpOp::create(nb, l, shifted);
        return arith::DivFOp::create(nb, l, exp, args[2]);
      });
}

template <typename OpTy, bool logarithm>
struct SoftmaxLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       buildSoftmax(rewriter, op.getLoc(), adaptor.getInput(),
                                    op.getAxis(), logarithm));
    return success();
  }
};

/// (x - mean) * rsqrt(variance + epsilon) * scale + offset over the last
/// axis. The per-channel factor scale * rsqrt(variance + epsilon) is
/// computed once into a [C] tensor, so the full-size generic does one
/// subtraction and one multiply-add per element instead of a square root.
/// The statistics need not be constants (those are folded into the
/// preceding convolution by --dlc-fold-batch-norm before lowering).
struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    float epsilon = op.getEpsilon().convertToFloat();
    auto statType = cast<RankedTensorType>(adaptor.getScale().getType());
    Value factor =
        createElementwise(rewriter, loc, statType,
                          ValueRange{adaptor.getScale(), adaptor.getVariance()},
                          [&](OpBuilder &b, Location l, ValueRange args) {
                            Value var = arith::AddFOp::create(
                                b, l, args[1], createF32(b, l, epsilon));
                            Value inv = math::RsqrtOp::create(b, l, var);
                            return arith::MulFOp::create(b, l, args[0], inv);
                          });
    // [C] operands broadcast against the last axis of the input (NumPy
    // right-alignment), which is the channel axis.
    Value result = createElementwise(
        rewriter, loc, op.getType(),
        ValueRange{adaptor.getInput(), adaptor.getMean(), factor,
                   adaptor.getOffset()},
        [](OpBuilder &b, Location l, ValueRange args) {
          Value centered = arith::SubFOp::create(b, l, args[0], args[1]);
          Value scaled = arith::MulFOp::create(b, l, centered, args[2]);
          return arith::AddFOp::create(b, l, scaled, args[3]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<SoftmaxOp, false>,
               SoftmaxLowering<LogSoftmaxOp, true>, BatchNormLowering>(
      patterns.getContext());
}

} // namespace dlc
