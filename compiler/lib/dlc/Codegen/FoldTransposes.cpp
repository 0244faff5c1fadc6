//===- FoldTransposes.cpp - write elementwise results pre-transposed ------===//
//
// See the pass description in Passes.td. A transpose of an elementwise
// generic's result is a second full pass over memory; the generic can write
// its result in the transposed layout directly, since its output map is the
// only thing that decides where each element lands. Other readers of the
// result must be able to read the transposed tensor instead: generics (their
// indexing map is permuted) and reductions whose kept dimensions stay in
// order (their reduced dimensions are renamed). Anything else, and the
// transpose stays.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFOLDTRANSPOSES
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// `map` reading the transposed tensor where it read the original:
/// transposed[i] = original[perm[i]], so result i is the old result perm[i].
AffineMap permuteResults(AffineMap map, ArrayRef<int64_t> perm) {
  SmallVector<AffineExpr> results;
  for (int64_t p : perm)
    results.push_back(map.getResult(p));
  return AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                        map.getContext());
}

/// The reduced dimensions of a reduction over the transposed tensor that
/// equals `reduce` over the original, or nothing when the dimensions it
/// keeps would come out in another order.
std::optional<SmallVector<int64_t>>
reducedDimsAfterTranspose(linalg::ReduceOp reduce, ArrayRef<int64_t> perm) {
  ArrayRef<int64_t> dims = reduce.getDimensions();
  SmallVector<int64_t> reduced;
  int64_t lastKept = -1;
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (llvm::is_contained(dims, p)) {
      reduced.push_back(i);
    } else {
      if (p < lastKept)
        return std::nullopt;
      lastKept = p;
    }
  }
  return reduced;
}

/// True if `use` (a read of the generic's result other than the transpose)
/// can be redirected to the transposed tensor.
bool canRedirect(OpOperand &use, ArrayRef<int64_t> perm) {
  Operation *user = use.getOwner();
  if (auto generic = dyn_cast<linalg::GenericOp>(user))
    return generic.isDpsInput(&use);
  if (auto reduce = dyn_cast<linalg::ReduceOp>(user))
    return reduce.isDpsInput(&use) &&
           reducedDimsAfterTranspose(reduce, perm).has_value();
  return false;
}

/// An all-parallel generic with one result written through the identity
/// map, whose payload does not read the destination's old value.
bool isFoldableProducer(linalg::GenericOp generic) {
  if (generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  OpOperand *init = generic.getDpsInitOperand(0);
  return generic.getMatchingIndexingMap(init).isIdentity() &&
         !generic.payloadUsesValueFromOperand(init);
}

LogicalResult foldTranspose(linalg::TransposeOp transpose) {
  auto producer = transpose.getInput().getDefiningOp<linalg::GenericOp>();
  if (!producer || !isFoldableProducer(producer))
    return failure();
  // The end of a fused chain (a conv's activation, say) is what tiling
  // starts from; folding the transpose into it would leave the chain
  // untiled, a far larger cost than the transpose's own pass.
  if (producer->hasAttr(dlc::kFusionRootAttr))
    return failure();
  ArrayRef<int64_t> perm = transpose.getPermutation();
  Value original = producer.getResult(0);
  for (OpOperand &use : original.getUses())
    if (use.getOwner() != transpose && !canRedirect(use, perm))
      return failure();

  // The producer again, in its place (other readers may come before the
  // transpose), writing into a fresh tensor of the transposed shape.
  OpBuilder b(producer);
  auto type = cast<RankedTensorType>(transpose.getResult()[0].getType());
  Value init = tensor::EmptyOp::create(b, producer.getLoc(), type.getShape(),
                                       type.getElementType());
  SmallVector<AffineMap> maps = producer.getIndexingMapsArray();
  maps.back() = permuteResults(maps.back(), perm);
  auto folded = linalg::GenericOp::create(
      b, producer.getLoc(), TypeRange{type}, producer.getDpsInputs(),
      ValueRange{init}, maps, producer.getIteratorTypesArray());
  folded.getRegion().takeBody(producer.getRegion());
  // Keep the transpose's markers (dlc.materialize keeps the result out of
  // the consumer's tiles, as it kept the transpose).
  for (NamedAttribute attr : transpose->getDiscardableAttrs())
    folded->setAttr(attr.getName(), attr.getValue());
  Value transposed = folded.getResult(0);

  for (OpOperand &use : llvm::make_early_inc_range(original.getUses())) {
    Operation *user = use.getOwner();
    if (user == transpose)
      continue;
    if (auto generic = dyn_cast<linalg::GenericOp>(user)) {
      SmallVector<AffineMap> userMaps = generic.getIndexingMapsArray();
      unsigned index = use.getOperandNumber();
      userMaps[index] = permuteResults(userMaps[index], perm);
      generic.setIndexingMapsAttr(b.getAffineMapArrayAttr(userMaps));
      use.set(transposed);
    } else {
      auto reduce = cast<linalg::ReduceOp>(user);
      reduce.setDimensions(*reducedDimsAfterTranspose(reduce, perm));
      use.set(transposed);
    }
  }
  transpose.getResult()[0].replaceAllUsesWith(transposed);
  transpose.erase();
  producer.erase();
  return success();
}

struct FoldTransposesPass
    : public dlc::impl::DlcFoldTransposesBase<FoldTransposesPass> {
  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk(
        [&](linalg::TransposeOp op) { transposes.push_back(op); });
    for (linalg::TransposeOp op : transposes)
      (void)foldTranspose(op);
  }
};

} // namespace
