// Pooling gradients: finite differences over random windows, strides and
// paddings, plus the routing rules (first maximum, padding never wins,
// average divisors) by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "dlc/reference/grad.h"
#include "dlc/reference/pool.h"
#include "grad_check.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using test::expectGradientNear;
using test::expectTensor;
using test::numericGradient;
using test::randomInt;
using test::randomTensor;
using test::weightedSum;

struct PoolCase {
  std::vector<int64_t> shape;
  std::array<int64_t, 2> window, strides;
  Pads pads;
};

// Pads stay below the window so that no window is padding only.
PoolCase randomPoolCase(std::mt19937 &rng) {
  for (;;) {
    PoolCase c;
    c.shape = {randomInt(rng, 1, 2), randomInt(rng, 2, 7), randomInt(rng, 2, 7),
               randomInt(rng, 1, 3)};
    c.window = {randomInt(rng, 1, 3), randomInt(rng, 1, 3)};
    c.strides = {randomInt(rng, 1, 3), randomInt(rng, 1, 3)};
    c.pads = Pads{
        randomInt(rng, 0, c.window[0] - 1), randomInt(rng, 0, c.window[0] - 1),
        randomInt(rng, 0, c.window[1] - 1), randomInt(rng, 0, c.window[1] - 1)};
    if (c.window[0] <= c.shape[1] + c.pads.top + c.pads.bottom &&
        c.window[1] <= c.shape[2] + c.pads.left + c.pads.right)
      return c;
  }
}

TEST(PoolGrad, MaxPoolMatchesFiniteDifferences) {
  std::mt19937 rng(5);
  for (int iter = 0; iter < 20; ++iter) {
    const PoolCase c = randomPoolCase(rng);
    // Distinct values 0.05 apart: a +-0.01 probe never reorders a window,
    // so the maximum is unique and the function is smooth where probed.
    RefTensor x = zeros(c.shape);
    std::vector<int> order(x.data.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (size_t i = 0; i < order.size(); ++i)
      x.data[i] = 0.05f * static_cast<float>(order[i]) - 1.0f;
    auto fwd = [&](const RefTensor &t) {
      return maxPool2d(t, c.window, c.strides, c.pads);
    };
    const RefTensor dy = randomTensor(rng, fwd(x).shape);
    expectGradientNear(
        maxPool2dBackward(dy, x, c.window, c.strides, c.pads),
        numericGradient(
            [&](const RefTensor &t) { return weightedSum(fwd(t), dy); }, x),
        "max pool case " + std::to_string(iter));
  }
}

TEST(PoolGrad, AvgPoolMatchesFiniteDifferences) {
  std::mt19937 rng(6);
  for (int iter = 0; iter < 20; ++iter) {
    const PoolCase c = randomPoolCase(rng);
    const bool includePad = iter % 2 == 1;
    const RefTensor x = randomTensor(rng, c.shape);
    auto fwd = [&](const RefTensor &t) {
      return avgPool2d(t, c.window, c.strides, c.pads, includePad);
    };
    const RefTensor dy = randomTensor(rng, fwd(x).shape);
    expectGradientNear(
        avgPool2dBackward(dy, x.shape, c.window, c.strides, c.pads, includePad),
        numericGradient(
            [&](const RefTensor &t) { return weightedSum(fwd(t), dy); }, x),
        "avg pool case " + std::to_string(iter));
  }
}

TEST(PoolGrad, GlobalAvgPoolMatchesFiniteDifferences) {
  std::mt19937 rng(8);
  for (int iter = 0; iter < 6; ++iter) {
    const RefTensor x =
        randomTensor(rng, {randomInt(rng, 1, 2), randomInt(rng, 1, 5),
                           randomInt(rng, 1, 5), randomInt(rng, 1, 3)});
    const RefTensor dy = randomTensor(rng, globalAvgPool(x).shape, 0.5f, 2.0f);
    expectGradientNear(globalAvgPoolBackward(dy, x.shape),
                       numericGradient(
                           [&](const RefTensor &t) {
                             return weightedSum(globalAvgPool(t), dy);
                           },
                           x),
                       "global avg pool case " + std::to_string(iter));
  }
}

TEST(PoolGrad, MaxPoolTiesGoToTheFirstMaximum) {
  // One 2x2 window of equal values: only the top-left gets the gradient.
  const RefTensor x = makeTensor({1, 2, 2, 1}, {3, 3, 3, 3});
  expectTensor(maxPool2dBackward(makeTensor({1, 1, 1, 1}, {5}), x, {2, 2},
                                 {2, 2}, Pads{}),
               {1, 2, 2, 1}, {5, 0, 0, 0});
  // Tie between the second and fourth: row-major order picks the second.
  const RefTensor y = makeTensor({1, 2, 2, 1}, {1, 4, 2, 4});
  expectTensor(maxPool2dBackward(makeTensor({1, 1, 1, 1}, {1}), y, {2, 2},
                                 {2, 2}, Pads{}),
               {1, 2, 2, 1}, {0, 1, 0, 0});
}

TEST(PoolGrad, MaxPoolPaddingNeverWinsAndOverlapsAccumulate) {
  // All values negative: a padded zero would win if padding competed.
  // 1x3 input, window 1x2, stride 1, one pad each side -> 4 outputs whose
  // windows are [pad, -3], [-3, -1], [-1, -2], [-2, pad].
  const RefTensor x = makeTensor({1, 1, 3, 1}, {-3, -1, -2});
  expectTensor(maxPool2dBackward(makeTensor({1, 1, 4, 1}, {1, 10, 100, 1000}),
                                 x, {1, 2}, {1, 1}, Pads{0, 0, 1, 1}),
               {1, 1, 3, 1}, {1, 110, 1000});
}

TEST(PoolGrad, AvgPoolDivisorsByHand) {
  // 1x3 input, window 1x2, stride 2, pad left 1: windows [pad, x0], [x1, x2].
  const RefTensor dy = makeTensor({1, 1, 2, 1}, {6, 4});
  // Real positions only: x0 gets 6 / 1, x1 and x2 get 4 / 2.
  expectTensor(avgPool2dBackward(dy, {1, 1, 3, 1}, {1, 2}, {1, 2},
                                 Pads{0, 0, 1, 0}, false),
               {1, 1, 3, 1}, {6, 2, 2});
  // Counting the pad: x0 gets 6 / 2.
  expectTensor(avgPool2dBackward(dy, {1, 1, 3, 1}, {1, 2}, {1, 2},
                                 Pads{0, 0, 1, 0}, true),
               {1, 1, 3, 1}, {3, 2, 2});
}

TEST(PoolGrad, RejectsWrongGradientShape) {
  EXPECT_THROW(maxPool2dBackward(zeros({1, 2, 2, 1}), zeros({1, 4, 4, 1}),
                                 {2, 2}, {1, 1}, Pads{}),
               RefError);
  EXPECT_THROW(globalAvgPoolBackward(zeros({2, 3}), {1, 2, 2, 3}), RefError);
}

} // namespace
} // namespace dlc::ref
