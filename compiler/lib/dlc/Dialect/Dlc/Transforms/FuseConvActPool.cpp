//===- FuseConvActPool.cpp - --dlc-fuse-conv-act-pool ---------------------===//
//
// Turns conv2d (+ bias + activation) followed by a pool into one
// dlc.fused_conv2d. The code generator tiles that op by pooled output rows
// and computes the convolution inside each tile, so the convolution's
// output, the largest tensor of a typical CNN layer, is never stored.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFUSECONVACTPOOL
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

template <typename PoolOp> constexpr PoolKind poolKindOf() {
  return std::is_same_v<PoolOp, MaxPool2DOp> ? PoolKind::Max : PoolKind::Avg;
}

/// pool(conv2d(x, w, b) {activation}) -> fused_conv2d(x, w, b) {activation,
/// pool}. A fused_conv2d that does not pool yet is fused the same way.
template <typename PoolOp> struct FusePoolIntoConv : OpRewritePattern<PoolOp> {
  using OpRewritePattern<PoolOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(PoolOp pool,
                                PatternRewriter &rewriter) const override {
    // fused_conv2d pools without padding: a padded max window would also
    // see the padding value, and a padded average would need the position
    // dependent divisor. Without padding count_include_pad is irrelevant.
    if (llvm::any_of(pool.getPadding(), [](int64_t p) { return p != 0; }))
      return rewriter.notifyMatchFailure(pool, "padded pool");
    // fused_conv2d has no pool dilation.
    if (llvm::any_of(pool.getDilations(), [](int64_t d) { return d != 1; }))
      return rewriter.notifyMatchFailure(pool, "dilated pool");
    Value input = pool.getInput();
    // The conv's output must be used only by the pool, or it would have to
    // be materialized anyway.
    if (!input.hasOneUse())
      return rewriter.notifyMatchFailure(pool, "conv has other uses");
    if (auto conv = input.getDefiningOp<Conv2DOp>())
      return fuse(conv, pool, rewriter);
    if (auto fused = input.getDefiningOp<FusedConv2DOp>())
      if (fused.getPool() == PoolKind::None)
        return fuse(fused, pool, rewriter);
    return rewriter.notifyMatchFailure(pool, "no conv2d producer");
  }

  template <typename ConvOp>
  static LogicalResult fuse(ConvOp conv, PoolOp pool,
                            PatternRewriter &rewriter) {
    Location loc = rewriter.getFusedLoc({conv.getLoc(), pool.getLoc()});
    auto fused = FusedConv2DOp::create(
        rewriter, loc, pool.getType(), conv.getInput(), conv.getFilter(),
        conv.getBias(), conv.getStrides(), conv.getDilations(),
        conv.getPadding(), conv.getActivation(), conv.getLeakyAlpha(),
        poolKindOf<PoolOp>(), pool.getWindow(), pool.getStrides());
    rewriter.replaceOp(pool, fused.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct DlcFuseConvActPoolPass
    : dlc::impl::DlcFuseConvActPoolBase<DlcFuseConvActPoolPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FusePoolIntoConv<MaxPool2DOp>, FusePoolIntoConv<AvgPool2DOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
