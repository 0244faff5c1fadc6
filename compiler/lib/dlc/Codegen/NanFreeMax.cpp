//===- NanFreeMax.cpp - plain max instructions where no NaN can appear ----===//
//
// arith.maximumf must return NaN if either operand is NaN and +0 for
// max(-0, +0); x86's vmaxps does neither, so LLVM wraps it in a NaN test and
// two blends. After a ReLU nothing can be NaN, and a max pool fused behind
// one spent more instructions on those fix-ups than the convolution spent on
// its multiply-adds (conv1 of the reference CNN). This pass proves operands
// NaN-free on the vectorized tensor IR and lets LLVM use the plain
// instruction through the fast-math flags nnan and nsz.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

namespace dlc {
#define GEN_PASS_DEF_DLCNANFREEMAX
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

bool isFloatLike(Value v) {
  return isa<FloatType>(getElementTypeOrSelf(v.getType()));
}

bool isNanFreeConstant(Attribute attr) {
  if (auto f = dyn_cast<FloatAttr>(attr))
    return !f.getValue().isNaN();
  auto dense = dyn_cast<DenseFPElementsAttr>(attr);
  if (!dense)
    return false;
  if (dense.isSplat())
    return !dense.getSplatValue<APFloat>().isNaN();
  for (const APFloat &x : dense.getValues<APFloat>())
    if (x.isNaN())
      return false;
  return true;
}

/// Answers "can this float value hold a NaN?" by walking its producers. The
/// walk is coinductive: a loop-carried value met again on the current path
/// is assumed NaN-free, which is proved once the loop's initial value and
/// its updates are (by induction over the iterations).
class NanFreedom {
public:
  bool isNanFree(Value v) {
    unsigned lowest = kNone;
    return visit(v, 0, lowest);
  }

private:
  static constexpr unsigned kNone = std::numeric_limits<unsigned>::max();

  /// `lowest` receives the smallest path depth of an assumption the answer
  /// relied on; answers relying on an assumption above `depth` are not
  /// settled yet and are not cached.
  bool visit(Value v, unsigned depth, unsigned &lowest) {
    if (!isFloatLike(v))
      return true;
    if (auto it = settled.find(v); it != settled.end())
      return it->second;
    if (auto it = onPath.find(v); it != onPath.end()) {
      lowest = std::min(lowest, it->second);
      return true;
    }
    // Pathological IR (huge unshared DAGs) gets the safe answer.
    if (budget == 0)
      return false;
    --budget;
    onPath[v] = depth;
    unsigned mine = kNone;
    bool nanFree = compute(v, depth + 1, mine);
    onPath.erase(v);
    if (!nanFree || mine >= depth) {
      // A "may be NaN" found under optimistic assumptions stays true
      // without them; a "NaN-free" is final once it relies on nothing
      // above this value.
      settled[v] = nanFree;
    } else {
      lowest = std::min(lowest, mine);
    }
    return nanFree;
  }

  bool all(ValueRange values, unsigned depth, unsigned &lowest) {
    for (Value v : values)
      if (!visit(v, depth, lowest))
        return false;
    return true;
  }

