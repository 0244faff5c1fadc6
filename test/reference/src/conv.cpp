#include "dlc/reference/conv.h"

#include <algorithm>
#include <string>

namespace dlc::ref {

namespace {

void requireRank(const RefTensor &t, size_t rank, const char *what) {
  checkConsistent(t, what);
  if (t.shape.size() != rank)
    throw RefError(std::string(what) + " must have rank " +
                   std::to_string(rank) + ", got " + shapeToString(t.shape));
}

void checkBias(const RefTensor *bias, int64_t channels, const char *op) {
  if (!bias)
    return;
  checkConsistent(*bias, "bias");
  if (bias->shape != std::vector<int64_t>{channels})
    throw RefError(std::string(op) + ": bias shape " +
                   shapeToString(bias->shape) + " must be [" +
                   std::to_string(channels) + "]");
}

// Geometry shared by conv2d and depthwiseConv2d: for output (oh, ow) and
// kernel tap (kh, kw) the input pixel is
//   (oh * strideH - padTop + kh * dilH, ow * strideW - padLeft + kw * dilW),
// and taps that land in the padding are skipped (they would add zero).
struct Geometry {
  int64_t n, h, w, outH, outW, kh, kw;
  int64_t sh, sw, dh, dw, padTop, padLeft;
};

Geometry makeGeometry(const RefTensor &input, int64_t kh, int64_t kw,
                      std::array<int64_t, 2> strides,
                      std::array<int64_t, 2> dilations, const Pads &pads) {
  Geometry g{};
  g.n = input.shape[0];
  g.h = input.shape[1];
  g.w = input.shape[2];
  g.kh = kh;
  g.kw = kw;
  g.sh = strides[0];
  g.sw = strides[1];
  g.dh = dilations[0];
  g.dw = dilations[1];
  g.padTop = pads.top;
  g.padLeft = pads.left;
  g.outH = windowOutputSize(g.h, kh, g.sh, g.dh, pads.top, pads.bottom);
  g.outW = windowOutputSize(g.w, kw, g.sw, g.dw, pads.left, pads.right);
  return g;
}

} // namespace

RefTensor conv2d(const RefTensor &input, const RefTensor &filter,
                 const RefTensor *bias, std::array<int64_t, 2> strides,
                 std::array<int64_t, 2> dilations, const Pads &pads,
                 dlc::fb::Activation activation, float leakyAlpha) {
  requireRank(input, 4, "conv2d input");
  requireRank(filter, 4, "conv2d filter");
  const int64_t cin = input.shape[3];
  const int64_t cout = filter.shape[3];
  if (filter.shape[2] != cin)
    throw RefError("conv2d: filter " + shapeToString(filter.shape) +
                   " does not match input channels " + std::to_string(cin));
  checkBias(bias, cout, "conv2d");
  Geometry g = makeGeometry(input, filter.shape[0], filter.shape[1], strides,
                            dilations, pads);

  RefTensor out = zeros({g.n, g.outH, g.outW, cout});
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t co = 0; co < cout; ++co) {
          double acc = bias ? bias->data[co] : 0.0;
          for (int64_t kh = 0; kh < g.kh; ++kh) {
            int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
            if (ih < 0 || ih >= g.h)
              continue;
            for (int64_t kw = 0; kw < g.kw; ++kw) {
              int64_t iw = ow * g.sw - g.padLeft + kw * g.dw;
              if (iw < 0 || iw >= g.w)
                continue;
              for (int64_t ci = 0; ci < cin; ++ci) {
                double x = input.data[((n * g.h + ih) * g.w + iw) * cin + ci];
                double f =
                    filter.data[((kh * g.kw + kw) * cin + ci) * cout + co];
                acc += x * f;
              }
            }
          }
          out.data[((n * g.outH + oh) * g.outW + ow) * cout + co] =
              static_cast<float>(applyActivation(acc, activation, leakyAlpha));
        }
  return out;
}

