//===- FoldEmptyTensors.cpp - --dlc-fold-empty-tensors --------------------===//
//
// A tensor with a 0 dimension holds no data, so whatever computes it can be
// replaced by a constant of its type: no loop of the code generator ever
// sees an empty extent (its tiling divides loops by tile sizes and has no
// path for a loop that runs zero times). What is left is an op with a
// non-empty result that reads an empty operand, i.e. one that reduces over
// (or otherwise drops) an empty dimension:
//   - dense / matmul with K == 0: the empty sum is 0, so the result is the
//     bias and activation alone, or zeros;
//   - concat: an empty input contributes nothing and is dropped;
//   - pad: only the padding is left, a splat of the pad value;
//   - reduce_to_shape (a sum): zeros;
//   - anything else (a mean, a softmax or a convolution window over an empty
//     dimension, ...) has no single obvious value and is refused with a
//     diagnostic at the op.
//
//===----------------------------------------------------------------------===//

#include "TransformUtils.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFOLDEMPTYTENSORS
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// A statically shaped tensor type without elements (some dim is 0).
bool isEmptyTensorType(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && ranked.hasStaticShape() && ranked.getNumElements() == 0;
}

bool isEmpty(Value value) { return isEmptyTensorType(value.getType()); }

/// A `dlc.constant` of `type`, which has no elements: the value of anything
/// of that type.
Value createEmptyConstant(OpBuilder &builder, Location loc,
                          RankedTensorType type) {
  return ConstantOp::create(builder, loc, type,
                            DenseElementsAttr::get(type, ArrayRef<Attribute>{}));
}

/// A `dlc.constant` of `type` filled with zeros.
Value createZeros(OpBuilder &builder, Location loc, RankedTensorType type) {
  return ConstantOp::create(
      builder, loc, type,
      DenseElementsAttr::get(type, builder.getZeroAttr(type.getElementType())));
}

/// dense(x [N, 0], w [0, M], bias) = act(bias), or act(0) without a bias.
/// Rebuilt as the same dense layer over a single zero column: 0 * 0 is the
/// empty sum, and bias and activation (whatever it is) are applied as
/// before by the ordinary lowering.
void foldEmptyDense(DenseOp op) {
  OpBuilder builder(op);
  Location loc = op.getLoc();
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto wType = cast<RankedTensorType>(op.getWeight().getType());
  int64_t n = inType.getDimSize(0), m = wType.getDimSize(1);
  Type f32 = builder.getF32Type();
  Value x = createZeros(builder, loc, RankedTensorType::get({n, 1}, f32));
  Value w = createZeros(builder, loc, RankedTensorType::get({1, m}, f32));
  op.getInputMutable().assign(x);
  op.getWeightMutable().assign(w);
}

/// Rewrites `op`, whose results are not empty but which reads an empty
/// operand. Fails with a diagnostic when dlc has no value for it.
LogicalResult foldEmptyOperand(Operation *op) {
  OpBuilder builder(op);
  if (auto dense = dyn_cast<DenseOp>(op)) {
    // Its result [N, M] is not empty, so the empty operand has K == 0.
    foldEmptyDense(dense);
    return success();
  }
  if (isa<MatmulOp, BatchMatmulOp, ReduceToShapeOp>(op)) {
    // A (batch) matmul reading an empty operand with a non-empty result
    // has K == 0; a reduce_to_shape sums over the empty dims. All are 0.
    Value zeros = createZeros(
        builder, op->getLoc(),
        cast<RankedTensorType>(op->getResult(0).getType()));
    op->getResult(0).replaceAllUsesWith(zeros);
    op->erase();
    return success();
  }
  if (auto pad = dyn_cast<PadOp>(op)) {
    // Padding an empty tensor leaves only padding.
    auto type = cast<RankedTensorType>(pad.getType());
    Value filled = ConstantOp::create(
        builder, op->getLoc(), type,
        DenseElementsAttr::get(type, pad.getValue().convertToFloat()));
    pad.getResult().replaceAllUsesWith(filled);
    op->erase();
    return success();
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    SmallVector<Value> kept;
    for (Value v : concat.getInputs())
      if (!isEmpty(v))
        kept.push_back(v);
    concat.getInputsMutable().assign(kept);
    return success();
  }
  return op->emitOpError(
      "reduces over an empty dimension, which dlc does not support");
}

