// Reference losses, following docs/TRAINING.md formula by formula.
#include "dlc/reference/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace dlc::ref {

namespace {

void checkSameShape(const RefTensor &out, const RefTensor &labels,
                    const char *op) {
  checkConsistent(out, op);
  checkConsistent(labels, op);
  if (out.shape != labels.shape)
    throw RefError(std::string(op) + ": labels " + shapeToString(labels.shape) +
                   " do not match output " + shapeToString(out.shape));
}

// Categorical losses are defined on [N, C]; N is the batch the mean is over.
void checkCategorical(const RefTensor &out, const RefTensor &labels,
                      const char *op) {
  checkSameShape(out, labels, op);
  if (out.shape.size() != 2 || out.shape[0] == 0 || out.shape[1] == 0)
    throw RefError(std::string(op) + ": expects a non-empty [N, C], got " +
                   shapeToString(out.shape));
}

// [N] class indices -> [N, C] one-hot; indices must be integral and in range.
RefTensor oneHot(const RefTensor &out, const RefTensor &indices,
                 const char *op) {
  checkConsistent(out, op);
  checkConsistent(indices, op);
  if (out.shape.size() != 2 ||
      indices.shape != std::vector<int64_t>{out.shape[0]})
    throw RefError(std::string(op) +
                   ": expects output [N, C] and labels "
                   "[N], got " +
                   shapeToString(out.shape) + " and " +
                   shapeToString(indices.shape));
  const int64_t c = out.shape[1];
  RefTensor y = zeros(out.shape);
  for (size_t n = 0; n < indices.data.size(); ++n) {
    const float k = indices.data[n];
    if (!(k >= 0.0f && k < static_cast<float>(c)) || std::floor(k) != k)
      throw RefError(std::string(op) + ": label " + std::to_string(k) +
                     " is not a class index in [0, " + std::to_string(c) + ")");
    y.data[n * c + static_cast<int64_t>(k)] = 1.0f;
  }
  return y;
}

// clip(p) and its derivative (1 inside the closed interval, else 0).
double clipProb(double p, double &derivative) {
  const double lo = kProbClip, hi = 1.0 - kProbClip;
  derivative = p >= lo && p <= hi ? 1.0 : 0.0;
  return std::min(std::max(p, lo), hi);
}

} // namespace

LossResult categoricalCrossentropy(const RefTensor &probs,
                                   const RefTensor &labels) {
  checkCategorical(probs, labels, "categoricalCrossentropy");
  const double n = static_cast<double>(probs.shape[0]);
  LossResult r{0.0, zeros(probs.shape)};
  double sum = 0.0;
  for (size_t i = 0; i < probs.data.size(); ++i) {
    double dclip = 0.0;
    const double p = clipProb(probs.data[i], dclip);
    const double y = labels.data[i];
    sum += y * std::log(p);
    r.grad.data[i] = static_cast<float>(-y / p * dclip / n);
  }
  r.value = -sum / n;
  return r;
}

LossResult categoricalCrossentropyFromLogits(const RefTensor &logits,
                                             const RefTensor &labels) {
  checkCategorical(logits, labels, "categoricalCrossentropyFromLogits");
  const int64_t rows = logits.shape[0], c = logits.shape[1];
  LossResult r{0.0, zeros(logits.shape)};
  double sum = 0.0;
  for (int64_t n = 0; n < rows; ++n) {
    const float *z = &logits.data[n * c];
    const float *y = &labels.data[n * c];
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < c; ++j)
      mx = std::max(mx, static_cast<double>(z[j]));
    double se = 0.0, ySum = 0.0;
    for (int64_t j = 0; j < c; ++j) {
      se += std::exp(z[j] - mx);
      ySum += y[j];
    }
    const double lse = mx + std::log(se);
    for (int64_t j = 0; j < c; ++j) {
      sum += y[j] * (z[j] - lse);
      const double softmax = std::exp(z[j] - lse);
      r.grad.data[n * c + j] = static_cast<float>((softmax * ySum - y[j]) /
                                                  static_cast<double>(rows));
    }
  }
  r.value = -sum / static_cast<double>(rows);
  return r;
}

