// Backward of conv2d, depthwise_conv2d and dense. Each recomputes the
// pre-activation with the forward op (activation NONE), turns dy into the
// pre-activation gradient dz, then scatters dz through the same tap geometry
// the forward used.
#include <string>

#include "dlc/reference/conv.h"
#include "dlc/reference/grad.h"

namespace dlc::ref {

namespace {

// Window geometry as in conv.cpp: output (oh, ow) and tap (kh, kw) read
// input pixel (oh * sh - padTop + kh * dh, ow * sw - padLeft + kw * dw).
struct Geometry {
  int64_t n, h, w, outH, outW, kh, kw;
  int64_t sh, sw, dh, dw, padTop, padLeft;
};

Geometry makeGeometry(const RefTensor &input, const RefTensor &filter,
                      const RefTensor &dz, std::array<int64_t, 2> strides,
                      std::array<int64_t, 2> dilations, const Pads &pads) {
  Geometry g{};
  g.n = input.shape[0];
  g.h = input.shape[1];
  g.w = input.shape[2];
  g.kh = filter.shape[0];
  g.kw = filter.shape[1];
  g.sh = strides[0];
  g.sw = strides[1];
  g.dh = dilations[0];
  g.dw = dilations[1];
  g.padTop = pads.top;
  g.padLeft = pads.left;
  g.outH = dz.shape[1];
  g.outW = dz.shape[2];
  return g;
}

RefTensor toTensor(const std::vector<int64_t> &shape,
                   const std::vector<double> &acc) {
  RefTensor t = zeros(shape);
  for (size_t i = 0; i < acc.size(); ++i)
    t.data[i] = static_cast<float>(acc[i]);
  return t;
}

// dz = dy * activation'(z), after checking dy has the forward's shape.
RefTensor preActivationGrad(const RefTensor &dy, const RefTensor &z,
                            dlc::fb::Activation activation, float leakyAlpha,
                            const char *op) {
  checkConsistent(dy, op);
  if (dy.shape != z.shape)
    throw RefError(std::string(op) + ": gradient shape " +
                   shapeToString(dy.shape) + " does not match output " +
                   shapeToString(z.shape));
  return activationBackward(dy, z, activation, leakyAlpha);
}

} // namespace

WeightGrads conv2dBackward(const RefTensor &dy, const RefTensor &input,
                           const RefTensor &filter, const RefTensor *bias,
                           std::array<int64_t, 2> strides,
                           std::array<int64_t, 2> dilations, const Pads &pads,
                           dlc::fb::Activation activation, float leakyAlpha) {
  // The forward validates every shape and attribute.
  const RefTensor z = conv2d(input, filter, bias, strides, dilations, pads,
                             dlc::fb::Activation::NONE);
  const RefTensor dz =
      preActivationGrad(dy, z, activation, leakyAlpha, "conv2dBackward");
  const Geometry g = makeGeometry(input, filter, dz, strides, dilations, pads);
  const int64_t cin = input.shape[3], cout = filter.shape[3];

  std::vector<double> dx(input.data.size(), 0.0);
  std::vector<double> df(filter.data.size(), 0.0);
  std::vector<double> db(static_cast<size_t>(cout), 0.0);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t co = 0; co < cout; ++co) {
          const double d =
              dz.data[((n * g.outH + oh) * g.outW + ow) * cout + co];
          db[co] += d;
          for (int64_t kh = 0; kh < g.kh; ++kh) {
            const int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
            if (ih < 0 || ih >= g.h)
              continue;
            for (int64_t kw = 0; kw < g.kw; ++kw) {
              const int64_t iw = ow * g.sw - g.padLeft + kw * g.dw;
              if (iw < 0 || iw >= g.w)
                continue;
              for (int64_t ci = 0; ci < cin; ++ci) {
                const int64_t xi = ((n * g.h + ih) * g.w + iw) * cin + ci;
                const int64_t fi = ((kh * g.kw + kw) * cin + ci) * cout + co;
                dx[xi] += d * filter.data[fi];
                df[fi] += d * input.data[xi];
              }
            }
          }
        }
  return WeightGrads{toTensor(input.shape, dx), toTensor(filter.shape, df),
                     toTensor({cout}, db)};
}

