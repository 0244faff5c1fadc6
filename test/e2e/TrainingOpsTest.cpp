// The elementwise, reduction and shape ops of the backward pass
// (activation_grad, softmax_grad, reduce_to_shape, broadcast_to, matmul,
// slice), each compiled alone and compared with double-precision loops.
#include "GradTestUtil.h"

#include <cmath>
#include <cstdio>

using namespace dlc::e2e;

namespace {

std::vector<int64_t> randomShape(Random &rng, int64_t minRank, int64_t maxRank) {
  std::vector<int64_t> shape;
  int64_t rank = rng.intIn(minRank, maxRank);
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(rng.intIn(1, 7));
  return shape;
}

/// Compiles `body` over `inputs` and returns the single result; empty on a
/// compile failure (already reported).
std::vector<Tensor> compileAndRun(const std::string &body,
                                  std::vector<Tensor> inputs,
                                  const std::vector<std::string> &results) {
  std::vector<std::string> types;
  for (const Tensor &t : inputs)
    types.push_back(t.type());
  std::unique_ptr<JitFunction> fn;
  EXPECT_TRUE(JitFunction::compile(singleOpModule(types, results, body), fn));
  if (!fn)
    return {};
  return fn->run(inputs);
}

TEST(ActivationGrad, EachActivation) {
  Random rng(testSeed());
  const char *names[] = {"relu", "relu6", "leaky_relu", "sigmoid",
                         "tanh", "sqrt", "exp",        "log"};
  for (int act = 0; act < 8; ++act) {
    std::vector<int64_t> shape = randomShape(rng, 1, 4);
    // Outputs in the activation's range, zeros and sixes included; sqrt and
    // exp have positive outputs only (0.5 / y and y are their slopes).
    Tensor y = Tensor::random(rng, shape, act == 1 ? 0 : -1, act == 1 ? 7 : 1);
    if (act == 5 || act == 6)
      y = Tensor::random(rng, shape, 0.05f, 4);
    for (float &v : y.f)
      if (act < 5 && rng.coin(0.2))
        v = act == 1 && rng.coin() ? 6.0f : 0.0f;
    Tensor dy = Tensor::random(rng, shape);
    std::vector<double> want;
    for (size_t i = 0; i < y.f.size(); ++i) {
      double v = y.f[i], d = 1;
      switch (act) {
      case 0: d = v > 0; break;
      case 1: d = v > 0 && v < 6; break;
      case 2: d = v > 0 ? 1 : 0.25; break;
      case 3: d = v * (1 - v); break;
      case 4: d = 1 - v * v; break;
      case 5: d = 0.5 / v; break;
      case 6: d = v; break;
      case 7: d = std::exp(-v); break;
      }
      want.push_back(dy.f[i] * d);
    }
    std::string body = std::string("%r = dlc.activation_grad %a0, %a1 "
                                   "{activation = #dlc.activation<") +
                       names[act] + ">, leaky_alpha = 0.25 : f32} : " +
                       y.type();
    auto got = compileAndRun(body, {y, dy}, {y.type()});
    if (!got.empty())
      EXPECT_TRUE(near(names[act], got[0], want));
  }
}

TEST(SoftmaxGrad, SoftmaxAndLogSoftmax) {
  Random rng(testSeed());
  for (bool log : {false, true}) {
    std::vector<int64_t> shape = randomShape(rng, 1, 3);
    int64_t c = shape.back(), rows = int64_t(Tensor::zeros(shape).size()) / c;
    Tensor z = Tensor::random(rng, shape, -3, 3), dy = Tensor::random(rng, shape);
    Tensor y = z;
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int64_t j = 0; j < c; ++j)
        sum += std::exp(double(z.f[r * c + j]));
      for (int64_t j = 0; j < c; ++j) {
        double s = std::exp(double(z.f[r * c + j])) / sum;
        y.f[r * c + j] = float(log ? std::log(s) : s);
      }
    }
    std::vector<double> want(y.f.size());
    for (int64_t r = 0; r < rows; ++r) {
      double s = 0;
      for (int64_t j = 0; j < c; ++j)
        s += log ? double(dy.f[r * c + j])
                 : double(dy.f[r * c + j]) * y.f[r * c + j];
      for (int64_t j = 0; j < c; ++j) {
        double yv = y.f[r * c + j], g = dy.f[r * c + j];
        want[r * c + j] = log ? g - std::exp(yv) * s : yv * (g - s);
      }
    }
    std::string body = std::string("%r = dlc.softmax_grad %a0, %a1 {log = ") +
                       (log ? "true" : "false") + "} : " + y.type();
    auto got = compileAndRun(body, {y, dy}, {y.type()});
    if (!got.empty())
      EXPECT_TRUE(near(log ? "log_softmax_grad" : "softmax_grad", got[0], want));
  }
}

