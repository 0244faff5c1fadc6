//===- ModelABI.cpp - the C ABI of compiled models ------------------------===//

#include "dlc/Target/ModelABI.h"

#include "dlc/runtime/dlc_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/IR/IRBuilder.h"

using namespace mlir;

namespace dlc {

namespace {
int32_t dtypeOf(Type element) {
  if (element.isF32())
    return 0;
  if (element.isInteger(32))
    return 1;
  if (element.isInteger(64))
    return 2;
  return 3;
}

TensorSignature tensorSignature(Type type, DictionaryAttr attrs,
                                std::string fallbackName) {
  auto tensor = cast<RankedTensorType>(type);
  TensorSignature sig;
  sig.name = std::move(fallbackName);
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("dlc.name"))
      sig.name = name.str();
  sig.dtype = dtypeOf(tensor.getElementType());
  sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  // An empty tensor is passed as tensor<0xT>; its declared shape is kept
  // beside it (see --dlc-fold-empty-tensors).
  if (attrs)
    if (auto shape = attrs.getAs<DenseI64ArrayAttr>("dlc.shape"))
      sig.shape.assign(shape.asArrayRef().begin(), shape.asArrayRef().end());
  return sig;
}
} // namespace

FailureOr<ModelSignature> readSignature(ModuleOp module, StringRef entry,
                                        int64_t batchSize) {
  auto func = module.lookupSymbol<func::FuncOp>(entry);
  if (!func)
    return module.emitError("no entry function @") << entry, failure();
  ModelSignature sig;
  sig.name = module.getSymName() ? module.getSymName()->str() : "model";
  sig.batchSize = batchSize;
  FunctionType type = func.getFunctionType();
  // Results written in place into an argument are not outputs of the ABI.
  llvm::SmallDenseSet<uint64_t> updated;
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    if (auto k = func.getResultAttrOfType<IntegerAttr>(i, "dlc.in_place"))
      updated.insert(k.getValue().getZExtValue());
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    if (!isa<RankedTensorType>(t) || !cast<ShapedType>(t).hasStaticShape())
      return func.emitError("entry arguments must be static tensors"), failure();
    TensorSignature input =
        tensorSignature(t, func.getArgAttrDict(i), "input_" + std::to_string(i));
    if (func.getArgAttr(i, "dlc.parameter"))
      input.flags |= DLC_TENSOR_PARAMETER | DLC_TENSOR_UNBATCHED;
    if (func.getArgAttr(i, "dlc.not_trainable"))
      input.flags |= DLC_TENSOR_NOT_TRAINABLE;
    if (func.getArgAttr(i, "dlc.optimizer_state"))
      input.flags |= DLC_TENSOR_OPTIMIZER_STATE | DLC_TENSOR_UNBATCHED;
    if (func.getArgAttr(i, "dlc.unbatched"))
      input.flags |= DLC_TENSOR_UNBATCHED;
    if (updated.contains(i))
      input.flags |= DLC_TENSOR_UPDATED;
    // A static dim 0 other than the batch (an imported ONNX model's weight
    // given as an input, a bias of another shape) is not a batch: the
    // tensor is passed whole.
    if (input.shape.empty() || input.shape[0] != batchSize)
      input.flags |= DLC_TENSOR_UNBATCHED;
    sig.inputs.push_back(std::move(input));
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    if (!isa<RankedTensorType>(t) || !cast<ShapedType>(t).hasStaticShape())
      return func.emitError("entry results must be static tensors"), failure();
    if (func.getResultAttr(i, "dlc.in_place"))
      continue;
    TensorSignature output = tensorSignature(t, func.getResultAttrDict(i),
                                             "output_" + std::to_string(i));
    // A scalar (a training step's loss) has no batch dimension, nor has a
    // gradient.
    if (output.shape.empty() || output.shape[0] != batchSize ||
        func.getResultAttr(i, "dlc.unbatched"))
      output.flags |= DLC_TENSOR_UNBATCHED;
    sig.outputs.push_back(std::move(output));
  }
  return sig;
}

