//===- DlcOps.h - dlc dialect operations ------------------------*- C++ -*-===//
#ifndef DLC_DIALECT_DLC_IR_DLCOPS_H
#define DLC_DIALECT_DLC_IR_DLCOPS_H

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dlc/Dialect/Dlc/IR/DlcEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dlc/Dialect/Dlc/IR/DlcAttrs.h.inc"

#define GET_OP_CLASSES
#include "dlc/Dialect/Dlc/IR/DlcOps.h.inc"

namespace dlc {

/// The module attribute holding the #dlc.target the code is compiled for.
inline constexpr llvm::StringLiteral kTargetAttrName = "dlc.target";
/// The discardable attribute holding a fusion root's #dlc.tiling.
inline constexpr llvm::StringLiteral kTilingAttrName = "dlc.tiling";

/// Size of one spatial output dimension of a window op (conv or pool):
/// floor((in + padBefore + padAfter - effectiveWindow) / stride) + 1, where
/// effectiveWindow = (window - 1) * dilation + 1. Returns a negative value
/// when the window does not fit, and keeps a dynamic input dynamic.
int64_t windowOutputSize(int64_t in, int64_t window, int64_t stride,
                         int64_t dilation, int64_t padBefore,
                         int64_t padAfter);

/// NumPy broadcast of two shapes; std::nullopt when incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

} // namespace dlc

#endif // DLC_DIALECT_DLC_IR_DLCOPS_H
