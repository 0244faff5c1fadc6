// conv2d, depthwise_conv2d and dense gradients against finite differences
// over random shapes, strides, dilations, paddings and fused activations.
#include <gtest/gtest.h>

#include "dlc/reference/conv.h"
#include "dlc/reference/grad.h"
#include "grad_check.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::expectGradientNear;
using test::numericGradient;
using test::randomInt;
using test::randomTensor;
using test::weightedSum;

constexpr fb::Activation kActivations[] = {
    fb::Activation::NONE,       fb::Activation::RELU,    fb::Activation::RELU6,
    fb::Activation::LEAKY_RELU, fb::Activation::SIGMOID, fb::Activation::TANH};

// Which linear piece of the activation z falls on (0 for smooth ones).
int activationRegion(double z, fb::Activation a) {
  switch (a) {
  case fb::Activation::RELU:
  case fb::Activation::LEAKY_RELU:
    return z > 0.0;
  case fb::Activation::RELU6:
    return z <= 0.0 ? 0 : z < 6.0 ? 1 : 2;
  default:
    return 0;
  }
}

std::vector<int> regionsOf(const RefTensor &z, fb::Activation a) {
  std::vector<int> r;
  for (float v : z.data)
    r.push_back(activationRegion(v, a));
  return r;
}

// True when the activation passes a gradient somewhere in z, so that a
// random case cannot make a check vacuous (e.g. every relu input negative).
bool anyActive(const RefTensor &z, fb::Activation a) {
  for (float v : z.data)
    if (activationDerivative(v, a, 0.5) != 0.0)
      return true;
  return false;
}

struct WindowCase {
  int64_t n, h, w, kh, kw;
  std::array<int64_t, 2> strides, dilations;
  Pads pads;
  fb::Activation activation;
  float alpha;
  bool bias;
};

// Random geometry whose dilated window fits the padded input.
WindowCase randomWindowCase(std::mt19937 &rng) {
  for (;;) {
    WindowCase c{};
    c.n = randomInt(rng, 1, 2);
    c.h = randomInt(rng, 3, 8);
    c.w = randomInt(rng, 3, 8);
    c.kh = randomInt(rng, 1, 3);
    c.kw = randomInt(rng, 1, 3);
    c.strides = {randomInt(rng, 1, 2), randomInt(rng, 1, 2)};
    c.dilations = {randomInt(rng, 1, 2), randomInt(rng, 1, 2)};
    const auto mode = static_cast<fb::Padding>(randomInt(rng, 0, 2));
    Pads explicitPads{randomInt(rng, 0, 2), randomInt(rng, 0, 2),
                      randomInt(rng, 0, 2), randomInt(rng, 0, 2)};
    c.pads =
        resolvePadding(mode, c.h, c.w, c.kh, c.kw, c.strides[0], c.strides[1],
                       c.dilations[0], c.dilations[1], explicitPads);
    c.activation = kActivations[randomInt(rng, 0, 5)];
    c.alpha = static_cast<float>(randomInt(rng, 1, 5)) / 10.0f;
    c.bias = randomInt(rng, 0, 1) == 1;
    if ((c.kh - 1) * c.dilations[0] + 1 <= c.h + c.pads.top + c.pads.bottom &&
        (c.kw - 1) * c.dilations[1] + 1 <= c.w + c.pads.left + c.pads.right)
      return c;
  }
}

// Runs the FD check of all three gradients of a window op. `forward`
// evaluates the op with the given activation.
using WindowForward = std::function<RefTensor(
    const RefTensor &, const RefTensor &, const RefTensor *, fb::Activation)>;

