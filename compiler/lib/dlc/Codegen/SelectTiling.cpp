//===- SelectTiling.cpp - choose tile sizes for fusion roots --------------===//
//
// The heuristic for the conv + activation + pool chain (see the pass
// description in Passes.td). It only writes attributes; TileAndFuse reads
// them. Keeping the decision in the IR makes it visible in every printed
// stage, pinnable by lit tests and overridable from the command line.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCSELECTTILING
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

// AVX-512: 16 f32 lanes per register, 32 registers. Leave a few registers for
// the broadcast input value and the filter vectors.
constexpr int64_t kLanes = 16;
constexpr int64_t kAccumulatorBudget = 26;

/// Returns the convolution-output width the pool root reads: the pooled
/// width's windows, not the whole conv output (a floor-mode pool drops the
/// trailing columns).
int64_t convWidthNeeded(linalg::LinalgOp pool, int64_t pooledWidth) {
  // A chain without a pool ends in the conv or its activation: all of it.
  if (!isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(pool))
    return pooledWidth;
  auto strides = pool->getAttrOfType<DenseIntElementsAttr>("strides");
  auto window = cast<ShapedType>(pool.getDpsInputOperand(1)->get().getType());
  int64_t strideW = strides ? strides.getValues<int64_t>()[1] : 1;
  return (pooledWidth - 1) * strideW + window.getDimSize(1);
}

/// The largest divisor of `n` not above `limit` (at least 1): an exact
/// divisor avoids a remainder tile with a different vector shape.
int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

struct SelectTilingPass
    : public dlc::impl::DlcSelectTilingBase<SelectTilingPass> {
  using DlcSelectTilingBase::DlcSelectTilingBase;

  void runOnOperation() override {
    Builder b(&getContext());
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(dlc::kFusionRootAttr))
        return;
      auto outType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!outType || !outType.hasStaticShape() || outType.getRank() != 4) {
        op->emitOpError("fusion root needs a static rank-4 result");
        return signalPassFailure();
      }
      // One task per (image, pooled row): enough parallelism for any batch
      // and a working set that stays in L1/L2.
      if (!outerTiles.empty())
        op->setAttr(dlc::kOuterTilesAttr, b.getDenseI64ArrayAttr(outerTiles));
      else if (!op->hasAttr(dlc::kOuterTilesAttr))
        op->setAttr(dlc::kOuterTilesAttr,
                    b.getDenseI64ArrayAttr({1, 1, 0, 0}));

      if (!innerTiles.empty()) {
        op->setAttr(dlc::kInnerTilesAttr, b.getDenseI64ArrayAttr(innerTiles));
        return;
      }
      if (op->hasAttr(dlc::kInnerTilesAttr))
        return;
      int64_t channels = outType.getDimSize(3);
      // Two vectors of channels per position when the layer is wide enough;
      // one full-width tile otherwise.
      int64_t tileF = channels % (2 * kLanes) == 0 ? 2 * kLanes : channels;
      int64_t vectorsPerPosition = std::max<int64_t>(1, tileF / kLanes);
      int64_t width = convWidthNeeded(op, outType.getDimSize(2));
      int64_t tileW = largestDivisorAtMost(
          width, std::max<int64_t>(1, kAccumulatorBudget / vectorsPerPosition));
      op->setAttr(dlc::kInnerTilesAttr,
                  b.getDenseI64ArrayAttr({1, 1, tileW, tileF}));
    });
  }
};

} // namespace
