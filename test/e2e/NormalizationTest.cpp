// SOFTMAX and LOG_SOFTMAX over every non-batch axis (positive and negative),
// inference BATCH_NORM (with and without gamma/beta) and DROPOUT (the
// identity at inference).
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

/// Inputs in [-20, 20): exp overflows without the max subtraction, and
/// log_softmax's small probabilities would underflow if it were computed
/// as log(softmax).
TEST(Softmax, AxesSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 3; ++model) {
    ModelBuilder b("softmax_sweep");
    for (int c = 0; c < 8; ++c) {
      std::vector<int64_t> shape = {-1};
      int64_t rank = rng.intIn(1, 3);
      for (int64_t d = 0; d < rank; ++d)
        shape.push_back(rng.pick(std::vector<int64_t>{1, 2, 5, 10, 16, 33}));
      int64_t full = rank + 1;
      int64_t axis = rng.intIn(1, full - 1);
      int32_t axisAttr = int32_t(rng.coin() ? axis - full : axis);
      bool log = c % 2 == 1;
      std::string name = std::string(log ? "log_softmax" : "softmax") +
                         " axis " + std::to_string(axisAttr) + " of " +
                         str(shape) + " #" + std::to_string(c);
      int32_t x = b.addInput("x" + std::to_string(c), shape);
      b.markOutput(log ? b.logSoftmax(name, x, axisAttr)
                       : b.softmax(name, x, axisAttr));
    }
    CheckOptions check;
    check.family = "softmax";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 5});
    check.runBatches = {check.compile.batchSize, 3};
    check.lo = -20.0f;
    check.hi = 20.0f;
    EXPECT_TRUE(matchesReference(b, check, rng)) << "model " << model;
  }
}

/// Softmax after a dense layer (the classifier head), where the input is a
/// computed value rather than an argument.
TEST(Softmax, AfterDense) {
  Random rng(testSeed());
  ModelBuilder b("softmax_head");
  int32_t x = b.addInput("x", {-1, 37});
  int32_t w = addRandomWeight(b, rng, "w", {37, 10});
  int32_t bias = addRandomWeight(b, rng, "b", {10});
  int32_t logits = b.dense("logits", x, w, bias);
  b.markOutput(b.softmax("softmax(dense)", logits));
  b.markOutput(b.logSoftmax("log_softmax(dense)", logits));
  CheckOptions check;
  check.family = "softmax";
  check.compile.batchSize = 4;
  check.runBatches = {4, 9};
  EXPECT_TRUE(matchesReference(b, check, rng));
}

/// Random per-channel statistics over ranks 2-4; the folding into a conv is
/// in FusedChainTest.cpp.
int32_t addBatchNorm(ModelBuilder &b, Random &rng, int32_t x,
                     const std::vector<int64_t> &shape, bool gamma, bool beta,
                     int c) {
  int64_t ch = shape.back();
  float eps = rng.pick(std::vector<float>{1e-3f, 1e-5f, 0.1f});
  std::string name = "batch_norm " + str(shape) + " eps " +
                     std::to_string(eps) + (gamma ? "" : " no-gamma") +
                     (beta ? "" : " no-beta") + " #" + std::to_string(c);
  int32_t g =
      gamma ? addRandomWeight(b, rng, name + "/gamma", {ch}, 0.2f, 2.0f) : -1;
  int32_t be = beta ? addRandomWeight(b, rng, name + "/beta", {ch}) : -1;
  int32_t mean = addRandomWeight(b, rng, name + "/mean", {ch});
  // Small variances make 1/sqrt(var + eps) large: the epsilon matters.
  int32_t var = addRandomWeight(b, rng, name + "/var", {ch}, 0.0f, 2.0f);
  return b.batchNorm(name, x, g, be, mean, var, eps);
}

std::vector<int64_t> randomShape(Random &rng) {
  std::vector<int64_t> shape = {-1};
  int64_t rank = rng.pick(std::vector<int64_t>{1, 3, 3, 2});
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(rng.pick(std::vector<int64_t>{1, 3, 4, 7, 16, 17}));
  return shape;
}

TEST(BatchNorm, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("batch_norm_sweep");
    for (int c = 0; c < 6; ++c) {
      std::vector<int64_t> shape = randomShape(rng);
      int32_t x = b.addInput("x" + std::to_string(c), shape);
      b.markOutput(addBatchNorm(b, rng, x, shape, true, true, c));
    }
    CheckOptions check;
    check.family = "batch_norm";
    check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 3});
    check.runBatches = {check.compile.batchSize, 5};
    EXPECT_TRUE(matchesReference(b, check, rng)) << "model " << model;
  }
}

/// Keras' center=False / scale=False leave beta / gamma out (input -1): a
/// scale of 1 and an offset of 0.
TEST(BatchNorm, WithoutGammaOrBeta) {
  Random rng(testSeed());
  ModelBuilder b("batch_norm_optional");
  for (int c = 0; c < 3; ++c) {
    std::vector<int64_t> shape = randomShape(rng);
    int32_t x = b.addInput("x" + std::to_string(c), shape);
    b.markOutput(addBatchNorm(b, rng, x, shape, c != 0, c != 1, c));
  }
  CheckOptions check;
  check.family = "batch_norm";
  check.compile.batchSize = 2;
  check.runBatches = {2, 3};
  EXPECT_TRUE(matchesReference(b, check, rng));
}

/// Dropout is the identity at inference, alone (the output is the input)
/// and inside a computation.
TEST(Dropout, IsIdentity) {
  Random rng(testSeed());
  ModelBuilder b("dropout");
  int32_t x = b.addInput("x", {-1, 3, 4, 5});
  b.markOutput(b.dropout("dropout(x) rate 0.5", x, 0.5f, 7));
  int32_t y = b.addInput("y", {-1, 9});
  int32_t w = addRandomWeight(b, rng, "w", {9, 6});
  int32_t h = b.dense("dense", y, w, -1);
  int32_t d = b.dropout("dropout(dense) rate 0.9", h, 0.9f, 1);
  b.markOutput(b.unary(fb::OpType::RELU, "relu(dropout(dense))", d));
  CheckOptions check;
  check.family = "dropout";
  check.compile.batchSize = 2;
  check.runBatches = {2, 3};
  EXPECT_TRUE(matchesReference(b, check, rng));
}

} // namespace
