// Gradients of the window ops (conv2d, depthwise_conv2d, pools), each
// compiled alone through the whole pipeline and compared with direct
// double-precision loops: the scatter form of each gradient (every forward
// product sends its share back), which shares nothing with the lowering's
// transposed convolutions and strided views. Randomized strides, dilations,
// paddings, windows and activations (seeded), plus the shapes of the
// reference CNN (examples/make_mnist_cnn.cpp) at batch 8, whose run times
// are printed.
#include "GradTestUtil.h"

#include <cmath>
#include <cstdio>
#include <limits>

using namespace dlc::e2e;

namespace {

int64_t outSize(int64_t in, int64_t k, int64_t s, int64_t d, int64_t before,
                int64_t after) {
  int64_t span = in + before + after - (k - 1) * d - 1;
  return span < 0 ? 0 : span / s + 1;
}

std::string pair(int64_t a, int64_t b) {
  return "array<i64: " + std::to_string(a) + ", " + std::to_string(b) + ">";
}

/// A forward convolution (regular: filter [KH, KW, C, F]; depthwise:
/// [KH, KW, C, M] with F = C * M).
struct Conv {
  int64_t n, h, w, c, f, kh, kw, s[2], d[2], pad[4];
  bool depthwise = false;
  int64_t oh() const { return outSize(h, kh, s[0], d[0], pad[0], pad[1]); }
  int64_t ow() const { return outSize(w, kw, s[1], d[1], pad[2], pad[3]); }
  int64_t m() const { return f / c; }
  std::vector<int64_t> x() const { return {n, h, w, c}; }
  std::vector<int64_t> y() const { return {n, oh(), ow(), f}; }
  std::vector<int64_t> filter() const {
    return {kh, kw, c, depthwise ? m() : f};
  }
  std::string attrs() const {
    return "{strides = " + pair(s[0], s[1]) + ", dilations = " +
           pair(d[0], d[1]) + ", padding = array<i64: " +
           std::to_string(pad[0]) + ", " + std::to_string(pad[1]) + ", " +
           std::to_string(pad[2]) + ", " + std::to_string(pad[3]) + ">}";
  }
  std::string str() const {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "%s x %ldx%ldx%ldx%ld f %ldx%ld->%ld s%ld,%ld d%ld,%ld "
                  "pad %ld,%ld,%ld,%ld",
                  depthwise ? "depthwise" : "conv", n, h, w, c, kh, kw, f,
                  s[0], s[1], d[0], d[1], pad[0], pad[1], pad[2], pad[3]);
    return buf;
  }

  /// Calls fn(xIndex, filterIndex, yIndex) for every product of the forward.
  template <class Fn> void forEachProduct(Fn fn) const {
    std::vector<int64_t> xs = x(), ys = y(), fs = filter();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t oy = 0; oy < oh(); ++oy)
        for (int64_t ox = 0; ox < ow(); ++ox)
          for (int64_t ky = 0; ky < kh; ++ky)
            for (int64_t kx = 0; kx < kw; ++kx) {
              int64_t ih = oy * s[0] + ky * d[0] - pad[0];
              int64_t iw = ox * s[1] + kx * d[1] - pad[2];
              if (ih < 0 || ih >= h || iw < 0 || iw >= w)
                continue;
              for (int64_t o = 0; o < f; ++o) {
                int64_t ic = depthwise ? o / m() : 0;
                for (int64_t i = depthwise ? ic : 0;
                     i < (depthwise ? ic + 1 : c); ++i)
                  fn(linear(xs, {b, ih, iw, i}),
                     linear(fs, {ky, kx, i, depthwise ? o % m() : o}),
                     linear(ys, {b, oy, ox, o}));
              }
            }
  }
};

