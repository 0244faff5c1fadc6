//===- DlcUtils.cpp - helpers shared by dlc importers and passes ----------===//

#include "dlc/Dialect/Dlc/IR/DlcUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

std::optional<llvm::SmallVector<float>>
dlc::getConstantFloats(ElementsAttr attr) {
  if (!attr)
    return std::nullopt;
  auto type = dyn_cast<ShapedType>(attr.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return std::nullopt;
  int64_t count = type.getNumElements();

  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return llvm::SmallVector<float>(count, dense.getSplatValue<float>());
    return llvm::SmallVector<float>(dense.getValues<float>());
  }

  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // The blob is null when the IR named a resource it never defined.
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    if (bytes.size() != static_cast<size_t>(count) * sizeof(float))
      return std::nullopt;
    // memcpy rather than getDataAs<float>: a blob parsed from text or
    // pointing into a file need not be 4-byte aligned.
    llvm::SmallVector<float> values(count);
    if (count)
      std::memcpy(values.data(), bytes.data(), bytes.size());
    return values;
  }
  return std::nullopt;
}
