//===- TileAndFuse.cpp - tile fusion roots, fuse their producers ----------===//
//
// Three steps per fusion root (the last op of a conv chain -- possibly a
// pool -- or of a dense chain), driven by the #dlc.tiling SelectTiling wrote
// (after an optional step 0: its outer_reduction sizes, a loop over
// reduction tiles around everything else, see tileOuterReductions):
//  1. tile the root with scf.forall by its outer sizes and greedily fuse
//     its producers into the loop (all but those marked dlc.materialize,
//     e.g. results another op also reads): each task computes only the
//     conv rows that its pooled rows read;
//  2. inside a task, tile the op feeding the pool (activation or conv), or
//     the root itself when there is no pool, by its inner sizes with scf.for
//     and fuse the contraction and its bias init into it: the register tile;
//  3. tile the contraction's reduction loops by its reduction sizes (a
//     conv's filter rows by 1, a matmul's K), unrolled if unroll_reduction,
//     and a pool's window rows by 1, which lets DlcVectorize decompose 2-D
//     windows into 1-D ops.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
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

/// Unit attribute on producers that must be computed once, whole: fusing
/// one into a tile would recompute it in every tile. The dlc-to-linalg
/// lowering puts it on e.g. a transposed operand of a gradient conv, and
/// markSharedProducers on results with several readers.
constexpr llvm::StringLiteral kMaterializeAttr = "dlc.materialize";

/// Greedy fusion, except of producers marked kMaterializeAttr.
std::optional<scf::SCFTileAndFuseOptions::ControlFnResult>
fuseUnlessMaterialized(tensor::ExtractSliceOp, OpResult producer, bool) {
  if (producer.getOwner()->hasAttr(kMaterializeAttr))
    return std::nullopt;
  return scf::SCFTileAndFuseOptions::ControlFnResult{};
}

/// True if `use` makes its owner write into the value (a destination)
/// rather than read it.
bool isDestinationUse(OpOperand &use) {
  auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
  return dps && dps.isDpsInit(&use);
}

/// Marks kMaterializeAttr on the non-root linalg ops that more than one op
/// reads. Fusing one of those recomputes it inside every reader's tiles,
/// and its own unfused producers with it: along a chain of residual blocks
/// (each sum read by the next block's convolution and by the next sum)
/// that recomputation compounded, and MobileNetV2 grew past 6 GiB in this
/// pass. Computed once, whole, such a result costs one pass over memory.
/// Uses by one op count once (an activation often reads the convolution's
/// result as its input and as its destination), and values that are some
/// op's destination (a fill or bias broadcast that CSE merged) are left to
/// fuse: they are rewritten, not recomputed.
void markSharedProducers(Operation *scope) {
  scope->walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(dlc::kFusionRootAttr))
      return;
    for (OpResult result : op->getResults()) {
      if (llvm::all_equal(result.getUsers()) ||
          llvm::any_of(result.getUses(), isDestinationUse))
        continue;
      op->setAttr(kMaterializeAttr, UnitAttr::get(op->getContext()));
      return;
    }
  });
}

/// Tiles `op` and fuses the producers `control` accepts (by default all but
/// the materialized ones); replaces the uses of `op`. Returns the tiled ops
/// (the tiled `op` first).
FailureOr<SmallVector<Operation *>>
tileAndFuse(RewriterBase &rewriter, TilingInterface op,
            ArrayRef<int64_t> sizes, LoopType loopType,
            scf::SCFTileAndFuseOptions::ControlFnTy control =
                fuseUnlessMaterialized) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setLoopType(loopType);
  scf::SCFTileAndFuseOptions options;
  options.setTilingOptions(tiling);
  options.setFusionControlFn(std::move(control));
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

/// Window loops have a handful of iterations (filter rows). Unrolling them
/// turns the loop-carried accumulator tile into a chain of SSA values that
/// canonicalization forwards from one vector contraction to the next, so
/// it stays in registers instead of going through memory every row (when
/// that pays is SelectTiling's decision: unroll_reduction).
constexpr int64_t kMaxUnrolledTripCount = 8;

