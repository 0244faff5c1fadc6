//===- TileAndFuse.cpp - tile fusion roots, fuse their producers ----------===//
//
// Three steps per fusion root (the pool at the end of a conv + act + pool
// chain), driven by the attributes SelectTiling wrote:
//  1. tile the root with scf.forall by dlc.outer_tiles and greedily fuse all
//     its producers into the loop: each task computes only the conv rows
//     that its pooled rows read;
//  2. inside a task, tile the op feeding the pool (activation or conv) by
//     dlc.inner_tiles with scf.for and fuse the conv and its bias init into
//     it: the register tile;
//  3. tile the window-row (KH) loop of the conv and of the pool by 1, which
//     lets DlcVectorize decompose them into 1-D ops.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace dlc {
#define GEN_PASS_DEF_DLCTILEANDFUSE
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

using LoopType = scf::SCFTilingOptions::LoopType;

/// Tiles `op` and fuses its producers; replaces the uses of `op`. Returns the
/// tiled ops (the tiled `op` first).
FailureOr<SmallVector<Operation *>>
tileAndFuse(RewriterBase &rewriter, TilingInterface op,
            ArrayRef<int64_t> sizes, LoopType loopType) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setLoopType(loopType);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, op, options);
  if (failed(result))
    return failure();
  for (OpResult r : op->getResults())
    if (Value replacement = result->replacements.lookup(r))
      rewriter.replaceAllUsesWith(r, replacement);
  return SmallVector<Operation *>(result->tiledAndFusedOps.begin(),
                                  result->tiledAndFusedOps.end());
}

/// Tiles only `op` (no fusion), e.g. a reduction loop; replaces `op`.
LogicalResult tileOnly(RewriterBase &rewriter, TilingInterface op,
                       ArrayRef<int64_t> sizes) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setLoopType(LoopType::ForOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, op, tiling);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return success();
}

/// The window-row loop of 2-D convolutions and pools, which step 3 tiles by
/// one; std::nullopt for other ops.
std::optional<unsigned> windowRowLoop(Operation *op) {
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcmOp>(op))
    return 4; // (n, oh, ow, f|c, kh, kw, c|m)
  if (isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op))
    return 4; // (n, oh, ow, c, kh, kw)
  return std::nullopt;
}

LogicalResult tileWindowRows(RewriterBase &rewriter, Operation *op) {
  std::optional<unsigned> loop = windowRowLoop(op);
  if (!loop)
    return success();
  auto linalgOp = cast<linalg::LinalgOp>(op);
  SmallVector<int64_t> sizes(linalgOp.getNumLoops(), 0);
  sizes[*loop] = 1;
  return tileOnly(rewriter, cast<TilingInterface>(op), sizes);
}

LogicalResult processRoot(RewriterBase &rewriter, linalg::LinalgOp root) {
  auto outer = root->getAttrOfType<DenseI64ArrayAttr>(dlc::kOuterTilesAttr);
  auto inner = root->getAttrOfType<DenseI64ArrayAttr>(dlc::kInnerTilesAttr);
  if (!outer || !inner)
    return root->emitOpError("fusion root has no tile sizes; run "
                             "--dlc-select-tiling first");

  // Step 1: one scf.forall task per outer tile.
  FailureOr<SmallVector<Operation *>> outerOps =
      tileAndFuse(rewriter, cast<TilingInterface>(root.getOperation()),
                  outer.asArrayRef(), LoopType::ForallOp);
  if (failed(outerOps))
    return root->emitOpError("could not tile and fuse the fusion root");
  Operation *tiledRoot = outerOps->front();
  // The tiled root keeps its tile attributes for readers of the IR, but is
  // no longer a root: running the pass again must not tile it again.
  tiledRoot->removeAttr(dlc::kFusionRootAttr);
  if (root->use_empty())
    rewriter.eraseOp(root);

  // Step 2: register tile of the pool's producer, conv fused into it. A
  // chain without a pool gets the register tile on its last op directly.
  bool rootIsPool =
      isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(tiledRoot);
  Operation *feeder = rootIsPool ? cast<linalg::LinalgOp>(tiledRoot)
                                       .getDpsInputOperand(0)
                                       ->get()
                                       .getDefiningOp()
                                 : tiledRoot;
  SmallVector<Operation *> convOps;
  if (auto feederOp = dyn_cast_if_present<TilingInterface>(feeder)) {
    FailureOr<SmallVector<Operation *>> innerOps = tileAndFuse(
        rewriter, feederOp, inner.asArrayRef(), LoopType::ForOp);
    if (failed(innerOps))
      return feeder->emitOpError("could not apply the register tile");
    convOps = *innerOps;
  }

  // Step 3: window rows of the conv(s) and of the pool, by one.
  for (Operation *op : convOps)
    if (failed(tileWindowRows(rewriter, op)))
      return op->emitOpError("could not tile the window rows");
  if (rootIsPool && failed(tileWindowRows(rewriter, tiledRoot)))
    return tiledRoot->emitOpError("could not tile the pool window rows");
  return success();
}

struct TileAndFusePass
    : public dlc::impl::DlcTileAndFuseBase<TileAndFusePass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> roots;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(dlc::kFusionRootAttr))
        roots.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp root : roots)
      if (failed(processRoot(rewriter, root)))
        return signalPassFailure();
  }
};

} // namespace
