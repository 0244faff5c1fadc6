// Reference pooling (NHWC).
#ifndef DLC_REFERENCE_POOL_H
#define DLC_REFERENCE_POOL_H

#include <array>

#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"

namespace dlc::ref {

/// window, strides and dilations are {h, w}; strides must already be
/// resolved (see resolvePoolStride). Tap (kh, kw) of output (oh, ow) reads
/// input (oh*stride_h - top + kh*dilation_h, ow*stride_w - left +
/// kw*dilation_w). Padded positions never win. A window made only of
/// padding (possible with large EXPLICIT pads or dilations) yields -infinity.
RefTensor maxPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads,
                    std::array<int64_t, 2> dilations = {1, 1});

/// Divides by the number of taps on real (non-padded) positions, or by the
/// number of taps inside the padded input if countIncludePad. A window with
/// a zero divisor yields 0. Taps as in maxPool2d.
RefTensor avgPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads,
                    bool countIncludePad,
                    std::array<int64_t, 2> dilations = {1, 1});

/// [N, H, W, C] -> [N, C], the mean over H and W.
RefTensor globalAvgPool(const RefTensor &input);

} // namespace dlc::ref

#endif // DLC_REFERENCE_POOL_H