void checkWeightGrads(const WeightGrads &g, const RefTensor &x,
                      const RefTensor &f, const RefTensor &b, bool hasBias,
                      const RefTensor &dy, fb::Activation act,
                      const WindowForward &forward, const std::string &what) {
  const RefTensor *bp = hasBias ? &b : nullptr;
  auto loss = [&](const RefTensor &xx, const RefTensor &ff,
                  const RefTensor *bb) {
    return weightedSum(forward(xx, ff, bb, act), dy);
  };
  auto regions = [&](const RefTensor &xx, const RefTensor &ff,
                     const RefTensor *bb) {
    return regionsOf(forward(xx, ff, bb, fb::Activation::NONE), act);
  };
  expectGradientNear(
      g.input,
      numericGradient([&](const RefTensor &t) { return loss(t, f, bp); }, x,
                      1e-2,
                      [&](const RefTensor &t) { return regions(t, f, bp); }),
      what + " input");
  expectGradientNear(
      g.weight,
      numericGradient([&](const RefTensor &t) { return loss(x, t, bp); }, f,
                      1e-2,
                      [&](const RefTensor &t) { return regions(x, t, bp); }),
      what + " weight");
  // Without a bias, windows made of padding only have z exactly 0, a kink
  // where finite differences of a zero bias are meaningless.
  if (!hasBias) {
    EXPECT_EQ(g.bias.shape, b.shape) << what;
    return;
  }
  expectGradientNear(
      g.bias,
      numericGradient([&](const RefTensor &t) { return loss(x, f, &t); }, b,
                      1e-2,
                      [&](const RefTensor &t) { return regions(x, f, &t); }),
      what + " bias");
}

TEST(ConvGrad, Conv2dMatchesFiniteDifferences) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 16; ++iter) {
    const WindowCase c = randomWindowCase(rng);
    const int64_t cin = randomInt(rng, 1, 3), cout = randomInt(rng, 1, 3);
    WindowForward fwd = [&](const RefTensor &xx, const RefTensor &ff,
                            const RefTensor *bb, fb::Activation a) {
      return conv2d(xx, ff, bb, c.strides, c.dilations, c.pads, a, c.alpha);
    };
    RefTensor x, f, b;
    do {
      x = randomTensor(rng, {c.n, c.h, c.w, cin});
      f = randomTensor(rng, {c.kh, c.kw, cin, cout});
      b = c.bias ? randomTensor(rng, {cout}) : zeros({cout});
    } while (!anyActive(fwd(x, f, &b, fb::Activation::NONE), c.activation));
    const RefTensor y = fwd(x, f, c.bias ? &b : nullptr, c.activation);
    const RefTensor dy = randomTensor(rng, y.shape);
    const WeightGrads g =
        conv2dBackward(dy, x, f, c.bias ? &b : nullptr, c.strides, c.dilations,
                       c.pads, c.activation, c.alpha);
    checkWeightGrads(g, x, f, b, c.bias, dy, c.activation, fwd,
                     "conv2d case " + std::to_string(iter) + " act " +
                         fb::EnumNameActivation(c.activation));
  }
}

TEST(ConvGrad, DepthwiseConv2dMatchesFiniteDifferences) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 16; ++iter) {
    const WindowCase c = randomWindowCase(rng);
    const int64_t ch = randomInt(rng, 1, 3), mult = randomInt(rng, 1, 2);
    WindowForward fwd = [&](const RefTensor &xx, const RefTensor &ff,
                            const RefTensor *bb, fb::Activation a) {
      return depthwiseConv2d(xx, ff, bb, c.strides, c.dilations, c.pads, a,
                             c.alpha);
    };
    RefTensor x, f, b;
    do {
      x = randomTensor(rng, {c.n, c.h, c.w, ch});
      f = randomTensor(rng, {c.kh, c.kw, ch, mult});
      b = c.bias ? randomTensor(rng, {ch * mult}) : zeros({ch * mult});
    } while (!anyActive(fwd(x, f, &b, fb::Activation::NONE), c.activation));
    const RefTensor y = fwd(x, f, c.bias ? &b : nullptr, c.activation);
    const RefTensor dy = randomTensor(rng, y.shape);
    const WeightGrads g =
        depthwiseConv2dBackward(dy, x, f, c.bias ? &b : nullptr, c.strides,
                                c.dilations, c.pads, c.activation, c.alpha);
    checkWeightGrads(g, x, f, b, c.bias, dy, c.activation, fwd,
                     "depthwise case " + std::to_string(iter) + " act " +
                         fb::EnumNameActivation(c.activation));
  }
}

