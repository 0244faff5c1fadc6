// ADD/SUB/MUL/DIV with NumPy broadcasting (graph inputs and constants on
// either side, rank differences, size-1 dims on both sides), and the
// standalone activations RELU, RELU6, LEAKY_RELU, SIGMOID, TANH and CLIP,
// and the math functions SQRT, ERF, EXP and LOG.
#include "E2ETestUtil.h"

#include <cmath>

using namespace dlc;
using namespace dlc::e2e;

namespace {

const std::vector<fb::OpType> kBinaryOps = {fb::OpType::ADD, fb::OpType::SUB,
                                            fb::OpType::MUL, fb::OpType::DIV};

/// One operand: a graph input (batched, dim 0 = -1) or a constant.
struct Operand {
  std::vector<int64_t> shape; // without the batch for inputs
  bool input;
};

/// A pair of broadcast-compatible operands whose result is `full` (batch
/// first). Patterns: equal shapes; one side with size-1 dims; both sides
/// with size-1 dims in different places; a constant of lower rank; a
/// constant with a size-1 batch dim.
std::pair<Operand, Operand> randomOperands(Random &rng,
                                           const std::vector<int64_t> &full) {
  std::vector<int64_t> dims(full.begin() + 1, full.end());
  auto ones = [&](double p) {
    std::vector<int64_t> s = dims;
    for (int64_t &d : s)
      if (rng.coin(p))
        d = 1;
    return s;
  };
  auto suffix = [&]() {
    size_t keep = size_t(rng.intIn(0, int64_t(dims.size())));
    std::vector<int64_t> s(dims.end() - keep, dims.end());
    for (int64_t &d : s)
      if (rng.coin(0.3))
        d = 1;
    return s;
  };
  std::pair<Operand, Operand> ops;
  switch (rng.intIn(0, 4)) {
  case 0:
    ops = {{dims, true}, {dims, true}};
    break;
  case 1:
    ops = {{dims, true}, {ones(0.5), true}};
    break;
  case 2: {
    // Complementary size-1 dims: each side broadcasts the other.
    std::vector<int64_t> a = dims, c = dims;
    for (size_t i = 0; i < dims.size(); ++i)
      (rng.coin() ? a : c)[i] = 1;
    ops = {{a, true}, {c, true}};
    break;
  }
  case 3:
    ops = {{dims, true}, {suffix(), false}};
    break;
  default: {
    // A constant [1, ...] that broadcasts along the batch.
    std::vector<int64_t> s = ones(0.3);
    s.insert(s.begin(), 1);
    ops = {{dims, true}, {s, false}};
    break;
  }
  }
  if (rng.coin())
    std::swap(ops.first, ops.second);
  return ops;
}

TEST(Binary, BroadcastSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 4; ++model) {
    ModelBuilder b("binary_sweep");
    for (int c = 0; c < 8; ++c) {
      std::vector<int64_t> full = {-1};
      int64_t rank = rng.intIn(1, 4);
      for (int64_t d = 0; d < rank; ++d)
        full.push_back(rng.intIn(1, 6));
      fb::OpType type = kBinaryOps[size_t(c % 4)];
      auto [lhs, rhs] = randomOperands(rng, full);
      std::string name = std::string(fb::EnumNameOpType(type)) + " " +
                         (lhs.input ? "in" : "const") + str(lhs.shape) + " " +
                         (rhs.input ? "in" : "const") + str(rhs.shape) + " #" +
                         std::to_string(c);
      auto make = [&](const Operand &o, const std::string &side) {
        if (o.input) {
          std::vector<int64_t> s = o.shape;
          s.insert(s.begin(), -1);
          return b.addInput(name + "/" + side, s);
        }
        // Constants keep away from zero too (they may be the divisor).
        int64_t n = 1;
        for (int64_t d : o.shape)
          n *= d;
        std::vector<float> v = rng.floats(size_t(n), 0.5f, 2.0f);
        for (float &x : v)
          x = rng.coin() ? -x : x;
        return b.addWeight(name + "/" + side, o.shape, v);
      };
      int32_t l = make(lhs, "lhs"), r = make(rhs, "rhs");
      b.markOutput(b.binary(type, name, l, r));
    }
    CheckOptions check;
    check.family = "binary";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 3, 4});
    check.runBatches = {check.compile.batchSize, 5};
    // |x| in [0.5, 2): a divisor never comes near zero, so DIV compares
    // well-conditioned quotients.
    check.sample = [](Random &r, size_t) {
      float v = r.uniform(0.5f, 2.0f);
      return r.coin() ? -v : v;
    };
    EXPECT_TRUE(matchesReference(b, check, rng)) << "model " << model;
  }
}

