// conv2d, depthwiseConv2d and dense against hand-computed numbers.
#include <gtest/gtest.h>

#include "dlc/reference/conv.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using dlc::fb::Activation;
using test::expectTensor;
using test::iota;

// Input 1..16 as a 4x4 single-channel image, filter 1..9 as 3x3 HWIO.
RefTensor image4x4() { return iota({1, 4, 4, 1}); }
RefTensor filter3x3() { return iota({3, 3, 1, 1}); }

TEST(Conv2D, Valid3x3On4x4) {
  // out[0][0] = 1*1+2*2+3*3 + 4*5+5*6+6*7 + 7*9+8*10+9*11 = 348; moving one
  // column adds sum(w) = 45, one row adds 4 * 45 = 180.
  RefTensor out =
      conv2d(image4x4(), filter3x3(), nullptr, {1, 1}, {1, 1}, Pads{});
  expectTensor(out, {1, 2, 2, 1}, {348, 393, 528, 573});
}

TEST(Conv2D, SamePaddingStrideOne) {
  // Pads 1 on every side; the corner sees w[1..2][1..2] * x[0..1][0..1]:
  // 5*1 + 6*2 + 8*5 + 9*6 = 111. The centre values equal the VALID ones.
  RefTensor out = conv2d(image4x4(), filter3x3(), nullptr, {1, 1}, {1, 1},
                         Pads{1, 1, 1, 1});
  expectTensor(out, {1, 4, 4, 1},
               {111, 178, 217, 145, 231, 348, 393, 252, 363, 528, 573, 360, 197,
                274, 295, 175});
}

TEST(Conv2D, SamePaddingStrideTwo) {
  // TF SAME for in=4, k=3, s=2 pads 0 before and 1 after. out[0][1] reads
  // columns 2..3 (+1 padding): 1*3+2*4 + 4*7+5*8 + 7*11+8*12 = 252.
  RefTensor out = conv2d(image4x4(), filter3x3(), nullptr, {2, 2}, {1, 1},
                         Pads{0, 1, 0, 1});
  expectTensor(out, {1, 2, 2, 1}, {348, 252, 274, 175});
}

TEST(Conv2D, Dilation) {
  // 2x2 filter [[1,2],[3,4]] dilated by 2 taps x at (0,0),(0,2),(2,0),(2,2):
  // 1*1 + 2*3 + 3*9 + 4*11 = 78.
  RefTensor out =
      conv2d(image4x4(), iota({2, 2, 1, 1}), nullptr, {1, 1}, {2, 2}, Pads{});
  expectTensor(out, {1, 2, 2, 1}, {78, 88, 118, 128});
}