Conv randomConv(Random &rng, bool depthwise) {
  for (;;) {
    Conv c;
    c.depthwise = depthwise;
    c.n = rng.intIn(1, 3);
    c.h = rng.intIn(3, 12);
    c.w = rng.intIn(3, 12);
    c.c = depthwise ? rng.intIn(1, 6) : rng.pick<int64_t>({1, 3, 5, 16, 32});
    c.f = depthwise ? c.c * rng.intIn(1, 3)
                    : rng.pick<int64_t>({1, 4, 7, 16, 32, 64});
    c.kh = rng.intIn(1, 3);
    c.kw = rng.intIn(1, 3);
    for (int i = 0; i < 2; ++i) {
      c.s[i] = rng.intIn(1, 2);
      c.d[i] = rng.intIn(1, 2);
    }
    for (int i = 0; i < 4; ++i)
      c.pad[i] = rng.intIn(0, 2);
    if (c.oh() >= 1 && c.ow() >= 1)
      return c;
  }
}

/// Compiles and checks both gradients of `conv`; returns their run times.
std::pair<double, double> checkConvGrads(Random &rng, const Conv &conv,
                                         int timingRepeats = 0) {
  std::string prefix = conv.depthwise ? "dlc.depthwise_conv2d" : "dlc.conv2d";
  Tensor x = Tensor::random(rng, conv.x()), w = Tensor::random(rng, conv.filter()),
         dy = Tensor::random(rng, conv.y());
  std::vector<double> dx(size_t(x.size())), dxScale(dx.size()),
      dw(size_t(w.size())), dwScale(dw.size());
  conv.forEachProduct([&](int64_t xi, int64_t wi, int64_t yi) {
    dx[xi] += double(dy.f[yi]) * w.f[wi];
    dxScale[xi] += std::fabs(double(dy.f[yi]) * w.f[wi]);
    dw[wi] += double(x.f[xi]) * dy.f[yi];
    dwScale[wi] += std::fabs(double(x.f[xi]) * dy.f[yi]);
  });
  std::pair<double, double> times{0, 0};

  std::unique_ptr<JitFunction> inputGrad, filterGrad;
  std::string body = "%r = " + prefix + "_input_grad %a0, %a1 " + conv.attrs() +
                     " : (" + dy.type() + ", " + w.type() + ") -> " + x.type();
  EXPECT_TRUE(JitFunction::compile(
      singleOpModule({dy.type(), w.type()}, {x.type()}, body), inputGrad))
      << conv.str();
  if (inputGrad) {
    std::vector<Tensor> in{dy, w};
    EXPECT_TRUE(near("input grad of " + conv.str(), inputGrad->run(in)[0], dx,
                     &dxScale));
    if (timingRepeats)
      times.first = inputGrad->timeMs(in, timingRepeats);
  }
  body = "%r = " + prefix + "_filter_grad %a0, %a1 " + conv.attrs() + " : (" +
         x.type() + ", " + dy.type() + ") -> " + w.type();
  EXPECT_TRUE(JitFunction::compile(
      singleOpModule({x.type(), dy.type()}, {w.type()}, body), filterGrad))
      << conv.str();
  if (filterGrad) {
    std::vector<Tensor> in{x, dy};
    EXPECT_TRUE(near("filter grad of " + conv.str(), filterGrad->run(in)[0], dw,
                     &dwScale));
    if (timingRepeats)
      times.second = filterGrad->timeMs(in, timingRepeats);
  }
  return times;
}

TEST(ConvGrad, RandomSweep) {
  Random rng(testSeed());
  for (int i = 0; i < 14; ++i)
    checkConvGrads(rng, randomConv(rng, false));
}

// Paddings beyond the dilated kernel's extent (a 1x1 kernel padded by 2:
// the first and last output rows see only padding) and strides that drop
// trailing input rows, the two cases where the transposed convolution's
// buffer must be cropped rather than padded.
TEST(ConvGrad, PaddingBeyondKernelAndDroppedRows) {
  Random rng(testSeed());
  checkConvGrads(rng, {2, 5, 6, 3, 4, 1, 1, {1, 2}, {1, 1}, {2, 2, 1, 2}});
  checkConvGrads(rng, {1, 8, 7, 5, 16, 3, 2, {2, 3}, {1, 2}, {0, 0, 0, 0}});
  checkConvGrads(rng, {2, 9, 9, 4, 8, 2, 2, {2, 2}, {2, 1}, {2, 0, 0, 2}});
}