/// A shape `large` broadcasts from: some leading dims dropped, some others
/// set to 1.
std::vector<int64_t> broadcastSource(Random &rng,
                                     const std::vector<int64_t> &large) {
  size_t drop = size_t(rng.intIn(0, int64_t(large.size())));
  std::vector<int64_t> small(large.begin() + drop, large.end());
  for (int64_t &d : small)
    if (rng.coin(0.4))
      d = 1;
  return small;
}

/// Index into `small` (right-aligned, size-1 dims broadcast) of the element
/// at linear index `k` of `large`.
int64_t sourceIndex(const std::vector<int64_t> &large,
                    const std::vector<int64_t> &small, int64_t k) {
  std::vector<int64_t> idx(large.size());
  for (size_t d = large.size(); d-- > 0;) {
    idx[d] = k % large[d];
    k /= large[d];
  }
  int64_t at = 0;
  size_t lead = large.size() - small.size();
  for (size_t d = 0; d < small.size(); ++d)
    at = at * small[d] + (small[d] == 1 ? 0 : idx[lead + d]);
  return at;
}

TEST(ReduceToShape, RandomShapes) {
  Random rng(testSeed());
  for (int i = 0; i < 6; ++i) {
    std::vector<int64_t> large = randomShape(rng, 1, 4);
    std::vector<int64_t> small = broadcastSource(rng, large);
    Tensor x = Tensor::random(rng, large);
    std::vector<double> want(size_t(Tensor::zeros(small).size()));
    for (int64_t k = 0; k < x.size(); ++k)
      want[sourceIndex(large, small, k)] += x.f[k];
    std::string type = tensorType(small);
    auto got = compileAndRun("%r = dlc.reduce_to_shape %a0 : " + x.type() +
                                 " -> " + type,
                             {x}, {type});
    if (!got.empty())
      EXPECT_TRUE(near("reduce " + x.type() + " to " + type, got[0], want));
  }
  // The bias gradient of a conv layer.
  Tensor x = Tensor::random(rng, {8, 26, 26, 32});
  std::vector<double> want(32);
  for (int64_t k = 0; k < x.size(); ++k)
    want[k % 32] += x.f[k];
  auto got = compileAndRun("%r = dlc.reduce_to_shape %a0 : " + x.type() +
                               " -> tensor<32xf32>",
                           {x}, {"tensor<32xf32>"});
  if (!got.empty())
    EXPECT_TRUE(near("conv bias gradient", got[0], want));
}

TEST(BroadcastTo, RandomShapes) {
  Random rng(testSeed());
  for (int i = 0; i < 5; ++i) {
    std::vector<int64_t> large = randomShape(rng, 1, 4);
    Tensor x = Tensor::random(rng, broadcastSource(rng, large));
    std::string type = tensorType(large);
    std::vector<double> want;
    for (int64_t k = 0; k < Tensor::zeros(large).size(); ++k)
      want.push_back(x.f[sourceIndex(large, x.shape, k)]);
    auto got = compileAndRun("%r = dlc.broadcast_to %a0 : " + x.type() +
                                 " -> " + type,
                             {x}, {type});
    if (!got.empty())
      EXPECT_TRUE(near("broadcast " + x.type() + " to " + type, got[0], want));
  }
}

