// Losses: values by hand (docs/TRAINING.md), gradients against finite
// differences, and the logits forms against the probability forms.
#include <gtest/gtest.h>

#include <cmath>

#include "dlc/reference/elementwise.h"
#include "dlc/reference/loss.h"
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

double f(float v) { return static_cast<double>(v); }

TEST(Loss, CategoricalCrossentropyByHand) {
  const RefTensor p = makeTensor({2, 3}, {0.7f, 0.2f, 0.1f, 0.1f, 0.1f, 0.8f});
  const RefTensor y = makeTensor({2, 3}, {1, 0, 0, 0, 0, 1});
  const LossResult r = categoricalCrossentropy(p, y);
  EXPECT_NEAR(r.value, -(std::log(f(0.7f)) + std::log(f(0.8f))) / 2, 1e-12);
  expectTensor(r.grad, {2, 3},
               {static_cast<float>(-1 / (2 * f(0.7f))), 0, 0, 0, 0,
                static_cast<float>(-1 / (2 * f(0.8f)))});
  // Sparse labels are the same loss with a one-hot y.
  const LossResult s =
      sparseCategoricalCrossentropy(p, makeTensor({2}, {0, 2}));
  EXPECT_DOUBLE_EQ(s.value, r.value);
  EXPECT_EQ(maxAbsDiff(s.grad, r.grad), 0.0);
}

TEST(Loss, ProbabilitiesAreClippedLikeKeras) {
  // p = 0 for the true class: log(1e-7), and no gradient through the clip.
  const LossResult r = categoricalCrossentropy(makeTensor({1, 2}, {0, 1}),
                                               makeTensor({1, 2}, {1, 0}));
  EXPECT_NEAR(r.value, -std::log(kProbClip), 1e-9);
  expectTensor(r.grad, {1, 2}, {0, 0});
  const LossResult b =
      binaryCrossentropy(makeTensor({2}, {1, 0}), makeTensor({2}, {0, 1}));
  EXPECT_NEAR(b.value, -std::log(kProbClip), 1e-6);
}

TEST(Loss, CategoricalFromLogitsByHand) {
  const RefTensor z = makeTensor({1, 3}, {1, 2, 3});
  const LossResult r =
      categoricalCrossentropyFromLogits(z, makeTensor({1, 3}, {0, 0, 1}));
  const double se = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(r.value, std::log(se) - 3.0, 1e-12);
  expectTensor(r.grad, {1, 3},
               {static_cast<float>(std::exp(1.0) / se),
                static_cast<float>(std::exp(2.0) / se),
                static_cast<float>(std::exp(3.0) / se - 1.0)});
  // Stays finite where softmax underflows.
  const LossResult big = categoricalCrossentropyFromLogits(
      makeTensor({1, 2}, {-500, 500}), makeTensor({1, 2}, {1, 0}));
  EXPECT_NEAR(big.value, 1000.0, 1e-9);
}

TEST(Loss, BinaryAndMeanSquaredByHand) {
  const LossResult b = binaryCrossentropy(makeTensor({2}, {0.9f, 0.2f}),
                                          makeTensor({2}, {1, 0}));
  EXPECT_NEAR(b.value, -(std::log(f(0.9f)) + std::log(1 - f(0.2f))) / 2, 1e-12);
  expectTensor(b.grad, {2},
               {static_cast<float>(-1 / (2 * f(0.9f))),
                static_cast<float>(1 / (2 * (1 - f(0.2f))))});
  const LossResult m =
      meanSquaredError(makeTensor({2}, {1, 2}), makeTensor({2}, {0, 4}));
  EXPECT_DOUBLE_EQ(m.value, 2.5);
  expectTensor(m.grad, {2}, {1, -2});
  // max(z, 0) - z y + log(1 + exp(-|z|)) at z = 100, y = 0 is 100.
  EXPECT_NEAR(
      binaryCrossentropyFromLogits(makeTensor({1}, {100}), makeTensor({1}, {0}))
          .value,
      100.0, 1e-9);
}