LossResult sparseCategoricalCrossentropy(const RefTensor &probs,
                                         const RefTensor &classIndices) {
  return categoricalCrossentropy(
      probs, oneHot(probs, classIndices, "sparseCategoricalCrossentropy"));
}

LossResult
sparseCategoricalCrossentropyFromLogits(const RefTensor &logits,
                                        const RefTensor &classIndices) {
  return categoricalCrossentropyFromLogits(
      logits,
      oneHot(logits, classIndices, "sparseCategoricalCrossentropyFromLogits"));
}

LossResult binaryCrossentropy(const RefTensor &probs, const RefTensor &labels) {
  checkSameShape(probs, labels, "binaryCrossentropy");
  if (probs.data.empty())
    throw RefError("binaryCrossentropy: empty output");
  const double count = static_cast<double>(probs.data.size());
  LossResult r{0.0, zeros(probs.shape)};
  double sum = 0.0;
  for (size_t i = 0; i < probs.data.size(); ++i) {
    double dclip = 0.0;
    const double p = clipProb(probs.data[i], dclip);
    const double y = labels.data[i];
    sum += y * std::log(p) + (1.0 - y) * std::log(1.0 - p);
    r.grad.data[i] =
        static_cast<float>(-(y / p - (1.0 - y) / (1.0 - p)) * dclip / count);
  }
  r.value = -sum / count;
  return r;
}

LossResult binaryCrossentropyFromLogits(const RefTensor &logits,
                                        const RefTensor &labels) {
  checkSameShape(logits, labels, "binaryCrossentropyFromLogits");
  if (logits.data.empty())
    throw RefError("binaryCrossentropyFromLogits: empty output");
  const double count = static_cast<double>(logits.data.size());
  LossResult r{0.0, zeros(logits.shape)};
  double sum = 0.0;
  for (size_t i = 0; i < logits.data.size(); ++i) {
    const double z = logits.data[i], y = labels.data[i];
    sum += std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::fabs(z)));
    const double sig = 1.0 / (1.0 + std::exp(-z));
    r.grad.data[i] = static_cast<float>((sig - y) / count);
  }
  r.value = sum / count;
  return r;
}

LossResult meanSquaredError(const RefTensor &predictions,
                            const RefTensor &labels) {
  checkSameShape(predictions, labels, "meanSquaredError");
  if (predictions.data.empty())
    throw RefError("meanSquaredError: empty output");
  const double count = static_cast<double>(predictions.data.size());
  LossResult r{0.0, zeros(predictions.shape)};
  double sum = 0.0;
  for (size_t i = 0; i < predictions.data.size(); ++i) {
    const double d = static_cast<double>(predictions.data[i]) - labels.data[i];
    sum += d * d;
    r.grad.data[i] = static_cast<float>(2.0 * d / count);
  }
  r.value = sum / count;
  return r;
}

LossResult computeLoss(dlc::fb::Loss loss, const RefTensor &output,
                       const RefTensor &labels, bool fromLogits) {
  switch (loss) {
  case dlc::fb::Loss::CATEGORICAL_CROSSENTROPY:
    return fromLogits ? categoricalCrossentropyFromLogits(output, labels)
                      : categoricalCrossentropy(output, labels);
  case dlc::fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY:
    return fromLogits ? sparseCategoricalCrossentropyFromLogits(output, labels)
                      : sparseCategoricalCrossentropy(output, labels);
  case dlc::fb::Loss::BINARY_CROSSENTROPY:
    return fromLogits ? binaryCrossentropyFromLogits(output, labels)
                      : binaryCrossentropy(output, labels);
  case dlc::fb::Loss::MEAN_SQUARED_ERROR:
    if (fromLogits)
      throw RefError("meanSquaredError has no logits form");
    return meanSquaredError(output, labels);
  }
  throw RefError("unknown loss " + std::to_string(static_cast<int>(loss)));
}

} // namespace dlc::ref
