//===- ElementwisePatterns.cpp - constants, activations, arithmetic -------===//
//
// Every elementwise dlc op becomes one parallel `linalg.generic` whose
// indexing maps encode the NumPy broadcast (see createElementwise), so no
// broadcast operand is ever materialized at full size.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

struct ConstantLowering : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Same attribute, so resource blobs holding large weights stay shared
    // rather than copied.
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getValue());
    return success();
  }
};

template <typename OpTy, typename ArithOpTy>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result =
        createElementwise(rewriter, op.getLoc(), op.getType(),
                          ValueRange{adaptor.getLhs(), adaptor.getRhs()},
                          [](OpBuilder &b, Location loc, ValueRange args) {
                            return ArithOpTy::create(b, loc, args[0], args[1]);
                          });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The standalone activation ops share the scalar code of the activations
/// fused into convolutions, so both compute bit-identical results.
template <typename OpTy, Activation kind>
struct ActivationLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<OpTy>::OpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    float alpha = 0.0f;
    if constexpr (std::is_same_v<OpTy, LeakyReluOp>)
      alpha = op.getAlpha().convertToFloat();
    rewriter.replaceOp(op, applyActivation(rewriter, op.getLoc(),
                                           adaptor.getInput(), kind, alpha));
    return success();
  }
};

struct ClipLowering : OpConversionPattern<ClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    float low = op.getMin().convertToFloat();
    float high = op.getMax().convertToFloat();
    Value result = createElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value lowered =
              arith::MaxNumFOp::create(b, loc, args[0], createF32(b, loc, low));
          return arith::MinNumFOp::create(b, loc, lowered,
                                          createF32(b, loc, high));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Inference only: dropout keeps every value unscaled (the inverted-dropout
/// convention scales at training time), so the op is its operand.
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ConstantLowering, ClipLowering, DropoutLowering>(ctx);
  patterns.add<BinaryLowering<AddOp, arith::AddFOp>,
               BinaryLowering<SubOp, arith::SubFOp>,
               BinaryLowering<MulOp, arith::MulFOp>,
               BinaryLowering<DivOp, arith::DivFOp>>(ctx);
  patterns.add<ActivationLowering<ReluOp, Activation::Relu>,
               ActivationLowering<Relu6Op, Activation::Relu6>,
               ActivationLowering<LeakyReluOp, Activation::LeakyRelu>,
               ActivationLowering<SigmoidOp, Activation::Sigmoid>,
               ActivationLowering<TanhOp, Activation::Tanh>,
               ActivationLowering<SqrtOp, Activation::Sqrt>,
               ActivationLowering<ErfOp, Activation::Erf>,
               ActivationLowering<ExpOp, Activation::Exp>,
               ActivationLowering<LogOp, Activation::Log>>(ctx);
}

} // namespace dlc
