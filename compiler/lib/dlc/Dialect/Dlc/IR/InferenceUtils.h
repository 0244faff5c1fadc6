//===- InferenceUtils.h - helpers of the ops' shape inference ---*- C++ -*-===//
#ifndef DLC_DIALECT_DLC_IR_INFERENCEUTILS_H
#define DLC_DIALECT_DLC_IR_INFERENCEUTILS_H

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

} // namespace dlc

#endif // DLC_DIALECT_DLC_IR_INFERENCEUTILS_H
