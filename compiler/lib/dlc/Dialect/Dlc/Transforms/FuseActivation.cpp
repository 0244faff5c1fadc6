//===- FuseActivation.cpp - --dlc-fuse-activation -------------------------===//
//
// Folds a standalone activation into the conv/dense op that produces its
// operand. The fused op applies the activation to each output element as it
// is computed, which saves one full pass over the tensor in memory.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFUSEACTIVATION
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// The activation an op applies, and its leaky-ReLU slope.
template <typename ActOp> Activation activationOf();
template <> Activation activationOf<ReluOp>() { return Activation::Relu; }
template <> Activation activationOf<Relu6Op>() { return Activation::Relu6; }
template <> Activation activationOf<LeakyReluOp>() {
  return Activation::LeakyRelu;
}
template <> Activation activationOf<SigmoidOp>() { return Activation::Sigmoid; }
template <> Activation activationOf<TanhOp>() { return Activation::Tanh; }

template <typename ActOp> std::optional<APFloat> leakyAlphaOf(ActOp) {
  return std::nullopt;
}
template <> std::optional<APFloat> leakyAlphaOf(LeakyReluOp op) {
  return op.getAlpha();
}

/// Rewrites `act(producer(...))` into `producer(...) {activation = act}`.
template <typename ActOp>
struct FoldActivationIntoProducer : OpRewritePattern<ActOp> {
  using OpRewritePattern<ActOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ActOp act,
                                PatternRewriter &rewriter) const override {
    Value input = act.getInput();
    Operation *producer = input.getDefiningOp();
    // Another user of the producer needs the value before the activation.
    if (!producer || !input.hasOneUse())
      return rewriter.notifyMatchFailure(act, "operand has other uses");
    Activation kind = activationOf<ActOp>();
    std::optional<APFloat> alpha = leakyAlphaOf(act);
    return TypeSwitch<Operation *, LogicalResult>(producer)
        .template Case<Conv2DOp, DepthwiseConv2DOp, DenseOp>(
            [&](auto op) { return fold(op, act, kind, alpha, rewriter); })
        .template Case<FusedConv2DOp>([&](FusedConv2DOp op) -> LogicalResult {
          // The fused op applies its activation before pooling. An
          // activation after the pool may move before it only if the two
          // commute: max(f(x)) == f(max(x)) for a non-decreasing f, but no
          // nonlinear f commutes with an average.
          if (op.getPool() == PoolKind::Avg)
            return rewriter.notifyMatchFailure(act, "follows an average pool");
          if (op.getPool() == PoolKind::Max && alpha && alpha->isNegative())
            return rewriter.notifyMatchFailure(act, "decreasing leaky ReLU");
          return fold(op, act, kind, alpha, rewriter);
        })
        .Default([&](Operation *) {
          return rewriter.notifyMatchFailure(act, "no fusable producer");
        });
  }

  template <typename ProducerOp>
  static LogicalResult fold(ProducerOp op, ActOp act, Activation kind,
                            std::optional<APFloat> alpha,
                            PatternRewriter &rewriter) {
    if (op.getActivation() != Activation::None)
      return rewriter.notifyMatchFailure(act, "producer has an activation");
    rewriter.modifyOpInPlace(op, [&] {
      op.setActivation(kind);
      if (alpha)
        op.setLeakyAlpha(*alpha);
      // Keep both model op names for diagnostics of the fused op.
      op->setLoc(rewriter.getFusedLoc({op.getLoc(), act.getLoc()}));
    });
    rewriter.replaceOp(act, op->getResults());
    return success();
  }
};

struct DlcFuseActivationPass
    : dlc::impl::DlcFuseActivationBase<DlcFuseActivationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldActivationIntoProducer<ReluOp>,
                 FoldActivationIntoProducer<Relu6Op>,
                 FoldActivationIntoProducer<LeakyReluOp>,
                 FoldActivationIntoProducer<SigmoidOp>,
                 FoldActivationIntoProducer<TanhOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
