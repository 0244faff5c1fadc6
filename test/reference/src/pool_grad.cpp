// Backward of the pools. The window walks mirror pool.cpp exactly, so the
// routing (max) and divisors (average) are the forward's.
#include <limits>
#include <string>

#include "dlc/reference/grad.h"
#include "dlc/reference/pool.h"

namespace dlc::ref {

namespace {

struct PoolGeometry {
  int64_t n, h, w, c, outH, outW;
};

PoolGeometry checkPoolGrad(const RefTensor &dy,
                           const std::vector<int64_t> &inputShape,
                           std::array<int64_t, 2> window,
                           std::array<int64_t, 2> strides, const Pads &pads,
                           const char *op) {
  checkConsistent(dy, op);
  if (inputShape.size() != 4)
    throw RefError(std::string(op) + ": input must be NHWC, got " +
                   shapeToString(inputShape));
  PoolGeometry g{};
  g.n = inputShape[0];
  g.h = inputShape[1];
  g.w = inputShape[2];
  g.c = inputShape[3];
  g.outH =
      windowOutputSize(g.h, window[0], strides[0], 1, pads.top, pads.bottom);
  g.outW =
      windowOutputSize(g.w, window[1], strides[1], 1, pads.left, pads.right);
  const std::vector<int64_t> outShape{g.n, g.outH, g.outW, g.c};
  if (dy.shape != outShape)
    throw RefError(std::string(op) + ": gradient shape " +
                   shapeToString(dy.shape) + " should be " +
                   shapeToString(outShape));
  return g;
}

RefTensor toTensor(const std::vector<int64_t> &shape,
                   const std::vector<double> &acc) {
  RefTensor t = zeros(shape);
  for (size_t i = 0; i < acc.size(); ++i)
    t.data[i] = static_cast<float>(acc[i]);
  return t;
}

} // namespace

RefTensor maxPool2dBackward(const RefTensor &dy, const RefTensor &input,
                            std::array<int64_t, 2> window,
                            std::array<int64_t, 2> strides, const Pads &pads) {
  checkConsistent(input, "maxPool2dBackward");
  const PoolGeometry g = checkPoolGrad(dy, input.shape, window, strides, pads,
                                       "maxPool2dBackward");
  std::vector<double> dx(input.data.size(), 0.0);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t c = 0; c < g.c; ++c) {
          // Strict '>' keeps the first maximum, as the forward does; a
          // window of padding only (or of -inf) has no winner.
          float best = -std::numeric_limits<float>::infinity();
          int64_t winner = -1;
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            const int64_t ih = oh * strides[0] - pads.top + kh;
            if (ih < 0 || ih >= g.h)
              continue;
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              const int64_t iw = ow * strides[1] - pads.left + kw;
              if (iw < 0 || iw >= g.w)
                continue;
              const int64_t xi = ((n * g.h + ih) * g.w + iw) * g.c + c;
              if (input.data[xi] > best) {
                best = input.data[xi];
                winner = xi;
              }
            }
          }
          if (winner >= 0)
            dx[winner] += dy.data[((n * g.outH + oh) * g.outW + ow) * g.c + c];
        }
  return toTensor(input.shape, dx);
}

RefTensor avgPool2dBackward(const RefTensor &dy,
                            const std::vector<int64_t> &inputShape,
                            std::array<int64_t, 2> window,
                            std::array<int64_t, 2> strides, const Pads &pads,
                            bool countIncludePad) {
  const PoolGeometry g =
      checkPoolGrad(dy, inputShape, window, strides, pads, "avgPool2dBackward");
  std::vector<double> dx(static_cast<size_t>(numElements(inputShape)), 0.0);
  for (int64_t oh = 0; oh < g.outH; ++oh)
    for (int64_t ow = 0; ow < g.outW; ++ow) {
      // The divisor depends only on the window position, as in the forward.
      int64_t real = 0, inside = 0;
      for (int64_t kh = 0; kh < window[0]; ++kh) {
        const int64_t ih = oh * strides[0] - pads.top + kh;
        const bool rowReal = ih >= 0 && ih < g.h;
        const bool rowInside = ih >= -pads.top && ih < g.h + pads.bottom;
        for (int64_t kw = 0; kw < window[1]; ++kw) {
          const int64_t iw = ow * strides[1] - pads.left + kw;
          const bool colReal = iw >= 0 && iw < g.w;
          const bool colInside = iw >= -pads.left && iw < g.w + pads.right;
          inside += rowInside && colInside;
          real += rowReal && colReal;
        }
      }
      const int64_t divisor = countIncludePad ? inside : real;
      if (divisor == 0)
        continue; // the forward wrote a constant 0 here
      for (int64_t n = 0; n < g.n; ++n)
        for (int64_t c = 0; c < g.c; ++c) {
          const double share =
              dy.data[((n * g.outH + oh) * g.outW + ow) * g.c + c] /
              static_cast<double>(divisor);
          for (int64_t kh = 0; kh < window[0]; ++kh) {
            const int64_t ih = oh * strides[0] - pads.top + kh;
            if (ih < 0 || ih >= g.h)
              continue;
            for (int64_t kw = 0; kw < window[1]; ++kw) {
              const int64_t iw = ow * strides[1] - pads.left + kw;
              if (iw < 0 || iw >= g.w)
                continue;
              dx[((n * g.h + ih) * g.w + iw) * g.c + c] += share;
            }
          }
        }
    }
  return toTensor(inputShape, dx);
}

RefTensor globalAvgPoolBackward(const RefTensor &dy,
                                const std::vector<int64_t> &inputShape) {
  checkConsistent(dy, "globalAvgPoolBackward");
  if (inputShape.size() != 4)
    throw RefError("globalAvgPoolBackward: input must be NHWC, got " +
                   shapeToString(inputShape));
  const int64_t n = inputShape[0], h = inputShape[1], w = inputShape[2],
                c = inputShape[3];
  if (dy.shape != std::vector<int64_t>{n, c})
    throw RefError("globalAvgPoolBackward: gradient shape " +
                   shapeToString(dy.shape) + " should be [" +
                   std::to_string(n) + ", " + std::to_string(c) + "]");
  RefTensor dx = zeros(inputShape);
  if (h * w == 0)
    return dx;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch)
          dx.data[((b * h + y) * w + x) * c + ch] = static_cast<float>(
              dy.data[b * c + ch] / static_cast<double>(h * w));
  return dx;
}

} // namespace dlc::ref
