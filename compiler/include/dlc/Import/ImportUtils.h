//===- ImportUtils.h - conventions shared by model importers ----*- C++ -*-===//
//
// Framework conventions that every importer (dlc .fb, TFLite, ONNX) has to
// resolve the same way before the dlc dialect sees them.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_IMPORT_IMPORTUTILS_H
#define DLC_IMPORT_IMPORTUTILS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace dlc {

/// Padding of one spatial dimension, in elements.
struct PadPair {
  int64_t before = 0;
  int64_t after = 0;
};

/// TensorFlow's SAME padding along one dimension, exactly as TF computes it
/// (Keras models are trained with it, and an off-by-one here shifts every
/// feature map by a pixel):
///   out   = ceil(in / stride)
///   total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0)
///   before = total / 2, after = total - before   (odd extra pixel after)
/// Returns std::nullopt unless in >= 0 and kernel, stride, dilation >= 1.
/// (ONNX's auto_pad SAME_UPPER is the same; SAME_LOWER swaps before/after.)
std::optional<PadPair> computeSamePadding(int64_t in, int64_t kernel,
                                          int64_t stride, int64_t dilation);

/// Resolves a target shape with at most one -1 entry (inferred) against an
/// element count, as Keras/TF/ONNX reshapes do. An entry of 0 is a literal
/// 0 (an empty result, for an empty input only). Returns std::nullopt when
/// an entry is below -1, when -1 appears twice or cannot be inferred (an
/// empty input), or when the shape cannot hold exactly `numElements`
/// elements.
std::optional<llvm::SmallVector<int64_t>>
resolveReshape(llvm::ArrayRef<int64_t> newShape, int64_t numElements);

} // namespace dlc

#endif // DLC_IMPORT_IMPORTUTILS_H
