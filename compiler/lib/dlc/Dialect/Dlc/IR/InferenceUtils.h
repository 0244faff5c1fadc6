//===- InferenceUtils.h - helpers of the ops' shape inference ---*- C++ -*-===//
#ifndef DLC_DIALECT_DLC_IR_INFERENCEUTILS_H
#define DLC_DIALECT_DLC_IR_INFERENCEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"

#include <optional>

namespace dlc {

/// Emits an error at `loc` if present and returns failure. Shape inference
/// also runs from builders, where there may be no location to report to.
inline llvm::LogicalResult inferError(std::optional<mlir::Location> loc,
                                      const llvm::Twine &message) {
  if (loc)
    mlir::emitError(*loc) << message;
  return llvm::failure();
}

/// Shared checks and shape computation of conv2d, depthwise_conv2d, the
/// convolution part of fused_conv2d and the convolution gradients. Returns
/// the conv output shape.
llvm::FailureOr<llvm::SmallVector<int64_t>>
inferConvShape(std::optional<mlir::Location> loc, mlir::ShapedType input,
               mlir::ShapedType filter, llvm::ArrayRef<int64_t> strides,
               llvm::ArrayRef<int64_t> dilations,
               llvm::ArrayRef<int64_t> padding, bool depthwise);

} // namespace dlc

#endif // DLC_DIALECT_DLC_IR_INFERENCEUTILS_H
