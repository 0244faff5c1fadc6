//===- FoldBatchNorm.cpp - --dlc-fold-batch-norm --------------------------===//
//
// At inference a batch norm with constant statistics is a per-channel affine
// map y = x * a + b. After a convolution with constant weights it folds into
// the weights entirely:
//   conv(x, W)[.., o] * a[o] + b[o] == conv(x, W * a[o])[.., o] + b[o],
// because the output channel o is linear in the filter slice that produces
// it. Elsewhere it becomes a cheap mul + add of [C] constants.
//
//===----------------------------------------------------------------------===//

#include "TransformUtils.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace dlc {
#define GEN_PASS_DEF_DLCFOLDBATCHNORM
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// The per-channel affine map y = x * scale + shift of a batch norm.
struct ChannelAffine {
  SmallVector<float> scale, shift;
};

/// Evaluates the batch norm's constant statistics into an affine map, in
/// double precision so that the folded weights round only once.
std::optional<ChannelAffine> getChannelAffine(BatchNormOp bn) {
  auto gamma = getF32Constant(bn.getScale());
  auto beta = getF32Constant(bn.getOffset());
  auto mean = getF32Constant(bn.getMean());
  auto variance = getF32Constant(bn.getVariance());
  if (!gamma || !beta || !mean || !variance)
    return std::nullopt;
  size_t channels = gamma->size();
  if (beta->size() != channels || mean->size() != channels ||
      variance->size() != channels)
    return std::nullopt;
  double epsilon = bn.getEpsilon().convertToDouble();
  ChannelAffine affine;
  for (size_t c = 0; c < channels; ++c) {
    double a = (*gamma)[c] / std::sqrt(double((*variance)[c]) + epsilon);
    affine.scale.push_back(static_cast<float>(a));
    affine.shift.push_back(static_cast<float>((*beta)[c] - (*mean)[c] * a));
  }
  return affine;
}

/// The weight operand of a conv-like op.
Value getWeights(Conv2DOp op) { return op.getFilter(); }
Value getWeights(DepthwiseConv2DOp op) { return op.getFilter(); }
Value getWeights(DenseOp op) { return op.getWeight(); }
OpOperand &getWeightsOperand(Conv2DOp op) { return op.getFilterMutable(); }
OpOperand &getWeightsOperand(DepthwiseConv2DOp op) {
  return op.getFilterMutable();
}
OpOperand &getWeightsOperand(DenseOp op) { return op.getWeightMutable(); }

/// batch_norm(producer(x, W, bias)) -> producer(x, W * a, bias * a + b).
struct FoldIntoProducer : OpRewritePattern<BatchNormOp> {
  FoldIntoProducer(MLIRContext *ctx)
      : OpRewritePattern<BatchNormOp>(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    Value input = bn.getInput();
    Operation *producer = input.getDefiningOp();
    if (!producer || !input.hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input has other uses");
    return TypeSwitch<Operation *, LogicalResult>(producer)
        .Case<Conv2DOp, DepthwiseConv2DOp, DenseOp>(
            [&](auto op) { return fold(op, bn, rewriter); })
        .Default([&](Operation *) {
          return rewriter.notifyMatchFailure(bn, "no foldable producer");
        });
  }

  template <typename ProducerOp>
  static LogicalResult fold(ProducerOp op, BatchNormOp bn,
                            PatternRewriter &rewriter) {
    // The normalization applies to the pre-activation value.
    if (op.getActivation() != Activation::None)
      return rewriter.notifyMatchFailure(bn, "producer has an activation");
    std::optional<ChannelAffine> affine = getChannelAffine(bn);
    Value weights = getWeights(op);
    std::optional<SmallVector<float>> w = getF32Constant(weights);
    if (!affine || !w)
      return rewriter.notifyMatchFailure(bn, "non-constant weights or stats");
    auto weightType = cast<RankedTensorType>(weights.getType());
    int64_t channels = affine->scale.size();
    SmallVector<float> bias(channels, 0.0f);
    if (Value oldBias = op.getBias()) {
      std::optional<SmallVector<float>> values = getF32Constant(oldBias);
      if (!values || static_cast<int64_t>(values->size()) != channels)
        return rewriter.notifyMatchFailure(bn, "non-constant bias");
      bias = std::move(*values);
    }
    // In every supported weight layout the output channel is the row-major
    // index modulo the channel count: HWIO conv filters and [K, M] dense
    // weights end with it, and a depthwise filter [KH, KW, C, M] ends with
    // (c, m), i.e. output channel c * M + m.
    if (static_cast<int64_t>(w->size()) % channels != 0)
      return rewriter.notifyMatchFailure(bn, "weights do not match channels");
    for (size_t i = 0, e = w->size(); i < e; ++i)
      (*w)[i] *= affine->scale[i % channels];
    for (int64_t c = 0; c < channels; ++c)
      bias[c] = bias[c] * affine->scale[c] + affine->shift[c];

    rewriter.setInsertionPoint(op);
    Value newWeights = createF32Constant(rewriter, weights.getLoc(),
                                         weightType.getShape(), *w);
    Value newBias = createF32Constant(rewriter, bn.getLoc(), {channels}, bias);
    rewriter.modifyOpInPlace(op, [&] {
      getWeightsOperand(op).set(newWeights);
      op.getBiasMutable().assign(newBias);
      op->setLoc(rewriter.getFusedLoc({op.getLoc(), bn.getLoc()}));
    });
    rewriter.replaceOp(bn, op->getResults());
    return success();
  }
};

/// batch_norm(x) -> x * a + b, omitting a multiplication by one and an
/// addition of zero.
struct DecomposeToAffine : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern<BatchNormOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    std::optional<ChannelAffine> affine = getChannelAffine(bn);
    if (!affine)
      return rewriter.notifyMatchFailure(bn, "non-constant statistics");
    int64_t channels = affine->scale.size();
    Location loc = bn.getLoc();
    Value result = bn.getInput();
    if (llvm::any_of(affine->scale, [](float a) { return a != 1.0f; })) {
      Value a = createF32Constant(rewriter, loc, {channels}, affine->scale);
      result = MulOp::create(rewriter, loc, result, a);
    }
    if (llvm::any_of(affine->shift, [](float b) { return b != 0.0f; })) {
      Value b = createF32Constant(rewriter, loc, {channels}, affine->shift);
      result = AddOp::create(rewriter, loc, result, b);
    }
    rewriter.replaceOp(bn, result);
    return success();
  }
};

struct DlcFoldBatchNormPass
    : dlc::impl::DlcFoldBatchNormBase<DlcFoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldIntoProducer, DecomposeToAffine>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