// The reference CNN's three convolutions at batch 8 (3x3, stride 1, VALID).
TEST(ConvGrad, ReferenceCnnShapes) {
  Random rng(testSeed());
  const Conv layers[] = {{8, 28, 28, 1, 32, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}},
                         {8, 13, 13, 32, 64, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}},
                         {8, 5, 5, 64, 64, 3, 3, {1, 1}, {1, 1}, {0, 0, 0, 0}}};
  for (const Conv &conv : layers) {
    auto [inputMs, filterMs] = checkConvGrads(rng, conv, 20);
    double gflop = 2.0 * double(conv.n * conv.oh() * conv.ow() * conv.f *
                                conv.kh * conv.kw * conv.c) * 1e-9;
    std::printf("[ timing   ] %s: input grad %.3f ms (%.1f GFLOP/s), filter "
                "grad %.3f ms (%.1f GFLOP/s)\n",
                conv.str().c_str(), inputMs, gflop / inputMs * 1e3, filterMs,
                gflop / filterMs * 1e3);
  }
}

TEST(DepthwiseConvGrad, RandomSweep) {
  Random rng(testSeed());
  for (int i = 0; i < 8; ++i)
    checkConvGrads(rng, randomConv(rng, true));
}

//===----------------------------------------------------------------------===//
// Pool gradients
//===----------------------------------------------------------------------===//

const char *kActivations[] = {"none", "relu", "relu6", "leaky_relu", "sigmoid",
                              "tanh"};

double derivative(double y, int act, double alpha) {
  switch (act) {
  case 1: return y > 0 ? 1 : 0;
  case 2: return y > 0 && y < 6 ? 1 : 0;
  case 3: return y > 0 ? 1 : alpha;
  case 4: return y * (1 - y);
  case 5: return 1 - y * y;
  default: return 1;
  }
}

/// A value the activation could have produced, from few distinct values so
/// that windows hold ties (and ReLU outputs many zeros).
float activationOutput(Random &rng, int act, float alpha) {
  float u = float(rng.intIn(-3, 3)) * 0.5f;
  switch (act) {
  case 1: return std::max(u, 0.0f);
  case 2: return std::min(std::max(u * 3, 0.0f), 6.0f);
  case 3: return u > 0 ? u : alpha * u;
  case 4: return 1 / (1 + std::exp(-u));
  case 5: return std::tanh(u);
  default: return u;
  }
}

struct Pool {
  int64_t n, h, w, c, k[2], s[2], pad[4];
  bool isMax, includePad = false;
  int act = 0;
  int64_t oh() const { return outSize(h, k[0], s[0], 1, pad[0], pad[1]); }
  int64_t ow() const { return outSize(w, k[1], s[1], 1, pad[2], pad[3]); }
  std::string str() const {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "%s pool grad x %ldx%ldx%ldx%ld k%ldx%ld s%ld,%ld pad "
                  "%ld,%ld,%ld,%ld%s act %s",
                  isMax ? "max" : "avg", n, h, w, c, k[0], k[1], s[0], s[1],
                  pad[0], pad[1], pad[2], pad[3],
                  includePad ? " include_pad" : "", kActivations[act]);
    return buf;
  }
};

