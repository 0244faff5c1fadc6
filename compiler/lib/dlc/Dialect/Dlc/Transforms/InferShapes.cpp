//===- InferShapes.cpp - --dlc-infer-shapes and batch specialization ------===//
//
// Every dlc op computes its result type from its operands (InferTypeOp
// interface), so when an argument type becomes more static, e.g. the
// dynamic batch dimension of an imported model is fixed for one compiled
// variant, the new shapes can be propagated through the function.
//
// The algorithm is a forward worklist over the type lattice "dynamic dim
// above every static size":
//   1. Seed the worklist with every op of the function, in program order, so
//      that most ops see already-refined operands on their first visit.
//   2. Pop an op and re-run its type inference on the current operand types.
//      Each result's new type is the meet of its current and its inferred
//      type: per dimension, the static size if either side has one. Two
//      different static sizes are a conflict and an error.
//   3. If a result type changed, enqueue the users of that result. A user
//      that cannot refine its own types (no inference; not func.return,
//      whose types go into the signature at the end) gets a tensor.cast
//      back to the old type, so it still sees what it was verified with.
//   4. Repeat until the worklist is empty, then set the function's type
//      from its entry block arguments and its returned values.
// Types only ever move down the lattice and each type has finitely many
// dynamic dimensions, so every op is re-queued a bounded number of times
// and the loop terminates.
//
// `dlc.reshape` has no inference (its result shape is an attribute of the
// model, not a function of its operand), but a single dynamic result
// dimension is determined by the element count, which is what a flatten to
// [?, H*W*C] needs once the batch is known.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

#include <deque>

namespace dlc {
#define GEN_PASS_DEF_DLCINFERSHAPES
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// The most static type compatible with both `current` and `inferred`:
/// `current` itself when nothing is learned, nullptr on a conflict.
Type meetTypes(Type current, Type inferred) {
  if (current == inferred)
    return current;
  auto a = dyn_cast<RankedTensorType>(current);
  auto b = dyn_cast<RankedTensorType>(inferred);
  if (!b)
    return current;
  if (!a) {
    // An unranked tensor of the same element type learns its rank.
    auto unranked = dyn_cast<UnrankedTensorType>(current);
    if (unranked && unranked.getElementType() == b.getElementType())
      return inferred;
    return current;
  }
  if (a.getRank() != b.getRank() || a.getElementType() != b.getElementType())
    return nullptr;
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip_equal(a.getShape(), b.getShape())) {
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return nullptr;
    shape.push_back(ShapedType::isDynamic(x) ? y : x);
  }
  return RankedTensorType::get(shape, a.getElementType(), a.getEncoding());
}

/// A reshape's result with one dynamic dimension, computed from a static
/// input's element count; the current type otherwise.
FailureOr<Type> inferReshape(ReshapeOp op) {
  auto in = op.getInput().getType();
  auto out = op.getType();
  if (!in.hasStaticShape() || out.getNumDynamicDims() != 1)
    return Type(out);
  int64_t known = 1;
  for (int64_t d : out.getShape())
    if (!ShapedType::isDynamic(d))
      known *= d;
  if (known == 0 || in.getNumElements() % known != 0)
    return op.emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into " << out;
  SmallVector<int64_t> shape(out.getShape());
  for (int64_t &d : shape)
    if (ShapedType::isDynamic(d))
      d = in.getNumElements() / known;
  return Type(out.clone(shape));
}

/// Whether `op` recomputes its result types when visited.
bool canRefine(Operation *op) {
  return isa<InferTypeOpInterface, ReshapeOp>(op);
}

/// Result types of `op` recomputed from its current operands; empty if the
/// op has no inference. Inference errors are reported at the op.
LogicalResult inferResultTypes(Operation *op, SmallVectorImpl<Type> &types) {
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    FailureOr<Type> type = inferReshape(reshape);
    if (failed(type))
      return failure();
    types.push_back(*type);
    return success();
  }
  auto iface = dyn_cast<InferTypeOpInterface>(op);
  if (!iface)
    return success();
  return iface.inferReturnTypes(op->getContext(), op->getLoc(),
                                op->getOperands(), op->getRawDictionaryAttrs(),
                                op->getPropertiesStorage(), op->getRegions(),
                                types);
}

