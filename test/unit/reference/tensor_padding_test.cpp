// RefTensor helpers and the TensorFlow-compatible padding arithmetic.
#include <gtest/gtest.h>

#include <cmath>

#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"

namespace dlc::ref {
namespace {

using dlc::fb::Padding;

TEST(RefTensor, NumElementsAndStrides) {
  EXPECT_EQ(numElements({}), 1);
  EXPECT_EQ(numElements({2, 3, 4}), 24);
  EXPECT_EQ(numElements({2, 0, 4}), 0);
  EXPECT_THROW(numElements({2, -1}), RefError);
  EXPECT_EQ(rowMajorStrides({2, 3, 4}), (std::vector<int64_t>{12, 4, 1}));
  EXPECT_EQ(rowMajorStrides({}), std::vector<int64_t>{});
}

TEST(RefTensor, MakeTensorChecksSize) {
  RefTensor t = makeTensor({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_THROW(makeTensor({2, 2}, {1, 2, 3}), RefError);
  EXPECT_EQ(filled({3}, 7.0f).data, (std::vector<float>{7, 7, 7}));
}

TEST(RefTensor, NormalizeAxisAndFormatting) {
  EXPECT_EQ(normalizeAxis(-1, 4), 3);
  EXPECT_EQ(normalizeAxis(-4, 4), 0);
  EXPECT_EQ(normalizeAxis(2, 4), 2);
  EXPECT_THROW(normalizeAxis(4, 4), RefError);
  EXPECT_THROW(normalizeAxis(-5, 4), RefError);
  EXPECT_EQ(shapeToString({1, 28, 28, 3}), "[1, 28, 28, 3]");
}

TEST(RefTensor, MaxAbsDiff) {
  RefTensor a = makeTensor({3}, {1, 2, 3});
  RefTensor b = makeTensor({3}, {1, 2.5f, 2});
  EXPECT_DOUBLE_EQ(maxAbsDiff(a, b), 1.0);
  EXPECT_THROW(maxAbsDiff(a, makeTensor({1, 3}, {1, 2, 3})), RefError);
  b.data[0] = NAN;
  EXPECT_TRUE(std::isnan(maxAbsDiff(a, b)));
}

// Expected amounts follow TF: total = max((ceil(in/s)-1)*s + (k-1)*d + 1 - in,
// 0) with the odd pixel after.
TEST(Padding, SameStrideOne) {
  // k=3: total 2 -> 1/1 for any input size.
  PadPair p = samePadding(4, 3, 1, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  p = samePadding(5, 3, 1, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  // k=2 (even): total 1 -> 0 before, 1 after.
  p = samePadding(5, 2, 1, 1);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  // k=4: total 3 -> 1 before, 2 after.
  p = samePadding(6, 4, 1, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 2);
}

TEST(Padding, SameStrideTwo) {
  // in=4, k=3, s=2: out 2, total (1*2 + 3 - 4) = 1 -> 0 / 1.
  PadPair p = samePadding(4, 3, 2, 1);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  // in=5, k=3, s=2: out 3, total (2*2 + 3 - 5) = 2 -> 1 / 1.
  p = samePadding(5, 3, 2, 1);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
  // in=6, k=2, s=2: out 3, total (4 + 2 - 6) = 0.
  p = samePadding(6, 2, 2, 1);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 0);
  // in=7, k=2, s=2: out 4, total (6 + 2 - 7) = 1 -> 0 / 1.
  p = samePadding(7, 2, 2, 1);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 1);
  // in=28, k=5, s=3: out 10, total (27 + 5 - 28) = 4 -> 2 / 2.
  p = samePadding(28, 5, 3, 1);
  EXPECT_EQ(p.before, 2);
  EXPECT_EQ(p.after, 2);
  // A window smaller than the stride can need no padding at all (never
  // negative): in=5, k=1, s=3: out 2, total max(3 + 1 - 5, 0) = 0.
  p = samePadding(5, 1, 3, 1);
  EXPECT_EQ(p.before, 0);
  EXPECT_EQ(p.after, 0);
}

TEST(Padding, SameWithDilation) {
  // k=3, d=2: effective extent 5; in=7, s=1: total 4 -> 2 / 2.
  PadPair p = samePadding(7, 3, 1, 2);
  EXPECT_EQ(p.before, 2);
  EXPECT_EQ(p.after, 2);
  // k=2, d=3: extent 4; in=8, s=2: out 4, total (6 + 4 - 8) = 2 -> 1 / 1.
  p = samePadding(8, 2, 2, 3);
  EXPECT_EQ(p.before, 1);
  EXPECT_EQ(p.after, 1);
}

TEST(Padding, SameGivesCeilOutput) {
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 4; ++s)
        for (int64_t d = 1; d <= 3; ++d) {
          PadPair p = samePadding(in, k, s, d);
          EXPECT_EQ(windowOutputSize(in, k, s, d, p.before, p.after),
                    (in + s - 1) / s)
              << "in=" << in << " k=" << k << " s=" << s << " d=" << d;
        }
}

TEST(Padding, OutputSize) {
  EXPECT_EQ(windowOutputSize(4, 3, 1, 1, 0, 0), 2);
  EXPECT_EQ(windowOutputSize(5, 2, 2, 1, 0, 0), 2); // floor(3/2)+1
  EXPECT_EQ(windowOutputSize(7, 3, 2, 2, 0, 0), 2); // extent 5: floor(2/2)+1
  EXPECT_EQ(windowOutputSize(4, 3, 1, 1, 1, 2), 5);
  EXPECT_THROW(windowOutputSize(2, 3, 1, 1, 0, 0), RefError);
  EXPECT_THROW(windowOutputSize(4, 3, 0, 1, 0, 0), RefError);
}

TEST(Padding, ResolveModes) {
  Pads explicitPads{1, 2, 3, 4};
  Pads v = resolvePadding(Padding::VALID, 5, 6, 3, 3, 1, 1, 1, 1, explicitPads);
  EXPECT_EQ(v.top + v.bottom + v.left + v.right, 0);
  Pads s = resolvePadding(Padding::SAME, 4, 5, 3, 2, 2, 1, 1, 1, explicitPads);
  EXPECT_EQ(s.top, 0);
  EXPECT_EQ(s.bottom, 1);
  EXPECT_EQ(s.left, 0);
  EXPECT_EQ(s.right, 1);
  Pads e =
      resolvePadding(Padding::EXPLICIT, 4, 4, 3, 3, 1, 1, 1, 1, explicitPads);
  EXPECT_EQ(e.top, 1);
  EXPECT_EQ(e.bottom, 2);
  EXPECT_EQ(e.left, 3);
  EXPECT_EQ(e.right, 4);
  EXPECT_THROW(resolvePadding(Padding::EXPLICIT, 4, 4, 3, 3, 1, 1, 1, 1,
                              Pads{-1, 0, 0, 0}),
               RefError);
}

TEST(Padding, PoolStrideZeroMeansFilter) {
  EXPECT_EQ(resolvePoolStride(0, 3), 3);
  EXPECT_EQ(resolvePoolStride(2, 3), 2);
  EXPECT_THROW(resolvePoolStride(-1, 3), RefError);
}

} // namespace
} // namespace dlc::ref
