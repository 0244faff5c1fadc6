//===- UntieSharedInits.cpp - one init op per destination operand ---------===//
//
// See the pass description in Passes.td for the miscompile this prevents.
// Only init ops are cloned, only for uses as a destination (`outs`) operand:
// a shared value that ops merely read is harmless.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCUNTIESHAREDINITS
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Ops that only produce a destination's initial value.
bool isInitOp(Operation *op) {
  return isa<tensor::EmptyOp, linalg::FillOp, linalg::BroadcastOp>(op);
}

/// Clones `op` right after itself, with a private copy of its own init
/// chain (the tensor.empty under a fill, ...).
Operation *cloneInitChain(OpBuilder &b, Operation *op) {
  b.setInsertionPointAfter(op);
  Operation *copy = b.clone(*op);
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(copy))
    for (OpOperand &init : dps.getDpsInitsMutable())
      if (Operation *def = init.get().getDefiningOp(); def && isInitOp(def))
        init.set(cloneInitChain(b, def)->getResult(0));
  return copy;
}

struct UntieSharedInitsPass
    : public dlc::impl::DlcUntieSharedInitsBase<UntieSharedInitsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> inits;
    getOperation().walk([&](Operation *op) {
      if (isInitOp(op) && op->getNumResults() == 1)
        inits.push_back(op);
    });
    OpBuilder b(&getContext());
    // Later ops first: a cloned fill gets a fresh tensor.empty, so the
    // empty it came from has one use fewer by the time it is visited.
    for (Operation *op : llvm::reverse(inits)) {
      SmallVector<OpOperand *> initUses;
      for (OpOperand &use : op->getResult(0).getUses())
        if (auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner()))
          if (dps.isDpsInit(&use))
            initUses.push_back(&use);
      // The first destination use (and every plain read) keeps the original.
      bool hasOtherUses =
          initUses.size() < size_t(std::distance(op->getResult(0).use_begin(),
                                                 op->getResult(0).use_end()));
      for (size_t i = hasOtherUses ? 0 : 1; i < initUses.size(); ++i)
        initUses[i]->set(cloneInitChain(b, op)->getResult(0));
    }
  }
};

} // namespace