namespace {
/// Builds the constant dlc_tensor_desc array for `tensors`.
llvm::Constant *tensorDescs(llvm::Module &m, llvm::StructType *descType,
                            ArrayRef<TensorSignature> tensors,
                            StringRef prefix) {
  llvm::LLVMContext &ctx = m.getContext();
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  SmallVector<llvm::Constant *> descs;
  for (auto [i, t] : llvm::enumerate(tensors)) {
    llvm::IRBuilder<> b(ctx);
    auto *name = new llvm::GlobalVariable(
        m, llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), t.name.size() + 1),
        true, llvm::GlobalValue::PrivateLinkage,
        llvm::ConstantDataArray::getString(ctx, t.name),
        (prefix + "_name_" + Twine(i)).str());
    auto *shapeInit = llvm::ConstantDataArray::get(ctx, ArrayRef(t.shape));
    auto *shape = new llvm::GlobalVariable(
        m, shapeInit->getType(), true, llvm::GlobalValue::PrivateLinkage,
        shapeInit, (prefix + "_shape_" + Twine(i)).str());
    descs.push_back(llvm::ConstantStruct::get(
        descType, {name, llvm::ConstantInt::get(i32, t.dtype),
                   llvm::ConstantInt::get(i32, t.shape.size()), shape,
                   llvm::ConstantInt::get(i32, t.flags)}));
    (void)i64;
  }
  auto *arrayType = llvm::ArrayType::get(descType, descs.size());
  return new llvm::GlobalVariable(m, arrayType, true,
                                  llvm::GlobalValue::PrivateLinkage,
                                  llvm::ConstantArray::get(arrayType, descs),
                                  (prefix + "_descs").str());
}
} // namespace

LogicalResult emitModelABI(llvm::Module &m, StringRef entry,
                           const ModelSignature &sig) {
  llvm::Function *entryFn = m.getFunction(entry);
  // inputs..., outputs..., workspace, parallel (dlc-lower-task-dispatch).
  size_t numArgs = sig.inputs.size() + sig.outputs.size() + 2;
  if (!entryFn || entryFn->arg_size() != numArgs)
    return failure();
  llvm::LLVMContext &ctx = m.getContext();
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *ptr = llvm::PointerType::get(ctx, 0);

  // Layouts mirror dlc_tensor_desc and dlc_model_desc (natural C alignment).
  auto *tensorDesc = llvm::StructType::create(ctx, {ptr, i32, i32, ptr, i32},
                                              "dlc_tensor_desc");
  auto *modelDesc = llvm::StructType::create(
      ctx, {i32, ptr, i64, i32, i32, ptr, ptr, i64}, "dlc_model_desc");
  auto *name = new llvm::GlobalVariable(
      m, llvm::ArrayType::get(llvm::Type::getInt8Ty(ctx), sig.name.size() + 1),
      true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantDataArray::getString(ctx, sig.name), "dlc_model_name");
  auto *desc = new llvm::GlobalVariable(
      m, modelDesc, true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantStruct::get(
          modelDesc,
          {llvm::ConstantInt::get(i32, DLC_ABI_VERSION), name,
           llvm::ConstantInt::get(i64, sig.batchSize),
           llvm::ConstantInt::get(i32, sig.inputs.size()),
           llvm::ConstantInt::get(i32, sig.outputs.size()),
           tensorDescs(m, tensorDesc, sig.inputs, "dlc_input"),
           tensorDescs(m, tensorDesc, sig.outputs, "dlc_output"),
           llvm::ConstantInt::get(i64, sig.workspaceBytes)}),
      "dlc_model_desc_data");

  auto *describe = llvm::Function::Create(
      llvm::FunctionType::get(ptr, false), llvm::GlobalValue::ExternalLinkage,
      "dlc_model_describe", m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", describe));
  b.CreateRet(desc);

  auto *infer = llvm::Function::Create(
      llvm::FunctionType::get(i32, {ptr, ptr, ptr, ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "dlc_model_infer", m);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", infer));
  SmallVector<llvm::Value *> args;
  auto loadAll = [&](llvm::Value *array, size_t n) {
    for (size_t i = 0; i < n; ++i)
      args.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, array, i)));
  };
  loadAll(infer->getArg(0), sig.inputs.size());
  loadAll(infer->getArg(1), sig.outputs.size());
  args.push_back(infer->getArg(2));
  args.push_back(infer->getArg(3));
  b.CreateCall(entryFn, args);
  b.CreateRet(llvm::ConstantInt::get(i32, 0));
  entryFn->setLinkage(llvm::GlobalValue::InternalLinkage);
  return success();
}

} // namespace dlc
