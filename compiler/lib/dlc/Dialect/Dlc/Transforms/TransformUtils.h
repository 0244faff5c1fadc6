//===- TransformUtils.h - helpers of the dlc graph passes -------*- C++ -*-===//
//
// Private to the DlcTransforms library: reading and creating f32 constants,
// which every folding pass needs.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_LIB_DIALECT_DLC_TRANSFORMS_TRANSFORMUTILS_H
#define DLC_LIB_DIALECT_DLC_TRANSFORMS_TRANSFORMUTILS_H

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "mlir/IR/Matchers.h"

#include <optional>

namespace dlc {

/// The values of `value` in row-major order when it is a constant f32
/// tensor: a dense attribute (splats included) or a resource blob, as the
/// importer stores large weights.
inline std::optional<llvm::SmallVector<float>>
getF32Constant(mlir::Value value) {
  mlir::Attribute attr;
  if (!mlir::matchPattern(value, mlir::m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = llvm::dyn_cast<mlir::DenseElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    return llvm::SmallVector<float>(dense.getValues<float>());
  }
  if (auto blob = llvm::dyn_cast<mlir::DenseF32ResourceElementsAttr>(attr)) {
    // A blob that has been released (e.g. after serialization) has no data.
    if (std::optional<llvm::ArrayRef<float>> data = blob.tryGetAsArrayRef())
      return llvm::SmallVector<float>(*data);
  }
  return std::nullopt;
}

/// A `dlc.constant` of an f32 tensor of `shape` holding `values`.
inline mlir::Value createF32Constant(mlir::OpBuilder &builder,
                                     mlir::Location loc,
                                     llvm::ArrayRef<int64_t> shape,
                                     llvm::ArrayRef<float> values) {
  auto type = mlir::RankedTensorType::get(shape, builder.getF32Type());
  return ConstantOp::create(builder, loc, type,
                            mlir::DenseElementsAttr::get(type, values));
}

} // namespace dlc

#endif // DLC_LIB_DIALECT_DLC_TRANSFORMS_TRANSFORMUTILS_H
