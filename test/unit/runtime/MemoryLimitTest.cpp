// Tests of the memory limit: size parsing, the default limit, the figures
// of a compiled model's description and the refusal message.
#include "dlc/runtime/MemoryLimit.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

TEST(MemoryLimit, ParsesSizes) {
  EXPECT_EQ(parseByteSize("1"), 1u);
  EXPECT_EQ(parseByteSize("1048576"), 1048576u);
  EXPECT_EQ(parseByteSize("512K"), 512u * 1024);
  EXPECT_EQ(parseByteSize("64m"), 64u << 20);
  EXPECT_EQ(parseByteSize("2G"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteSize("2GiB"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteSize("2gb"), uint64_t(2) << 30);
  EXPECT_EQ(parseByteSize("3T"), uint64_t(3) << 40);
  EXPECT_EQ(parseByteSize("100B"), 100u);
  EXPECT_EQ(parseByteSize("18446744073709551615"),
            std::numeric_limits<uint64_t>::max());
}

TEST(MemoryLimit, RefusesMalformedSizes) {
  for (const char *bad :
       {"", "0", "0G", "-1", "G", "1.5G", "12X", "1GG", "1 G", "1Gi",
        "18446744073709551616", "16777216T", "99999999999999999999999"})
    EXPECT_EQ(parseByteSize(bad), std::nullopt) << "'" << bad << "'";
}

TEST(MemoryLimit, FormatsBytes) {
  EXPECT_EQ(formatBytes(0), "0 bytes");
  EXPECT_EQ(formatBytes(1023), "1023 bytes");
  EXPECT_EQ(formatBytes(1536), "1.50 KiB (1536 bytes)");
  EXPECT_EQ(formatBytes(uint64_t(3) << 30), "3.00 GiB (3221225472 bytes)");
}

/// Sets DLC_MAX_MEMORY for the scope of a test and restores it after.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name))
      old_ = old, hadOld_ = true;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (hadOld_)
      ::setenv(name_, old_.c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char *name_;
  std::string old_;
  bool hadOld_ = false;
};

TEST(MemoryLimit, ResolvesTheLimit) {
  {
    ScopedEnv env("DLC_MAX_MEMORY", "3M");
    // An explicit limit wins over the environment.
    EXPECT_EQ(*resolveMemoryLimit(1000), 1000u);
    EXPECT_EQ(*resolveMemoryLimit(0), 3u << 20);
  }
  {
    ScopedEnv env("DLC_MAX_MEMORY", "lots");
    EXPECT_EQ(errorOf(resolveMemoryLimit(0)),
              "DLC_MAX_MEMORY='lots' is not a size like 512M or 4G");
  }
  {
    ScopedEnv env("DLC_MAX_MEMORY", nullptr);
    // The physical memory: more than a megabyte on any machine that runs
    // these tests, and a whole number of pages.
    StatusOr<uint64_t> limit = resolveMemoryLimit(0);
    ASSERT_TRUE(limit.ok());
    EXPECT_GT(*limit, uint64_t(1) << 20);
    EXPECT_EQ(*limit % uint64_t(::sysconf(_SC_PAGESIZE)), 0u);
  }
}

TEST(MemoryLimit, CountsACompiledModel) {
  // x: f32 [4, 3, 2] (96 bytes), p: i64 [5] unbatched (40 bytes),
  // y: u8 [4, 7] (28 bytes), 1000 bytes of workspace per thread.
  int64_t xs[] = {4, 3, 2}, ps[] = {5}, ys[] = {4, 7};
  dlc_tensor_desc in[] = {{"x", DLC_DTYPE_F32, 3, xs, 0},
                          {"p", DLC_DTYPE_I64, 1, ps, DLC_TENSOR_UNBATCHED}};
  dlc_tensor_desc out[] = {{"y", DLC_DTYPE_U8, 2, ys, 0}};
  dlc_model_desc desc{DLC_ABI_VERSION, "m", 4, 2, 1, in, out, 1000};
  MemoryEstimate e = compiledModelMemory(desc, 3);
  EXPECT_EQ(e.weightBytes, 0u);
  EXPECT_EQ(e.ioBytes, 96u + 40 + 28);
  EXPECT_EQ(e.workspaceBytes, 3000u);
  EXPECT_EQ(e.total(), 3164u);
  EXPECT_TRUE(e.planned);
  EXPECT_EQ(e.batch, 4);
}

TEST(MemoryLimit, RefusesOverTheLimitWithTheFigures) {
  MemoryEstimate e;
  e.weightBytes = 2048;
  e.ioBytes = 100;
  e.workspaceBytes = uint64_t(5) << 20;
  e.batch = 64;
  EXPECT_TRUE(checkMemoryLimit(e, e.total(), "m.fb").ok());
  EXPECT_EQ(
      errorOf(checkMemoryLimit(e, uint64_t(1) << 20, "m.fb")),
      "m.fb: estimated memory 5.00 MiB (5245028 bytes) at batch 64 (weights "
      "2.00 KiB (2048 bytes), inputs and outputs 100 bytes, workspace 5.00 "
      "MiB (5242880 bytes)) exceeds the memory limit of 1.00 MiB (1048576 "
      "bytes) (--max-memory or DLC_MAX_MEMORY)");
  e.planned = true;
  EXPECT_THAT(errorOf(checkMemoryLimit(e, 1, "m.fb")),
              HasSubstr("m.fb: planned memory"));
}

TEST(MemoryLimit, SumsSaturate) {
  MemoryEstimate e;
  e.weightBytes = std::numeric_limits<uint64_t>::max() - 1;
  e.ioBytes = 5;
  e.workspaceBytes = 5;
  EXPECT_EQ(e.total(), std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(
      checkMemoryLimit(e, std::numeric_limits<uint64_t>::max() - 1, "m").ok());
}

} // namespace
} // namespace dlc