TEST(Conv2D, MultiChannelBiasAndRelu) {
  // 1x1 conv, 2 -> 3 channels. filter rows (ci) are [1, 0, -1] and
  // [2, 1, 0]. Pixel (a, b) gives [a + 2b, b, -a] + bias [0, 0, 10],
  // then relu.
  RefTensor x = makeTensor({1, 2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  RefTensor w = makeTensor({1, 1, 2, 3}, {1, 0, -1, 2, 1, 0});
  RefTensor b = makeTensor({3}, {0, 0, 10});
  RefTensor out = conv2d(x, w, &b, {1, 1}, {1, 1}, Pads{}, Activation::RELU);
  expectTensor(out, {1, 2, 2, 3}, {5, 2, 9, 11, 4, 7, 17, 6, 5, 23, 8, 3});
  // Without bias, channel 2 is -a which relu clamps to 0.
  out = conv2d(x, w, nullptr, {1, 1}, {1, 1}, Pads{}, Activation::RELU);
  expectTensor(out, {1, 2, 2, 3}, {5, 2, 0, 11, 4, 0, 17, 6, 0, 23, 8, 0});
}

TEST(Conv2D, BatchOfTwoAndLeakyActivation) {
  // A 1x1 filter of -1 negates; leaky alpha 0.5 halves the negatives.
  RefTensor x = makeTensor({2, 1, 2, 1}, {1, -2, 3, -4});
  RefTensor w = makeTensor({1, 1, 1, 1}, {-1});
  RefTensor out = conv2d(x, w, nullptr, {1, 1}, {1, 1}, Pads{},
                         Activation::LEAKY_RELU, 0.5f);
  expectTensor(out, {2, 1, 2, 1}, {-0.5f, 2, -1.5f, 4});
}

TEST(Conv2D, AsymmetricStridesAndPads) {
  // 1x1 identity filter, stride (1, 2), pads top 1, right 1 (left 0):
  // rows -1..3 and columns 0, 2 of the 4x4 image (column 4 is padding).
  RefTensor w = makeTensor({1, 1, 1, 1}, {1});
  RefTensor out =
      conv2d(image4x4(), w, nullptr, {1, 2}, {1, 1}, Pads{1, 0, 0, 1});
  expectTensor(out, {1, 5, 3, 1},
               {0, 0, 0, 1, 3, 0, 5, 7, 0, 9, 11, 0, 13, 15, 0});
}

TEST(Conv2D, RejectsMismatchedShapes) {
  RefTensor w = zeros({3, 3, 2, 1}); // expects 2 input channels
  EXPECT_THROW(conv2d(image4x4(), w, nullptr, {1, 1}, {1, 1}, Pads{}),
               RefError);
  RefTensor badBias = zeros({2});
  EXPECT_THROW(
      conv2d(image4x4(), filter3x3(), &badBias, {1, 1}, {1, 1}, Pads{}),
      RefError);
  EXPECT_THROW(
      conv2d(image4x4(), zeros({5, 5, 1, 1}), nullptr, {1, 1}, {1, 1}, Pads{}),
      RefError);
}

TEST(DepthwiseConv2D, ChannelMultiplierOrdering) {
  // Input 1x1x1x2 = [3, 5]; 1x1 filter [C=2, M=2] = [[1, 2], [10, 20]].
  // Output channel c*M + m: [3*1, 3*2, 5*10, 5*20].
  RefTensor x = makeTensor({1, 1, 1, 2}, {3, 5});
  RefTensor w = makeTensor({1, 1, 2, 2}, {1, 2, 10, 20});
  RefTensor out = depthwiseConv2d(x, w, nullptr, {1, 1}, {1, 1}, Pads{});
  expectTensor(out, {1, 1, 1, 4}, {3, 6, 50, 100});
}

TEST(DepthwiseConv2D, SpatialPerChannel) {
  // 3x3x2 input: channel 0 = 1..9, channel 1 = 10 * (1..9). 2x2 filter,
  // channel 0 all ones (box sum), channel 1 only the top-left tap (= 1).
  RefTensor x = zeros({1, 3, 3, 2});
  for (int i = 0; i < 9; ++i) {
    x.data[2 * i] = static_cast<float>(i + 1);
    x.data[2 * i + 1] = static_cast<float>(10 * (i + 1));
  }
  RefTensor w = makeTensor({2, 2, 2, 1}, {1, 1, 1, 0, 1, 0, 1, 0});
  RefTensor b = makeTensor({2}, {0.5f, -1});
  RefTensor out = depthwiseConv2d(x, w, &b, {1, 1}, {1, 1}, Pads{});
  // Box sums of [[1,2,3],[4,5,6],[7,8,9]]: 12, 16, 24, 28 (+0.5);
  // top-left picks: 10, 20, 40, 50 (-1).
  expectTensor(out, {1, 2, 2, 2}, {12.5f, 9, 16.5f, 19, 24.5f, 39, 28.5f, 49});
}

TEST(DepthwiseConv2D, SamePaddingStrideTwoRelu6) {
  // Single channel, same numbers as Conv2D.SamePaddingStrideTwo, then
  // clamped by relu6 after scaling the filter by 0.01: 3.48, 2.52, 2.74,
  // 1.75 stay; scaling by 0.1 makes them 34.8 etc. which clamp to 6.
  RefTensor w = filter3x3();
  for (float &v : w.data)
    v *= 0.01f;
  RefTensor out = depthwiseConv2d(image4x4(), w, nullptr, {2, 2}, {1, 1},
                                  Pads{0, 1, 0, 1}, Activation::RELU6);
  expectTensor(out, {1, 2, 2, 1}, {3.48f, 2.52f, 2.74f, 1.75f});
  for (float &v : w.data)
    v *= 10.0f;
  out = depthwiseConv2d(image4x4(), w, nullptr, {2, 2}, {1, 1},
                        Pads{0, 1, 0, 1}, Activation::RELU6);
  expectTensor(out, {1, 2, 2, 1}, {6, 6, 6, 6});
}

TEST(Dense, MatrixTimesWeightPlusBias) {
  // [2, 3] x [3, 2]: row [1,2,3] -> [1*1+2*3+3*5, 1*2+2*4+3*6] = [22, 28].
  RefTensor x = makeTensor({2, 3}, {1, 2, 3, 4, 5, 6});
  RefTensor w = makeTensor({3, 2}, {1, 2, 3, 4, 5, 6});
  RefTensor b = makeTensor({2}, {0.5f, -100});
  expectTensor(dense(x, w, nullptr), {2, 2}, {22, 28, 49, 64});
  expectTensor(dense(x, w, &b), {2, 2}, {22.5f, -72, 49.5f, -36});
  expectTensor(dense(x, w, &b, Activation::RELU), {2, 2}, {22.5f, 0, 49.5f, 0});
}

TEST(Dense, HigherRankInputAndSigmoid) {
  // [2, 1, 2] input, weight [2, 1] = [1, -1]: x0 - x1, then sigmoid.
  RefTensor x = makeTensor({2, 1, 2}, {1, 1, 2, 0});
  RefTensor w = makeTensor({2, 1}, {1, -1});
  RefTensor out = dense(x, w, nullptr, Activation::SIGMOID);
  expectTensor(out, {2, 1, 1}, {0.5f, 0.880797078f});
  EXPECT_THROW(dense(x, zeros({3, 1}), nullptr), RefError);
}

} // namespace
} // namespace dlc::ref
