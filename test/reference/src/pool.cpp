#include "dlc/reference/pool.h"

#include <limits>
#include <string>

namespace dlc::ref {

namespace {

struct PoolGeometry {
  int64_t n, h, w, c, outH, outW;
};

PoolGeometry poolGeometry(const RefTensor &input, std::array<int64_t, 2> window,
                          std::array<int64_t, 2> strides, const Pads &pads,
                          std::array<int64_t, 2> dilations, const char *op) {
  checkConsistent(input, op);
  if (input.shape.size() != 4)
    throw RefError(std::string(op) + ": input must be NHWC, got " +
                   shapeToString(input.shape));
  PoolGeometry g{};
  g.n = input.shape[0];
  g.h = input.shape[1];
  g.w = input.shape[2];
  g.c = input.shape[3];
  g.outH = windowOutputSize(g.h, window[0], strides[0], dilations[0],
                            pads.top, pads.bottom);
  g.outW = windowOutputSize(g.w, window[1], strides[1], dilations[1],
                            pads.left, pads.right);
  return g;
}

} // namespace

RefTensor maxPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads,
                    std::array<int64_t, 2> dilations) {
  PoolGeometry g =
      poolGeometry(input, window, strides, pads, dilations, "maxPool2d");
  RefTensor out = zeros({g.n, g.outH, g.outW, g.c});
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t c = 0; c < g.c; ++c) {
          // Padding is "absent", not zero: only real pixels compete.
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            int64_t ih = oh * strides[0] - pads.top + kh * dilations[0];
            if (ih < 0 || ih >= g.h)
              continue;
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              int64_t iw = ow * strides[1] - pads.left + kw * dilations[1];
              if (iw < 0 || iw >= g.w)
                continue;
              float v = input.data[((n * g.h + ih) * g.w + iw) * g.c + c];
              if (v > best)
                best = v;
            }
          }
          out.data[((n * g.outH + oh) * g.outW + ow) * g.c + c] = best;
        }
  return out;
}

RefTensor avgPool2d(const RefTensor &input, std::array<int64_t, 2> window,
                    std::array<int64_t, 2> strides, const Pads &pads,
                    bool countIncludePad, std::array<int64_t, 2> dilations) {
  PoolGeometry g =
      poolGeometry(input, window, strides, pads, dilations, "avgPool2d");
  RefTensor out = zeros({g.n, g.outH, g.outW, g.c});
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t c = 0; c < g.c; ++c) {
          double sum = 0.0;
          int64_t real = 0;   // taps on input pixels
          int64_t inside = 0; // taps on input pixels or padding
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            int64_t ih = oh * strides[0] - pads.top + kh * dilations[0];
            bool rowPadded = ih < 0 || ih >= g.h;
            bool rowInside = ih >= -pads.top && ih < g.h + pads.bottom;
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              int64_t iw = ow * strides[1] - pads.left + kw * dilations[1];
              bool colPadded = iw < 0 || iw >= g.w;
              bool colInside = iw >= -pads.left && iw < g.w + pads.right;
              if (rowInside && colInside)
                ++inside;
              if (rowPadded || colPadded)
                continue;
              ++real;
              sum += input.data[((n * g.h + ih) * g.w + iw) * g.c + c];
            }
          }
          int64_t divisor = countIncludePad ? inside : real;
          out.data[((n * g.outH + oh) * g.outW + ow) * g.c + c] =
              divisor == 0
                  ? 0.0f
                  : static_cast<float>(sum / static_cast<double>(divisor));
        }
  return out;
}

RefTensor globalAvgPool(const RefTensor &input) {
  checkConsistent(input, "globalAvgPool");
  if (input.shape.size() != 4)
    throw RefError("globalAvgPool: input must be NHWC, got " +
                   shapeToString(input.shape));
  const int64_t n = input.shape[0], h = input.shape[1], w = input.shape[2],
                c = input.shape[3];
  RefTensor out = zeros({n, c});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0.0;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          sum += input.data[((b * h + y) * w + x) * c + ch];
      out.data[b * c + ch] =
          h * w == 0 ? 0.0f
                     : static_cast<float>(sum / static_cast<double>(h * w));
    }
  return out;
}

} // namespace dlc::ref
