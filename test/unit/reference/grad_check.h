// Finite-difference checking for the reference gradients.
//
// The reference ops store fp32, so the objective L(x) = sum_i w_i * f(x)_i
// is evaluated from fp32 outputs but summed in double. Central differences
// use the step actually representable in fp32 (x + eps and x - eps are
// rounded; their exact difference is the denominator), and only the outputs
// that depend on the perturbed element change, so the fp32 rounding noise in
// an FD derivative stays around 1e-4 with eps = 1e-2; the tolerances below
// are an order of magnitude above that and far below what a wrong index or
// a missing term produces (errors of O(1)).
#ifndef DLC_TEST_UNIT_REFERENCE_GRAD_CHECK_H
#define DLC_TEST_UNIT_REFERENCE_GRAD_CHECK_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dlc/reference/tensor.h"

namespace dlc::ref::test {

inline RefTensor randomTensor(std::mt19937 &rng,
                              const std::vector<int64_t> &shape,
                              float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  RefTensor t = zeros(shape);
  for (float &v : t.data)
    v = dist(rng);
  return t;
}

inline int64_t randomInt(std::mt19937 &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

/// sum_i w_i * y_i in double: the scalar whose gradient w.r.t. y is w.
inline double weightedSum(const RefTensor &y, const RefTensor &w) {
  EXPECT_EQ(y.shape, w.shape);
  double s = 0.0;
  for (size_t i = 0; i < y.data.size() && i < w.data.size(); ++i)
    s += static_cast<double>(y.data[i]) * w.data[i];
  return s;
}

/// Central differences of `f` at `x`. If `regions` is given it returns a
/// signature of the piecewise regions the evaluation passes through (e.g.
/// the side of every relu kink); an element whose +-eps evaluations land in
/// different regions straddles a kink and is retried with eps / 10 and
/// eps / 100 (the fp32 noise grows as eps shrinks but stays well inside the
/// tolerances); if it still straddles it gets NaN and expectGradientNear
/// skips it.
inline RefTensor numericGradient(
    const std::function<double(const RefTensor &)> &f, const RefTensor &x,
    double eps = 1e-2,
    const std::function<std::vector<int>(const RefTensor &)> &regions = {}) {
  RefTensor g = zeros(x.shape);
  RefTensor probe = x;
  for (size_t i = 0; i < x.data.size(); ++i) {
    g.data[i] = std::nanf("");
    for (double step = eps; step >= eps / 100 * 0.99; step /= 10) {
      const float plus = static_cast<float>(x.data[i] + step);
      const float minus = static_cast<float>(x.data[i] - step);
      probe.data[i] = plus;
      const double fPlus = f(probe);
      const std::vector<int> rPlus =
          regions ? regions(probe) : std::vector<int>{};
      probe.data[i] = minus;
      const double fMinus = f(probe);
      const bool straddles = regions && regions(probe) != rPlus;
      probe.data[i] = x.data[i];
      if (straddles)
        continue;
      g.data[i] = static_cast<float>((fPlus - fMinus) /
                                     (static_cast<double>(plus) - minus));
      break;
    }
  }
  return g;
}

/// Elementwise |analytic - numeric| <= atol + rtol * |numeric| (NaN numeric
/// entries are skipped, at most a quarter of them), and the numeric
/// gradient must not be all (near) zero, so a check cannot pass vacuously.
inline void expectGradientNear(const RefTensor &analytic,
                               const RefTensor &numeric,
                               const std::string &what, double rtol = 2e-3,
                               double atol = 2e-3) {
  ASSERT_EQ(analytic.shape, numeric.shape) << what;
  ASSERT_EQ(analytic.data.size(), numeric.data.size()) << what;
  size_t skipped = 0, bad = 0;
  double largest = 0.0;
  for (size_t i = 0; i < numeric.data.size(); ++i) {
    const double n = numeric.data[i], a = analytic.data[i];
    if (std::isnan(n)) {
      ++skipped;
      continue;
    }
    largest = std::max(largest, std::fabs(n));
    if (!(std::fabs(a - n) <= atol + rtol * std::fabs(n)) && bad++ < 5)
      ADD_FAILURE() << what << ": element " << i << " analytic " << a
                    << " vs finite difference " << n;
  }
  EXPECT_EQ(bad, 0u) << what;
  EXPECT_LE(skipped * 4, numeric.data.size())
      << what << ": too many elements straddle a kink";
  if (!numeric.data.empty())
    EXPECT_GT(largest, 1e-2) << what << ": gradient is (nearly) all zero";
}

} // namespace dlc::ref::test

#endif // DLC_TEST_UNIT_REFERENCE_GRAD_CHECK_H
