// Randomized sweeps of CONV_2D, DEPTHWISE_CONV_2D and DENSE against the
// reference. Each model holds several independent cases (one graph input and
// one output each, named after the case) so that one JIT compile covers
// several shapes; conv and pool chains that the compiler fuses are in
// FusedChainTest.cpp.
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

const std::vector<fb::Activation> kActivations = {
    fb::Activation::NONE,       fb::Activation::RELU,    fb::Activation::RELU6,
    fb::Activation::LEAKY_RELU, fb::Activation::SIGMOID, fb::Activation::TANH};

const std::vector<fb::Padding> kPaddings = {
    fb::Padding::VALID, fb::Padding::SAME, fb::Padding::EXPLICIT};

/// Window attributes shared by both convolutions.
struct Window {
  int64_t kh, kw, sh, sw, dh, dw;
  fb::Padding padding;
  int64_t pads[4]; // top, bottom, left, right (EXPLICIT only)
  fb::Activation act;
  float alpha;
};

/// A random window that fits an HxW input at least once.
Window randomWindow(Random &rng, int64_t h, int64_t w) {
  Window win;
  do {
    win.kh = rng.intIn(1, 5);
    win.kw = rng.intIn(1, 5);
    win.sh = rng.intIn(1, 3);
    win.sw = rng.intIn(1, 3);
    win.dh = rng.coin(0.3) ? rng.intIn(2, 3) : 1;
    win.dw = rng.coin(0.3) ? rng.intIn(2, 3) : 1;
    win.padding = rng.pick(kPaddings);
    for (int64_t &p : win.pads)
      p = win.padding == fb::Padding::EXPLICIT ? rng.intIn(0, 3) : 0;
  } while (win.padding != fb::Padding::SAME &&
           ((win.kh - 1) * win.dh + 1 > h + win.pads[0] + win.pads[1] ||
            (win.kw - 1) * win.dw + 1 > w + win.pads[2] + win.pads[3]));
  win.act = rng.pick(kActivations);
  win.alpha = rng.uniform(0.01f, 0.5f);
  return win;
}

std::string describe(const char *op, int64_t h, int64_t w, int64_t c,
                     int64_t out, const Window &win, bool bias) {
  std::string s = std::string(op) + " in " + std::to_string(h) + "x" +
                  std::to_string(w) + "x" + std::to_string(c) + " -> " +
                  std::to_string(out) + " k" + std::to_string(win.kh) + "x" +
                  std::to_string(win.kw) + " s" + std::to_string(win.sh) + "x" +
                  std::to_string(win.sw) + " d" + std::to_string(win.dh) + "x" +
                  std::to_string(win.dw) + " " + paddingName(win.padding);
  if (win.padding == fb::Padding::EXPLICIT)
    s += "(" + std::to_string(win.pads[0]) + "," + std::to_string(win.pads[1]) +
         "," + std::to_string(win.pads[2]) + "," + std::to_string(win.pads[3]) +
         ")";
  return s + " " + activationName(win.act) + (bias ? " bias" : " nobias");
}

template <class Options> Options toOptions(const Window &win) {
  Options o;
  o.stride_h = int(win.sh);
  o.stride_w = int(win.sw);
  o.dilation_h = int(win.dh);
  o.dilation_w = int(win.dw);
  o.padding = win.padding;
  o.pad_top = int(win.pads[0]);
  o.pad_bottom = int(win.pads[1]);
  o.pad_left = int(win.pads[2]);
  o.pad_right = int(win.pads[3]);
  o.activation = win.act;
  o.leaky_alpha = win.alpha;
  return o;
}

/// Compile batch and the run batches that go with it: the compiled batch
/// itself and one that needs chunking (more rows, and a partial chunk).
CheckOptions checkFor(const std::string &family, Random &rng) {
  CheckOptions check;
  check.family = family;
  check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 3, 5});
  check.runBatches = {check.compile.batchSize, check.compile.batchSize * 2 + 1};
  return check;
}

TEST(Conv2D, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 6; ++model) {
    ModelBuilder b("conv2d_sweep");
    for (int c = 0; c < 4; ++c) {
      int64_t h = rng.intIn(1, 12), w = rng.intIn(1, 12);
      int64_t cin = rng.intIn(1, 9), cout = rng.intIn(1, 20);
      Window win = randomWindow(rng, h, w);
      bool bias = rng.coin(0.7);
      std::string name = describe("conv2d", h, w, cin, cout, win, bias);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, cin});
      int32_t k = addRandomWeight(b, rng, name + "/kernel",
                                  {win.kh, win.kw, cin, cout});
      int32_t bi = bias ? addRandomWeight(b, rng, name + "/bias", {cout}) : -1;
      b.markOutput(
          b.conv2d(name, x, k, bi, toOptions<fb::Conv2DOptionsT>(win)));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("conv2d", rng), rng))
        << "model " << model;
  }
}