TEST(ConvGrad, DenseMatchesFiniteDifferences) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 16; ++iter) {
    const int64_t k = randomInt(rng, 1, 5), m = randomInt(rng, 1, 4);
    std::vector<int64_t> inShape{randomInt(rng, 1, 3)};
    if (randomInt(rng, 0, 1))
      inShape.push_back(randomInt(rng, 1, 3)); // rank-3 input
    inShape.push_back(k);
    const fb::Activation act = kActivations[iter % 6];
    const float alpha = 0.3f;
    const bool hasBias = iter % 4 != 3;
    WindowForward fwd = [&](const RefTensor &xx, const RefTensor &ww,
                            const RefTensor *bb, fb::Activation a) {
      return dense(xx, ww, bb, a, alpha);
    };
    RefTensor x, w, b;
    do {
      x = randomTensor(rng, inShape, -2.0f, 2.0f);
      w = randomTensor(rng, {k, m});
      // Without a bias the bias gradient is that of a zero bias.
      b = hasBias ? randomTensor(rng, {m}) : zeros({m});
    } while (!anyActive(fwd(x, w, &b, fb::Activation::NONE), act));
    const RefTensor dy =
        randomTensor(rng, fwd(x, w, hasBias ? &b : nullptr, act).shape);
    const WeightGrads g =
        denseBackward(dy, x, w, hasBias ? &b : nullptr, act, alpha);
    checkWeightGrads(g, x, w, b, hasBias, dy, act, fwd,
                     "dense case " + std::to_string(iter));
  }
}

// Hand-checked: 1x2x2x1 input, 2x2 filter, VALID -> one output.
// dy = 1: dfilter = input, dinput = filter, dbias = 1.
TEST(ConvGrad, Conv2dSingleWindowByHand) {
  const RefTensor x = makeTensor({1, 2, 2, 1}, {1, 2, 3, 4});
  const RefTensor f = makeTensor({2, 2, 1, 1}, {5, 6, 7, 8});
  const RefTensor b = makeTensor({1}, {-100});
  const WeightGrads g =
      conv2dBackward(makeTensor({1, 1, 1, 1}, {1}), x, f, &b, {1, 1}, {1, 1},
                     Pads{}, fb::Activation::RELU);
  // z = 5 + 12 + 21 + 32 - 100 < 0: relu blocks everything.
  test::expectTensor(g.input, {1, 2, 2, 1}, {0, 0, 0, 0});
  const WeightGrads h = conv2dBackward(makeTensor({1, 1, 1, 1}, {2}), x, f,
                                       nullptr, {1, 1}, {1, 1}, Pads{});
  test::expectTensor(h.input, {1, 2, 2, 1}, {10, 12, 14, 16});
  test::expectTensor(h.weight, {2, 2, 1, 1}, {2, 4, 6, 8});
  test::expectTensor(h.bias, {1}, {2});
}

TEST(ConvGrad, RejectsWrongGradientShape) {
  const RefTensor x = zeros({1, 3, 3, 1}), f = zeros({2, 2, 1, 1});
  EXPECT_THROW(conv2dBackward(zeros({1, 3, 3, 1}), x, f, nullptr, {1, 1},
                              {1, 1}, Pads{}),
               RefError);
  EXPECT_THROW(
      denseBackward(zeros({2, 2}), zeros({2, 3}), zeros({3, 4}), nullptr),
      RefError);
}

} // namespace
} // namespace dlc::ref
