// Backward of the softmax family; batch norm and dropout in training mode
// (forward and backward).
#include "slices.h"

#include <cmath>
#include <limits>
#include <string>

#include "dlc/reference/grad.h"

namespace dlc::ref {

namespace {

// Both softmax backwards need, per slice, softmax(x) in double and a sum of
// dy (weighted by softmax for softmax itself).
RefTensor softmaxFamilyBackward(const RefTensor &dy, const RefTensor &input,
                                int64_t axis, bool log, const char *op) {
  checkConsistent(dy, op);
  checkConsistent(input, op);
  if (dy.shape != input.shape)
    throw RefError(std::string(op) + ": gradient shape " +
                   shapeToString(dy.shape) + " does not match input " +
                   shapeToString(input.shape));
  const int64_t a =
      normalizeAxis(axis, static_cast<int64_t>(input.shape.size()));
  RefTensor dx = dy;
  forEachSlice(input.shape, a, [&](int64_t base, int64_t stride, int64_t len) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < len; ++j)
      mx = std::fmax(mx, input.data[base + j * stride]);
    std::vector<double> s(static_cast<size_t>(len));
    double sum = 0.0;
    for (int64_t j = 0; j < len; ++j)
      sum += s[j] = std::exp(input.data[base + j * stride] - mx);
    double dot = 0.0; // sum(dy * y) for softmax, sum(dy) for log-softmax
    for (int64_t j = 0; j < len; ++j) {
      s[j] /= sum;
      const double g = dy.data[base + j * stride];
      dot += log ? g : g * s[j];
    }
    for (int64_t j = 0; j < len; ++j) {
      const double g = dy.data[base + j * stride];
      dx.data[base + j * stride] =
          static_cast<float>(log ? g - s[j] * dot : s[j] * (g - dot));
    }
  });
  return dx;
}

void checkChannelParam(const RefTensor &p, int64_t c, const char *name) {
  checkConsistent(p, name);
  if (p.shape != std::vector<int64_t>{c})
    throw RefError(std::string("batch norm: ") + name + " shape " +
                   shapeToString(p.shape) + " must be [" + std::to_string(c) +
                   "]");
}

// Per-channel batch mean and biased variance over every axis but the last.
struct Moments {
  std::vector<double> mean, variance;
  int64_t count; // elements per channel
};

Moments batchMoments(const RefTensor &x, const char *op) {
  checkConsistent(x, op);
  if (x.shape.empty())
    throw RefError(std::string(op) + ": input must have rank >= 1");
  const size_t c = static_cast<size_t>(x.shape.back());
  Moments m{std::vector<double>(c, 0.0), std::vector<double>(c, 0.0),
            c ? static_cast<int64_t>(x.data.size() / c) : 0};
  if (m.count == 0)
    throw RefError(std::string(op) + ": empty batch " + shapeToString(x.shape));
  for (size_t i = 0; i < x.data.size(); ++i)
    m.mean[i % c] += x.data[i];
  for (double &v : m.mean)
    v /= static_cast<double>(m.count);
  // Two passes (mean first) keep the variance accurate.
  for (size_t i = 0; i < x.data.size(); ++i) {
    const double d = x.data[i] - m.mean[i % c];
    m.variance[i % c] += d * d;
  }
  for (double &v : m.variance)
    v /= static_cast<double>(m.count);
  return m;
}

void checkMask(const RefTensor &mask, const std::vector<int64_t> &shape,
               float rate, const char *op) {
  checkConsistent(mask, op);
  if (mask.shape != shape)
    throw RefError(std::string(op) + ": mask shape " +
                   shapeToString(mask.shape) + " does not match " +
                   shapeToString(shape));
  if (!(rate >= 0.0f && rate < 1.0f))
    throw RefError(std::string(op) + ": rate must be in [0, 1), got " +
                   std::to_string(rate));
  for (float v : mask.data)
    if (v != 0.0f && v != 1.0f)
      throw RefError(std::string(op) + ": mask values must be 0 or 1");
}

} // namespace

RefTensor softmaxBackward(const RefTensor &dy, const RefTensor &input,
                          int64_t axis) {
  return softmaxFamilyBackward(dy, input, axis, false, "softmaxBackward");
}

RefTensor logSoftmaxBackward(const RefTensor &dy, const RefTensor &input,
                             int64_t axis) {
  return softmaxFamilyBackward(dy, input, axis, true, "logSoftmaxBackward");
}