/// Wider channel counts (the vectorized paths use 16-lane vectors): 16, 32,
/// 48, 64 and odd counts around them.
TEST(Conv2D, WideChannels) {
  Random rng(testSeed());
  const std::vector<int64_t> channels = {8, 15, 16, 17, 32, 33, 48, 64};
  for (int model = 0; model < 3; ++model) {
    ModelBuilder b("conv2d_wide");
    for (int c = 0; c < 3; ++c) {
      int64_t h = rng.intIn(3, 11), w = rng.intIn(3, 13);
      int64_t cin = rng.pick(channels), cout = rng.pick(channels);
      Window win = randomWindow(rng, h, w);
      std::string name = describe("conv2d", h, w, cin, cout, win, true);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, cin});
      int32_t k = addRandomWeight(b, rng, name + "/kernel",
                                  {win.kh, win.kw, cin, cout});
      int32_t bi = addRandomWeight(b, rng, name + "/bias", {cout});
      b.markOutput(
          b.conv2d(name, x, k, bi, toOptions<fb::Conv2DOptionsT>(win)));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("conv2d", rng), rng))
        << "model " << model;
  }
}

/// Depthwise with multiplier 1 (lowered to depthwise_conv_2d_nhwc_hwc) and
/// > 1 (the hwcm form, channels merged as c * M + m) in every model.
TEST(DepthwiseConv2D, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 6; ++model) {
    ModelBuilder b("depthwise_sweep");
    for (int c = 0; c < 4; ++c) {
      int64_t h = rng.intIn(1, 12), w = rng.intIn(1, 12);
      int64_t cin = rng.pick(std::vector<int64_t>{1, 3, 4, 7, 16, 19});
      int64_t mult = c % 2 == 0 ? 1 : rng.intIn(2, 4);
      Window win = randomWindow(rng, h, w);
      bool bias = rng.coin(0.7);
      std::string name =
          describe("depthwise", h, w, cin, cin * mult, win, bias);
      int32_t x = b.addInput("x" + std::to_string(c), {-1, h, w, cin});
      int32_t k = addRandomWeight(b, rng, name + "/kernel",
                                  {win.kh, win.kw, cin, mult});
      int32_t bi =
          bias ? addRandomWeight(b, rng, name + "/bias", {cin * mult}) : -1;
      b.markOutput(b.depthwiseConv2d(
          name, x, k, bi, toOptions<fb::DepthwiseConv2DOptionsT>(win)));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("depthwise_conv2d", rng), rng))
        << "model " << model;
  }
}

/// DENSE on [N, K] and on higher-rank inputs ([N, ..., K], applied to the
/// last axis), with every activation.
TEST(Dense, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 4; ++model) {
    ModelBuilder b("dense_sweep");
    for (int c = 0; c < 5; ++c) {
      std::vector<int64_t> shape = {-1};
      int64_t extraDims = c < 3 ? 0 : rng.intIn(1, 2);
      for (int64_t d = 0; d < extraDims; ++d)
        shape.push_back(rng.intIn(1, 5));
      int64_t k = rng.pick(std::vector<int64_t>{1, 3, 16, 37, 64, 129, 576});
      int64_t m = rng.pick(std::vector<int64_t>{1, 5, 10, 16, 33, 64});
      shape.push_back(k);
      fb::DenseOptionsT o;
      o.activation = rng.pick(kActivations);
      o.leaky_alpha = rng.uniform(0.01f, 0.5f);
      bool bias = rng.coin(0.7);
      std::string name = "dense " + str(shape) + " -> " + std::to_string(m) +
                         " " + activationName(o.activation) +
                         (bias ? " bias" : " nobias");
      int32_t x = b.addInput("x" + std::to_string(c), shape);
      int32_t wt = addRandomWeight(b, rng, name + "/kernel", {k, m});
      int32_t bi = bias ? addRandomWeight(b, rng, name + "/bias", {m}) : -1;
      b.markOutput(b.dense(name, x, wt, bi, o));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("dense", rng), rng))
        << "model " << model;
  }
}

} // namespace