void checkMatmul(Random &rng, int64_t m, int64_t k, int64_t n, bool ta,
                 bool tb, bool timing = false) {
  Tensor a = Tensor::random(rng, ta ? std::vector<int64_t>{k, m}
                                    : std::vector<int64_t>{m, k});
  Tensor b = Tensor::random(rng, tb ? std::vector<int64_t>{n, k}
                                    : std::vector<int64_t>{k, n});
  std::vector<double> want(size_t(m * n)), scale(want.size());
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) {
        double prod = double(a.f[ta ? p * m + i : i * k + p]) *
                      b.f[tb ? j * k + p : p * n + j];
        want[i * n + j] += prod;
        scale[i * n + j] += std::fabs(prod);
      }
  std::string type = tensorType({m, n});
  std::string body = std::string("%r = dlc.matmul %a0, %a1 {transpose_a = ") +
                     (ta ? "true" : "false") + ", transpose_b = " +
                     (tb ? "true" : "false") + "} : (" + a.type() + ", " +
                     b.type() + ") -> " + type;
  std::unique_ptr<JitFunction> fn;
  ASSERT_TRUE(JitFunction::compile(
      singleOpModule({a.type(), b.type()}, {type}, body), fn));
  std::vector<Tensor> in{a, b};
  EXPECT_TRUE(near("matmul " + body, fn->run(in)[0], want, &scale));
  if (timing)
    std::printf("[ timing   ] matmul %ldx%ldx%ld%s%s: %.4f ms\n", m, k, n,
                ta ? " transpose_a" : "", tb ? " transpose_b" : "",
                fn->timeMs(in, 50));
}

TEST(Matmul, Transposes) {
  Random rng(testSeed());
  for (int rep = 0; rep < 2; ++rep)
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        checkMatmul(rng, rng.intIn(1, 40), rng.intIn(1, 80), rng.intIn(1, 70),
                    ta, tb);
  // The reference CNN's dense layers at batch 8: the weight gradients
  // x^T dy and the input gradients dy W^T.
  checkMatmul(rng, 576, 8, 64, true, false, true);
  checkMatmul(rng, 64, 8, 10, true, false, true);
  checkMatmul(rng, 8, 64, 576, false, true, true);
  checkMatmul(rng, 8, 10, 64, false, true, true);
}

TEST(Slice, RandomBoxes) {
  Random rng(testSeed());
  for (int i = 0; i < 4; ++i) {
    std::vector<int64_t> shape = randomShape(rng, 1, 4), offsets, sizes;
    for (int64_t d : shape) {
      offsets.push_back(rng.intIn(0, d - 1));
      sizes.push_back(rng.intIn(1, d - offsets.back()));
    }
    Tensor x = Tensor::random(rng, shape);
    Tensor box = Tensor::zeros(sizes);
    std::vector<double> want;
    for (int64_t k = 0; k < box.size(); ++k) {
      int64_t rest = k, at = 0, stride = 1;
      for (size_t d = shape.size(); d-- > 0;) {
        at += (rest % sizes[d] + offsets[d]) * stride;
        rest /= sizes[d];
        stride *= shape[d];
      }
      want.push_back(x.f[at]);
    }
    std::string list;
    for (int64_t o : offsets)
      list += (list.empty() ? "" : ", ") + std::to_string(o);
    auto got = compileAndRun("%r = dlc.slice %a0 {offsets = array<i64: " +
                                 list + ">} : " + x.type() + " -> " +
                                 box.type(),
                             {x}, {box.type()});
    if (!got.empty())
      EXPECT_TRUE(near("slice of " + x.type(), got[0], want));
  }
}

} // namespace