BatchNormTrainingResult batchNormTraining(const RefTensor &input,
                                          const RefTensor &gamma,
                                          const RefTensor &beta,
                                          const RefTensor &movingMean,
                                          const RefTensor &movingVariance,
                                          float epsilon, float momentum) {
  const Moments m = batchMoments(input, "batchNormTraining");
  const int64_t c = input.shape.back();
  checkChannelParam(gamma, c, "gamma");
  checkChannelParam(beta, c, "beta");
  checkChannelParam(movingMean, c, "moving_mean");
  checkChannelParam(movingVariance, c, "moving_variance");

  BatchNormTrainingResult r;
  r.output = input;
  for (size_t i = 0; i < input.data.size(); ++i) {
    const size_t ch = i % static_cast<size_t>(c);
    const double xhat =
        (input.data[i] - m.mean[ch]) /
        std::sqrt(m.variance[ch] + static_cast<double>(epsilon));
    r.output.data[i] =
        static_cast<float>(xhat * gamma.data[ch] + beta.data[ch]);
  }
  r.batchMean = zeros({c});
  r.batchVariance = zeros({c});
  r.newMovingMean = zeros({c});
  r.newMovingVariance = zeros({c});
  const double mom = momentum;
  for (int64_t ch = 0; ch < c; ++ch) {
    r.batchMean.data[ch] = static_cast<float>(m.mean[ch]);
    r.batchVariance.data[ch] = static_cast<float>(m.variance[ch]);
    // Keras: moving = moving * momentum + batch * (1 - momentum), with the
    // biased batch variance (no Bessel correction).
    r.newMovingMean.data[ch] = static_cast<float>(movingMean.data[ch] * mom +
                                                  m.mean[ch] * (1.0 - mom));
    r.newMovingVariance.data[ch] = static_cast<float>(
        movingVariance.data[ch] * mom + m.variance[ch] * (1.0 - mom));
  }
  return r;
}

BatchNormGrads batchNormTrainingBackward(const RefTensor &dy,
                                         const RefTensor &input,
                                         const RefTensor &gamma,
                                         float epsilon) {
  const Moments m = batchMoments(input, "batchNormTrainingBackward");
  const int64_t c = input.shape.back();
  checkChannelParam(gamma, c, "gamma");
  checkConsistent(dy, "batchNormTrainingBackward");
  if (dy.shape != input.shape)
    throw RefError("batchNormTrainingBackward: gradient shape " +
                   shapeToString(dy.shape) + " does not match input " +
                   shapeToString(input.shape));
  const size_t cs = static_cast<size_t>(c);
  std::vector<double> invStd(cs), sumDy(cs, 0.0), sumDyXhat(cs, 0.0);
  for (size_t ch = 0; ch < cs; ++ch)
    invStd[ch] = 1.0 / std::sqrt(m.variance[ch] + static_cast<double>(epsilon));
  auto xhat = [&](size_t i) {
    return (input.data[i] - m.mean[i % cs]) * invStd[i % cs];
  };
  for (size_t i = 0; i < input.data.size(); ++i) {
    sumDy[i % cs] += dy.data[i];
    sumDyXhat[i % cs] += dy.data[i] * xhat(i);
  }

  // With xhat = (x - mean) * invStd and y = gamma * xhat + beta, the mean
  // and variance both depending on x give
  //   dx = gamma * invStd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat)).
  BatchNormGrads g{zeros(input.shape), zeros({c}), zeros({c})};
  const double count = static_cast<double>(m.count);
  for (size_t i = 0; i < input.data.size(); ++i) {
    const size_t ch = i % cs;
    g.input.data[i] = static_cast<float>(
        gamma.data[ch] * invStd[ch] / count *
        (count * dy.data[i] - sumDy[ch] - xhat(i) * sumDyXhat[ch]));
  }
  for (size_t ch = 0; ch < cs; ++ch) {
    g.gamma.data[ch] = static_cast<float>(sumDyXhat[ch]);
    g.beta.data[ch] = static_cast<float>(sumDy[ch]);
  }
  return g;
}

RefTensor dropoutTraining(const RefTensor &input, const RefTensor &keepMask,
                          float rate) {
  checkConsistent(input, "dropoutTraining");
  checkMask(keepMask, input.shape, rate, "dropoutTraining");
  RefTensor out = input;
  const double scale = 1.0 / (1.0 - static_cast<double>(rate));
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = static_cast<float>(input.data[i] * keepMask.data[i] * scale);
  return out;
}

RefTensor dropoutBackward(const RefTensor &dy, const RefTensor &keepMask,
                          float rate) {
  checkConsistent(dy, "dropoutBackward");
  // The forward is linear in x with the same factor.
  return dropoutTraining(dy, keepMask, rate);
}

} // namespace dlc::ref
