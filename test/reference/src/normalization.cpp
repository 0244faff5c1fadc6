#include "dlc/reference/normalization.h"

#include "slices.h"

#include <cmath>
#include <limits>
#include <string>

namespace dlc::ref {

namespace {

// Shared by softmax and logSoftmax: per slice, max and
// sum(exp(x - max)); `log` selects which of the two results is written.
RefTensor softmaxImpl(const RefTensor &input, int64_t axis, bool log,
                      const char *op) {
  checkConsistent(input, op);
  const int64_t a =
      normalizeAxis(axis, static_cast<int64_t>(input.shape.size()));
  RefTensor out = input;
  forEachSlice(input.shape, a, [&](int64_t base, int64_t stride, int64_t len) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < len; ++j)
      mx = std::fmax(mx, input.data[base + j * stride]);
    double sum = 0.0;
    for (int64_t j = 0; j < len; ++j)
      sum += std::exp(input.data[base + j * stride] - mx);
    const double logSum = std::log(sum);
    for (int64_t j = 0; j < len; ++j) {
      double x = input.data[base + j * stride];
      out.data[base + j * stride] =
          static_cast<float>(log ? x - mx - logSum : std::exp(x - mx) / sum);
    }
  });
  return out;
}

void checkParam(const RefTensor &p, int64_t channels, const char *name) {
  checkConsistent(p, name);
  if (p.shape != std::vector<int64_t>{channels})
    throw RefError(std::string("batchNorm: ") + name + " shape " +
                   shapeToString(p.shape) + " must be [" +
                   std::to_string(channels) + "]");
}

} // namespace

RefTensor softmax(const RefTensor &input, int64_t axis) {
  return softmaxImpl(input, axis, false, "softmax");
}

RefTensor logSoftmax(const RefTensor &input, int64_t axis) {
  return softmaxImpl(input, axis, true, "logSoftmax");
}

RefTensor batchNorm(const RefTensor &input, const RefTensor &gamma,
                    const RefTensor &beta, const RefTensor &mean,
                    const RefTensor &variance, float epsilon) {
  checkConsistent(input, "batchNorm input");
  if (input.shape.empty())
    throw RefError("batchNorm: input must have rank >= 1");
  const int64_t c = input.shape.back();
  checkParam(gamma, c, "gamma");
  checkParam(beta, c, "beta");
  checkParam(mean, c, "moving_mean");
  checkParam(variance, c, "moving_variance");
  RefTensor out = input;
  for (size_t i = 0; i < out.data.size(); ++i) {
    const size_t ch = i % static_cast<size_t>(c); // last axis is fastest
    double x = input.data[i];
    double norm = (x - mean.data[ch]) /
                  std::sqrt(static_cast<double>(variance.data[ch]) + epsilon);
    out.data[i] = static_cast<float>(norm * gamma.data[ch] + beta.data[ch]);
  }
  return out;
}

RefTensor dropout(const RefTensor &input) {
  checkConsistent(input, "dropout");
  return input;
}

} // namespace dlc::ref
