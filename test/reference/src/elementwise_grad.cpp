// Backward of the activations and of the broadcasting arithmetic.
#include <cmath>
#include <functional>
#include <string>

#include "dlc/reference/elementwise.h"
#include "dlc/reference/grad.h"

namespace dlc::ref {

namespace fb = dlc::fb;

double activationDerivative(double x, fb::Activation activation,
                            double leakyAlpha) {
  switch (activation) {
  case fb::Activation::NONE:
    return 1.0;
  case fb::Activation::RELU:
    return x > 0.0 ? 1.0 : 0.0;
  case fb::Activation::RELU6:
    return x > 0.0 && x < 6.0 ? 1.0 : 0.0;
  case fb::Activation::LEAKY_RELU:
    return x > 0.0 ? 1.0 : leakyAlpha;
  case fb::Activation::SIGMOID: {
    const double s = 1.0 / (1.0 + std::exp(-x));
    return s * (1.0 - s);
  }
  case fb::Activation::TANH: {
    const double t = std::tanh(x);
    return 1.0 - t * t;
  }
  case fb::Activation::SQRT:
    return 0.5 / std::sqrt(x);
  case fb::Activation::ERF:
    // 2 / sqrt(pi) * exp(-x^2)
    return 1.1283791670955126 * std::exp(-x * x);
  case fb::Activation::EXP:
    return std::exp(x);
  case fb::Activation::LOG:
    return 1.0 / x;
  }
  throw RefError("unknown activation " +
                 std::to_string(static_cast<int>(activation)));
}

namespace {

// dy * fn(x) elementwise; dy and x must have the same shape.
RefTensor scaleBy(const RefTensor &dy, const RefTensor &x,
                  const std::function<double(double)> &fn, const char *op) {
  checkConsistent(dy, op);
  checkConsistent(x, op);
  if (dy.shape != x.shape)
    throw RefError(std::string(op) + ": gradient shape " +
                   shapeToString(dy.shape) + " does not match input " +
                   shapeToString(x.shape));
  RefTensor out = dy;
  for (size_t i = 0; i < out.data.size(); ++i)
    out.data[i] = static_cast<float>(static_cast<double>(dy.data[i]) *
                                     fn(static_cast<double>(x.data[i])));
  return out;
}

} // namespace

RefTensor activationBackward(const RefTensor &dy,
                             const RefTensor &preActivation, fb::Activation act,
                             float leakyAlpha) {
  activationDerivative(0.0, act, leakyAlpha); // reject unknown enums early
  return scaleBy(
      dy, preActivation,
      [&](double x) { return activationDerivative(x, act, leakyAlpha); },
      "activationBackward");
}

RefTensor reluBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::RELU, 0.0f);
}
RefTensor relu6Backward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::RELU6, 0.0f);
}
RefTensor leakyReluBackward(const RefTensor &dy, const RefTensor &input,
                            float alpha) {
  return activationBackward(dy, input, fb::Activation::LEAKY_RELU, alpha);
}
RefTensor sigmoidBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::SIGMOID, 0.0f);
}
RefTensor tanhBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::TANH, 0.0f);
}
RefTensor sqrtBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::SQRT, 0.0f);
}
RefTensor erfBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::ERF, 0.0f);
}
RefTensor expBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::EXP, 0.0f);
}
RefTensor logBackward(const RefTensor &dy, const RefTensor &input) {
  return activationBackward(dy, input, fb::Activation::LOG, 0.0f);
}

RefTensor clipBackward(const RefTensor &dy, const RefTensor &input,
                       float minValue, float maxValue) {
  if (minValue > maxValue)
    throw RefError("clipBackward: min > max");
  return scaleBy(
      dy, input,
      [&](double x) { return x >= minValue && x <= maxValue ? 1.0 : 0.0; },
      "clipBackward");
}

