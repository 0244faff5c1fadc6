// Activation, broadcasting-arithmetic and softmax gradients against finite
// differences, plus the derivative conventions at the kinks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "dlc/reference/elementwise.h"
#include "dlc/reference/grad.h"
#include "dlc/reference/normalization.h"
#include "grad_check.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::expectGradientNear;
using test::expectTensor;
using test::numericGradient;
using test::randomInt;
using test::randomTensor;
using test::weightedSum;

std::vector<int64_t> randomShape(std::mt19937 &rng, int64_t maxRank) {
  std::vector<int64_t> s(static_cast<size_t>(randomInt(rng, 1, maxRank)));
  for (int64_t &d : s)
    d = randomInt(rng, 1, 4);
  return s;
}

// Values in [-8, 8] kept at least 0.1 away from every kink in `kinks`, so a
// +-0.01 probe never crosses one.
RefTensor awayFromKinks(std::mt19937 &rng, const std::vector<int64_t> &shape,
                        const std::vector<float> &kinks) {
  RefTensor t = randomTensor(rng, shape, -8.0f, 8.0f);
  for (float &v : t.data)
    for (float k : kinks)
      if (std::fabs(v - k) < 0.1f)
        v = k + (v < k ? -0.25f : 0.25f);
  return t;
}

void checkUnary(
    const std::string &what,
    const std::function<RefTensor(const RefTensor &)> &fwd,
    const std::function<RefTensor(const RefTensor &, const RefTensor &)> &bwd,
    const std::vector<float> &kinks, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 5; ++iter) {
    // Redraw inputs that sit entirely where the derivative is (nearly) 0
    // (relu's dead side, tanh's tails): the check would be vacuous there.
    RefTensor x;
    double largest = 0.0;
    do {
      x = awayFromKinks(rng, randomShape(rng, 4), kinks);
      const RefTensor slope = bwd(filled(x.shape, 1.0f), x);
      largest = *std::max_element(slope.data.begin(), slope.data.end());
    } while (largest < 0.1);
    const RefTensor dy = randomTensor(rng, x.shape);
    expectGradientNear(
        bwd(dy, x),
        numericGradient(
            [&](const RefTensor &t) { return weightedSum(fwd(t), dy); }, x),
        what + " case " + std::to_string(iter));
  }
}

TEST(ElementwiseGrad, ActivationsMatchFiniteDifferences) {
  checkUnary("relu", relu, reluBackward, {0}, 1);
  checkUnary("relu6", relu6, relu6Backward, {0, 6}, 2);
  checkUnary(
      "leaky_relu", [](const RefTensor &x) { return leakyRelu(x, 0.3f); },
      [](const RefTensor &dy, const RefTensor &x) {
        return leakyReluBackward(dy, x, 0.3f);
      },
      {0}, 3);
  checkUnary("sigmoid", sigmoid, sigmoidBackward, {}, 4);
  checkUnary("tanh", dlc::ref::tanh, tanhBackward, {}, 5);
  checkUnary(
      "clip", [](const RefTensor &x) { return clip(x, -2.5f, 3.0f); },
      [](const RefTensor &dy, const RefTensor &x) {
        return clipBackward(dy, x, -2.5f, 3.0f);
      },
      {-2.5f, 3.0f}, 6);
  checkUnary("erf", dlc::ref::erf, erfBackward, {}, 8);
  checkUnary("exp", dlc::ref::exp, expBackward, {}, 9);
  for (fb::Activation act : {fb::Activation::NONE, fb::Activation::RELU,
                             fb::Activation::RELU6, fb::Activation::LEAKY_RELU,
                             fb::Activation::SIGMOID, fb::Activation::TANH})
    checkUnary(
        std::string("fused ") + fb::EnumNameActivation(act),
        [&](const RefTensor &x) { return activation(x, act, 0.15f); },
        [&](const RefTensor &dy, const RefTensor &x) {
          return activationBackward(dy, x, act, 0.15f);
        },
        {0, 6}, 7);
}

// sqrt and log are defined for x > 0 only: inputs in [0.2, 8.2], where the
// derivatives are at most ~1.1 and 5 and the +-0.01 probe stays positive.
TEST(ElementwiseGrad, PositiveDomainMatchesFiniteDifferences) {
  auto shifted = [](const std::function<RefTensor(const RefTensor &)> &f) {
    return [f](const RefTensor &x) {
      RefTensor u = x;
      for (float &v : u.data)
        v = std::fabs(v) + 0.2f;
      return f(u);
    };
  };
  auto shiftedBackward =
      [](const std::function<RefTensor(const RefTensor &, const RefTensor &)>
             &f) {
        return [f](const RefTensor &dy, const RefTensor &x) {
          // d/dx f(|x| + 0.2) = f'(|x| + 0.2) sign(x); x is never 0 here
          // (0 is a kink of |x|).
          RefTensor u = x, s = dy;
          for (size_t i = 0; i < u.data.size(); ++i) {
            s.data[i] = x.data[i] < 0 ? -dy.data[i] : dy.data[i];
            u.data[i] = std::fabs(x.data[i]) + 0.2f;
          }
          return f(s, u);
        };
      };
  checkUnary("sqrt", shifted(dlc::ref::sqrt), shiftedBackward(sqrtBackward),
             {0}, 10);
  checkUnary("log", shifted(dlc::ref::log), shiftedBackward(logBackward), {0},
             11);
}