RefTensor depthwiseConv2d(const RefTensor &input, const RefTensor &filter,
                          const RefTensor *bias, std::array<int64_t, 2> strides,
                          std::array<int64_t, 2> dilations, const Pads &pads,
                          dlc::fb::Activation activation, float leakyAlpha) {
  requireRank(input, 4, "depthwiseConv2d input");
  requireRank(filter, 4, "depthwiseConv2d filter");
  const int64_t c = input.shape[3];
  const int64_t mult = filter.shape[3];
  if (filter.shape[2] != c)
    throw RefError("depthwiseConv2d: filter " + shapeToString(filter.shape) +
                   " does not match input channels " + std::to_string(c));
  checkBias(bias, c * mult, "depthwiseConv2d");
  Geometry g = makeGeometry(input, filter.shape[0], filter.shape[1], strides,
                            dilations, pads);

  const int64_t cout = c * mult;
  RefTensor out = zeros({g.n, g.outH, g.outW, cout});
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t m = 0; m < mult; ++m) {
            const int64_t co = ci * mult + m;
            double acc = bias ? bias->data[co] : 0.0;
            for (int64_t kh = 0; kh < g.kh; ++kh) {
              int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
              if (ih < 0 || ih >= g.h)
                continue;
              for (int64_t kw = 0; kw < g.kw; ++kw) {
                int64_t iw = ow * g.sw - g.padLeft + kw * g.dw;
                if (iw < 0 || iw >= g.w)
                  continue;
                double x = input.data[((n * g.h + ih) * g.w + iw) * c + ci];
                double f = filter.data[((kh * g.kw + kw) * c + ci) * mult + m];
                acc += x * f;
              }
            }
            out.data[((n * g.outH + oh) * g.outW + ow) * cout + co] =
                static_cast<float>(
                    applyActivation(acc, activation, leakyAlpha));
          }
  return out;
}

RefTensor dense(const RefTensor &input, const RefTensor &weight,
                const RefTensor *bias, dlc::fb::Activation activation,
                float leakyAlpha) {
  checkConsistent(input, "dense input");
  requireRank(weight, 2, "dense weight");
  if (input.shape.empty())
    throw RefError("dense: input must have rank >= 1");
  const int64_t k = weight.shape[0];
  const int64_t m = weight.shape[1];
  if (input.shape.back() != k)
    throw RefError("dense: input " + shapeToString(input.shape) +
                   " does not match weight " + shapeToString(weight.shape));
  checkBias(bias, m, "dense");

  std::vector<int64_t> outShape = input.shape;
  outShape.back() = m;
  RefTensor out = zeros(outShape);
  const int64_t rows = numElements(
      std::vector<int64_t>(input.shape.begin(), input.shape.end() - 1));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < m; ++j) {
      double acc = bias ? bias->data[j] : 0.0;
      for (int64_t i = 0; i < k; ++i)
        acc +=
            static_cast<double>(input.data[r * k + i]) * weight.data[i * m + j];
      out.data[r * m + j] =
          static_cast<float>(applyActivation(acc, activation, leakyAlpha));
    }
  return out;
}

RefTensor batchMatmul(const RefTensor &a, const RefTensor &b) {
  checkConsistent(a, "batch_matmul a");
  checkConsistent(b, "batch_matmul b");
  const size_t rank = a.shape.size();
  if (rank < 3 || b.shape.size() != rank ||
      !std::equal(a.shape.begin(), a.shape.end() - 2, b.shape.begin()) ||
      a.shape[rank - 1] != b.shape[rank - 2])
    throw RefError("batch_matmul: a " + shapeToString(a.shape) + " and b " +
                   shapeToString(b.shape) +
                   " are not [..., M, K] and [..., K, N] of rank >= 3");
  const int64_t m = a.shape[rank - 2], k = a.shape[rank - 1],
                n = b.shape[rank - 1];
  std::vector<int64_t> outShape = a.shape;
  outShape.back() = n;
  RefTensor out = zeros(outShape);
  const int64_t batches = numElements(
      std::vector<int64_t>(a.shape.begin(), a.shape.end() - 2));
  for (int64_t g = 0; g < batches; ++g)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t p = 0; p < k; ++p)
          acc += static_cast<double>(a.data[(g * m + i) * k + p]) *
                 b.data[(g * k + p) * n + j];
        out.data[(g * m + i) * n + j] = static_cast<float>(acc);
      }
  return out;
}

} // namespace dlc::ref
