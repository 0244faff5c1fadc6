//===- DlcElementwiseOps.cpp - activations, arithmetic, normalization -----===//
//
// Binary ops broadcast like NumPy. Their folders evaluate constant operands
// (the graph's "fold constants" step), so anything computable from weights
// alone is done once at compile time instead of on every inference.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "InferenceUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace dlc;

namespace {
/// Evaluates `fn` over two constant operands with broadcasting. Only plain
/// dense f32 attributes are folded: resource blobs (large weights) are left
/// to the lowering, where folding them would duplicate megabytes of data.
template <typename Fn>
OpFoldResult foldBinary(Type resultType, Attribute lhs, Attribute rhs, Fn fn) {
  auto a = dyn_cast_or_null<DenseElementsAttr>(lhs);
  auto b = dyn_cast_or_null<DenseElementsAttr>(rhs);
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!a || !b || !type || !type.hasStaticShape())
    return {};
  if (!a.getElementType().isF32() || !b.getElementType().isF32())
    return {};
  ArrayRef<int64_t> shape = type.getShape();
  auto aShape = a.getType().getShape(), bShape = b.getType().getShape();
  SmallVector<float> av(a.getValues<float>()), bv(b.getValues<float>());
  SmallVector<float> out(type.getNumElements());
  SmallVector<int64_t> index(shape.size(), 0);
  // Maps a result index to the flat offset in an operand of shape `s`,
  // reading index 0 along broadcast (size-1 or missing) dimensions.
  auto offset = [&](ArrayRef<int64_t> s) {
    int64_t flat = 0;
    size_t lead = shape.size() - s.size();
    for (size_t d = 0; d < s.size(); ++d)
      flat = flat * s[d] + (s[d] == 1 ? 0 : index[lead + d]);
    return flat;
  };
  for (int64_t i = 0, e = out.size(); i < e; ++i) {
    out[i] = fn(av[offset(aShape)], bv[offset(bShape)]);
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(type, ArrayRef<float>(out));
}
} // namespace

//===----------------------------------------------------------------------===//
// Binary ops
//===----------------------------------------------------------------------===//

#define DLC_BINARY(OpTy, expr)                                                 \
  LogicalResult OpTy::inferReturnTypes(MLIRContext *ctx,                       \
                                       std::optional<Location> loc,            \
                                       Adaptor adaptor,                        \
                                       SmallVectorImpl<Type> &types) {         \
    auto lhs = cast<ShapedType>(adaptor.getLhs().getType());                   \
    auto rhs = cast<ShapedType>(adaptor.getRhs().getType());                   \
    auto shape = broadcastShapes(lhs.getShape(), rhs.getShape());              \
    if (!shape)                                                                \
      return inferError(loc, "operand shapes do not broadcast");               \
    types.push_back(RankedTensorType::get(*shape, Float32Type::get(ctx)));     \
    return success();                                                          \
  }                                                                            \
  OpFoldResult OpTy::fold(FoldAdaptor adaptor) {                               \
    return foldBinary(getType(), adaptor.getLhs(), adaptor.getRhs(),           \
                      [](float a, float b) { return expr; });                  \
  }
DLC_BINARY(AddOp, a + b)
DLC_BINARY(SubOp, a - b)
DLC_BINARY(MulOp, a *b)
DLC_BINARY(DivOp, a / b)
#undef DLC_BINARY

//===----------------------------------------------------------------------===//
// Unary ops
//===----------------------------------------------------------------------===//

LogicalResult ClipOp::verify() {
  if (getMin().convertToFloat() > getMax().convertToFloat())
    return emitOpError("expects min <= max");
  return success();
}

LogicalResult DropoutOp::verify() {
  float rate = getRate().convertToFloat();
  if (!(rate >= 0.0f && rate < 1.0f))
    return emitOpError("expects a rate in [0, 1)");
  return success();
}

static LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return op->emitOpError("axis ") << axis << " is out of range for rank "
                                    << rank;
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}
LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

//===----------------------------------------------------------------------===//
// BatchNormOp
//===----------------------------------------------------------------------===//

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto input = cast<ShapedType>(adaptor.getInput().getType());
  if (input.getRank() < 1)
    return inferError(loc, "expects an input of rank >= 1");
  int64_t channels = input.getDimSize(input.getRank() - 1);
  for (Value stat : {adaptor.getScale(), adaptor.getOffset(), adaptor.getMean(),
                     adaptor.getVariance()}) {
    auto type = cast<ShapedType>(stat.getType());
    if (type.getRank() != 1 || type.getDimSize(0) != channels)
      return inferError(loc, "expects statistics of shape [" +
                                 Twine(channels) + "]");
  }
  types.push_back(input);
  return success();
}

LogicalResult BatchNormOp::verify() {
  if (getEpsilon().convertToFloat() < 0)
    return emitOpError("expects epsilon >= 0");
  return success();
}
