//===- OptimizerPatterns.cpp - SGD, Adam, AdaGrad, RMSprop updates --------===//
//
// Each update is one elementwise `linalg.generic` with one result per new
// value (parameter, then state), in destination-passing style: its outs are
// the parameter and state tensors themselves, read through the body's init
// arguments rather than as inputs. One-shot bufferization can then write the
// new values into the buffers they replace, which is how the train step
// updates parameters and optimizer state in place.
//
// The step's scalars come from `hyper` ([learning rate, step size]) with
// `tensor.extract` before the generic. Formulas as in docs/TRAINING.md;
// weight decay is decoupled and applied first: p -= lr * wd * p.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// Scalar arithmetic inside a generic body, kept short.
struct Scalar {
  OpBuilder &b;
  Location loc;
  Value c(float v) { return createF32(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value sqrt(Value x) { return math::SqrtOp::create(b, loc, x); }
  /// 1 - x rounded once from double, as the reference computes it.
  Value complement(float x) { return c(static_cast<float>(1.0 - double(x))); }
};

/// Computes the new parameter and state from (g, p, state...) and the
/// scalars; returns them in the order of the generic's outs.
using UpdateFn = llvm::function_ref<SmallVector<Value>(
    Scalar &, Value g, Value p, ValueRange state)>;

/// The elementwise update generic: ins (grad), outs (param, state...).
/// Returns its results. `lr` and `wd` give the decoupled weight decay.
SmallVector<Value> buildUpdate(OpBuilder &b, Location loc, Value grad,
                               Value param, ValueRange state, Value lr,
                               float weightDecay, UpdateFn update) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(param.getType());
  SmallVector<Value> outs{param};
  outs.append(state.begin(), state.end());
  AffineMap identity = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  SmallVector<AffineMap> maps(outs.size() + 1, identity);
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  SmallVector<Type> resultTypes(outs.size(), type);
  Value decay;
  if (weightDecay != 0.0f)
    decay = arith::MulFOp::create(b, loc, lr, createF32(b, loc, weightDecay));
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, ValueRange{grad}, outs, maps, parallel,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Scalar s{nb, l};
        Value p = args[1];
        if (decay)
          p = s.sub(p, s.mul(decay, p));
        SmallVector<Value> results = update(s, args[0], p, args.drop_front(2));
        linalg::YieldOp::create(nb, l, results);
      });
  return SmallVector<Value>(generic.getResults());
}

/// hyper[i] as an f32 scalar.
Value hyperAt(OpBuilder &b, Location loc, Value hyper, int64_t i) {
  Value index = arith::ConstantIndexOp::create(b, loc, i);
  return tensor::ExtractOp::create(b, loc, hyper, ValueRange{index});
}

/// v = momentum v - lr g; p += momentum v - lr g (Nesterov) or p += v;
/// without momentum p -= lr g.
struct SgdUpdateLowering : OpConversionPattern<SgdUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SgdUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    float momentum = op.getMomentum().convertToFloat();
    bool nesterov = op.getNesterov();
    SmallVector<Value> state;
    if (Value v = adaptor.getVelocity())
      state.push_back(v);
    rewriter.replaceOp(
        op, buildUpdate(
                rewriter, loc, adaptor.getGrad(), adaptor.getParam(), state,
                lr, op.getWeightDecay().convertToFloat(),
                [&](Scalar &s, Value g, Value p, ValueRange st) {
                  Value step = s.mul(lr, g);
                  if (st.empty())
                    return SmallVector<Value>{s.sub(p, step)};
                  Value v = s.sub(s.mul(s.c(momentum), st[0]), step);
                  Value delta =
                      nesterov ? s.sub(s.mul(s.c(momentum), v), step) : v;
                  return SmallVector<Value>{s.add(p, delta), v};
                }));
    return success();
  }
};

/// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= alpha m / (sqrt(v) + eps) with alpha = hyper[1].
struct AdamUpdateLowering : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    Value alpha = hyperAt(rewriter, loc, adaptor.getHyper(), 1);
    float b1 = op.getBeta1().convertToFloat();
    float b2 = op.getBeta2().convertToFloat();
    float eps = op.getEpsilon().convertToFloat();
    rewriter.replaceOp(
        op, buildUpdate(rewriter, loc, adaptor.getGrad(), adaptor.getParam(),
                        ValueRange{adaptor.getM(), adaptor.getV()}, lr,
                        op.getWeightDecay().convertToFloat(),
                        [&](Scalar &s, Value g, Value p, ValueRange st) {
                          Value m = s.add(s.mul(s.c(b1), st[0]),
                                          s.mul(s.complement(b1), g));
                          Value v = s.add(s.mul(s.c(b2), st[1]),
                                          s.mul(s.complement(b2), s.mul(g, g)));
                          Value denom = s.add(s.sqrt(v), s.c(eps));
                          Value step = s.div(s.mul(alpha, m), denom);
                          return SmallVector<Value>{s.sub(p, step), m, v};
                        }));
    return success();
  }
};

/// a += g^2; p -= lr g / sqrt(a + eps).
struct AdagradUpdateLowering : OpConversionPattern<AdagradUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdagradUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    float eps = op.getEpsilon().convertToFloat();
    rewriter.replaceOp(
        op, buildUpdate(rewriter, loc, adaptor.getGrad(), adaptor.getParam(),
                        adaptor.getAccumulator(), lr,
                        op.getWeightDecay().convertToFloat(),
                        [&](Scalar &s, Value g, Value p, ValueRange st) {
                          Value a = s.add(st[0], s.mul(g, g));
                          Value denom = s.sqrt(s.add(a, s.c(eps)));
                          Value step = s.div(s.mul(lr, g), denom);
                          return SmallVector<Value>{s.sub(p, step), a};
                        }));
    return success();
  }
};

/// s = rho s + (1 - rho) g^2; p -= lr g / (sqrt(s) + eps).
struct RmspropUpdateLowering : OpConversionPattern<RmspropUpdateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RmspropUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value lr = hyperAt(rewriter, loc, adaptor.getHyper(), 0);
    float rho = op.getRho().convertToFloat();
    float eps = op.getEpsilon().convertToFloat();
    rewriter.replaceOp(
        op, buildUpdate(rewriter, loc, adaptor.getGrad(), adaptor.getParam(),
                        adaptor.getMeanSquare(), lr,
                        op.getWeightDecay().convertToFloat(),
                        [&](Scalar &s, Value g, Value p, ValueRange st) {
                          Value ms = s.add(s.mul(s.c(rho), st[0]),
                                           s.mul(s.complement(rho), s.mul(g, g)));
                          Value denom = s.add(s.sqrt(ms), s.c(eps));
                          Value step = s.div(s.mul(lr, g), denom);
                          return SmallVector<Value>{s.sub(p, step), ms};
                        }));
    return success();
  }
};

} // namespace

void populateOptimizerPatterns(RewritePatternSet &patterns) {
  patterns.add<SgdUpdateLowering, AdamUpdateLowering, AdagradUpdateLowering,
               RmspropUpdateLowering>(patterns.getContext());
}

} // namespace dlc
