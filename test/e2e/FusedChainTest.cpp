// Conv + activation + pool chains, which the compiler turns into one
// dlc.fused_conv2d and tiles (outer: scf.forall over image x pooled rows;
// inner: a [1, 1, W, F] register tile), checked with fusion on and off, with
// the heuristic's tiles and with explicit overrides that do and do not
// divide the sizes; and the graph rewrites that feed the fusion (bias, batch
// norm and standalone activations folded into the conv).
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

const std::vector<fb::Activation> kActivations = {
    fb::Activation::NONE,       fb::Activation::RELU,    fb::Activation::RELU6,
    fb::Activation::LEAKY_RELU, fb::Activation::SIGMOID, fb::Activation::TANH};

/// conv2d (bias, fused activation) -> max/avg pool without padding. Pairs
/// are {h, w}.
struct Chain {
  int64_t h, w, cin, f;
  int64_t k[2], stride[2] = {1, 1}, dilation[2] = {1, 1};
  fb::Padding padding;
  int64_t pads[4] = {0, 0, 0, 0}; // EXPLICIT: top, bottom, left, right
  fb::Activation act;
  float alpha = 0.15f;
  bool maxPool;
  int64_t window[2], poolStride[2];

  std::string name() const {
    auto pair = [](const int64_t *v) {
      return std::to_string(v[0]) + "x" + std::to_string(v[1]);
    };
    std::string s = "conv " + std::to_string(h) + "x" + std::to_string(w) +
                    "x" + std::to_string(cin) + " -> " + std::to_string(f) +
                    " k" + pair(k) + " s" + pair(stride) + " d" +
                    pair(dilation) + " " + paddingName(padding);
    if (padding == fb::Padding::EXPLICIT)
      s += "(" + std::to_string(pads[0]) + "," + std::to_string(pads[1]) + "," +
           std::to_string(pads[2]) + "," + std::to_string(pads[3]) + ")";
    return s + " " + activationName(act) +
           (maxPool ? " maxpool " : " avgpool ") + pair(window) + "/" +
           pair(poolStride);
  }
};

/// The common case: square kernel and window, stride 1 conv, pool stride =
/// window.
Chain square(int64_t h, int64_t w, int64_t cin, int64_t f, int64_t k,
             fb::Padding padding, fb::Activation act, bool maxPool,
             int64_t window) {
  Chain c;
  c.h = h, c.w = w, c.cin = cin, c.f = f;
  c.k[0] = c.k[1] = k;
  c.padding = padding;
  c.act = act;
  c.maxPool = maxPool;
  c.window[0] = c.window[1] = c.poolStride[0] = c.poolStride[1] = window;
  return c;
}

/// The pattern --dlc-fuse-conv-act-pool turns into one fused_conv2d.
int32_t addChain(ModelBuilder &b, Random &rng, const Chain &c, int32_t x) {
  std::string name = c.name();
  int32_t k =
      addRandomWeight(b, rng, name + "/kernel", {c.k[0], c.k[1], c.cin, c.f});
  int32_t bias = addRandomWeight(b, rng, name + "/bias", {c.f});
  fb::Conv2DOptionsT o;
  o.stride_h = int(c.stride[0]);
  o.stride_w = int(c.stride[1]);
  o.dilation_h = int(c.dilation[0]);
  o.dilation_w = int(c.dilation[1]);
  o.padding = c.padding;
  o.pad_top = int(c.pads[0]);
  o.pad_bottom = int(c.pads[1]);
  o.pad_left = int(c.pads[2]);
  o.pad_right = int(c.pads[3]);
  o.activation = c.act;
  o.leaky_alpha = c.alpha;
  int32_t conv = b.conv2d(name + "/conv", x, k, bias, o);
  fb::Pool2DOptionsT p;
  p.filter_h = int(c.window[0]);
  p.filter_w = int(c.window[1]);
  p.stride_h = int(c.poolStride[0]);
  p.stride_w = int(c.poolStride[1]);
  return c.maxPool ? b.maxPool2d(name, conv, p) : b.avgPool2d(name, conv, p);
}

