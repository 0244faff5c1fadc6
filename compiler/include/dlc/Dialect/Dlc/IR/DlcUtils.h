//===- DlcUtils.h - helpers shared by dlc importers and passes --*- C++ -*-===//
//
// Small utilities that several parts of the compiler need about dlc IR and
// that belong to no single pass.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_IR_DLCUTILS_H
#define DLC_DIALECT_DLC_IR_DLCUTILS_H

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace dlc {

/// Reads the f32 values of a constant, whichever way it is stored: a
/// DenseElementsAttr (small constants, results of folding; splats expand) or
/// a DenseResourceElementsAttr (weights as imported, a blob in the context's
/// resource manager). Values come back in row-major order. Returns
/// std::nullopt for other element types, other attribute kinds, a resource
/// whose blob is missing (e.g. IR printed with elided resources) or a blob
/// whose size does not match the type.
///
/// Passes that fold weights (batch norm into a conv, a constant add into a
/// bias) use this so that they work on imported models, whose large weights
/// are resources and never DenseElementsAttr.
std::optional<llvm::SmallVector<float>>
getConstantFloats(mlir::ElementsAttr attr);

} // namespace dlc

#endif // DLC_DIALECT_DLC_IR_DLCUTILS_H