class ShapeInference {
public:
  /// Gives `value` the more static type `type`, then enqueues its users
  /// that refine, and casts back to the old type for those that cannot.
  void refineValue(Value value, Type type) {
    Type oldType = value.getType();
    value.setType(type);
    // Collected first: the casts add uses of `value` while rewriting.
    SmallVector<OpOperand *> uses(llvm::make_pointer_range(value.getUses()));
    for (OpOperand *use : uses) {
      Operation *user = use->getOwner();
      if (canRefine(user)) {
        enqueue(user);
      } else if (!isa<func::ReturnOp>(user)) {
        OpBuilder builder(user);
        use->set(
            tensor::CastOp::create(builder, user->getLoc(), oldType, value));
      }
    }
  }

  void enqueue(Operation *op) {
    if (queued.insert(op).second)
      worklist.push_back(op);
  }

  LogicalResult run() {
    while (!worklist.empty()) {
      Operation *op = worklist.front();
      worklist.pop_front();
      queued.erase(op);
      SmallVector<Type> inferred;
      if (failed(inferResultTypes(op, inferred)))
        return failure();
      if (inferred.size() != op->getNumResults())
        continue;
      for (auto [result, type] : llvm::zip_equal(op->getResults(), inferred)) {
        Type refined = meetTypes(result.getType(), type);
        if (!refined)
          return op->emitOpError("result type ")
                 << result.getType() << " conflicts with the inferred type "
                 << type;
        if (refined != result.getType())
          refineValue(result, refined);
      }
    }
    return success();
  }

private:
  std::deque<Operation *> worklist;
  llvm::SmallPtrSet<Operation *, 32> queued;
};

/// Sets the function's type from its entry block and its returns. Where the
/// returns disagree on a result type (several blocks refined differently),
/// the declared type is kept and returned values are cast to it.
void updateSignature(func::FuncOp func) {
  SmallVector<func::ReturnOp> returns;
  for (Block &block : func.getBody())
    if (auto ret = dyn_cast<func::ReturnOp>(block.getTerminator()))
      returns.push_back(ret);
  SmallVector<Type> results(func.getResultTypes());
  for (unsigned i = 0, e = results.size(); i < e && !returns.empty(); ++i) {
    Type first = returns.front().getOperand(i).getType();
    if (llvm::all_of(returns, [&](func::ReturnOp ret) {
          return ret.getOperand(i).getType() == first;
        }))
      results[i] = first;
    for (func::ReturnOp ret : returns) {
      Value v = ret.getOperand(i);
      if (v.getType() == results[i])
        continue;
      OpBuilder builder(ret);
      ret->setOperand(
          i, tensor::CastOp::create(builder, ret.getLoc(), results[i], v));
    }
  }
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getBody().getArgumentTypes(), results));
}

} // namespace

LogicalResult dlc::inferShapes(func::FuncOp func) {
  if (func.isExternal())
    return success();
  ShapeInference inference;
  func.getBody().walk<WalkOrder::PreOrder>(
      [&](Operation *op) { inference.enqueue(op); });
  if (failed(inference.run()))
    return failure();
  updateSignature(func);
  return success();
}

LogicalResult dlc::specializeBatch(func::FuncOp func, int64_t batch) {
  if (batch <= 0)
    return func.emitOpError("batch size must be positive, got ") << batch;
  if (func.isExternal())
    return success();
  func->getContext()->getOrLoadDialect<tensor::TensorDialect>();
  ShapeInference inference;
  for (BlockArgument arg : func.getArguments()) {
    auto type = dyn_cast<RankedTensorType>(arg.getType());
    if (!type || type.getRank() == 0 || !type.isDynamicDim(0))
      continue;
    SmallVector<int64_t> shape(type.getShape());
    shape[0] = batch;
    inference.refineValue(arg, type.clone(shape));
  }
  func.getBody().walk<WalkOrder::PreOrder>(
      [&](Operation *op) { inference.enqueue(op); });
  if (failed(inference.run()))
    return failure();
  updateSignature(func);
  return success();
}

namespace {
struct DlcInferShapesPass : dlc::impl::DlcInferShapesBase<DlcInferShapesPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    LogicalResult result =
        batch != 0 ? specializeBatch(func, batch) : inferShapes(func);
    if (failed(result))
      signalPassFailure();
  }
};
} // namespace
