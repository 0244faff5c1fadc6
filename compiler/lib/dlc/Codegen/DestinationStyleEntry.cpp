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

    // Inputs: memref arguments, read through a restrict to_tensor.
    SmallVector<Type> argTypes;
    for (BlockArgument arg : entry.getArguments()) {
      auto tensorType = arg.getType();
      arg.setType(bufferTypeOf(tensorType));
      auto toTensor = bufferization::ToTensorOp::create(
          b, loc, tensorType, arg, /*restrict=*/true, /*writable=*/false);
      arg.replaceAllUsesExcept(toTensor, toTensor);
      argTypes.push_back(arg.getType());
    }

    // Outputs: new trailing memref arguments the results materialize into.
    auto ret = cast<func::ReturnOp>(entry.getTerminator());
    b.setInsertionPoint(ret);
    for (Value result : ret.getOperands()) {
      BlockArgument out =
          entry.addArgument(bufferTypeOf(result.getType()), loc);
      argTypes.push_back(out.getType());
      bufferization::MaterializeInDestinationOp::create(
          b, ret.getLoc(), TypeRange{}, result, out, /*restrict=*/true,
          /*writable=*/true);
    }

    // Result attributes (names) move to the output arguments.
    SmallVector<DictionaryAttr> argAttrs, resAttrs;
    func.getAllArgAttrs(argAttrs);
    func.getAllResultAttrs(resAttrs);
    argAttrs.resize(type.getNumInputs());
    for (unsigned i = 0; i < type.getNumResults(); ++i)
      argAttrs.push_back(i < resAttrs.size() ? resAttrs[i] : DictionaryAttr());
    ret->setOperands({});
    func.setType(FunctionType::get(&getContext(), argTypes, {}));
    func.setAllArgAttrs(argAttrs);
    func.removeResAttrsAttr();
  }
};

} // namespace
