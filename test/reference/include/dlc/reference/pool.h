// Reference pooling (NHWC).
#ifndef DLC_REFERENCE_POOL_H
#define DLC_REFERENCE_POOL_H

#include <array>

#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"

namespace dlc::ref {

/// window and strides are {h, w}; strides must already be resolved (see
/// resolvePoolStride). Padded positions never win. A window made only of
/// padding (possible with large EXPLICIT pads) yields -infinity.
RefTensor maxPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads);

/// Divides by the number of real (non-padded) positions in the window, or by
/// the number of positions inside the padded input if countIncludePad. A
/// window with a zero divisor yields 0.
RefTensor avgPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads,
                    bool countIncludePad);

/// [N, H, W, C] -> [N, C], the mean over H and W.
RefTensor globalAvgPool(const RefTensor &input);

} // namespace dlc::ref

#endif // DLC_REFERENCE_POOL_H
