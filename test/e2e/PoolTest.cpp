// Randomized sweeps of MAX_POOL_2D, AVG_POOL_2D and GLOBAL_AVG_POOL applied
// directly to graph inputs (so the standalone lowerings run, not the fused
// conv chain): every padding mode, stride 0 ("same as the filter"), odd
// sizes, dilations 1..3, and average pooling with count_include_pad both
// ways.
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
  if (o.dilation_h != 1 || o.dilation_w != 1)
    s += " d" + std::to_string(o.dilation_h) + "x" +
         std::to_string(o.dilation_w);
  return s + (o.count_include_pad ? " include_pad" : "");
}

/// Whether each window of one dim has a tap on the input; dlc rejects a
/// pool with a window of padding only (a dilated window can step over a
/// small input), so the sweep does not generate one.
bool everyWindowSeesInput(int64_t in, int64_t k, int64_t s, int64_t d,
                          int64_t before, int64_t after) {
  int64_t span = (k - 1) * d + 1;
  if (before >= span || after >= span || in + before + after < span)
    return false;
  int64_t out = (in + before + after - span) / s + 1;
  for (int64_t o = 0; o < out; ++o) {
    bool seen = false;
    for (int64_t t = 0; t < k; ++t) {
      int64_t pos = o * s - before + t * d;
      seen = seen || (pos >= 0 && pos < in);
    }
    if (!seen)
      return false;
  }
  return true;
}

/// Random dilated pool options (dilations 1..3 on each dim, independently)
/// whose every window sees the HxW input, with padding resolved the way the
/// compiler and the reference resolve it.
fb::Pool2DOptionsT randomDilatedPool(Random &rng, int64_t h, int64_t w,
                                     fb::Padding padding) {
  for (;;) {
    fb::Pool2DOptionsT o;
    o.filter_h = int(rng.intIn(1, 3));
    o.filter_w = int(rng.intIn(1, 3));
    o.dilation_h = int(rng.intIn(1, 3));
    o.dilation_w = int(rng.intIn(1, 3));
    o.stride_h = rng.coin(0.2) ? 0 : int(rng.intIn(1, 3));
    o.stride_w = rng.coin(0.2) ? 0 : int(rng.intIn(1, 3));
    o.padding = padding;
    // Explicit pads up to the dilated span - 1.
    int64_t spanH = (o.filter_h - 1) * o.dilation_h + 1;
    int64_t spanW = (o.filter_w - 1) * o.dilation_w + 1;
    if (padding == fb::Padding::EXPLICIT) {
      o.pad_top = int(rng.intIn(0, spanH - 1));
      o.pad_bottom = int(rng.intIn(0, spanH - 1));
      o.pad_left = int(rng.intIn(0, spanW - 1));
      o.pad_right = int(rng.intIn(0, spanW - 1));
    }
    int64_t sh = ref::resolvePoolStride(o.stride_h, o.filter_h);
    int64_t sw = ref::resolvePoolStride(o.stride_w, o.filter_w);
    ref::Pads p = ref::resolvePadding(
        o.padding, h, w, o.filter_h, o.filter_w, sh, sw, o.dilation_h,
        o.dilation_w, ref::Pads{o.pad_top, o.pad_bottom, o.pad_left,
                                o.pad_right});
    if (everyWindowSeesInput(h, o.filter_h, sh, o.dilation_h, p.top,
                             p.bottom) &&
        everyWindowSeesInput(w, o.filter_w, sw, o.dilation_w, p.left,
                             p.right))
      return o;
  }
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
      // Over 64 channels a pool's tasks are tiled over channels: 96 and
      // 480 in whole vectors, 100 in tiles of 25.
      int64_t ch =
          rng.pick(std::vector<int64_t>{1, 3, 8, 16, 17, 32, 96, 100, 480});
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

/// Dilations 1..3 with every padding mode; each model holds one pool per
/// (padding mode, divisor rule) so that both kinds see every combination.
void dilatedSweep(bool isMax) {
  Random rng(testSeed());
  for (int model = 0; model < 4; ++model) {
    ModelBuilder b(isMax ? "dilated_max_pool_sweep" : "dilated_avg_pool_sweep");
    for (int c = 0; c < 6; ++c) {
      int64_t h = rng.intIn(1, 14), w = rng.intIn(1, 14);
      int64_t ch = rng.pick(std::vector<int64_t>{1, 3, 8, 16, 17});
      fb::Pool2DOptionsT o =
          randomDilatedPool(rng, h, w, kPaddings[size_t(c % 3)]);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, ch});
      if (isMax) {
        b.markOutput(b.maxPool2d(describe("max_pool", h, w, ch, o), x, o));
        continue;
      }
      o.count_include_pad = (c / 3 + model) % 2 == 1;
      b.markOutput(b.avgPool2d(describe("avg_pool", h, w, ch, o), x, o));
    }
    EXPECT_TRUE(matchesReference(
        b, checkFor(isMax ? "max_pool2d" : "avg_pool2d", rng), rng))
        << "model " << model;
  }
}

TEST(MaxPool2D, DilatedSweep) { dilatedSweep(/*isMax=*/true); }
TEST(AvgPool2D, DilatedSweep) { dilatedSweep(/*isMax=*/false); }

/// A dilated pool on a conv's output: the conv/pool fusion must leave it
/// alone (fused_conv2d pools without dilation) and the result stay right.
TEST(MaxPool2D, DilatedAfterConv) {
  Random rng(testSeed());
  ModelBuilder b("dilated_pool_after_conv");
  int32_t x = b.addInput("x", {-1, 12, 11, 3});
  int32_t wt =
      b.addWeight("w", {3, 3, 3, 8}, rng.floats(3 * 3 * 3 * 8, -0.3f, 0.3f));
  fb::Conv2DOptionsT conv;
  conv.activation = fb::Activation::RELU;
  int32_t c = b.conv2d("conv", x, wt, -1, conv);
  fb::Pool2DOptionsT o;
  o.filter_h = o.filter_w = 2;
  o.stride_h = o.stride_w = 2;
  o.dilation_h = 2;
  o.dilation_w = 3;
  b.markOutput(b.maxPool2d("dilated pool", c, o));
  CheckOptions check = checkFor("max_pool2d", rng);
  std::string dlcIR;
  ASSERT_TRUE(compileToText(b, check.compile, EmitKind::Dlc, dlcIR));
  EXPECT_EQ(countOf(dlcIR, "dlc.fused_conv2d"), 0) << dlcIR;
  EXPECT_EQ(countOf(dlcIR, "dilations = array<i64: 2, 3>"), 1) << dlcIR;
  EXPECT_TRUE(matchesReference(b, check, rng));
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
      // A wide pool is tiled over channels (tasks of 25, 32 or 64).
      int64_t ch =
          rng.pick(std::vector<int64_t>{1, 5, 16, 33, 64, 100, 192, 1280});
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