  bool compute(Value v, unsigned depth, unsigned &lowest) {
    if (auto arg = dyn_cast<BlockArgument>(v))
      return computeBlockArgument(arg, depth, lowest);
    Operation *op = v.getDefiningOp();
    auto result = cast<OpResult>(v);
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      return isNanFreeConstant(constant.getValue());
    // Undefined contents may be assumed to be anything, so not NaN.
    if (isa<tensor::EmptyOp, ub::PoisonOp>(op))
      return true;
    // maxnum/minnum return the other operand when one is NaN.
    if (isa<arith::MaxNumFOp, arith::MinNumFOp>(op))
      return visit(op->getOperand(0), depth, lowest) ||
             visit(op->getOperand(1), depth, lowest);
    if (isa<arith::MaximumFOp, arith::MinimumFOp>(op))
      return all(op->getOperands(), depth, lowest);
    if (auto select = dyn_cast<arith::SelectOp>(op))
      return visit(select.getTrueValue(), depth, lowest) &&
             visit(select.getFalseValue(), depth, lowest);
    // Data movement: NaN-free if everything it moves is (index and mask
    // operands are skipped as non-float).
    if (isa<vector::ExtractOp, vector::ExtractStridedSliceOp,
            vector::BroadcastOp, vector::ShapeCastOp, vector::TransposeOp,
            vector::InsertOp, vector::InsertStridedSliceOp,
            vector::TransferReadOp, vector::TransferWriteOp,
            tensor::ExtractSliceOp, tensor::InsertSliceOp, tensor::CastOp,
            linalg::FillOp>(op))
      return all(op->getOperands(), depth, lowest);
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      unsigned i = result.getResultNumber();
      return visit(loop.getInitArgs()[i], depth, lowest) &&
             visit(loop.getYieldedValues()[i], depth, lowest);
    }
    if (auto forall = dyn_cast<scf::ForallOp>(op))
      return sharedOutputNanFree(forall, result.getResultNumber(), depth,
                                 lowest);
    return false;
  }

  bool computeBlockArgument(BlockArgument arg, unsigned depth,
                            unsigned &lowest) {
    Operation *parent = arg.getOwner()->getParentOp();
    if (auto loop = dyn_cast<scf::ForOp>(parent)) {
      if (arg.getArgNumber() < loop.getNumInductionVars())
        return true;
      unsigned i = arg.getArgNumber() - loop.getNumInductionVars();
      return visit(loop.getInitArgs()[i], depth, lowest) &&
             visit(loop.getYieldedValues()[i], depth, lowest);
    }
    if (auto forall = dyn_cast<scf::ForallOp>(parent)) {
      unsigned ivs = forall.getRank();
      if (arg.getArgNumber() < ivs)
        return true;
      return sharedOutputNanFree(forall, arg.getArgNumber() - ivs, depth,
                                 lowest);
    }
    return false; // function arguments and anything unknown
  }

  /// A shared output of scf.forall: its initial tensor and every slice the
  /// tasks insert into it.
  bool sharedOutputNanFree(scf::ForallOp forall, unsigned i, unsigned depth,
                           unsigned &lowest) {
    if (!visit(forall.getOutputs()[i], depth, lowest))
      return false;
    BlockArgument shared = forall.getRegionOutArgs()[i];
    for (Operation &yielding : forall.getTerminator().getYieldingOps()) {
      auto insert = dyn_cast<tensor::ParallelInsertSliceOp>(yielding);
      if (!insert)
        return false;
      if (insert.getDest() == shared &&
          !visit(insert.getSource(), depth, lowest))
        return false;
    }
    return true;
  }

  DenseMap<Value, bool> settled;
  DenseMap<Value, unsigned> onPath;
  unsigned budget = 1u << 20;
};

/// Gives `op` (a maximumf or minimumf) nnan and nsz if neither operand can
/// be NaN.
template <typename MinMaxOp>
void relaxIfNanFree(MinMaxOp op, NanFreedom &analysis) {
  if (!analysis.isNanFree(op.getLhs()) || !analysis.isNanFree(op.getRhs()))
    return;
  op.setFastmath(op.getFastmath() | arith::FastMathFlags::nnan |
                 arith::FastMathFlags::nsz);
}

struct NanFreeMaxPass : public dlc::impl::DlcNanFreeMaxBase<NanFreeMaxPass> {
  void runOnOperation() override {
    NanFreedom analysis;
    getOperation().walk([&](Operation *op) {
      if (auto max = dyn_cast<arith::MaximumFOp>(op))
        relaxIfNanFree(max, analysis);
      else if (auto min = dyn_cast<arith::MinimumFOp>(op))
        relaxIfNanFree(min, analysis);
    });
  }
};

} // namespace