/// After folding, an empty argument is never read and an empty result is
/// a constant. Both still have their types in the signature, and the
/// bare-pointer calling convention of the LLVM stage cannot express a
/// memref whose inner dim is 0 (no static strides). So an empty interface
/// tensor becomes a `tensor<0xT>`, which is passed as a pointer like any
/// other, and its shape is kept in a `dlc.shape` attribute, where the
/// model's C ABI description reads it.
void flattenEmptyInterface(func::FuncOp func) {
  if (func.isExternal() || !func.isPublic())
    return;
  MLIRContext *ctx = func.getContext();
  auto flatType = [](Type type) {
    auto ranked = cast<RankedTensorType>(type);
    return RankedTensorType::get({0}, ranked.getElementType());
  };
  auto shapeAttr = [&](Type type) {
    return DenseI64ArrayAttr::get(ctx, cast<RankedTensorType>(type).getShape());
  };
  Block &entry = func.front();
  SmallVector<Type> inputs(func.getArgumentTypes());
  SmallVector<Type> results(func.getResultTypes());
  for (auto [i, type] : llvm::enumerate(inputs)) {
    if (!isEmptyTensorType(type) || cast<RankedTensorType>(type).getRank() == 1)
      continue;
    BlockArgument arg = entry.getArgument(i);
    if (!arg.use_empty()) {
      // Only a return (or a refused op) can still read it: it holds no
      // data, so a constant of its type stands in.
      OpBuilder builder(&entry, entry.begin());
      arg.replaceAllUsesWith(createEmptyConstant(
          builder, arg.getLoc(), cast<RankedTensorType>(type)));
    }
    func.setArgAttr(i, "dlc.shape", shapeAttr(type));
    type = flatType(type);
    arg.setType(type);
  }
  for (unsigned i = 0; i < results.size(); ++i) {
    Type type = results[i];
    if (!isEmptyTensorType(type) || cast<RankedTensorType>(type).getRank() == 1)
      continue;
    func.setResultAttr(i, "dlc.shape", shapeAttr(type));
    auto flat = flatType(type);
    results[i] = flat;
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      ret->setOperand(i, createEmptyConstant(builder, ret.getLoc(), flat));
    });
  }
  func.setType(FunctionType::get(ctx, inputs, results));
}

struct FoldEmptyTensorsPass
    : dlc::impl::DlcFoldEmptyTensorsBase<FoldEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa<DlcDialect>(op->getDialect()) && !isa<ConstantOp>(op))
        ops.push_back(op);
    });
    bool failed = false;
    // In program order: an op folded to a constant makes its users read a
    // constant, and they are visited after it.
    for (Operation *op : ops) {
      bool emptyResult = llvm::any_of(op->getResults(), isEmpty);
      if (emptyResult) {
        OpBuilder builder(op);
        for (Value result : op->getResults())
          if (isEmpty(result))
            result.replaceAllUsesWith(createEmptyConstant(
                builder, op->getLoc(),
                cast<RankedTensorType>(result.getType())));
        if (op->use_empty()) {
          op->erase();
          continue;
        }
        // An op with empty and non-empty results (a batch norm over an
        // empty batch) would still reach the code generator with an empty
        // tensor.
        op->emitOpError("produces an empty tensor beside non-empty ones, "
                        "which dlc does not support");
        failed = true;
        continue;
      }
      if (llvm::any_of(op->getOperands(), isEmpty) &&
          mlir::failed(foldEmptyOperand(op)))
        failed = true;
    }
    if (failed)
      return signalPassFailure();
    flattenEmptyInterface(getOperation());
    // Empty constants that nothing reads any more (the stand-ins above,
    // empty weights of a folded dense) go too.
    getOperation().walk([](ConstantOp c) {
      if (c->use_empty() && isEmpty(c.getResult()))
        c->erase();
    });
  }
};

} // namespace