Chain randomChain(Random &rng) {
  Chain c;
  for (;;) {
    c.h = rng.intIn(5, 24);
    c.w = rng.intIn(5, 29);
    c.cin = rng.pick(std::vector<int64_t>{1, 3, 8, 16, 32});
    c.f = rng.pick(std::vector<int64_t>{8, 16, 32, 48, 64});
    bool squareKernel = rng.coin(0.7);
    for (int i = 0; i < 2; ++i) {
      c.k[i] = i == 1 && squareKernel
                   ? c.k[0]
                   : rng.pick(std::vector<int64_t>{1, 2, 3, 3, 5});
      c.stride[i] = rng.coin(0.25) ? 2 : 1;
      c.dilation[i] = rng.coin(0.2) ? 2 : 1;
      c.window[i] = i == 1 && rng.coin(0.7) ? c.window[0] : rng.intIn(2, 3);
      c.poolStride[i] = rng.coin(0.7) ? c.window[i] : rng.intIn(1, 3);
    }
    c.padding = rng.pick(std::vector<fb::Padding>{
        fb::Padding::SAME, fb::Padding::VALID, fb::Padding::EXPLICIT});
    for (int64_t &p : c.pads)
      p = c.padding == fb::Padding::EXPLICIT ? rng.intIn(0, 2) : 0;
    c.act = rng.pick(kActivations);
    c.alpha = rng.uniform(0.01f, 0.5f);
    c.maxPool = rng.coin(0.6);
    // The conv output must hold at least one pooling window.
    bool fits = true;
    for (int i = 0; i < 2; ++i) {
      int64_t in = i == 0 ? c.h : c.w;
      int64_t span = (c.k[i] - 1) * c.dilation[i] + 1;
      int64_t padded = in + c.pads[2 * i] + c.pads[2 * i + 1];
      int64_t out = c.padding == fb::Padding::SAME
                        ? (in + c.stride[i] - 1) / c.stride[i]
                    : padded >= span ? (padded - span) / c.stride[i] + 1
                                     : 0;
      fits = fits && out >= c.window[i];
    }
    if (fits)
      return c;
  }
}

CompileOptions withFusion(CompileOptions o, bool fuse) {
  o.fuse = fuse;
  return o;
}

/// Checks that the test exercises the path it is about: with fusion,
/// `fused` chains become dlc.fused_conv2d and are tiled (scf.forall), their
/// pools inside the conv's loop nest; without, no fused op exists (convs and
/// pools are still tiled, each in a loop nest of its own).
void expectFusedChains(const ModelBuilder &b, CompileOptions options, bool fuse,
                       int64_t fused) {
  options.fuse = fuse;
  std::string dlcIR, linalgIR;
  ASSERT_TRUE(compileToText(b, options, EmitKind::Dlc, dlcIR));
  ASSERT_TRUE(compileToText(b, options, EmitKind::Linalg, linalgIR));
  EXPECT_EQ(countOf(dlcIR, "dlc.fused_conv2d"), fuse ? fused : 0) << dlcIR;
  if (fuse && fused > 0)
    EXPECT_GT(countOf(linalgIR, "scf.forall ("), 0);
}

/// Two random chains per model, each compiled fused and unfused, and fused
/// once more with random outer and register tiles (which need not divide
/// anything: the same tiles apply to both chains).
TEST(FusedChain, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 7; ++model) {
    ModelBuilder b("chain_sweep");
    std::vector<Chain> chains = {randomChain(rng), randomChain(rng)};
    for (size_t i = 0; i < chains.size(); ++i) {
      const Chain &c = chains[i];
      int32_t x = b.addInput("x" + std::to_string(i), {-1, c.h, c.w, c.cin});
      b.markOutput(addChain(b, rng, c, x));
    }
    CheckOptions check;
    check.family = "fused_chain";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 3, 5});
    check.runBatches = {check.compile.batchSize,
                        check.compile.batchSize * 2 + 1};
    if (model == 0)
      expectFusedChains(b, check.compile, true, 2);
    for (bool fuse : {true, false}) {
      check.compile.fuse = fuse;
      EXPECT_TRUE(matchesReference(b, check, rng))
          << "model " << model << " fuse " << fuse;
    }
    check.compile.fuse = true;
    check.compile.outerTiles = {rng.intIn(1, 2), rng.intIn(1, 3), 0, 0};
    check.compile.innerTiles = {
        1, 1, rng.intIn(1, 14),
        rng.pick(std::vector<int64_t>{8, 16, 24, 32, 48, 64})};
    EXPECT_TRUE(matchesReference(b, check, rng))
        << "model " << model << " outer " << str(check.compile.outerTiles)
        << " inner " << str(check.compile.innerTiles);
  }
}

