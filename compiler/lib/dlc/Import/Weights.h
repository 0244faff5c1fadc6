//===- Weights.h - weight data -> constant attributes -----------*- C++ -*-===//

#ifndef DLC_LIB_IMPORT_WEIGHTS_H
#define DLC_LIB_IMPORT_WEIGHTS_H

#include "dlc/Import/FlatBufferImporter.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"

namespace dlc::fbimport {

/// The attribute of a `dlc.constant` holding f32 weight data stored as
/// little-endian bytes (`bytes.size()` must equal 4 * element count).
/// Small tensors (options.inlineElementLimit) become DenseElementsAttr so that
/// folders can evaluate them; larger ones become DenseResourceElementsAttr
/// blobs named after `name`, referencing `bytes` in place when the options
/// allow it and the data is aligned, copied otherwise.
mlir::ElementsAttr createWeightAttr(mlir::RankedTensorType type,
                                    llvm::ArrayRef<uint8_t> bytes,
                                    llvm::StringRef name, int64_t tensorIndex,
                                    const ImportOptions &options);

} // namespace dlc::fbimport

#endif // DLC_LIB_IMPORT_WEIGHTS_H
