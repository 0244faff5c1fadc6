// Broadcasting arithmetic, activations and clip.
#include <gtest/gtest.h>

#include <cmath>

#include "dlc/reference/elementwise.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using dlc::fb::Activation;
using test::expectTensor;
using test::iota;

TEST(Broadcast, Shapes) {
  using S = std::vector<int64_t>;
  EXPECT_EQ(broadcastShapes({2, 1, 3}, {4, 1}), (S{2, 4, 3}));
  EXPECT_EQ(broadcastShapes({5}, {}), (S{5}));
  EXPECT_EQ(broadcastShapes({1}, {3, 1, 2}), (S{3, 1, 2}));
  EXPECT_EQ(broadcastShapes({8, 1, 6, 1}, {7, 1, 5}), (S{8, 7, 6, 5}));
  EXPECT_THROW(broadcastShapes({2, 3}, {3, 2}), RefError);
  EXPECT_THROW(broadcastShapes({4}, {3}), RefError);
}

TEST(Broadcast, AddTwoByOneByThreePlusFourByOne) {
  // a[i, 0, k] = 1 + 3i + k (values 1..6); b[j, 0] = 10 * (j + 1).
  // out[i, j, k] = a[i, 0, k] + b[j, 0].
  RefTensor a = iota({2, 1, 3});
  RefTensor b = makeTensor({4, 1}, {10, 20, 30, 40});
  RefTensor out = add(a, b);
  expectTensor(out, {2, 4, 3},
               {11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43,
                14, 15, 16, 24, 25, 26, 34, 35, 36, 44, 45, 46});
  // Addition commutes, broadcasting included.
  EXPECT_EQ(add(b, a).data, out.data);
}

TEST(Broadcast, ScalarAndRowOperands) {
  RefTensor m = iota({2, 3});
  RefTensor scalar = makeTensor({}, {2});
  RefTensor row = makeTensor({3}, {1, 2, 4});
  expectTensor(mul(m, scalar), {2, 3}, {2, 4, 6, 8, 10, 12});
  expectTensor(sub(m, row), {2, 3}, {0, 0, -1, 3, 3, 2});
  expectTensor(sub(row, m), {2, 3}, {0, 0, 1, -3, -3, -2});
  expectTensor(div(m, row), {2, 3}, {1, 1, 0.75f, 4, 2.5f, 1.5f});
  expectTensor(div(scalar, row), {3}, {2, 1, 0.5f});
  EXPECT_THROW(add(m, makeTensor({2}, {1, 2})), RefError);
}

TEST(Broadcast, DivisionByZeroIsIeee) {
  RefTensor out = div(makeTensor({3}, {1, -1, 0}), makeTensor({3}, {0, 0, 0}));
  EXPECT_TRUE(std::isinf(out.data[0]) && out.data[0] > 0);
  EXPECT_TRUE(std::isinf(out.data[1]) && out.data[1] < 0);
  EXPECT_TRUE(std::isnan(out.data[2]));
}

TEST(Activations, ReluFamily) {
  RefTensor x = makeTensor({6}, {-3, -0.5f, 0, 0.5f, 6, 7.5f});
  expectTensor(relu(x), {6}, {0, 0, 0, 0.5f, 6, 7.5f});
  expectTensor(relu6(x), {6}, {0, 0, 0, 0.5f, 6, 6});
  expectTensor(leakyRelu(x, 0.1f), {6}, {-0.3f, -0.05f, 0, 0.5f, 6, 7.5f});
  expectTensor(clip(x, -1, 1), {6}, {-1, -0.5f, 0, 0.5f, 1, 1});
  EXPECT_THROW(clip(x, 1, -1), RefError);
}

TEST(Activations, SigmoidAndTanh) {
  RefTensor x = makeTensor({5}, {-100, -1, 0, 1, 100});
  // sigmoid(1) = 1 / (1 + e^-1) = 0.7310585786
  expectTensor(sigmoid(x), {5}, {0, 0.268941421f, 0.5f, 0.731058579f, 1});
  // tanh(1) = 0.7615941559
  expectTensor(tanh(x), {5}, {-1, -0.761594156f, 0, 0.761594156f, 1});
}

TEST(Activations, MathFunctions) {
  RefTensor x = makeTensor({4}, {0, 0.25f, 1, 4});
  expectTensor(sqrt(x), {4}, {0, 0.5f, 1, 2});
  // erf(0.25) = 0.2763263902, erf(1) = 0.8427007929, erf(4) = 0.9999999846
  expectTensor(erf(x), {4}, {0, 0.276326390f, 0.842700793f, 0.999999985f});
  expectTensor(exp(x), {4}, {1, 1.284025417f, 2.718281828f, 54.59815003f});
  RefTensor logX = log(x);
  EXPECT_TRUE(std::isinf(logX.data[0]) && logX.data[0] < 0);
  logX.data[0] = 0;
  expectTensor(logX, {4}, {0, -1.386294361f, 0, 1.386294361f});
  // Outside the domains of sqrt and log: NaN, as in C.
  RefTensor neg = makeTensor({1}, {-1});
  EXPECT_TRUE(std::isnan(sqrt(neg).data[0]));
  EXPECT_TRUE(std::isnan(log(neg).data[0]));
  expectTensor(erf(neg), {1}, {-0.842700793f});
}

TEST(Activations, ApplyActivationDispatch) {
  EXPECT_DOUBLE_EQ(applyActivation(-2, Activation::NONE, 0.2), -2);
  EXPECT_DOUBLE_EQ(applyActivation(-2, Activation::RELU, 0.2), 0);
  EXPECT_DOUBLE_EQ(applyActivation(9, Activation::RELU6, 0.2), 6);
  EXPECT_DOUBLE_EQ(applyActivation(-2, Activation::LEAKY_RELU, 0.25), -0.5);
  EXPECT_DOUBLE_EQ(applyActivation(0, Activation::SIGMOID, 0.2), 0.5);
  EXPECT_DOUBLE_EQ(applyActivation(0, Activation::TANH, 0.2), 0);
  EXPECT_DOUBLE_EQ(applyActivation(9, Activation::SQRT, 0.2), 3);
  EXPECT_DOUBLE_EQ(applyActivation(0, Activation::ERF, 0.2), 0);
  EXPECT_DOUBLE_EQ(applyActivation(0, Activation::EXP, 0.2), 1);
  EXPECT_DOUBLE_EQ(applyActivation(1, Activation::LOG, 0.2), 0);
  EXPECT_THROW(applyActivation(0, static_cast<Activation>(42), 0.2), RefError);
  expectTensor(activation(makeTensor({2}, {-1, 8}), Activation::RELU6, 0.2f),
               {2}, {0, 6});
}

} // namespace
} // namespace dlc::ref
