//===- DlcShapeOps.cpp - reshape, transpose, concat, pad ------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "InferenceUtils.h"

#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace dlc;

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType(), out = getType();
  if (in.getElementType() != out.getElementType())
    return emitOpError("cannot change the element type");
  if (in.hasStaticShape() && out.hasStaticShape() &&
      in.getNumElements() != out.getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into " << out;
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  // reshape(reshape(x)) is one reshape of x.
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto type = cast<RankedTensorType>(adaptor.getInput().getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return inferError(loc, "expects a permutation of the input's rank");
  llvm::SmallBitVector seen(perm.size());
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank() || seen.test(p))
      return inferError(loc, "perm is not a permutation");
    seen.set(p);
    shape.push_back(type.getDimSize(p));
  }
  types.push_back(RankedTensorType::get(shape, type.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() { return success(); }

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  if (adaptor.getInputs().empty())
    return inferError(loc, "expects at least one input");
  auto first = cast<ShapedType>(adaptor.getInputs().front().getType());
  int64_t rank = first.getRank();
  int64_t axis = adaptor.getAxis();
  if (axis < -rank || axis >= rank)
    return inferError(loc, "axis is out of range");
  if (axis < 0)
    axis += rank;
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : adaptor.getInputs()) {
    auto t = cast<ShapedType>(v.getType());
    if (t.getRank() != rank)
      return inferError(loc, "expects inputs of equal rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.getDimSize(d) != first.getDimSize(d))
        return inferError(loc, "inputs differ in dimension " + Twine(d));
    shape[axis] = ShapedType::isDynamic(t.getDimSize(axis)) ||
                          ShapedType::isDynamic(shape[axis])
                      ? ShapedType::kDynamic
                      : shape[axis] + t.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(shape, Float32Type::get(ctx)));
  return success();
}

LogicalResult ConcatOp::verify() { return success(); }

//===----------------------------------------------------------------------===//
// PadOp
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *ctx,
                                      std::optional<Location> loc,
                                      Adaptor adaptor,
                                      SmallVectorImpl<Type> &types) {
  auto type = cast<ShapedType>(adaptor.getInput().getType());
  ArrayRef<int64_t> pads = adaptor.getPaddings();
  if (static_cast<int64_t>(pads.size()) != 2 * type.getRank())
    return inferError(loc, "expects two paddings per dimension");
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (pads[2 * d] < 0 || pads[2 * d + 1] < 0)
      return inferError(loc, "expects non-negative paddings");
    int64_t size = type.getDimSize(d);
    shape.push_back(ShapedType::isDynamic(size)
                        ? size
                        : size + pads[2 * d] + pads[2 * d + 1]);
  }
  types.push_back(RankedTensorType::get(shape, Float32Type::get(ctx)));
  return success();
}

LogicalResult PadOp::verify() { return success(); }
