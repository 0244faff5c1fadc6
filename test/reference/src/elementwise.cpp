#include "dlc/reference/elementwise.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace dlc::ref {

std::vector<int64_t> broadcastShapes(const std::vector<int64_t> &a,
                                     const std::vector<int64_t> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Walk from the right; a missing leading dim behaves like 1.
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1)
      throw RefError("cannot broadcast " + shapeToString(a) + " with " +
                     shapeToString(b));
    out[rank - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Offset into a tensor of shape `shape` for the output multi-index `idx`
// (which has rank >= shape's rank): broadcast dims (size 1) always read 0.
int64_t broadcastOffset(const std::vector<int64_t> &idx,
                        const std::vector<int64_t> &shape) {
  size_t lead = idx.size() - shape.size();
  int64_t offset = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    offset = offset * shape[i] + (shape[i] == 1 ? 0 : idx[lead + i]);
  return offset;
}

RefTensor binary(const RefTensor &lhs, const RefTensor &rhs,
                 const std::function<double(double, double)> &fn) {
  checkConsistent(lhs, "binary op lhs");
  checkConsistent(rhs, "binary op rhs");
  RefTensor out = zeros(broadcastShapes(lhs.shape, rhs.shape));
  std::vector<int64_t> idx(out.shape.size(), 0);
  for (size_t flat = 0; flat < out.data.size(); ++flat) {
    double a = lhs.data[broadcastOffset(idx, lhs.shape)];
    double b = rhs.data[broadcastOffset(idx, rhs.shape)];
    out.data[flat] = static_cast<float>(fn(a, b));
    // Odometer increment of the row-major multi-index.
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < out.shape[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

RefTensor unary(const RefTensor &input,
                const std::function<double(double)> &fn) {
  checkConsistent(input, "unary op");
  RefTensor out = input;
  for (float &v : out.data)
    v = static_cast<float>(fn(v));
  return out;
}

} // namespace

RefTensor add(const RefTensor &lhs, const RefTensor &rhs) {
  return binary(lhs, rhs, [](double a, double b) { return a + b; });
}
RefTensor sub(const RefTensor &lhs, const RefTensor &rhs) {
  return binary(lhs, rhs, [](double a, double b) { return a - b; });
}
RefTensor mul(const RefTensor &lhs, const RefTensor &rhs) {
  return binary(lhs, rhs, [](double a, double b) { return a * b; });
}
RefTensor div(const RefTensor &lhs, const RefTensor &rhs) {
  return binary(lhs, rhs, [](double a, double b) { return a / b; });
}

double applyActivation(double x, dlc::fb::Activation activation,
                       double leakyAlpha) {
  switch (activation) {
  case dlc::fb::Activation::NONE:
    return x;
  case dlc::fb::Activation::RELU:
    return x > 0.0 ? x : 0.0;
  case dlc::fb::Activation::RELU6:
    return std::min(std::max(x, 0.0), 6.0);
  case dlc::fb::Activation::LEAKY_RELU:
    return x < 0.0 ? leakyAlpha * x : x;
  case dlc::fb::Activation::SIGMOID:
    return 1.0 / (1.0 + std::exp(-x));
  case dlc::fb::Activation::TANH:
    return std::tanh(x);
  case dlc::fb::Activation::SQRT:
    return std::sqrt(x);
  case dlc::fb::Activation::ERF:
    return std::erf(x);
  case dlc::fb::Activation::EXP:
    return std::exp(x);
  case dlc::fb::Activation::LOG:
    return std::log(x);
  }
  throw RefError("unknown activation " +
                 std::to_string(static_cast<int>(activation)));
}

RefTensor activation(const RefTensor &input, dlc::fb::Activation act,
                     float leakyAlpha) {
  // Validate once up front so an unknown enum fails even on empty tensors.
  applyActivation(0.0, act, leakyAlpha);
  return unary(input,
               [&](double x) { return applyActivation(x, act, leakyAlpha); });
}

RefTensor relu(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::RELU, 0.0f);
}
RefTensor relu6(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::RELU6, 0.0f);
}
RefTensor leakyRelu(const RefTensor &input, float alpha) {
  return activation(input, dlc::fb::Activation::LEAKY_RELU, alpha);
}
RefTensor sigmoid(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::SIGMOID, 0.0f);
}
RefTensor tanh(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::TANH, 0.0f);
}
RefTensor sqrt(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::SQRT, 0.0f);
}
RefTensor erf(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::ERF, 0.0f);
}
RefTensor exp(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::EXP, 0.0f);
}
RefTensor log(const RefTensor &input) {
  return activation(input, dlc::fb::Activation::LOG, 0.0f);
}

RefTensor clip(const RefTensor &input, float minValue, float maxValue) {
  if (minValue > maxValue)
    throw RefError("clip: min > max");
  return unary(input, [&](double x) {
    return std::min(std::max(x, static_cast<double>(minValue)),
                    static_cast<double>(maxValue));
  });
}

} // namespace dlc::ref
