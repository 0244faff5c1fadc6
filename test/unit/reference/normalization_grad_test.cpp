// Batch norm in training mode (forward by hand, moving statistics, backward
// against finite differences) and dropout with an explicit mask.
#include <gtest/gtest.h>

#include "dlc/reference/grad.h"
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

TEST(BatchNormTraining, ForwardAndMovingStatisticsByHand) {
  // [2 rows, 2 channels]: channel 0 is {0, 2} (mean 1, biased var 1),
  // channel 1 is {10, 30} (mean 20, var 100); both normalize to {-1, 1}.
  const RefTensor x = makeTensor({2, 2}, {0, 10, 2, 30});
  const BatchNormTrainingResult r = batchNormTraining(
      x, makeTensor({2}, {2, 3}), makeTensor({2}, {0.5f, -1}),
      makeTensor({2}, {0, 5}), makeTensor({2}, {1, 2}), 0.0f, 0.9f);
  expectTensor(r.output, {2, 2}, {-1.5f, -4, 2.5f, 2});
  expectTensor(r.batchMean, {2}, {1, 20});
  expectTensor(r.batchVariance, {2}, {1, 100});
  // 0.9 * moving + 0.1 * batch, with the biased batch variance.
  expectTensor(r.newMovingMean, {2}, {0.1f, 6.5f});
  expectTensor(r.newMovingVariance, {2}, {1.0f, 11.8f});
}

TEST(BatchNormTraining, StatisticsAreOverEveryAxisButTheLast) {
  // NHWC [2, 1, 2, 1]: the one channel's batch is all four values.
  const RefTensor x = makeTensor({2, 1, 2, 1}, {1, 2, 3, 6});
  const BatchNormTrainingResult r = batchNormTraining(
      x, filled({1}, 1), zeros({1}), zeros({1}), filled({1}, 1), 0.001f, 0.99f);
  expectTensor(r.batchMean, {1}, {3});
  expectTensor(r.batchVariance, {1}, {3.5f}); // (4 + 1 + 0 + 9) / 4
  EXPECT_NEAR(r.output.data[3], 3.0 / std::sqrt(3.5 + 0.001), 1e-6);
}

TEST(BatchNormTraining, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(31);
  for (int iter = 0; iter < 10; ++iter) {
    std::vector<int64_t> shape;
    if (iter % 2 == 0)
      shape = {randomInt(rng, 4, 6), randomInt(rng, 1, 3)};
    else
      shape = {randomInt(rng, 1, 2), randomInt(rng, 2, 3), randomInt(rng, 2, 3),
               randomInt(rng, 1, 3)};
    const int64_t c = shape.back();
    const float eps = iter % 3 == 0 ? 1e-3f : 0.1f;
    const RefTensor x = randomTensor(rng, shape, -2.0f, 2.0f);
    const RefTensor gamma = randomTensor(rng, {c}, 0.5f, 1.5f);
    const RefTensor beta = randomTensor(rng, {c});
    const RefTensor mm = zeros({c}), mv = filled({c}, 1);
    auto fwd = [&](const RefTensor &xx, const RefTensor &gg,
                   const RefTensor &bb) {
      return batchNormTraining(xx, gg, bb, mm, mv, eps, 0.99f).output;
    };
    const RefTensor dy = randomTensor(rng, shape);
    const BatchNormGrads g = batchNormTrainingBackward(dy, x, gamma, eps);
    const std::string what = "batch norm " + shapeToString(shape);
    expectGradientNear(g.input,
                       numericGradient(
                           [&](const RefTensor &t) {
                             return weightedSum(fwd(t, gamma, beta), dy);
                           },
                           x, 1e-3),
                       what + " input", 5e-3, 5e-3);
    expectGradientNear(g.gamma,
                       numericGradient(
                           [&](const RefTensor &t) {
                             return weightedSum(fwd(x, t, beta), dy);
                           },
                           gamma),
                       what + " gamma");
    expectGradientNear(g.beta,
                       numericGradient(
                           [&](const RefTensor &t) {
                             return weightedSum(fwd(x, gamma, t), dy);
                           },
                           beta),
                       what + " beta");
  }
}

TEST(Dropout, TrainingScalesKeptValues) {
  const RefTensor x = makeTensor({4}, {1, 2, 3, 4});
  const RefTensor mask = makeTensor({4}, {1, 0, 1, 0});
  expectTensor(dropoutTraining(x, mask, 0.5f), {4}, {2, 0, 6, 0});
  expectTensor(dropoutBackward(makeTensor({4}, {1, 1, 1, 1}), mask, 0.75f), {4},
               {4, 0, 4, 0});
  EXPECT_THROW(dropoutTraining(x, mask, 1.0f), RefError);
  EXPECT_THROW(dropoutTraining(x, makeTensor({4}, {1, 0.5f, 1, 1}), 0.5f),
               RefError);
  EXPECT_THROW(dropoutTraining(x, makeTensor({2}, {1, 1}), 0.5f), RefError);
}

TEST(Dropout, BackwardMatchesFiniteDifferences) {
  std::mt19937 rng(32);
  const RefTensor x = randomTensor(rng, {3, 5});
  RefTensor mask = zeros({3, 5});
  for (float &v : mask.data)
    v = static_cast<float>(randomInt(rng, 0, 1));
  const RefTensor dy = randomTensor(rng, {3, 5});
  expectGradientNear(dropoutBackward(dy, mask, 0.3f),
                     numericGradient(
                         [&](const RefTensor &t) {
                           return weightedSum(dropoutTraining(t, mask, 0.3f),
                                              dy);
                         },
                         x),
                     "dropout");
}

} // namespace
} // namespace dlc::ref