TEST(ElementwiseGrad, DerivativesAtKinksFollowTensorFlow) {
  const RefTensor x = makeTensor({5}, {-1, 0, 3, 6, 7});
  const RefTensor dy = filled({5}, 1.0f);
  expectTensor(reluBackward(dy, x), {5}, {0, 0, 1, 1, 1});
  expectTensor(relu6Backward(dy, x), {5}, {0, 0, 1, 0, 0});
  expectTensor(leakyReluBackward(dy, x, 0.25f), {5}, {0.25f, 0.25f, 1, 1, 1});
  // Clip passes the gradient on the closed interval.
  expectTensor(clipBackward(dy, x, 0.0f, 6.0f), {5}, {0, 1, 1, 1, 0});
  EXPECT_NEAR(activationDerivative(0.0, fb::Activation::SIGMOID, 0), 0.25,
              1e-12);
  EXPECT_NEAR(activationDerivative(0.0, fb::Activation::TANH, 0), 1.0, 1e-12);
  EXPECT_NEAR(activationDerivative(4.0, fb::Activation::SQRT, 0), 0.25, 1e-12);
  EXPECT_NEAR(activationDerivative(0.0, fb::Activation::ERF, 0),
              2.0 / std::sqrt(M_PI), 1e-12);
  EXPECT_NEAR(activationDerivative(1.0, fb::Activation::EXP, 0), M_E, 1e-12);
  EXPECT_NEAR(activationDerivative(4.0, fb::Activation::LOG, 0), 0.25, 1e-12);
}

// Operand shapes derived from a random result shape by dropping leading
// dims and setting dims to 1, so every broadcasting pattern shows up.
std::vector<int64_t> broadcastOperand(std::mt19937 &rng,
                                      const std::vector<int64_t> &full) {
  const size_t drop = static_cast<size_t>(randomInt(rng, 0, full.size()));
  std::vector<int64_t> s(full.begin() + drop, full.end());
  for (int64_t &d : s)
    if (randomInt(rng, 0, 2) == 0)
      d = 1;
  return s;
}

TEST(ElementwiseGrad, BroadcastingArithmeticMatchesFiniteDifferences) {
  using BinFwd = RefTensor (*)(const RefTensor &, const RefTensor &);
  using BinBwd =
      BinaryGrads (*)(const RefTensor &, const RefTensor &, const RefTensor &);
  const struct {
    const char *name;
    BinFwd fwd;
    BinBwd bwd;
  } ops[] = {{"add", add, addBackward},
             {"sub", sub, subBackward},
             {"mul", mul, mulBackward},
             {"div", div, divBackward}};
  std::mt19937 rng(11);
  for (const auto &op : ops)
    for (int iter = 0; iter < 10; ++iter) {
      const std::vector<int64_t> full = randomShape(rng, 4);
      const RefTensor a = randomTensor(rng, broadcastOperand(rng, full));
      // Divisors of magnitude [0.5, 1.5], never near zero.
      RefTensor b = randomTensor(rng, broadcastOperand(rng, full), 0.5f, 1.5f);
      for (float &v : b.data)
        if (randomInt(rng, 0, 1))
          v = -v;
      const RefTensor dy = randomTensor(rng, op.fwd(a, b).shape);
      const BinaryGrads g = op.bwd(dy, a, b);
      const std::string what = std::string(op.name) + " " +
                               shapeToString(a.shape) + " with " +
                               shapeToString(b.shape);
      expectGradientNear(
          g.lhs,
          numericGradient(
              [&](const RefTensor &t) { return weightedSum(op.fwd(t, b), dy); },
              a),
          what + " lhs");
      expectGradientNear(
          g.rhs,
          numericGradient(
              [&](const RefTensor &t) { return weightedSum(op.fwd(a, t), dy); },
              b),
          what + " rhs");
    }
}

TEST(ElementwiseGrad, SumToShapeReducesBroadcastDims) {
  const RefTensor g = test::iota({2, 3});
  expectTensor(sumToShape(g, {3}), {3}, {5, 7, 9});
  expectTensor(sumToShape(g, {2, 1}), {2, 1}, {6, 15});
  expectTensor(sumToShape(g, {}), {}, {21});
  expectTensor(sumToShape(g, {2, 3}), {2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_THROW(sumToShape(g, {2}), RefError);
}

TEST(ElementwiseGrad, SoftmaxFamilyMatchesFiniteDifferences) {
  std::mt19937 rng(12);
  for (int iter = 0; iter < 12; ++iter) {
    const std::vector<int64_t> shape = randomShape(rng, 3);
    const int64_t rank = static_cast<int64_t>(shape.size());
    const int64_t axis = randomInt(rng, -rank, rank - 1);
    const RefTensor x = randomTensor(rng, shape, -3.0f, 3.0f);
    const RefTensor dy = randomTensor(rng, shape);
    const bool log = iter % 2 == 1;
    auto fwd = [&](const RefTensor &t) {
      return log ? logSoftmax(t, axis) : softmax(t, axis);
    };
    RefTensor analytic =
        log ? logSoftmaxBackward(dy, x, axis) : softmaxBackward(dy, x, axis);
    // A length-1 axis makes softmax constant: its gradient really is zero.
    if (shape[normalizeAxis(axis, rank)] == 1) {
      for (float v : analytic.data)
        EXPECT_NEAR(v, 0.0f, 1e-6f);
      continue;
    }
    expectGradientNear(
        analytic,
        numericGradient(
            [&](const RefTensor &t) { return weightedSum(fwd(t), dy); }, x),
        std::string(log ? "log_softmax " : "softmax ") + shapeToString(shape) +
            " axis " + std::to_string(axis));
  }
}

} // namespace
} // namespace dlc::ref
