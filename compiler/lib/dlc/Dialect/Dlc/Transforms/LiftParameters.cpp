//===- LiftParameters.cpp - trainable weights become arguments ------------===//
//
// Training needs the weights (and batch norm's moving statistics) as
// buffers it can overwrite, and evaluation during training needs them as
// inputs rather than values baked into the code. Both start here. The parameter's name comes from the constant's
// location, which the importer sets to the model's tensor name, so the
// runtime can write trained values back to the right tensors.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "llvm/ADT/StringSet.h"

namespace dlc {
#define GEN_PASS_DEF_DLCLIFTPARAMETERS
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// Whether `use` is an operand position that training updates.
bool isTrainableUse(OpOperand &use) {
  Operation *op = use.getOwner();
  unsigned i = use.getOperandNumber();
  if (isa<Conv2DOp, DepthwiseConv2DOp, FusedConv2DOp, DenseOp>(op))
    return i == 1 || i == 2; // filter/weight, bias
  if (isa<BatchNormOp>(op))
    return i == 1 || i == 2; // scale, offset
  return false;
}

/// Whether `use` reads a batch norm's moving mean or variance: state that a
/// training step updates (from the batch statistics, not the optimizer)
/// and that inference during training must read as it changes.
bool isMovingStatisticUse(OpOperand &use) {
  return isa<BatchNormOp>(use.getOwner()) &&
         (use.getOperandNumber() == 3 || use.getOperandNumber() == 4);
}

/// The model's tensor name, from the location the importer gave the
/// constant; a positional name when there is none.
std::string parameterName(Operation *constant, unsigned index) {
  Location loc = constant->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (isa<NameLoc>(part)) {
        loc = part;
        break;
      }
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  return "param_" + std::to_string(index);
}

struct LiftParametersPass
    : public dlc::impl::DlcLiftParametersBase<LiftParametersPass> {
  using DlcLiftParametersBase::DlcLiftParametersBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(entryName);
    if (!func) {
      getOperation().emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    SmallVector<ConstantOp> parameters;
    func.walk([&](ConstantOp constant) {
      // The importer's stand-ins for absent inputs (batch norm without
      // gamma or beta) are fixed, as in the reference.
      if (isa<FloatType>(constant.getType().getElementType()) &&
          !constant->hasAttr("dlc.implicit") &&
          (llvm::any_of(constant->getUses(), isTrainableUse) ||
           llvm::any_of(constant->getUses(), isMovingStatisticUse)))
        parameters.push_back(constant);
    });

    MLIRContext *ctx = &getContext();
    llvm::StringSet<> names;
    for (auto [i, constant] : llvm::enumerate(parameters)) {
      std::string name = parameterName(constant, i);
      if (!names.insert(name).second) {
        constant.emitError("two trainable weights are named '")
            << name << "'; parameters need unique names";
        return signalPassFailure();
      }
      unsigned index = func.getNumArguments();
      SmallVector<NamedAttribute> attrs{
          NamedAttribute(StringAttr::get(ctx, "dlc.name"),
                         StringAttr::get(ctx, name)),
          NamedAttribute(StringAttr::get(ctx, "dlc.parameter"),
                         UnitAttr::get(ctx))};
      // Still a parameter (held, saved and passed like the weights), but
      // one the optimizer never touches.
      if (llvm::none_of(constant->getUses(), isTrainableUse))
        attrs.push_back(NamedAttribute(StringAttr::get(ctx, "dlc.not_trainable"),
                                       UnitAttr::get(ctx)));
      if (failed(func.insertArgument(index, constant.getType(),
                                     DictionaryAttr::get(ctx, attrs),
                                     constant.getLoc())))
        return signalPassFailure();
      constant.getResult().replaceAllUsesWith(func.getArgument(index));
      constant.erase();
    }
  }
};

} // namespace