namespace {

// Offset into a tensor of `shape` for the broadcast result's multi-index
// `idx` (rank >= shape's rank); size-1 dims always read index 0.
int64_t broadcastOffset(const std::vector<int64_t> &idx,
                        const std::vector<int64_t> &shape) {
  const size_t lead = idx.size() - shape.size();
  int64_t offset = 0;
  for (size_t i = 0; i < shape.size(); ++i)
    offset = offset * shape[i] + (shape[i] == 1 ? 0 : idx[lead + i]);
  return offset;
}

// Visits every element of the broadcast result of lhs and rhs:
// fn(flat, lhsOffset, rhsOffset). dy must have the broadcast shape.
template <typename Fn>
void forEachBroadcast(const RefTensor &dy, const RefTensor &lhs,
                      const RefTensor &rhs, const char *op, Fn fn) {
  checkConsistent(dy, op);
  checkConsistent(lhs, op);
  checkConsistent(rhs, op);
  const std::vector<int64_t> shape = broadcastShapes(lhs.shape, rhs.shape);
  if (dy.shape != shape)
    throw RefError(std::string(op) + ": gradient shape " +
                   shapeToString(dy.shape) + " is not the broadcast shape " +
                   shapeToString(shape));
  std::vector<int64_t> idx(shape.size(), 0);
  for (size_t flat = 0; flat < dy.data.size(); ++flat) {
    fn(flat, broadcastOffset(idx, lhs.shape), broadcastOffset(idx, rhs.shape));
    for (size_t d = idx.size(); d-- > 0;) {
      if (++idx[d] < shape[d])
        break;
      idx[d] = 0;
    }
  }
}

RefTensor toTensor(const std::vector<int64_t> &shape,
                   const std::vector<double> &acc) {
  RefTensor t = zeros(shape);
  for (size_t i = 0; i < acc.size(); ++i)
    t.data[i] = static_cast<float>(acc[i]);
  return t;
}

// d(lhs op rhs)/dlhs and /drhs at (a, b), summed over broadcast copies.
BinaryGrads binaryBackward(
    const RefTensor &dy, const RefTensor &lhs, const RefTensor &rhs,
    const char *op,
    const std::function<void(double a, double b, double &da, double &db)>
        &partials) {
  std::vector<double> gl(lhs.data.size(), 0.0), gr(rhs.data.size(), 0.0);
  forEachBroadcast(dy, lhs, rhs, op, [&](size_t flat, int64_t l, int64_t r) {
    double da = 0.0, db = 0.0;
    partials(lhs.data[l], rhs.data[r], da, db);
    const double g = dy.data[flat];
    gl[l] += g * da;
    gr[r] += g * db;
  });
  return BinaryGrads{toTensor(lhs.shape, gl), toTensor(rhs.shape, gr)};
}

} // namespace

RefTensor sumToShape(const RefTensor &grad, const std::vector<int64_t> &shape) {
  // With a tensor of `shape` as the second operand, the broadcast visitor
  // maps every element of grad to the element it was broadcast from.
  RefTensor target = zeros(shape);
  if (broadcastShapes(grad.shape, shape) != grad.shape)
    throw RefError("sumToShape: " + shapeToString(shape) +
                   " does not broadcast to " + shapeToString(grad.shape));
  std::vector<double> acc(target.data.size(), 0.0);
  forEachBroadcast(
      grad, grad, target, "sumToShape",
      [&](size_t flat, int64_t, int64_t t) { acc[t] += grad.data[flat]; });
  return toTensor(shape, acc);
}

BinaryGrads addBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs) {
  return binaryBackward(dy, lhs, rhs, "addBackward",
                        [](double, double, double &da, double &db) {
                          da = 1.0;
                          db = 1.0;
                        });
}

BinaryGrads subBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs) {
  return binaryBackward(dy, lhs, rhs, "subBackward",
                        [](double, double, double &da, double &db) {
                          da = 1.0;
                          db = -1.0;
                        });
}

BinaryGrads mulBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs) {
  return binaryBackward(dy, lhs, rhs, "mulBackward",
                        [](double a, double b, double &da, double &db) {
                          da = b;
                          db = a;
                        });
}

BinaryGrads divBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs) {
  return binaryBackward(dy, lhs, rhs, "divBackward",
                        [](double a, double b, double &da, double &db) {
                          da = 1.0 / b;
                          db = -a / (b * b);
                        });
}

} // namespace dlc::ref
