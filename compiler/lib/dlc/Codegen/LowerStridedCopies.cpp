//===- LowerStridedCopies.cpp - memref.copy of strided views -> loops -----===//
//
// See the pass description in Passes.td. The condition mirrors the one of
// finalize-memref-to-llvm, which emits llvm.memcpy only when both sides are
// contiguous and a call to the `memrefCopy` runtime function otherwise; the
// contiguous runs of a strided copy are made copies of that first kind.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLCLOWERSTRIDEDCOPIES
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

bool isContiguous(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && (memref.getLayout().isIdentity() ||
                    memref::isStaticShapeAndContiguousRowMajor(memref));
}

/// Contiguous runs at least this long (elements) are copied by memcpy; a
/// shorter run costs less to copy inline than a call.
constexpr int64_t kMinMemcpyRun = 64;
/// f32 lanes of an AVX-512 vector.
constexpr int64_t kLanes = 16;

/// The number of trailing dims of `type` whose elements are contiguous
/// (row-major, unit innermost stride), and the elements they hold.
std::pair<unsigned, int64_t> contiguousSuffix(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.hasStaticShape() ||
      failed(type.getStridesAndOffset(strides, offset)))
    return {0, 0};
  unsigned dims = 0;
  int64_t run = 1;
  for (int64_t d = type.getRank() - 1; d >= 0 && strides[d] == run; --d) {
    run *= type.getDimSize(d);
    ++dims;
  }
  return {dims, run};
}

/// Copies `copy` as loops over its outer dims around a memref.copy of each
/// contiguous run (an llvm.memcpy later), when both sides have runs of at
/// least kMinMemcpyRun elements over the same trailing dims. DenseNet's
/// concatenations copy hundreds of channels per pixel: as element loops,
/// LLVM vectorized each with its remainder and alias checks, 18,000
/// instructions in the entry and 4 s of compile time.
bool copyByRuns(IRRewriter &rewriter, memref::CopyOp copy) {
  auto source = cast<MemRefType>(copy.getSource().getType());
  auto target = cast<MemRefType>(copy.getTarget().getType());
  auto [sourceDims, sourceRun] = contiguousSuffix(source);
  auto [targetDims, targetRun] = contiguousSuffix(target);
  unsigned inner = std::min(sourceDims, targetDims);
  int64_t run = 1;
  for (unsigned d = source.getRank() - inner; d < source.getRank(); ++d)
    run *= source.getDimSize(d);
  // A shorter run of whole vectors in the last dim (a DenseNet layer's 32
  // new channels) is copied by vector loads and stores.
  int64_t lanes = 0;
  if (inner > 0 && run < kMinMemcpyRun) {
    int64_t last = source.getDimSize(source.getRank() - 1);
    lanes = last % kLanes == 0 ? kLanes : last % 8 == 0 ? 8 : 0;
    if (last < kLanes || lanes == 0)
      return false;
    inner = 1;
    run = last;
  }
  if (inner == 0)
    return false;

  Location loc = copy.getLoc();
  unsigned rank = source.getRank();
  rewriter.setInsertionPoint(copy);
  SmallVector<Value> ivs;
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (unsigned d = 0; d + inner < rank; ++d) {
    if (source.getDimSize(d) == 1) {
      ivs.push_back(zero);
      continue;
    }
    Value bound =
        arith::ConstantIndexOp::create(rewriter, loc, source.getDimSize(d));
    auto loop = scf::ForOp::create(rewriter, loc, zero, bound, one);
    ivs.push_back(loop.getInductionVar());
    rewriter.setInsertionPoint(loop.getBody()->getTerminator());
  }
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (unsigned d = 0; d < rank; ++d) {
    bool loop = d + inner < rank && source.getDimSize(d) != 1;
    offsets.push_back(loop ? OpFoldResult(ivs[d])
                           : OpFoldResult(rewriter.getIndexAttr(0)));
    bool outer = d + inner < rank;
    sizes.push_back(rewriter.getIndexAttr(outer ? 1 : source.getDimSize(d)));
    strides.push_back(rewriter.getIndexAttr(1));
  }
  if (lanes == 0) {
    Value from = memref::SubViewOp::create(rewriter, loc, copy.getSource(),
                                           offsets, sizes, strides);
    Value to = memref::SubViewOp::create(rewriter, loc, copy.getTarget(),
                                         offsets, sizes, strides);
    memref::CopyOp::create(rewriter, loc, from, to);
    rewriter.eraseOp(copy);
    return true;
  }
  auto vectorType = VectorType::get({lanes}, source.getElementType());
  SmallVector<Value> indices(ivs);
  for (int64_t start = 0; start < run; start += lanes) {
    indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, start));
    Value vector = vector::LoadOp::create(rewriter, loc, vectorType,
                                          copy.getSource(), indices);
    vector::StoreOp::create(rewriter, loc, vector, copy.getTarget(), indices);
    indices.pop_back();
  }
  rewriter.eraseOp(copy);
  return true;
}

struct LowerStridedCopiesPass
    : public dlc::impl::DlcLowerStridedCopiesBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isContiguous(copy.getSource().getType()) ||
          !isContiguous(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      // linalg.copy needs ranked memrefs; an unranked copy (never produced
      // by dlc's pipeline) is left alone.
      if (!isa<MemRefType>(copy.getSource().getType()) ||
          !isa<MemRefType>(copy.getTarget().getType()))
        continue;
      if (copyByRuns(rewriter, copy))
        continue;
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};

} // namespace
