// reshape, flatten, transpose, concat and pad: shapes and values.
#include <gtest/gtest.h>

#include "dlc/reference/shape_ops.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

using test::expectTensor;
using test::iota;
using S = std::vector<int64_t>;

TEST(Reshape, InfersOneMinusOne) {
  EXPECT_EQ(resolveReshape({-1, 12}, 24), (S{2, 12}));
  EXPECT_EQ(resolveReshape({4, -1, 2}, 24), (S{4, 3, 2}));
  EXPECT_EQ(resolveReshape({24}, 24), (S{24}));
  EXPECT_THROW(resolveReshape({-1, -1}, 24), RefError);
  EXPECT_THROW(resolveReshape({5, -1}, 24), RefError);
  EXPECT_THROW(resolveReshape({2, 3, 5}, 24), RefError);
  EXPECT_THROW(resolveReshape({0, 24}, 24), RefError);
  EXPECT_THROW(resolveReshape({-2, 12}, 24), RefError);
}

TEST(Reshape, KeepsRowMajorOrder) {
  RefTensor x = iota({2, 3, 4});
  RefTensor out = reshape(x, {2, -1});
  EXPECT_EQ(out.shape, (S{2, 12}));
  EXPECT_EQ(out.data, x.data);
}

TEST(Flatten, KeepsBatch) {
  RefTensor out = flatten(iota({2, 2, 2, 1}));
  expectTensor(out, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_EQ(flatten(iota({3})).shape, (S{3, 1}));
  EXPECT_THROW(flatten(makeTensor({}, {1})), RefError);
}

TEST(Transpose, Matrix) {
  RefTensor out = transpose(iota({2, 3}), {1, 0});
  expectTensor(out, {3, 2}, {1, 4, 2, 5, 3, 6});
  // An empty perm reverses the dims, like NumPy.
  EXPECT_EQ(transpose(iota({2, 3}), {}).data, out.data);
}

TEST(Transpose, NhwcToNchw) {
  // Pixels (h, w) hold [c0, c1] = [1,2], [3,4], [5,6], [7,8].
  RefTensor out = transpose(iota({1, 2, 2, 2}), {0, 3, 1, 2});
  expectTensor(out, {1, 2, 2, 2}, {1, 3, 5, 7, 2, 4, 6, 8});
}

TEST(Transpose, Rank3Rotation) {
  // out[a, b, c] = in[b, c, a] = 1 + 12b + 4c + a for in = iota([2, 3, 4]).
  RefTensor out = transpose(iota({2, 3, 4}), {2, 0, 1});
  ASSERT_EQ(out.shape, (S{4, 2, 3}));
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 3; ++c)
        EXPECT_EQ(out.data[(a * 2 + b) * 3 + c],
                  static_cast<float>(1 + 12 * b + 4 * c + a));
  EXPECT_EQ(out.data[1], 5.0f); // spot check of the formula: [0, 0, 1]
}

TEST(Transpose, RejectsBadPerm) {
  EXPECT_THROW(transpose(iota({2, 3}), {0, 0}), RefError);
  EXPECT_THROW(transpose(iota({2, 3}), {0, 2}), RefError);
  EXPECT_THROW(transpose(iota({2, 3}), {0}), RefError);
}

TEST(Concat, Axis0AndLastAxis) {
  RefTensor a = makeTensor({1, 2}, {1, 2});
  RefTensor b = makeTensor({2, 2}, {3, 4, 5, 6});
  expectTensor(concat({a, b}, 0), {3, 2}, {1, 2, 3, 4, 5, 6});
  RefTensor c = makeTensor({2, 1}, {1, 2});
  RefTensor d = makeTensor({2, 2}, {10, 20, 30, 40});
  expectTensor(concat({c, d}, -1), {2, 3}, {1, 10, 20, 2, 30, 40});
  expectTensor(concat({d, c, c}, 1), {2, 4}, {10, 20, 1, 1, 30, 40, 2, 2});
}

TEST(Concat, MiddleAxis) {
  RefTensor a = iota({2, 1, 2});        // 1..4
  RefTensor b = iota({2, 2, 2}, 10.0f); // 10..17
  expectTensor(concat({a, b}, 1), {2, 3, 2},
               {1, 2, 10, 11, 12, 13, 3, 4, 14, 15, 16, 17});
  expectTensor(concat({a, b}, -2), {2, 3, 2},
               {1, 2, 10, 11, 12, 13, 3, 4, 14, 15, 16, 17});
}

TEST(Concat, RejectsMismatch) {
  EXPECT_THROW(concat({iota({2, 2}), iota({3, 3})}, 0), RefError);
  EXPECT_THROW(concat({iota({2, 2}), iota({2})}, 0), RefError);
  EXPECT_THROW(concat({iota({2, 2})}, 2), RefError);
  EXPECT_THROW(concat({}, 0), RefError);
}

TEST(Pad, MatrixWithValue) {
  RefTensor out = pad(iota({2, 2}), {1, 0, 0, 2}, 9.0f);
  expectTensor(out, {3, 4}, {9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9});
}

TEST(Pad, SpatialNhwc) {
  RefTensor out = pad(iota({1, 1, 2, 1}), {0, 0, 1, 1, 1, 0, 0, 0}, 0.0f);
  expectTensor(out, {1, 3, 3, 1}, {0, 0, 0, 0, 1, 2, 0, 0, 0});
}

TEST(Pad, RejectsBadPaddings) {
  EXPECT_THROW(pad(iota({2, 2}), {1, 1}, 0.0f), RefError);
  EXPECT_THROW(pad(iota({2, 2}), {1, 1, -1, 0}, 0.0f), RefError);
}

} // namespace
} // namespace dlc::ref