/// The register tile [1, 1, W, F] and the outer tile, overridden. The conv
/// output the pool reads is 12 wide and 48 deep (pooled 6x6x48, from a
/// 14x14 input), so W in {1, 2, 3, 4, 6, 12} divides it and {5, 7, 8, 13}
/// does not; F = 16 and 48 divide 48, F = 32 and 20 do not.
TEST(FusedChain, TileOverrides) {
  Random rng(testSeed());
  Chain c = square(14, 14, 16, 48, 3, fb::Padding::VALID, fb::Activation::RELU,
                   true, 2);
  ModelBuilder b("tile_overrides");
  int32_t x = b.addInput("x", {-1, c.h, c.w, c.cin});
  b.markOutput(addChain(b, rng, c, x));
  // An average-pool chain with odd sizes and explicit conv padding beside
  // it: 11x11 padded (1,0,2,1) -> conv 10x12x20 -> pool 3/3 -> 3x4x20.
  Chain a = square(11, 11, 3, 20, 3, fb::Padding::EXPLICIT,
                   fb::Activation::TANH, false, 3);
  a.pads[0] = 1, a.pads[1] = 0, a.pads[2] = 2, a.pads[3] = 1;
  int32_t y = b.addInput("y", {-1, a.h, a.w, a.cin});
  b.markOutput(addChain(b, rng, a, y));

  struct Tiles {
    std::vector<int64_t> outer, inner;
  };
  const std::vector<Tiles> cases = {
      {{}, {1, 1, 1, 16}},  {{}, {1, 1, 2, 48}},
      {{}, {1, 1, 3, 16}},  {{}, {1, 1, 4, 32}},
      {{}, {1, 1, 5, 16}},  {{}, {1, 1, 6, 48}},
      {{}, {1, 1, 7, 20}},  {{}, {1, 1, 8, 32}},
      {{}, {1, 1, 12, 16}}, {{}, {1, 1, 13, 48}},
      {{1, 2, 0, 0}, {}},   {{1, 4, 0, 0}, {}},
      {{2, 1, 0, 0}, {}},   {{3, 2, 0, 0}, {1, 1, 5, 20}},
  };
  for (const Tiles &t : cases) {
    CheckOptions check;
    check.family = "fused_chain_tiles";
    check.compile.batchSize = 3;
    check.compile.outerTiles = t.outer;
    check.compile.innerTiles = t.inner;
    check.runBatches = {3, 4};
    EXPECT_TRUE(matchesReference(b, check, rng))
        << "outer " << str(t.outer) << " inner " << str(t.inner);
  }
}

/// Channel counts and widths from the brief: F = 8..64 and odd widths, each
/// with one inner tile that divides and one that does not.
TEST(FusedChain, WidthsAndChannels) {
  Random rng(testSeed());
  for (int64_t f : {8, 16, 32, 48, 64}) {
    int64_t w = rng.pick(std::vector<int64_t>{9, 13, 17, 21, 27});
    Chain c =
        square(rng.intIn(6, 12), w, rng.pick(std::vector<int64_t>{1, 3, 16}), f,
               3, fb::Padding::VALID, fb::Activation::RELU, true, 2);
    ModelBuilder b("widths");
    int32_t x = b.addInput("x", {-1, c.h, c.w, c.cin});
    b.markOutput(addChain(b, rng, c, x));
    // Conv width read by the pool: 2 * floor((w - 2) / 2).
    int64_t convW = 2 * ((w - 2) / 2);
    for (std::vector<int64_t> inner :
         {std::vector<int64_t>{},
          {1, 1, convW / 2, f},
          {1, 1, convW / 2 + 1, f % 32 == 0 ? 32 : 16}}) {
      CheckOptions check;
      check.family = "fused_chain_tiles";
      check.compile.batchSize = 2;
      check.compile.innerTiles = inner;
      check.runBatches = {2, 5};
      EXPECT_TRUE(matchesReference(b, check, rng))
          << c.name() << " inner " << str(inner);
    }
  }
}

