//===- DestinationStyleEntry.cpp - caller-owned inputs and outputs --------===//
//
// The C ABI passes every input and output as a caller-owned buffer. Making
// that explicit before bufferization means one-shot bufferization writes the
// final results straight into the caller's buffers (no copy, no allocation
// escaping the function), which is what `materialize_in_destination` with
// `restrict writable` promises it.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "llvm/ADT/DenseSet.h"

namespace dlc {
#define GEN_PASS_DEF_DLCDESTINATIONSTYLEENTRY
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

MemRefType bufferTypeOf(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return MemRefType::get(tensor.getShape(), tensor.getElementType());
}

struct DestinationStyleEntryPass
    : public dlc::impl::DlcDestinationStyleEntryBase<
          DestinationStyleEntryPass> {
  using DlcDestinationStyleEntryBase::DlcDestinationStyleEntryBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(entryName);
    if (!func) {
      getOperation().emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    FunctionType type = func.getFunctionType();
    for (Type t : llvm::concat<const Type>(type.getInputs(), type.getResults()))
      if (!isa<RankedTensorType>(t) ||
          !cast<RankedTensorType>(t).hasStaticShape()) {
        func.emitError("entry function must take and return static tensors");
        return signalPassFailure();
      }

    Block &entry = func.getBody().front();
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    Location loc = func.getLoc();

    // Results marked `dlc.in_place = k` overwrite input k (a training step's
    // parameters and optimizer state); the others get an output argument.
    SmallVector<std::optional<unsigned>> inPlaceOf(type.getNumResults());
    llvm::SmallDenseSet<unsigned> overwritten;
    for (unsigned i = 0; i < type.getNumResults(); ++i)
      if (auto attr = func.getResultAttrOfType<IntegerAttr>(i, "dlc.in_place")) {
        uint64_t k = attr.getValue().getZExtValue();
        if (k >= type.getNumInputs() || type.getInput(k) != type.getResult(i) ||
            !overwritten.insert(k).second) {
          func.emitError("result ") << i << " cannot overwrite argument " << k;
          return signalPassFailure();
        }
        inPlaceOf[i] = k;
      }

    // Inputs: memref arguments, read through a restrict to_tensor (writable
    // when a result overwrites it: one-shot bufferization then updates the
    // buffer in place, or copies where a later read would see the update).
    SmallVector<Type> argTypes;
    for (BlockArgument arg : entry.getArguments()) {
      auto tensorType = arg.getType();
      arg.setType(bufferTypeOf(tensorType));
      auto toTensor = bufferization::ToTensorOp::create(
          b, loc, tensorType, arg, /*restrict=*/true,
          /*writable=*/overwritten.contains(arg.getArgNumber()));
      arg.replaceAllUsesExcept(toTensor, toTensor);
      argTypes.push_back(arg.getType());
    }

    // Outputs: new trailing memref arguments the results materialize into.
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    b.setInsertionPoint(ret);
    SmallVector<unsigned> outputResults;
    for (auto [i, result] : llvm::enumerate(ret.getOperands())) {
      Value dest;
      if (inPlaceOf[i]) {
        dest = entry.getArgument(*inPlaceOf[i]);
      } else {
        dest = entry.addArgument(bufferTypeOf(result.getType()), loc);
        argTypes.push_back(dest.getType());
        outputResults.push_back(i);
      }
      bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), TypeRange{}, result, dest, /*restrict=*/true,
          /*writable=*/true);
    }

    // Result attributes (names) move to the output arguments.
    SmallVector<DictionaryAttr> argAttrs, resAttrs;
    func.getAllArgAttrs(argAttrs);
    func.getAllResultAttrs(resAttrs);
    argAttrs.resize(type.getNumInputs());
    for (unsigned i : outputResults)
      argAttrs.push_back(i < resAttrs.size() ? resAttrs[i] : DictionaryAttr());
    ret->setOperands({});
    func.setType(FunctionType::get(&getContext(), argTypes, {}));
    func.setAllArgAttrs(argAttrs);
    func.removeResAttrsAttr();
  }
};

} // namespace