WeightGrads
depthwiseConv2dBackward(const RefTensor &dy, const RefTensor &input,
                        const RefTensor &filter, const RefTensor *bias,
                        std::array<int64_t, 2> strides,
                        std::array<int64_t, 2> dilations, const Pads &pads,
                        dlc::fb::Activation activation, float leakyAlpha) {
  const RefTensor z = depthwiseConv2d(input, filter, bias, strides, dilations,
                                      pads, dlc::fb::Activation::NONE);
  const RefTensor dz = preActivationGrad(dy, z, activation, leakyAlpha,
                                         "depthwiseConv2dBackward");
  const Geometry g = makeGeometry(input, filter, dz, strides, dilations, pads);
  const int64_t c = input.shape[3], mult = filter.shape[3], cout = c * mult;

  std::vector<double> dx(input.data.size(), 0.0);
  std::vector<double> df(filter.data.size(), 0.0);
  std::vector<double> db(static_cast<size_t>(cout), 0.0);
  for (int64_t n = 0; n < g.n; ++n)
    for (int64_t oh = 0; oh < g.outH; ++oh)
      for (int64_t ow = 0; ow < g.outW; ++ow)
        for (int64_t ci = 0; ci < c; ++ci)
          for (int64_t m = 0; m < mult; ++m) {
            const int64_t co = ci * mult + m;
            const double d =
                dz.data[((n * g.outH + oh) * g.outW + ow) * cout + co];
            db[co] += d;
            for (int64_t kh = 0; kh < g.kh; ++kh) {
              const int64_t ih = oh * g.sh - g.padTop + kh * g.dh;
              if (ih < 0 || ih >= g.h)
                continue;
              for (int64_t kw = 0; kw < g.kw; ++kw) {
                const int64_t iw = ow * g.sw - g.padLeft + kw * g.dw;
                if (iw < 0 || iw >= g.w)
                  continue;
                const int64_t xi = ((n * g.h + ih) * g.w + iw) * c + ci;
                const int64_t fi = ((kh * g.kw + kw) * c + ci) * mult + m;
                dx[xi] += d * filter.data[fi];
                df[fi] += d * input.data[xi];
              }
            }
          }
  return WeightGrads{toTensor(input.shape, dx), toTensor(filter.shape, df),
                     toTensor({cout}, db)};
}

WeightGrads denseBackward(const RefTensor &dy, const RefTensor &input,
                          const RefTensor &weight, const RefTensor *bias,
                          dlc::fb::Activation activation, float leakyAlpha) {
  const RefTensor z =
      dense(input, weight, bias, dlc::fb::Activation::NONE, leakyAlpha);
  const RefTensor dz =
      preActivationGrad(dy, z, activation, leakyAlpha, "denseBackward");
  const int64_t k = weight.shape[0], m = weight.shape[1];
  const int64_t rows = numElements(
      std::vector<int64_t>(input.shape.begin(), input.shape.end() - 1));

  std::vector<double> dx(input.data.size(), 0.0);
  std::vector<double> dw(weight.data.size(), 0.0);
  std::vector<double> db(static_cast<size_t>(m), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < m; ++j) {
      const double d = dz.data[r * m + j];
      db[j] += d;
      for (int64_t i = 0; i < k; ++i) {
        dx[r * k + i] += d * weight.data[i * m + j];
        dw[i * m + j] += d * input.data[r * k + i];
      }
    }
  return WeightGrads{toTensor(input.shape, dx), toTensor(weight.shape, dw),
                     toTensor({m}, db)};
}

BinaryGrads batchMatmulBackward(const RefTensor &dy, const RefTensor &a,
                                const RefTensor &b) {
  // The forward checks the shapes (and gives dy's).
  const RefTensor y = batchMatmul(a, b);
  if (dy.shape != y.shape)
    throw RefError("batch_matmul backward: dy " + shapeToString(dy.shape) +
                   " is not " + shapeToString(y.shape));
  const size_t rank = a.shape.size();
  const int64_t m = a.shape[rank - 2], k = a.shape[rank - 1],
                n = b.shape[rank - 1];
  const int64_t batches = numElements(
      std::vector<int64_t>(a.shape.begin(), a.shape.end() - 2));
  BinaryGrads g{zeros(a.shape), zeros(b.shape)};
  for (int64_t h = 0; h < batches; ++h) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) {
        double acc = 0.0;
        for (int64_t j = 0; j < n; ++j)
          acc += static_cast<double>(dy.data[(h * m + i) * n + j]) *
                 b.data[(h * k + p) * n + j];
        g.lhs.data[(h * m + i) * k + p] = static_cast<float>(acc);
      }
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0.0;
        for (int64_t i = 0; i < m; ++i)
          acc += static_cast<double>(a.data[(h * m + i) * k + p]) *
                 dy.data[(h * m + i) * n + j];
        g.rhs.data[(h * k + p) * n + j] = static_cast<float>(acc);
      }
  }
  return g;
}

} // namespace dlc::ref
