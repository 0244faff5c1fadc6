// Status, StatusOr and HostTensor.
#include "dlc/runtime/Status.h"
#include "dlc/runtime/HostTensor.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace dlc {
namespace {

static_assert(int(DType::F32) == DLC_DTYPE_F32 &&
                  int(DType::U8) == DLC_DTYPE_U8,
              "DType must match the C ABI");

TEST(Status, SuccessAndError) {
  Status ok = Status::success();
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.message().empty());
  EXPECT_TRUE(Status().ok());

  Status bad = Status::error("x.npy: truncated");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "x.npy: truncated");
  EXPECT_EQ(bad.withPrefix("load").message(), "load: x.npy: truncated");
  EXPECT_TRUE(ok.withPrefix("load").ok());
  // An empty message would leave the user with nothing to go on.
  EXPECT_FALSE(Status::error("").message().empty());
}

StatusOr<int> half(int v) {
  if (v % 2)
    return Status::error(std::to_string(v) + " is odd");
  return v / 2;
}

Status halfTwice(int v, int &out) {
  StatusOr<int> a = half(v);
  DLC_RETURN_IF_ERROR(a.status());
  StatusOr<int> b = half(*a);
  DLC_RETURN_IF_ERROR(b.status());
  out = *b;
  return Status::success();
}

TEST(Status, StatusOr) {
  StatusOr<int> four = half(8);
  ASSERT_TRUE(four.ok());
  EXPECT_TRUE(four.status().ok());
  EXPECT_EQ(*four, 4);
  EXPECT_EQ(four.value(), 4);

  StatusOr<int> odd = half(3);
  EXPECT_FALSE(odd.ok());
  EXPECT_EQ(odd.status().message(), "3 is odd");

  StatusOr<std::string> s = std::string("abc");
  EXPECT_EQ(s->size(), 3u);

  int out = 0;
  EXPECT_TRUE(halfTwice(12, out).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(test::errorOf(halfTwice(6, out)), "3 is odd");
}

TEST(HostTensor, CreateIsZeroedAndAligned) {
  StatusOr<HostTensor> t = HostTensor::create(DType::F32, {64, 28, 28, 1});
  ASSERT_TRUE(t.ok()) << test::errorOf(t);
  EXPECT_EQ(t->numElements(), 64 * 28 * 28);
  EXPECT_EQ(t->byteSize(), size_t(64 * 28 * 28 * 4));
  EXPECT_EQ(t->rank(), 4u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->rawData()) % 64, 0u);
  for (int64_t i = 0; i < t->numElements(); ++i)
    ASSERT_EQ(t->data<float>()[i], 0.0f);
  EXPECT_EQ(t->describe(), "float32 [64, 28, 28, 1]");
  EXPECT_EQ(shapeToString(t->shape()), "[64, 28, 28, 1]");
  EXPECT_EQ(shapeToString({}), "[]");
}

TEST(HostTensor, ScalarAndEmpty) {
  StatusOr<HostTensor> s = HostTensor::create(DType::I64, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->numElements(), 1);
  EXPECT_EQ(s->byteSize(), 8u);

  StatusOr<HostTensor> e = HostTensor::create(DType::U8, {0, 5});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->numElements(), 0);
  EXPECT_NE(e->rawData(), nullptr);

  HostTensor d;
  EXPECT_EQ(d.numElements(), 0);
}

TEST(HostTensor, Overflow) {
  const int64_t big = int64_t(1) << 40;
  const int64_t max = std::numeric_limits<int64_t>::max();
  for (std::vector<int64_t> shape : {std::vector<int64_t>{big, big},
                                     {big, big, 1},
                                     {max, 2},
                                     {max, max, max},
                                     {int64_t(1) << 34, 4},
                                     {3, 1 << 20, 1 << 20, 1 << 20}}) {
    StatusOr<HostTensor> t = HostTensor::create(DType::F32, shape);
    EXPECT_FALSE(t.ok()) << shapeToString(shape);
    EXPECT_NE(test::errorOf(t).find("too large"), std::string::npos)
        << test::errorOf(t);
  }
  // A zero dim makes the tensor empty, but negative dims stay invalid.
  EXPECT_TRUE(HostTensor::create(DType::F32, {0, max}).ok());
  EXPECT_TRUE(HostTensor::create(DType::F32, {0, big, big}).ok());
  StatusOr<HostTensor> neg = HostTensor::create(DType::F32, {0, -3});
  EXPECT_NE(test::errorOf(neg).find("dim 1 is negative"), std::string::npos)
      << test::errorOf(neg);
  std::vector<int64_t> deep(33, 1);
  EXPECT_NE(test::errorOf(HostTensor::create(DType::F32, deep)).find("rank"),
            std::string::npos);
  EXPECT_FALSE(HostTensor::create(DType(7), {1}).ok());
}

TEST(HostTensor, FromVectorAndClone) {
  StatusOr<HostTensor> t =
      HostTensor::fromVector<int32_t>({2, 2}, {1, 2, 3, 4});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->dtype(), DType::I32);
  StatusOr<HostTensor> c = t->clone();
  ASSERT_TRUE(c.ok());
  c->data<int32_t>()[0] = 99;
  EXPECT_EQ(t->data<int32_t>()[0], 1);
  EXPECT_EQ(c->data<int32_t>()[3], 4);
  EXPECT_FALSE(HostTensor::fromVector<float>({3}, {1.0f}).ok());
}

TEST(HostTensor, DTypeHelpers) {
  EXPECT_EQ(dtypeSize(DType::F32), 4u);
  EXPECT_EQ(dtypeSize(DType::I64), 8u);
  EXPECT_EQ(dtypeSize(DType::U8), 1u);
  EXPECT_STREQ(dtypeName(DType::I32), "int32");
  EXPECT_TRUE(isValidDType(3));
  EXPECT_FALSE(isValidDType(4));
  EXPECT_FALSE(isValidDType(-1));
}

} // namespace
} // namespace dlc
