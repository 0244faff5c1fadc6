//===- BatchNormTrainPatterns.cpp - batch_norm_train, batch_norm_grad -----===//
//
// Per-channel sums over every axis but the last are reduction generics
// into [C] tensors; everything else is elementwise, with the [C] operands
// broadcast against the channel axis by createElementwise. The variance
// takes a second pass over the input after the mean (as the reference
// does) rather than E[x^2] - mean^2, which cancels badly in f32.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// sum over all axes but the last of body(args) per channel, where `args`
/// are the elements of `inputs` (full-size operands read at the element,
/// [C] operands at its channel).
Value reducePerChannel(OpBuilder &b, Location loc, ValueRange inputs,
                       RankedTensorType statType, ScalarBodyFn body) {
  auto full = cast<RankedTensorType>(inputs.front().getType());
  int64_t rank = full.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx), ctx);
  SmallVector<AffineMap> maps;
  for (Value v : inputs)
    maps.push_back(cast<RankedTensorType>(v.getType()).getRank() == rank
                       ? identity
                       : channel);
  maps.push_back(channel);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  iterators.back() = utils::IteratorType::parallel;
  return createGeneric(
      b, loc, createFilled(b, loc, statType, 0.0f), inputs, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value term = body(nb, l, args.drop_back());
        return arith::AddFOp::create(nb, l, args.back(), term);
      });
}

/// Elements per channel: the product of every dim but the last.
float countPerChannel(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t d : type.getShape().drop_back())
    count *= d;
  return float(count);
}

/// 1 / sqrt(variance + epsilon) per channel. A division rather than
/// math.rsqrt, whose fast approximations would cost training its match
/// with the reference.
Value inverseStd(OpBuilder &b, Location loc, Value variance, float epsilon) {
  auto type = cast<RankedTensorType>(variance.getType());
  return createElementwise(
      b, loc, type, ValueRange{variance},
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value var = arith::AddFOp::create(nb, l, args[0],
                                          createF32(nb, l, epsilon));
        return arith::DivFOp::create(nb, l, createF32(nb, l, 1.0f),
                                     math::SqrtOp::create(nb, l, var));
      });
}

struct BatchNormTrainLowering : OpConversionPattern<BatchNormTrainOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormTrainOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    auto statType = cast<RankedTensorType>(op.getMean().getType());
    float count = countPerChannel(type);
    auto divideByCount = [&](Value sum) {
      return createElementwise(
          rewriter, loc, statType, ValueRange{sum},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::DivFOp::create(b, l, args[0], createF32(b, l, count));
          });
    };
    Value mean = divideByCount(reducePerChannel(
        rewriter, loc, ValueRange{x}, statType,
        [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    Value variance = divideByCount(reducePerChannel(
        rewriter, loc, ValueRange{x, mean}, statType,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value d = arith::SubFOp::create(b, l, args[0], args[1]);
          return arith::MulFOp::create(b, l, d, d);
        }));
    Value inv =
        inverseStd(rewriter, loc, variance, op.getEpsilon().convertToFloat());
    Value y = createElementwise(
        rewriter, loc, type,
        ValueRange{x, mean, inv, adaptor.getScale(), adaptor.getOffset()},
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value centered = arith::SubFOp::create(b, l, args[0], args[1]);
          Value xhat = arith::MulFOp::create(b, l, centered, args[2]);
          Value scaled = arith::MulFOp::create(b, l, xhat, args[3]);
          return arith::AddFOp::create(b, l, scaled, args[4]);
        });
    rewriter.replaceOp(op, ValueRange{y, mean, variance});
    return success();
  }
};

struct BatchNormGradLowering : OpConversionPattern<BatchNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getOutputGrad(), x = adaptor.getInput();
    Value mean = adaptor.getMean();
    auto type = cast<RankedTensorType>(x.getType());
    auto statType = cast<RankedTensorType>(mean.getType());
    float count = countPerChannel(type);
    Value inv = inverseStd(rewriter, loc, adaptor.getVariance(),
                           op.getEpsilon().convertToFloat());
    Value sumDy = reducePerChannel(
        rewriter, loc, ValueRange{dy}, statType,
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    // sum(dy * xhat) with xhat = (x - mean) * inv.
    Value sumDyXhat = reducePerChannel(
        rewriter, loc, ValueRange{dy, x, mean, inv}, statType,
        [](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value centered = arith::SubFOp::create(b, l, args[1], args[2]);
          Value xhat = arith::MulFOp::create(b, l, centered, args[3]);
          return arith::MulFOp::create(b, l, args[0], xhat);
        });
    Value dx = createElementwise(
        rewriter, loc, type,
        ValueRange{dy, x, mean, inv, adaptor.getScale(), sumDy, sumDyXhat},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value m = createF32(b, l, count);
          Value centered = arith::SubFOp::create(b, l, args[1], args[2]);
          Value xhat = arith::MulFOp::create(b, l, centered, args[3]);
          Value t = arith::MulFOp::create(b, l, m, args[0]);
          t = arith::SubFOp::create(b, l, t, args[5]);
          t = arith::SubFOp::create(
              b, l, t, arith::MulFOp::create(b, l, xhat, args[6]));
          Value factor = arith::MulFOp::create(b, l, args[4], args[3]);
          factor = arith::DivFOp::create(b, l, factor, m);
          return arith::MulFOp::create(b, l, factor, t);
        });
    rewriter.replaceOp(op, ValueRange{dx, sumDyXhat, sumDy});
    return success();
  }
};

} // namespace

void populateBatchNormTrainPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchNormTrainLowering, BatchNormGradLowering>(
      patterns.getContext());
}

} // namespace dlc