/// Graph rewrites that build the fused op from separate ops: a constant ADD
/// becomes the bias, a batch norm folds into the filter, a standalone
/// activation folds into the conv; and cases that must not fuse (a conv
/// output with a second user, a padded pool).
TEST(FusedChain, GraphRewrites) {
  Random rng(testSeed());
  ModelBuilder b("rewrites");
  auto conv = [&](const std::string &name, int32_t in, int64_t cin, int64_t f,
                  fb::Padding padding) {
    int32_t k = addRandomWeight(b, rng, name + "/kernel", {3, 3, cin, f});
    fb::Conv2DOptionsT o;
    o.padding = padding;
    return b.conv2d(name, in, k, -1, o);
  };
  fb::Pool2DOptionsT pool2;
  pool2.filter_h = pool2.filter_w = 2;

  // conv -> add(bias) -> relu -> max pool.
  int32_t x0 = b.addInput("x0", {-1, 10, 11, 3});
  int32_t c0 = conv("c0", x0, 3, 16, fb::Padding::VALID);
  int32_t add = b.binary(fb::OpType::ADD, "c0+bias", c0,
                         addRandomWeight(b, rng, "c0/bias", {16}));
  int32_t r0 = b.unary(fb::OpType::RELU, "relu(c0+bias)", add);
  b.markOutput(b.maxPool2d("maxpool(relu(c0+bias))", r0, pool2));

  // conv -> batch norm -> relu6 -> avg pool.
  int32_t x1 = b.addInput("x1", {-1, 9, 9, 8});
  int32_t c1 = conv("c1", x1, 8, 32, fb::Padding::SAME);
  int32_t bn = b.batchNorm(
      "bn(c1)", c1, addRandomWeight(b, rng, "bn/gamma", {32}, 0.5f, 1.5f),
      addRandomWeight(b, rng, "bn/beta", {32}),
      addRandomWeight(b, rng, "bn/mean", {32}),
      addRandomWeight(b, rng, "bn/var", {32}, 0.1f, 2.0f), 1e-3f);
  int32_t r1 = b.unary(fb::OpType::RELU6, "relu6(bn(c1))", bn);
  b.markOutput(b.avgPool2d("avgpool(relu6(bn(c1)))", r1, pool2));

  // conv -> leaky relu op -> max pool; the conv output is also an output.
  int32_t x2 = b.addInput("x2", {-1, 8, 13, 4});
  int32_t c2 = conv("c2", x2, 4, 16, fb::Padding::VALID);
  b.markOutput(c2);
  int32_t l2 = b.leakyRelu("leaky(c2)", c2, 0.3f);
  b.markOutput(b.maxPool2d("maxpool(leaky(c2))", l2, pool2));

  // A padded (SAME) pool after a conv stays a separate op.
  int32_t x3 = b.addInput("x3", {-1, 7, 7, 2});
  int32_t c3 = conv("c3", x3, 2, 8, fb::Padding::SAME);
  fb::Pool2DOptionsT same = pool2;
  same.padding = fb::Padding::SAME;
  b.markOutput(b.avgPool2d("samepool(c3)", c3, same));

  // Standalone activations folded into depthwise and dense producers.
  int32_t x4 = b.addInput("x4", {-1, 6, 6, 5});
  fb::DepthwiseConv2DOptionsT dwo;
  dwo.padding = fb::Padding::SAME;
  int32_t dw = b.depthwiseConv2d(
      "dw", x4, addRandomWeight(b, rng, "dw/kernel", {3, 3, 5, 2}), -1, dwo);
  b.markOutput(b.unary(fb::OpType::TANH, "tanh(dw)", dw));
  int32_t x5 = b.addInput("x5", {-1, 20});
  int32_t d5 = b.dense("d5", x5, addRandomWeight(b, rng, "d5/w", {20, 12}),
                       addRandomWeight(b, rng, "d5/b", {12}));
  b.markOutput(b.unary(fb::OpType::SIGMOID, "sigmoid(d5)", d5));

  // Only the first two chains may fuse.
  expectFusedChains(b, {}, true, 2);
  expectFusedChains(b, {}, false, 2);
  for (bool fuse : {true, false}) {
    CheckOptions check;
    check.family = "fused_rewrites";
    check.compile = withFusion(check.compile, fuse);
    check.compile.batchSize = 3;
    check.runBatches = {3, 5};
    EXPECT_TRUE(matchesReference(b, check, rng)) << "fuse " << fuse;
  }
}

/// A LeNet-like stack: two fused chains in sequence, then flatten, dense and
/// softmax.
TEST(FusedChain, TwoStageNetwork) {
  Random rng(testSeed());
  ModelBuilder b("lenet");
  int32_t x = b.addInput("x", {-1, 21, 19, 3});
  // 21x19x3 -> 10x9x16 -> conv 8x7 -> 4x3x48.
  Chain s1 = square(21, 19, 3, 16, 3, fb::Padding::SAME, fb::Activation::RELU,
                    true, 2);
  Chain s2 = square(10, 9, 16, 48, 3, fb::Padding::VALID, fb::Activation::RELU,
                    false, 2);
  int32_t h = addChain(b, rng, s2, addChain(b, rng, s1, x));
  int32_t f = b.flatten("flatten", h);
  int32_t d =
      b.dense("dense", f, addRandomWeight(b, rng, "w", {576, 10}, -0.1f, 0.1f),
              addRandomWeight(b, rng, "b", {10}));
  b.markOutput(b.softmax("softmax", d));
  for (bool fuse : {true, false}) {
    CheckOptions check;
    check.family = "fused_network";
    check.compile.batchSize = 5;
    check.compile.fuse = fuse;
    check.runBatches = {5, 12};
    EXPECT_TRUE(matchesReference(b, check, rng)) << "fuse " << fuse;
  }
}

} // namespace