/// Tiles only `op` (no fusion), e.g. a reduction loop; replaces `op`. Loops
/// of at most kMaxUnrolledTripCount iterations are unrolled when `unroll`.
LogicalResult tileOnly(RewriterBase &rewriter, TilingInterface op,
                       ArrayRef<int64_t> sizes, bool unroll = false) {
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setLoopType(LoopType::ForOp);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, op, tiling);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  if (!unroll)
    return success();
  for (LoopLikeOpInterface loop : result->loops) {
    auto forOp = dyn_cast<scf::ForOp>(loop.getOperation());
    if (!forOp)
      continue;
    std::optional<int64_t> lb = getConstantIntValue(forOp.getLowerBound());
    std::optional<int64_t> ub = getConstantIntValue(forOp.getUpperBound());
    std::optional<int64_t> step = getConstantIntValue(forOp.getStep());
    if (!lb || !ub || !step || *step <= 0)
      continue;
    if ((*ub - *lb + *step - 1) / *step <= kMaxUnrolledTripCount &&
        failed(loopUnrollFull(forOp)))
      return failure();
  }
  return success();
}

/// Tiles `op`'s reduction loops by `sizes` with scf.for and fuses the
/// elementwise producers of its inputs (and the pads between) into the
/// loop. Destinations are never fused: the accumulator must be initialized
/// once, outside the reduction.
LogicalResult tileReductionsFusingInputs(RewriterBase &rewriter,
                                         TilingInterface op,
                                         ArrayRef<int64_t> sizes) {
  auto fuseElementwiseInputs =
      [](tensor::ExtractSliceOp, OpResult producer, bool isDestination)
      -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
    Operation *owner = producer.getOwner();
    if (isDestination || owner->hasAttr(kMaterializeAttr))
      return std::nullopt;
    auto generic = dyn_cast<linalg::GenericOp>(owner);
    bool elementwise =
        generic && generic.getNumLoops() == generic.getNumParallelLoops();
    if (!elementwise && !isa<tensor::PadOp>(owner))
      return std::nullopt;
    return scf::SCFTileAndFuseOptions::ControlFnResult{};
  };
  if (failed(tileAndFuse(rewriter, op, sizes, LoopType::ForOp,
                         fuseElementwiseInputs)))
    return failure();
  if (op->use_empty())
    rewriter.eraseOp(op);
  return success();
}

/// Tiles the trailing reduction loops of `op` by `reduction`, one size per
/// reduction loop; parallel loops are left alone.
LogicalResult tileReductions(RewriterBase &rewriter, Operation *op,
                             ArrayRef<int64_t> reduction, bool unroll) {
  auto linalgOp = cast<linalg::LinalgOp>(op);
  unsigned numLoops = linalgOp.getNumLoops();
  unsigned numReductions = linalgOp.getNumReductionLoops();
  if (reduction.size() != numReductions)
    return op->emitOpError("has ")
           << numReductions << " reduction loops but #dlc.tiling gives "
           << reduction.size() << " reduction sizes";
  SmallVector<int64_t> sizes(numLoops - numReductions, 0);
  llvm::append_range(sizes, reduction);
  if (llvm::all_of(reduction, [](int64_t size) { return size == 0; }))
    return success();
  // A conv whose input channels are tiled (a deep layer) computes the
  // elementwise producers of its input (the previous layer's activation)
  // a channel tile at a time inside the reduction loop: fused above it,
  // they were computed on all channels at once, vectors of hundreds of
  // floats that spilled and took LLVM seconds to compile per kernel.
  if (!isa<linalg::MatmulOp>(op) && sizes.back() != 0)
    return tileReductionsFusingInputs(rewriter, cast<TilingInterface>(op),
                                      sizes);
  return tileOnly(rewriter, cast<TilingInterface>(op), sizes, unroll);
}

/// A pool's window row (loop 4 of n, oh, ow, c, kh, kw) tiled by one, which
/// lets DlcVectorize decompose it into a 1-D pool.
LogicalResult tilePoolWindowRows(RewriterBase &rewriter, Operation *pool) {
  SmallVector<int64_t> sizes(cast<linalg::LinalgOp>(pool).getNumLoops(), 0);
  sizes[4] = 1;
  return tileOnly(rewriter, cast<TilingInterface>(pool), sizes,
                  /*unroll=*/true);
}

