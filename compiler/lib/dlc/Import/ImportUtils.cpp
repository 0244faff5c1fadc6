//===- ImportUtils.cpp - conventions shared by the model importers --------===//

#include "dlc/Import/ImportUtils.h"

#include <algorithm>

using namespace dlc;

std::optional<PadPair> dlc::computeSamePadding(int64_t in, int64_t kernel,
                                               int64_t stride,
                                               int64_t dilation) {
  if (in < 0 || kernel < 1 || stride < 1 || dilation < 1)
    return std::nullopt;
  int64_t out = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>(
      (out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  return PadPair{total / 2, total - total / 2};
}

std::optional<llvm::SmallVector<int64_t>>
dlc::resolveReshape(llvm::ArrayRef<int64_t> newShape, int64_t numElements) {
  llvm::SmallVector<int64_t> shape(newShape);
  int inferred = -1;
  int64_t known = 1;
  for (auto [i, dim] : llvm::enumerate(shape)) {
    if (dim == -1) {
      if (inferred >= 0)
        return std::nullopt;
      inferred = static_cast<int>(i);
      continue;
    }
    if (dim < 0)
      return std::nullopt;
    // A 0 entry makes an empty tensor, which only an empty input can fill.
    if (dim == 0) {
      if (numElements != 0)
        return std::nullopt;
      known = 0;
      continue;
    }
    // Dividing first keeps `known` from overflowing on hostile sizes: the
    // running product never exceeds numElements when the shape can fit. An
    // empty input only takes an empty shape, so its dims are not limited
    // by its (zero) element count.
    if (numElements != 0 &&
        (numElements % dim != 0 || known > numElements / dim))
      return std::nullopt;
    if (numElements != 0)
      known *= dim;
  }
  if (inferred >= 0) {
    // With zero elements the -1 could be anything.
    if (known == 0 || numElements % known != 0)
      return std::nullopt;
    shape[inferred] = numElements / known;
  } else if (known != numElements) {
    return std::nullopt;
  }
  return shape;
}
