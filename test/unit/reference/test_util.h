// Helpers shared by the reference-implementation tests.
#ifndef DLC_TEST_UNIT_REFERENCE_TEST_UTIL_H
#define DLC_TEST_UNIT_REFERENCE_TEST_UTIL_H

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "dlc/reference/tensor.h"

namespace dlc::ref::test {

/// Checks shape exactly and every value within `tol` (absolute).
inline void expectTensor(const RefTensor &actual,
                         const std::vector<int64_t> &shape,
                         const std::vector<float> &values, float tol = 1e-5f) {
  ASSERT_EQ(actual.shape, shape);
  ASSERT_EQ(actual.data.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_NEAR(actual.data[i], values[i], tol) << "at flat index " << i;
}

/// 1, 2, 3, ... in row-major order: easy to reason about by hand.
inline RefTensor iota(const std::vector<int64_t> &shape, float start = 1.0f) {
  RefTensor t = zeros(shape);
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = start + static_cast<float>(i);
  return t;
}

} // namespace dlc::ref::test

#endif // DLC_TEST_UNIT_REFERENCE_TEST_UTIL_H