/// Every standalone activation on inputs wide enough to hit RELU6's upper
/// clamp, sigmoid/tanh saturation and both sides of every CLIP range.
TEST(Activation, Sweep) {
  Random rng(testSeed());
  for (int model = 0; model < 3; ++model) {
    ModelBuilder b("activation_sweep");
    for (int c = 0; c < 8; ++c) {
      std::vector<int64_t> shape = {-1};
      int64_t rank = rng.intIn(1, 4);
      for (int64_t d = 0; d < rank; ++d)
        shape.push_back(rng.pick(std::vector<int64_t>{1, 2, 3, 7, 16, 17}));
      std::string suffix = " " + str(shape) + " #" + std::to_string(c);
      int32_t x = b.addInput("x" + std::to_string(c), shape);
      int32_t y;
      switch (c) {
      case 0:
        y = b.unary(fb::OpType::RELU, "relu" + suffix, x);
        break;
      case 1:
        y = b.unary(fb::OpType::RELU6, "relu6" + suffix, x);
        break;
      case 2: {
        float alpha = rng.uniform(0.0f, 1.0f);
        y = b.leakyRelu("leaky_relu a=" + std::to_string(alpha) + suffix, x,
                        alpha);
        break;
      }
      case 3:
        y = b.unary(fb::OpType::SIGMOID, "sigmoid" + suffix, x);
        break;
      case 4:
        y = b.unary(fb::OpType::TANH, "tanh" + suffix, x);
        break;
      default: {
        float lo = rng.uniform(-6.0f, 1.0f);
        float hi = lo + rng.uniform(0.0f, 8.0f);
        y = b.clip("clip [" + std::to_string(lo) + ", " + std::to_string(hi) +
                       "]" + suffix,
                   x, lo, hi);
        break;
      }
      }
      b.markOutput(y);
    }
    CheckOptions check;
    check.family = "activation";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 5});
    check.runBatches = {check.compile.batchSize, 3};
    check.lo = -12.0f;
    check.hi = 12.0f;
    EXPECT_TRUE(matchesReference(b, check, rng)) << "model " << model;
  }
}

const std::vector<fb::OpType> kMathOps = {fb::OpType::SQRT, fb::OpType::ERF,
                                          fb::OpType::EXP, fb::OpType::LOG};

/// SQRT, ERF, EXP and LOG, whose codegen is inline approximations (erf, exp,
/// log) or one instruction (sqrt), never libm. SQRT and LOG get positive
/// inputs only (from 1e-3 up, across several octaves); ERF gets both its
/// linear middle and its saturated tails; EXP spans results from about 1e-9
/// to 1e9. The bound is tighter than the default: 1e-5 of max(1, |want|).
TEST(Activation, MathSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 3; ++model) {
    ModelBuilder b("math_sweep");
    for (int c = 0; c < 8; ++c) {
      std::vector<int64_t> shape = {-1};
      int64_t rank = rng.intIn(1, 4);
      for (int64_t d = 0; d < rank; ++d)
        shape.push_back(rng.pick(std::vector<int64_t>{1, 2, 3, 7, 16, 17}));
      fb::OpType type = kMathOps[size_t(c % 4)];
      std::string name = std::string(fb::EnumNameOpType(type)) + " " +
                         str(shape) + " #" + std::to_string(c);
      int32_t x = b.addInput("x" + std::to_string(c), shape);
      b.markOutput(b.unary(type, name, x));
    }
    CheckOptions check;
    check.family = "math";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 5});
    check.runBatches = {check.compile.batchSize, 3};
    check.tolerance = 1e-5;
    // Input c feeds kMathOps[c % 4].
    check.sample = [](Random &r, size_t input) {
      switch (kMathOps[input % 4]) {
      case fb::OpType::SQRT:
      case fb::OpType::LOG:
        return std::exp2(r.uniform(-10.0f, 7.0f));
      case fb::OpType::ERF:
        return r.uniform(-5.0f, 5.0f);
      default:
        return r.uniform(-20.0f, 20.0f);
      }
    };
    EXPECT_TRUE(matchesReference(b, check, rng)) << "model " << model;
  }
}

/// The compiled code of the math ops calls no libm function: a .so must not
/// need its host to have loaded libm, and a call would stop vectorization.
TEST(Activation, MathNeedsNoLibm) {
  ModelBuilder b("math_no_libm");
  int32_t x = b.addInput("x", {-1, 64});
  for (fb::OpType type : kMathOps)
    b.markOutput(b.unary(type, fb::EnumNameOpType(type), x));
  CompileOptions options;
  options.batchSize = 4;
  std::string ir;
  ASSERT_TRUE(compileToText(b, options, EmitKind::LLVMIR, ir));
  for (const char *fn : {"@sqrtf", "@erff", "@expf", "@logf", "@fmaf"})
    EXPECT_EQ(countOf(ir, fn), 0) << fn << " is called:\n" << ir;
}

/// Activations applied to a computed value (an ADD), so they stay separate
/// ops rather than folding into a producer, chained with one another.
TEST(Activation, Chains) {
  Random rng(testSeed());
  ModelBuilder b("activation_chains");
  const std::vector<int64_t> shape = {-1, 4, 5, 17};
  int32_t x = b.addInput("x", shape);
  int32_t bias = addRandomWeight(b, rng, "bias", {17}, -3.0f, 3.0f);
  int32_t s = b.binary(fb::OpType::ADD, "add", x, bias);
  b.markOutput(b.unary(fb::OpType::TANH, "tanh(relu6(add))",
                       b.unary(fb::OpType::RELU6, "relu6", s)));
  b.markOutput(b.clip("clip(sigmoid(add))",
                      b.unary(fb::OpType::SIGMOID, "sigmoid", s), 0.2f, 0.7f));
  b.markOutput(b.leakyRelu("leaky(relu(add))",
                           b.unary(fb::OpType::RELU, "relu", s), 0.1f));
  CheckOptions check;
  check.family = "activation";
  check.compile.batchSize = 3;
  check.runBatches = {3, 1, 7};
  check.lo = -8.0f;
  check.hi = 8.0f;
  EXPECT_TRUE(matchesReference(b, check, rng));
}

} // namespace
