#include "dlc/reference/padding.h"

#include <algorithm>
#include <string>

#include "dlc/reference/tensor.h"

namespace dlc::ref {

namespace {
void checkWindow(int64_t kernel, int64_t stride, int64_t dilation) {
  if (kernel < 1 || stride < 1 || dilation < 1)
    throw RefError("window needs kernel, stride and dilation >= 1 (got " +
                   std::to_string(kernel) + ", " + std::to_string(stride) +
                   ", " + std::to_string(dilation) + ")");
}
} // namespace

PadPair samePadding(int64_t in, int64_t kernel, int64_t stride,
                    int64_t dilation) {
  checkWindow(kernel, stride, dilation);
  int64_t out = (in + stride - 1) / stride; // ceil(in / stride)
  int64_t total = std::max<int64_t>(
      (out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  PadPair p;
  p.before = total / 2;
  p.after = total - p.before;
  return p;
}

int64_t windowOutputSize(int64_t in, int64_t kernel, int64_t stride,
                         int64_t dilation, int64_t padBefore,
                         int64_t padAfter) {
  checkWindow(kernel, stride, dilation);
  if (padBefore < 0 || padAfter < 0)
    throw RefError("negative padding");
  int64_t span = (kernel - 1) * dilation + 1;
  int64_t room = in + padBefore + padAfter - span;
  if (room < 0)
    throw RefError("window of extent " + std::to_string(span) +
                   " does not fit in padded size " +
                   std::to_string(in + padBefore + padAfter));
  return room / stride + 1; // room >= 0, so this is the floor
}

Pads resolvePadding(dlc::fb::Padding mode, int64_t inH, int64_t inW,
                    int64_t kernelH, int64_t kernelW, int64_t strideH,
                    int64_t strideW, int64_t dilationH, int64_t dilationW,
                    const Pads &explicitPads) {
  switch (mode) {
  case dlc::fb::Padding::VALID:
    return Pads{};
  case dlc::fb::Padding::SAME: {
    PadPair h = samePadding(inH, kernelH, strideH, dilationH);
    PadPair w = samePadding(inW, kernelW, strideW, dilationW);
    return Pads{h.before, h.after, w.before, w.after};
  }
  case dlc::fb::Padding::EXPLICIT:
    if (explicitPads.top < 0 || explicitPads.bottom < 0 ||
        explicitPads.left < 0 || explicitPads.right < 0)
      throw RefError("negative explicit padding");
    return explicitPads;
  }
  throw RefError("unknown padding mode " +
                 std::to_string(static_cast<int>(mode)));
}

int64_t resolvePoolStride(int64_t stride, int64_t filter) {
  if (stride < 0)
    throw RefError("negative pool stride");
  return stride == 0 ? filter : stride;
}

} // namespace dlc::ref