TEST(Loss, LogitsFormsAgreeWithProbabilityForms) {
  std::mt19937 rng(41);
  const RefTensor z = randomTensor(rng, {4, 5}, -3.0f, 3.0f);
  RefTensor y = zeros({4, 5});
  RefTensor idx = zeros({4});
  for (int64_t n = 0; n < 4; ++n) {
    idx.data[n] = static_cast<float>(randomInt(rng, 0, 4));
    y.data[n * 5 + static_cast<int64_t>(idx.data[n])] = 1.0f;
  }
  EXPECT_NEAR(categoricalCrossentropyFromLogits(z, y).value,
              categoricalCrossentropy(softmax(z, -1), y).value, 1e-6);
  EXPECT_NEAR(sparseCategoricalCrossentropyFromLogits(z, idx).value,
              categoricalCrossentropy(softmax(z, -1), y).value, 1e-6);
  const RefTensor yb = randomTensor(rng, {4, 5}, 0.0f, 1.0f);
  EXPECT_NEAR(binaryCrossentropyFromLogits(z, yb).value,
              binaryCrossentropy(sigmoid(z), yb).value, 1e-6);
}

TEST(Loss, GradientsMatchFiniteDifferences) {
  std::mt19937 rng(42);
  for (int iter = 0; iter < 4; ++iter) {
    const int64_t n = randomInt(rng, 1, 4), c = randomInt(rng, 2, 5);
    const RefTensor p = randomTensor(rng, {n, c}, 0.1f, 0.9f);
    const RefTensor z = randomTensor(rng, {n, c}, -3.0f, 3.0f);
    // Soft labels (not summing to 1) exercise the sum_c y factor.
    const RefTensor y = randomTensor(rng, {n, c}, 0.0f, 1.0f);
    RefTensor idx = zeros({n});
    for (float &v : idx.data)
      v = static_cast<float>(randomInt(rng, 0, c - 1));
    const std::string tag = " case " + std::to_string(iter);
    auto check = [&](const char *name, const RefTensor &at, auto lossFn) {
      expectGradientNear(
          lossFn(at).grad,
          numericGradient([&](const RefTensor &t) { return lossFn(t).value; },
                          at, 1e-3),
          name + tag);
    };
    check("cce", p,
          [&](const RefTensor &t) { return categoricalCrossentropy(t, y); });
    check("cce logits", z, [&](const RefTensor &t) {
      return categoricalCrossentropyFromLogits(t, y);
    });
    check("scce", p, [&](const RefTensor &t) {
      return sparseCategoricalCrossentropy(t, idx);
    });
    check("scce logits", z, [&](const RefTensor &t) {
      return sparseCategoricalCrossentropyFromLogits(t, idx);
    });
    check("bce", p,
          [&](const RefTensor &t) { return binaryCrossentropy(t, y); });
    check("bce logits", z, [&](const RefTensor &t) {
      return binaryCrossentropyFromLogits(t, y);
    });
    check("mse", z, [&](const RefTensor &t) { return meanSquaredError(t, y); });
  }
}

TEST(Loss, ComputeLossDispatchesAndRejects) {
  const RefTensor z = makeTensor({1, 2}, {0.5f, -0.5f});
  const RefTensor y = makeTensor({1, 2}, {0, 1});
  EXPECT_DOUBLE_EQ(
      computeLoss(fb::Loss::CATEGORICAL_CROSSENTROPY, z, y, true).value,
      categoricalCrossentropyFromLogits(z, y).value);
  EXPECT_DOUBLE_EQ(computeLoss(fb::Loss::MEAN_SQUARED_ERROR, z, y, false).value,
                   meanSquaredError(z, y).value);
  EXPECT_THROW(computeLoss(fb::Loss::MEAN_SQUARED_ERROR, z, y, true), RefError);
  // Bad class indices, mismatched labels, a non-[N, C] categorical output.
  EXPECT_THROW(sparseCategoricalCrossentropy(z, makeTensor({1}, {2})),
               RefError);
  EXPECT_THROW(sparseCategoricalCrossentropy(z, makeTensor({1}, {0.5f})),
               RefError);
  EXPECT_THROW(sparseCategoricalCrossentropy(z, makeTensor({1}, {-1})),
               RefError);
  EXPECT_THROW(categoricalCrossentropy(z, makeTensor({2}, {0, 1})), RefError);
  EXPECT_THROW(categoricalCrossentropy(makeTensor({2}, {0.5f, 0.5f}),
                                       makeTensor({2}, {0, 1})),
               RefError);
}

} // namespace
} // namespace dlc::ref