double checkPoolGrad(Random &rng, const Pool &p, int timingRepeats = 0) {
  const float alpha = 0.3f;
  Tensor x = Tensor::zeros({p.n, p.h, p.w, p.c});
  for (float &v : x.f)
    v = activationOutput(rng, p.act, alpha);
  Tensor dy = Tensor::random(rng, {p.n, p.oh(), p.ow(), p.c});
  std::vector<double> dx(size_t(x.size()));
  for (int64_t b = 0; b < p.n; ++b)
    for (int64_t oy = 0; oy < p.oh(); ++oy)
      for (int64_t ox = 0; ox < p.ow(); ++ox)
        for (int64_t ch = 0; ch < p.c; ++ch) {
          std::vector<int64_t> real;
          for (int64_t ky = 0; ky < p.k[0]; ++ky)
            for (int64_t kx = 0; kx < p.k[1]; ++kx) {
              int64_t ih = oy * p.s[0] + ky - p.pad[0];
              int64_t iw = ox * p.s[1] + kx - p.pad[2];
              if (ih >= 0 && ih < p.h && iw >= 0 && iw < p.w)
                real.push_back(linear(x.shape, {b, ih, iw, ch}));
            }
          double g = dy.f[linear(dy.shape, {b, oy, ox, ch})];
          if (p.isMax) {
            int64_t best = real[0];
            for (int64_t at : real)
              if (x.f[at] > x.f[best])
                best = at;
            dx[best] += g;
          } else {
            double count = p.includePad ? double(p.k[0] * p.k[1])
                                        : double(real.size());
            for (int64_t at : real)
              dx[at] += g / count;
          }
        }
  for (size_t i = 0; i < dx.size(); ++i)
    dx[i] *= derivative(x.f[i], p.act, alpha);

  std::string attrs =
      std::string("{kind = #dlc.pool_kind<") + (p.isMax ? "max" : "avg") +
      ">, window = " + pair(p.k[0], p.k[1]) + ", strides = " +
      pair(p.s[0], p.s[1]) + ", padding = array<i64: " +
      std::to_string(p.pad[0]) + ", " + std::to_string(p.pad[1]) + ", " +
      std::to_string(p.pad[2]) + ", " + std::to_string(p.pad[3]) +
      ">, count_include_pad = " + (p.includePad ? "true" : "false") +
      ", activation = #dlc.activation<" + kActivations[p.act] +
      ">, leaky_alpha = 0.3 : f32}";
  std::string body = "%r = dlc.pool2d_grad %a0, %a1 " + attrs + " : (" +
                     x.type() + ", " + dy.type() + ") -> " + x.type();
  std::unique_ptr<JitFunction> fn;
  EXPECT_TRUE(JitFunction::compile(
      singleOpModule({x.type(), dy.type()}, {x.type()}, body), fn))
      << p.str();
  if (!fn)
    return 0;
  std::vector<Tensor> in{x, dy};
  EXPECT_TRUE(near(p.str(), fn->run(in)[0], dx));
  return timingRepeats ? fn->timeMs(in, timingRepeats) : 0;
}

Pool randomPool(Random &rng, bool isMax) {
  for (;;) {
    Pool p;
    p.isMax = isMax;
    p.n = rng.intIn(1, 2);
    p.h = rng.intIn(2, 9);
    p.w = rng.intIn(2, 9);
    p.c = rng.pick<int64_t>({1, 3, 16, 19});
    for (int i = 0; i < 2; ++i) {
      p.k[i] = rng.intIn(1, 3);
      p.s[i] = rng.intIn(1, 3);
      p.pad[2 * i] = rng.intIn(0, p.k[i] - 1);
      p.pad[2 * i + 1] = rng.intIn(0, p.k[i] - 1);
    }
    p.includePad = !isMax && rng.coin();
    p.act = int(rng.intIn(0, 5));
    if (p.oh() >= 1 && p.ow() >= 1)
      return p;
  }
}

TEST(PoolGrad, MaxWithTies) {
  Random rng(testSeed());
  for (int i = 0; i < 14; ++i)
    checkPoolGrad(rng, randomPool(rng, true));
}

TEST(PoolGrad, Avg) {
  Random rng(testSeed());
  for (int i = 0; i < 10; ++i)
    checkPoolGrad(rng, randomPool(rng, false));
}

// The reference CNN's pools (2x2, stride 2, after a ReLU) at batch 8; the
// second drops the conv output's last row and column.
TEST(PoolGrad, ReferenceCnnShapes) {
  Random rng(testSeed());
  const Pool pools[] = {
      {8, 26, 26, 32, {2, 2}, {2, 2}, {0, 0, 0, 0}, true, false, 1},
      {8, 11, 11, 64, {2, 2}, {2, 2}, {0, 0, 0, 0}, true, false, 1},
      {8, 26, 26, 32, {2, 2}, {2, 2}, {0, 0, 0, 0}, false, false, 0},
      {8, 13, 13, 32, {3, 3}, {1, 1}, {1, 1, 1, 1}, true, false, 1}};
  for (const Pool &p : pools) {
    double ms = checkPoolGrad(rng, p, 20);
    std::printf("[ timing   ] %s: %.3f ms\n", p.str().c_str(), ms);
  }
}

} // namespace
