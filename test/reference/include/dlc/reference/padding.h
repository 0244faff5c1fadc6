// Spatial window geometry shared by the reference convolutions and pools.
//
// SAME follows TensorFlow's definition exactly (the extra pixel of an odd
// total goes after), because Keras models are trained with it.
#ifndef DLC_REFERENCE_PADDING_H
#define DLC_REFERENCE_PADDING_H

#include <cstdint>

#include "dlc_model_generated.h"

namespace dlc::ref {

/// Padding of the two spatial dims of an NHWC tensor, in elements.
struct Pads {
  int64_t top = 0;
  int64_t bottom = 0;
  int64_t left = 0;
  int64_t right = 0;
};

/// Padding of one spatial dim.
struct PadPair {
  int64_t before = 0;
  int64_t after = 0;
};

/// TensorFlow SAME along one dim: out = ceil(in / stride),
/// total = max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0),
/// before = total / 2, after = total - before.
PadPair samePadding(int64_t in, int64_t kernel, int64_t stride,
                    int64_t dilation);

/// floor((in + before + after - ((k - 1) * dilation + 1)) / stride) + 1.
/// Throws RefError when the (dilated) window does not fit even once.
int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBefore, int64_t padAfter);

/// Resolves a Padding mode to amounts for an [.., inH, inW, ..] input:
/// VALID -> zeros, SAME -> samePadding per dim, EXPLICIT -> `explicitPads`.
Pads resolvePadding(dlc::fb::Padding mode, int64_t inH, int64_t inW,
                    int64_t kernelH, int64_t kernelW, int64_t strideH,
                    int64_t strideW, int64_t dilationH, int64_t dilationW,
                    const Pads &explicitPads);

/// Pool2DOptions stores stride 0 to mean "equal to the filter size".
int64_t resolvePoolStride(int64_t stride, int64_t filter);

} // namespace dlc::ref

#endif // DLC_REFERENCE_PADDING_H
