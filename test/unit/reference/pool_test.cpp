// maxPool2d, avgPool2d and globalAvgPool against hand-computed numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dlc/reference/pool.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using test::expectTensor;
using test::iota;

TEST(MaxPool2D, TwoByTwoStrideTwo) {
  RefTensor out = maxPool2d(iota({1, 4, 4, 1}), {2, 2}, {2, 2}, Pads{});
  expectTensor(out, {1, 2, 2, 1}, {6, 8, 14, 16});
}

TEST(MaxPool2D, PaddingNeverWins) {
  // All inputs negative: if padding counted as 0 the border would be 0.
  RefTensor x = iota({1, 4, 4, 1});
  for (float &v : x.data)
    v = -v;
  RefTensor out = maxPool2d(x, {3, 3}, {1, 1}, Pads{1, 1, 1, 1});
  expectTensor(
      out, {1, 4, 4, 1},
      {-1, -1, -2, -3, -1, -1, -2, -3, -5, -5, -6, -7, -9, -9, -10, -11});
}

TEST(MaxPool2D, PerChannelAndBatch) {
  // [2, 2, 2, 2]: each 2x2 window covers the whole image, per channel.
  RefTensor x = makeTensor(
      {2, 2, 2, 2}, {1, 8, 2, 7, 3, 6, 4, 5, -1, -8, -2, -7, -3, -6, -4, -5});
  RefTensor out = maxPool2d(x, {2, 2}, {2, 2}, Pads{});
  expectTensor(out, {2, 1, 1, 2}, {4, 8, -1, -5});
}

TEST(MaxPool2D, WindowOfOnlyPaddingIsMinusInfinity) {
  RefTensor out =
      maxPool2d(iota({1, 2, 2, 1}), {2, 2}, {1, 1}, Pads{2, 0, 0, 0});
  ASSERT_EQ(out.shape, (std::vector<int64_t>{1, 3, 1, 1}));
  EXPECT_EQ(out.data[0], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(out.data[1], 2.0f);
  EXPECT_EQ(out.data[2], 4.0f);
}

TEST(MaxPool2D, DilatedWindowSkipsPositions) {
  // Taps at rows/cols {o, o + 2} of the 5x5 image 1..25: the bottom-right
  // tap (o + 2, o + 2) always wins.
  RefTensor out =
      maxPool2d(iota({1, 5, 5, 1}), {2, 2}, {1, 1}, Pads{}, {2, 2});
  expectTensor(out, {1, 3, 3, 1}, {13, 14, 15, 18, 19, 20, 23, 24, 25});
}

TEST(AvgPool2D, DilatedWindowCountsTaps) {
  // 4x4 image 1..16, taps at rows {oh - 1, oh + 1} (dilation 2, one row of
  // padding above and below) and cols {ow, ow + 1}. The first and last
  // output rows have one real tap row out of two.
  RefTensor x = iota({1, 4, 4, 1});
  expectTensor(avgPool2d(x, {2, 2}, {1, 1}, Pads{1, 1, 0, 0}, false, {2, 1}),
               {1, 4, 3, 1},
               {5.5, 6.5, 7.5, 5.5, 6.5, 7.5, 9.5, 10.5, 11.5, 9.5, 10.5,
                11.5});
  expectTensor(avgPool2d(x, {2, 2}, {1, 1}, Pads{1, 1, 0, 0}, true, {2, 1}),
               {1, 4, 3, 1},
               {2.75, 3.25, 3.75, 5.5, 6.5, 7.5, 9.5, 10.5, 11.5, 4.75, 5.25,
                5.75});
}

// 3x3 window, stride 1, 1 pixel of padding around the 3x3 image 1..9.
TEST(AvgPool2D, ExcludesPaddingByDefault) {
  // Corner: (1+2+4+5)/4 = 3; edge (1..6)/6 = 3.5; centre 45/9 = 5.
  RefTensor out =
      avgPool2d(iota({1, 3, 3, 1}), {3, 3}, {1, 1}, Pads{1, 1, 1, 1}, false);
  expectTensor(out, {1, 3, 3, 1}, {3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7});
}

TEST(AvgPool2D, CountIncludePad) {
  // Same sums, always divided by 9.
  RefTensor out =
      avgPool2d(iota({1, 3, 3, 1}), {3, 3}, {1, 1}, Pads{1, 1, 1, 1}, true);
  expectTensor(out, {1, 3, 3, 1},
               {12 / 9.0f, 21 / 9.0f, 16 / 9.0f, 27 / 9.0f, 5, 33 / 9.0f,
                24 / 9.0f, 39 / 9.0f, 28 / 9.0f});
}

TEST(AvgPool2D, SameAsymmetricPadding) {
  // 2x2 window, stride 2 on 3x3: TF SAME pads 0 before, 1 after.
  Pads p{0, 1, 0, 1};
  RefTensor x = iota({1, 3, 3, 1});
  expectTensor(avgPool2d(x, {2, 2}, {2, 2}, p, false), {1, 2, 2, 1},
               {3, 4.5f, 7.5f, 9});
  expectTensor(avgPool2d(x, {2, 2}, {2, 2}, p, true), {1, 2, 2, 1},
               {3, 2.25f, 3.75f, 2.25f});
}

TEST(AvgPool2D, NonSquareWindowAndStride) {
  // 1x2 window, stride (1, 2) on a 2x4 image: pairwise means per row.
  RefTensor out = avgPool2d(iota({1, 2, 4, 1}), {1, 2}, {1, 2}, Pads{}, false);
  expectTensor(out, {1, 2, 2, 1}, {1.5f, 3.5f, 5.5f, 7.5f});
}

TEST(AvgPool2D, WindowOfOnlyPaddingIsZero) {
  RefTensor out =
      avgPool2d(iota({1, 2, 2, 1}), {2, 2}, {1, 1}, Pads{2, 0, 0, 0}, false);
  expectTensor(out, {1, 3, 1, 1}, {0, 1.5f, 2.5f});
}

TEST(GlobalAvgPool, MeanOverSpace) {
  // Batch 0 channel 0 = {1,3,5,7} -> 4, channel 1 = {2,4,6,8} -> 5;
  // batch 1 is the same plus 8.
  RefTensor out = globalAvgPool(iota({2, 2, 2, 2}));
  expectTensor(out, {2, 2}, {4, 5, 12, 13});
  EXPECT_THROW(globalAvgPool(iota({2, 4})), RefError);
}

} // namespace
} // namespace dlc::ref
