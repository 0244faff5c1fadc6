// Randomized sweeps of MAX_POOL_2D, AVG_POOL_2D and GLOBAL_AVG_POOL applied
// directly to graph inputs (so the standalone lowerings run, not the fused
// conv chain): every padding mode, stride 0 ("same as the filter"), odd
// sizes, and average pooling with count_include_pad both ways.
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

const std::vector<fb::Padding> kPaddings = {
    fb::Padding::VALID, fb::Padding::SAME, fb::Padding::EXPLICIT};

/// Random pool options that fit an HxW input; explicit pads stay below the
/// window (a window of padding only has nothing to reduce).
fb::Pool2DOptionsT randomPool(Random &rng, int64_t h, int64_t w,
                              fb::Padding padding) {
  fb::Pool2DOptionsT o;
  for (;;) {
    o.filter_h = int(rng.intIn(1, 4));
    o.filter_w = int(rng.intIn(1, 4));
    o.stride_h = rng.coin(0.3) ? 0 : int(rng.intIn(1, 3));
    o.stride_w = rng.coin(0.3) ? 0 : int(rng.intIn(1, 3));
    o.padding = padding;
    bool ex = padding == fb::Padding::EXPLICIT;
    o.pad_top = ex ? int(rng.intIn(0, o.filter_h - 1)) : 0;
    o.pad_bottom = ex ? int(rng.intIn(0, o.filter_h - 1)) : 0;
    o.pad_left = ex ? int(rng.intIn(0, o.filter_w - 1)) : 0;
    o.pad_right = ex ? int(rng.intIn(0, o.filter_w - 1)) : 0;
    if (padding == fb::Padding::SAME ||
        (o.filter_h <= h + o.pad_top + o.pad_bottom &&
         o.filter_w <= w + o.pad_left + o.pad_right))
      return o;
  }
}

std::string describe(const char *op, int64_t h, int64_t w, int64_t c,
                     const fb::Pool2DOptionsT &o) {
  std::string s =
      std::string(op) + " in " + std::to_string(h) + "x" + std::to_string(w) +
      "x" + std::to_string(c) + " f" + std::to_string(o.filter_h) + "x" +
      std::to_string(o.filter_w) + " s" + std::to_string(o.stride_h) + "x" +
      std::to_string(o.stride_w) + " " + paddingName(o.padding);
  if (o.padding == fb::Padding::EXPLICIT)
    s += "(" + std::to_string(o.pad_top) + "," + std::to_string(o.pad_bottom) +
         "," + std::to_string(o.pad_left) + "," + std::to_string(o.pad_right) +
         ")";
  return s + (o.count_include_pad ? " include_pad" : "");
}

CheckOptions checkFor(const std::string &family, Random &rng) {
  CheckOptions check;
  check.family = family;
  check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 3, 5});
  check.runBatches = {check.compile.batchSize, check.compile.batchSize + 1};
  return check;
}

TEST(MaxPool2D, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 4; ++model) {
    ModelBuilder b("max_pool_sweep");
    for (int c = 0; c < 6; ++c) {
      int64_t h = rng.intIn(1, 13), w = rng.intIn(1, 13);
      int64_t ch = rng.pick(std::vector<int64_t>{1, 3, 8, 16, 17, 32});
      // Every padding mode in every model.
      fb::Pool2DOptionsT o = randomPool(rng, h, w, kPaddings[size_t(c % 3)]);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, ch});
      b.markOutput(b.maxPool2d(describe("max_pool", h, w, ch, o), x, o));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("max_pool2d", rng), rng))
        << "model " << model;
  }
}

TEST(AvgPool2D, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 5; ++model) {
    ModelBuilder b("avg_pool_sweep");
    for (int c = 0; c < 6; ++c) {
      int64_t h = rng.intIn(1, 13), w = rng.intIn(1, 13);
      int64_t ch = rng.pick(std::vector<int64_t>{1, 3, 8, 16, 17, 32});
      fb::Pool2DOptionsT o = randomPool(rng, h, w, kPaddings[size_t(c % 3)]);
      // Both divisor rules on each padding mode.
      o.count_include_pad = (c / 3 + model) % 2 == 1;
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, ch});
      b.markOutput(b.avgPool2d(describe("avg_pool", h, w, ch, o), x, o));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("avg_pool2d", rng), rng))
        << "model " << model;
  }
}

/// The divisor edge cases on purpose: explicit padding of window - 1 on
/// every side (corner windows hold a single real input), both rules.
TEST(AvgPool2D, MaximalPadding) {
  Random rng(testSeed());
  ModelBuilder b("avg_pool_pads");
  int idx = 0;
  for (bool include : {false, true})
    for (int f : {2, 3}) {
      fb::Pool2DOptionsT o;
      o.filter_h = o.filter_w = f;
      o.stride_h = 1;
      o.stride_w = 2;
      o.padding = fb::Padding::EXPLICIT;
      o.pad_top = o.pad_bottom = o.pad_left = o.pad_right = f - 1;
      o.count_include_pad = include;
      int32_t x = b.addInput("x" + std::to_string(idx++), {-1, 5, 7, 3});
      b.markOutput(b.avgPool2d(describe("avg_pool", 5, 7, 3, o), x, o));
    }
  CheckOptions check = checkFor("avg_pool2d", rng);
  EXPECT_TRUE(matchesReference(b, check, rng));
}

TEST(GlobalAvgPool, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("global_avg_pool_sweep");
    for (int c = 0; c < 5; ++c) {
      int64_t h = rng.intIn(1, 15), w = rng.intIn(1, 15);
      int64_t ch = rng.pick(std::vector<int64_t>{1, 5, 16, 33, 64});
      std::string name = "global_avg_pool in " + std::to_string(h) + "x" +
                         std::to_string(w) + "x" + std::to_string(ch);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, ch});
      b.markOutput(b.globalAvgPool(name, x));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("global_avg_pool", rng), rng))
        << "model " << model;
  }
}

} // namespace
