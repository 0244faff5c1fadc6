// Data-movement gradients against finite differences over random shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "dlc/reference/grad.h"
#include "dlc/reference/shape_ops.h"
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

std::vector<int64_t> randomShape(std::mt19937 &rng, int64_t minRank,
                                 int64_t maxRank) {
  std::vector<int64_t> s(static_cast<size_t>(randomInt(rng, minRank, maxRank)));
  for (int64_t &d : s)
    d = randomInt(rng, 1, 4);
  return s;
}

// FD check of a single-input op given its forward and analytic backward.
void checkLinear(std::mt19937 &rng, const RefTensor &x,
                 const std::function<RefTensor(const RefTensor &)> &fwd,
                 const std::function<RefTensor(const RefTensor &)> &bwd,
                 const std::string &what) {
  const RefTensor dy = randomTensor(rng, fwd(x).shape);
  expectGradientNear(
      bwd(dy),
      numericGradient(
          [&](const RefTensor &t) { return weightedSum(fwd(t), dy); }, x),
      what);
}

TEST(ShapeGrad, ReshapeAndFlattenMatchFiniteDifferences) {
  std::mt19937 rng(21);
  for (int iter = 0; iter < 8; ++iter) {
    const RefTensor x = randomTensor(rng, randomShape(rng, 1, 4));
    const std::vector<int64_t> target{-1, x.shape.back()};
    checkLinear(
        rng, x, [&](const RefTensor &t) { return reshape(t, target); },
        [&](const RefTensor &dy) { return reshapeBackward(dy, x.shape); },
        "reshape " + shapeToString(x.shape));
    checkLinear(
        rng, x, flatten,
        [&](const RefTensor &dy) { return reshapeBackward(dy, x.shape); },
        "flatten " + shapeToString(x.shape));
  }
}

TEST(ShapeGrad, TransposeMatchesFiniteDifferences) {
  std::mt19937 rng(22);
  for (int iter = 0; iter < 10; ++iter) {
    const RefTensor x = randomTensor(rng, randomShape(rng, 1, 4));
    std::vector<int64_t> perm(x.shape.size());
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    if (iter % 5 == 4)
      perm.clear(); // the NumPy default: reverse
    checkLinear(
        rng, x, [&](const RefTensor &t) { return transpose(t, perm); },
        [&](const RefTensor &dy) { return transposeBackward(dy, perm); },
        "transpose " + shapeToString(x.shape) + " by " + shapeToString(perm));
  }
}

TEST(ShapeGrad, ConcatMatchesFiniteDifferences) {
  std::mt19937 rng(23);
  for (int iter = 0; iter < 10; ++iter) {
    const std::vector<int64_t> base = randomShape(rng, 1, 4);
    const int64_t rank = static_cast<int64_t>(base.size());
    const int64_t axis = randomInt(rng, -rank, rank - 1);
    const int64_t a = normalizeAxis(axis, rank);
    std::vector<RefTensor> parts;
    std::vector<std::vector<int64_t>> shapes;
    for (int64_t k = randomInt(rng, 1, 3); k > 0; --k) {
      std::vector<int64_t> s = base;
      s[a] = randomInt(rng, 1, 3);
      shapes.push_back(s);
      parts.push_back(randomTensor(rng, s));
    }
    const RefTensor dy = randomTensor(rng, concat(parts, axis).shape);
    const std::vector<RefTensor> grads = concatBackward(dy, shapes, axis);
    ASSERT_EQ(grads.size(), parts.size());
    for (size_t p = 0; p < parts.size(); ++p) {
      auto loss = [&](const RefTensor &t) {
        std::vector<RefTensor> probe = parts;
        probe[p] = t;
        return weightedSum(concat(probe, axis), dy);
      };
      expectGradientNear(grads[p], numericGradient(loss, parts[p]),
                         "concat part " + std::to_string(p) + " axis " +
                             std::to_string(axis));
    }
  }
}

TEST(ShapeGrad, PadMatchesFiniteDifferences) {
  std::mt19937 rng(24);
  for (int iter = 0; iter < 10; ++iter) {
    const RefTensor x = randomTensor(rng, randomShape(rng, 1, 4));
    std::vector<int64_t> paddings;
    for (size_t d = 0; d < 2 * x.shape.size(); ++d)
      paddings.push_back(randomInt(rng, 0, 2));
    checkLinear(
        rng, x, [&](const RefTensor &t) { return pad(t, paddings, 0.5f); },
        [&](const RefTensor &dy) { return padBackward(dy, x.shape, paddings); },
        "pad " + shapeToString(x.shape) + " by " + shapeToString(paddings));
  }
}

TEST(ShapeGrad, ByHand) {
  // transpose [2,3] -> [3,2]; the gradient goes back to [2,3].
  expectTensor(transposeBackward(test::iota({3, 2}), {1, 0}), {2, 3},
               {1, 3, 5, 2, 4, 6});
  // pad [1,2] by one column on each side -> [1,4]; keep the interior.
  expectTensor(
      padBackward(makeTensor({1, 4}, {9, 1, 2, 9}), {1, 2}, {0, 0, 1, 1}),
      {1, 2}, {1, 2});
  const auto parts = concatBackward(test::iota({2, 3}), {{2, 1}, {2, 2}}, -1);
  expectTensor(parts[0], {2, 1}, {1, 4});
  expectTensor(parts[1], {2, 2}, {2, 3, 5, 6});
  EXPECT_THROW(concatBackward(test::iota({2, 3}), {{2, 1}, {2, 1}}, 1),
               RefError);
  EXPECT_THROW(reshapeBackward(test::iota({2, 3}), {5}), RefError);
}

} // namespace
} // namespace dlc::ref
