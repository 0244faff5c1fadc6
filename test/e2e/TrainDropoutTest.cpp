// Dropout in training mode: the compiled train_step draws its mask from
// (the op's seed, the step number, the element index) with a hash; this
// test recomputes the same hash in C++ and hands the masks to the
// reference (dlc::ref::trainStep's DropoutMasks), so the two must agree.
#include "E2ETestUtil.h"
#include "TrainGraphUtil.h"

#include "dlc/Compiler/Training.h"
#include "dlc/reference/train.h"

#include <cmath>

using namespace dlc;
using namespace dlc::e2e;

namespace {

constexpr int64_t kClasses = 3;
constexpr float kRate = 0.3f;
constexpr int64_t kSeed = 12345678901; // uses both halves of the i64 seed

uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

/// The keep-mask of Dlc_DropoutTrainOp (DlcTrainingNormOps.td) for one step.
ref::RefTensor keepMask(std::vector<int64_t> shape, int64_t seed, float rate,
                        int64_t step) {
  uint32_t s = uint32_t(uint64_t(seed)) ^ uint32_t(uint64_t(seed) >> 32);
  uint32_t key = fmix32(s + uint32_t(step) * 0x9E3779B9u);
  uint32_t threshold = uint32_t(std::floor(double(rate) * 16777216.0));
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  ref::RefTensor mask{shape, std::vector<float>(size_t(count))};
  for (int64_t i = 0; i < count; ++i)
    mask.data[size_t(i)] =
        (fmix32(key + uint32_t(i) * 0x85EBCA6Bu) >> 8) >= threshold ? 1.0f
                                                                     : 0.0f;
  return mask;
}

/// x [-1, 8] -> dense 8x16 relu -> dropout -> dense 16x3 -> softmax.
std::unique_ptr<ModelFile> buildModel(Random &rng) {
  ModelBuilder b("dropout_mlp");
  int32_t x = b.addInput("x", {-1, 8});
  int32_t w1 = addRandomWeight(b, rng, "hidden/kernel", {8, 16}, -0.6f, 0.6f);
  int32_t b1 = addRandomWeight(b, rng, "hidden/bias", {16}, -0.1f, 0.1f);
  fb::DenseOptionsT relu;
  relu.activation = fb::Activation::RELU;
  int32_t h = b.dense("hidden", x, w1, b1, relu);
  int32_t d = b.dropout("drop", h, kRate, kSeed);
  int32_t w2 = addRandomWeight(b, rng, "out/kernel", {16, kClasses});
  int32_t logits = b.dense("out", d, w2, -1);
  b.markOutput(b.softmax("softmax", logits));
  auto file = ModelFile::fromBuffer(b.finish(), "dropout_mlp");
  EXPECT_TRUE(file.ok()) << file.status().message();
  return file.ok() ? std::move(*file) : nullptr;
}

std::pair<ref::RefTensor, ref::RefTensor> randomBatch(Random &rng,
                                                      int64_t n) {
  ref::RefTensor x{{n, 8}, rng.floats(size_t(n * 8), -1, 1)};
  return {x, randomOneHot(rng, n, kClasses)};
}

TrainerOptions sgdOptions(int threads) {
  TrainerOptions o = trainOptions(fb::Loss::CATEGORICAL_CROSSENTROPY,
                                  fb::Optimizer::SGD, 0.1f);
  o.batchSize = 8;
  o.threads = threads;
  return o;
}

TEST(TrainDropout, SeededMaskMatchesReference) {
  Random rng(testSeed());
  std::unique_ptr<ModelFile> file = buildModel(rng);
  ASSERT_TRUE(file);
  TrainerOptions options = sgdOptions(1);
  auto trainer = createTrainer(*file, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status().message();
  ref::TrainConfig config;
  config.loss = options.loss;
  config.optimizer = options.optimizer;
  ref::TrainState state = ref::initialTrainState(*file->model(), config);
  double kept = 0, total = 0;
  for (int s = 0; s < 3; ++s) {
    auto [x, labels] = randomBatch(rng, options.batchSize);
    ref::DropoutMasks masks;
    masks["drop"] = keepMask({options.batchSize, 16}, kSeed, kRate, state.step);
    for (float m : masks["drop"].data)
      kept += m, total += 1;
    float lr = (*trainer)->nextLearningRate();
    double want =
        ref::trainStep(*file->model(), state, x, labels, config, lr, &masks);
    auto got = (*trainer)->step(toHost(x), toHost(labels));
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_NEAR(*got, want, 1e-5 * std::max(1.0, std::fabs(want)))
        << "loss of step " << s;
  }
  // The hash drops about `rate` of the elements (384 draws).
  EXPECT_NEAR(kept / total, 1.0 - kRate, 0.1);
  for (const std::string &name : (*trainer)->parameterNames()) {
    ASSERT_TRUE(state.params.count(name)) << name;
    EXPECT_LE(relativeError(*(*trainer)->tensor(name), state.params[name]),
              1e-5)
        << name;
  }
}

// Two threads: each half's `gradients` reads the step number too. Its masks
// are drawn per half (indices restart), so only sanity is checked.
TEST(TrainDropout, TwoThreadsTrain) {
  Random rng(testSeed());
  std::unique_ptr<ModelFile> file = buildModel(rng);
  ASSERT_TRUE(file);
  auto trainer = createTrainer(*file, sgdOptions(2));
  ASSERT_TRUE(trainer.ok()) << trainer.status().message();
  for (int s = 0; s < 2; ++s) {
    auto [x, labels] = randomBatch(rng, 8);
    auto got = (*trainer)->step(toHost(x), toHost(labels));
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_TRUE(std::isfinite(*got));
  }
}

} // namespace
