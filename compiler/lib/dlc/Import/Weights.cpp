//===- Weights.cpp - weight data -> constant attributes -------------------===//
//
// Large weights become resource blobs rather than DenseElementsAttr: a
// DenseElementsAttr is uniqued (hashed and copied) into the context, which
// for a model of hundreds of megabytes costs seconds and doubles its memory;
// a blob can point straight into the memory-mapped model file.
//
//===----------------------------------------------------------------------===//

#include "Weights.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"

#include <cstring>

using namespace mlir;
using namespace dlc;

namespace {
constexpr bool kNativeLittleEndian =
    llvm::endianness::native == llvm::endianness::little;

/// The file stores little-endian f32; MLIR attributes and blobs hold native
/// values.
void decodeFloats(ArrayRef<uint8_t> bytes, float *dst) {
  if (kNativeLittleEndian) {
    if (!bytes.empty())
      std::memcpy(dst, bytes.data(), bytes.size());
    return;
  }
  for (size_t i = 0, n = bytes.size() / sizeof(float); i < n; ++i)
    dst[i] = llvm::bit_cast<float>(
        llvm::support::endian::read32le(bytes.data() + i * sizeof(float)));
}

/// Resource keys are printed bare in `dense_resource<key>`, so keep them to
/// identifier characters ("conv2d/kernel:0" -> "conv2d_kernel_0").
std::string resourceKey(StringRef name, int64_t tensorIndex) {
  if (name.empty())
    return "tensor_" + std::to_string(tensorIndex);
  std::string key(name);
  for (char &c : key)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  if (llvm::isDigit(key.front()))
    key.insert(0, "t");
  return key;
}
} // namespace

ElementsAttr fbimport::createWeightAttr(RankedTensorType type,
                                        ArrayRef<uint8_t> bytes, StringRef name,
                                        int64_t tensorIndex,
                                        const ImportOptions &options) {
  if (type.getNumElements() <= options.inlineElementLimit) {
    SmallVector<float> floats(type.getNumElements());
    decodeFloats(bytes, floats.data());
    return DenseElementsAttr::get(type, ArrayRef<float>(floats));
  }
  bool aligned =
      reinterpret_cast<uintptr_t>(bytes.data()) % alignof(float) == 0;
  AsmResourceBlob blob;
  if (!options.copyWeights && kNativeLittleEndian && aligned) {
    blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                       bytes.size()),
        alignof(float));
  } else {
    blob = HeapAsmResourceBlob::allocate(bytes.size(), alignof(float),
                                         /*dataIsMutable=*/true);
    decodeFloats(bytes,
                 reinterpret_cast<float *>(blob.getMutableData().data()));
  }
  // The manager makes the key unique if two tensors share a name.
  return DenseResourceElementsAttr::get(type, resourceKey(name, tensorIndex),
                                        std::move(blob));
}
