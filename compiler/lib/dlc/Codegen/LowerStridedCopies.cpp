//===- LowerStridedCopies.cpp - memref.copy of strided views -> loops -----===//
//
// See the pass description in Passes.td. The condition mirrors the one of
// finalize-memref-to-llvm, which emits llvm.memcpy only when both sides are
// contiguous and a call to the `memrefCopy` runtime function otherwise.
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
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};

} // namespace
