//===- TileTransposes.cpp - 16x16 blocks for whole-tensor transposes ------===//
//
// See the pass description in Passes.td. A transpose that moves the
// innermost dimension reads one side with a large stride; left to loop
// lowering, LLVM vectorizes it with gathers. Tiled into 16x16 blocks of the
// two dimensions involved, each block is one vector read, an in-register
// transpose (shuffles, see the LLVM pipeline's vector-transpose-lowering)
// and one vector write per row.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace dlc {
#define GEN_PASS_DEF_DLCTILETRANSPOSES
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// 16 f32 lanes: one AVX-512 register per block row.
constexpr int64_t kBlock = 16;

/// Tile sizes of the result's loops: kBlock for the result's innermost
/// dimension and for the one that reads the input's innermost dimension,
/// 1 elsewhere; nothing when the innermost dimension stays in place (the
/// rows are contiguous on both sides already) or a block does not divide.
std::optional<SmallVector<int64_t>> blockSizes(linalg::TransposeOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getInit().getType());
  if (!type || !type.hasStaticShape() || type.getRank() < 2)
    return std::nullopt;
  ArrayRef<int64_t> perm = op.getPermutation();
  int64_t last = type.getRank() - 1;
  int64_t readsInnermost = llvm::find(perm, last) - perm.begin();
  if (readsInnermost == last || type.getDimSize(last) % kBlock != 0 ||
      type.getDimSize(readsInnermost) % kBlock != 0)
    return std::nullopt;
  SmallVector<int64_t> sizes(type.getRank(), 1);
  sizes[last] = kBlock;
  sizes[readsInnermost] = kBlock;
  return sizes;
}

struct TileTransposesPass
    : public dlc::impl::DlcTileTransposesBase<TileTransposesPass> {
  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk([&](linalg::TransposeOp op) {
      if (!dlc::isInsideTileLoop(op))
        transposes.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp op : transposes) {
      std::optional<SmallVector<int64_t>> sizes = blockSizes(op);
      if (!sizes)
        continue;
      scf::SCFTilingOptions tiling;
      tiling.setTileSizes(getAsIndexOpFoldResult(&getContext(), *sizes));
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), tiling);
      if (failed(result)) {
        op->emitOpError("could not tile the transpose into blocks");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, result->replacements);
    }
  }
};

} // namespace
