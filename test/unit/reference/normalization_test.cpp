// softmax, logSoftmax, batchNorm and dropout.
#include <gtest/gtest.h>

#include <cmath>

#include "dlc/reference/normalization.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using test::expectTensor;
using test::iota;

TEST(Softmax, KnownValuesAndRowSums) {
  // softmax([1, 2, 3]) = e^k / (e + e^2 + e^3)
  //                   = [0.0900306, 0.2447285, 0.6652410]
  RefTensor x = makeTensor({2, 3}, {1, 2, 3, 0, 0, 0});
  RefTensor out = softmax(x, -1);
  expectTensor(
      out, {2, 3},
      {0.0900306f, 0.2447285f, 0.6652410f, 1 / 3.0f, 1 / 3.0f, 1 / 3.0f});
  for (int r = 0; r < 2; ++r)
    EXPECT_NEAR(out.data[3 * r] + out.data[3 * r + 1] + out.data[3 * r + 2],
                1.0, 1e-6);
}

TEST(Softmax, NumericallyStable) {
  // exp(1000) overflows in any float type; shifting by the max avoids it.
  RefTensor out = softmax(makeTensor({3}, {1000, 1001, 1002}), 0);
  expectTensor(out, {3}, {0.0900306f, 0.2447285f, 0.6652410f});
  out = softmax(makeTensor({2}, {-1000, 0}), 0);
  expectTensor(out, {2}, {0, 1});
}

TEST(Softmax, NonLastAxis) {
  // Along axis 0 of [[1, 5], [1, 3]]: column 0 is uniform, column 1 is
  // softmax([5, 3]) = [0.8807971, 0.1192029].
  RefTensor x = makeTensor({2, 2}, {1, 5, 1, 3});
  expectTensor(softmax(x, 0), {2, 2}, {0.5f, 0.8807971f, 0.5f, 0.1192029f});
  expectTensor(softmax(x, -2), {2, 2}, {0.5f, 0.8807971f, 0.5f, 0.1192029f});
  EXPECT_THROW(softmax(x, 2), RefError);
}

TEST(Softmax, MiddleAxisOfRank3SumsToOne) {
  RefTensor x = iota({2, 3, 2});
  for (float &v : x.data)
    v = std::sin(v); // arbitrary, non-monotonic values
  RefTensor out = softmax(x, 1);
  for (int b = 0; b < 2; ++b)
    for (int k = 0; k < 2; ++k) {
      double sum = 0;
      for (int j = 0; j < 3; ++j)
        sum += out.data[(b * 3 + j) * 2 + k];
      EXPECT_NEAR(sum, 1.0, 1e-6);
    }
}

TEST(LogSoftmax, EqualsLogOfSoftmax) {
  RefTensor x = makeTensor({2, 4}, {0.5f, -1, 2, 3, 10, 10, -10, 0});
  RefTensor ls = logSoftmax(x, -1);
  RefTensor s = softmax(x, -1);
  ASSERT_EQ(ls.shape, x.shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    EXPECT_NEAR(ls.data[i], std::log(s.data[i]), 1e-5) << i;
  // logSoftmax([1, 2, 3]) = k - 3 - log(1 + e^-1 + e^-2)
  expectTensor(logSoftmax(makeTensor({3}, {1, 2, 3}), 0), {3},
               {-2.4076059f, -1.4076059f, -0.4076059f});
}

TEST(LogSoftmax, StaysFiniteWhereSoftmaxUnderflows) {
  RefTensor out = logSoftmax(makeTensor({2}, {-1000, 0}), 0);
  expectTensor(out, {2}, {-1000, 0});
}

TEST(BatchNorm, InferenceFormula) {
  // Channel 0: (x - 1) / sqrt(4 + 0) * 2 + 0.5; channel 1: (x - 0) / 1 * 1 - 1.
  RefTensor x = makeTensor({2, 2}, {5, 3, -3, 0});
  RefTensor gamma = makeTensor({2}, {2, 1});
  RefTensor beta = makeTensor({2}, {0.5f, -1});
  RefTensor mean = makeTensor({2}, {1, 0});
  RefTensor var = makeTensor({2}, {4, 1});
  RefTensor out = batchNorm(x, gamma, beta, mean, var, 0.0f);
  expectTensor(out, {2, 2}, {4.5f, 2, -3.5f, -1});
}

TEST(BatchNorm, EpsilonAndNhwc) {
  // [1, 1, 2, 1] NHWC: one channel, variance 0.999 + epsilon 0.001 = 1.
  RefTensor x = makeTensor({1, 1, 2, 1}, {3, -1});
  RefTensor one = makeTensor({1}, {1});
  RefTensor zero = makeTensor({1}, {0});
  RefTensor var = makeTensor({1}, {0.999f});
  RefTensor out = batchNorm(x, one, zero, one, var, 0.001f);
  expectTensor(out, {1, 1, 2, 1}, {2, -2}, 1e-4f);
  EXPECT_THROW(batchNorm(x, makeTensor({2}, {1, 1}), zero, one, var, 0.001f),
               RefError);
}

TEST(Dropout, IsIdentity) {
  RefTensor x = makeTensor({2, 2}, {1, -2, 3, -4});
  RefTensor out = dropout(x);
  EXPECT_EQ(out.shape, x.shape);
  EXPECT_EQ(out.data, x.data);
}

} // namespace
} // namespace dlc::ref