/// Step 0 (outer_reduction sizes): loops over the root's reduction
/// dimensions outside everything else, accumulating into the root's
/// destination, which stays outside the loop (its fill runs once). Returns
/// the root inside the loop.
FailureOr<linalg::LinalgOp> tileOuterReductions(RewriterBase &rewriter,
                                                linalg::LinalgOp root,
                                                ArrayRef<int64_t> reduction) {
  unsigned numLoops = root.getNumLoops();
  unsigned numReductions = root.getNumReductionLoops();
  SmallVector<int64_t> sizes(numLoops, 0);
  for (unsigned i = 0; i < numReductions && i < reduction.size(); ++i)
    sizes[numLoops - numReductions + i] = reduction[i];
  scf::SCFTilingOptions tiling;
  tiling.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), sizes));
  tiling.setLoopType(LoopType::ForOp);
  rewriter.setInsertionPoint(root);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(root.getOperation()),
                        tiling);
  if (failed(result) || result->tiledOps.size() != 1)
    return failure();
  auto tiled = dyn_cast<linalg::LinalgOp>(result->tiledOps.front());
  if (!tiled)
    return failure();
  rewriter.replaceOp(root, result->replacements);
  return tiled;
}

LogicalResult processRoot(RewriterBase &rewriter, linalg::LinalgOp root) {
  auto tiling = root->getAttrOfType<dlc::TilingAttr>(dlc::kTilingAttr);
  if (!tiling)
    return root->emitOpError("fusion root has no #dlc.tiling; run "
                             "--dlc-select-tiling first");
  if (!tiling.getOuterReduction().empty()) {
    FailureOr<linalg::LinalgOp> inner =
        tileOuterReductions(rewriter, root, tiling.getOuterReduction());
    if (failed(inner))
      return root->emitOpError("could not tile the outer reduction loops");
    root = *inner;
  }

  // Step 1: one scf.forall task per outer tile.
  FailureOr<SmallVector<Operation *>> outerOps =
      tileAndFuse(rewriter, cast<TilingInterface>(root.getOperation()),
                  tiling.getOuter(), LoopType::ForallOp);
  if (failed(outerOps))
    return root->emitOpError("could not tile and fuse the fusion root");
  Operation *tiledRoot = outerOps->front();
  // The tiled root keeps its #dlc.tiling for readers of the IR, but is no
  // longer a root: running the pass again must not tile it again.
  tiledRoot->removeAttr(dlc::kFusionRootAttr);
  if (root->use_empty())
    rewriter.eraseOp(root);

  // Step 2: register tile of the pool's producer, conv fused into it. A
  // chain without a pool gets the register tile on its last op directly.
  bool rootIsPool = dlc::isPool(tiledRoot);
  Operation *feeder = rootIsPool ? cast<linalg::LinalgOp>(tiledRoot)
                                       .getDpsInputOperand(0)
                                       ->get()
                                       .getDefiningOp()
                                 : tiledRoot;
  SmallVector<Operation *> convOps;
  // Only a linalg producer is register-tiled: a pool's input may also be a
  // padding op or the result of another root's loop nest.
  if (auto feederOp = dyn_cast_if_present<TilingInterface>(feeder);
      feederOp && isa<linalg::LinalgOp>(feeder)) {
    FailureOr<SmallVector<Operation *>> innerOps = tileAndFuse(
        rewriter, feederOp, tiling.getInner(), LoopType::ForOp);
    if (failed(innerOps))
      return feeder->emitOpError("could not apply the register tile");
    convOps = *innerOps;
  }

  // Step 3: reduction loops of the contraction, and the pool's window rows.
  for (Operation *op : convOps)
    if (dlc::isTiledContraction(op) &&
        failed(tileReductions(rewriter, op, tiling.getReduction(),
                              tiling.getUnrollReduction())))
      return op->emitOpError("could not tile the reduction loops");
  if (rootIsPool && failed(tilePoolWindowRows(rewriter, tiledRoot)))
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
    markSharedProducers(getOperation());
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp root : roots)
      if (failed(processRoot(rewriter, root)))
        return signalPassFailure();
  }
};

} // namespace
