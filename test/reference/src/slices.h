// Private to the reference implementation: iteration over 1-D slices, shared
// by the softmax family's forward (normalization.cpp) and backward
// (normalization_grad.cpp).
#ifndef DLC_REFERENCE_SRC_SLICES_H
#define DLC_REFERENCE_SRC_SLICES_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace dlc::ref {

// Calls fn(base, stride, length) for every 1-D slice of `shape` along `axis`,
// where element j of the slice is at base + j * stride.
template <typename Fn>
void forEachSlice(const std::vector<int64_t> &shape, int64_t axis, Fn fn) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d)
    inner *= shape[d];
  const int64_t len = shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i)
      fn(o * len * inner + i, inner, len);
}

} // namespace dlc::ref

#endif // DLC_REFERENCE_SRC_SLICES_H
