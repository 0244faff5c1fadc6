// Batch normalization in training mode: a conv -> batch_norm -> relu ->
// pool -> dense -> softmax model trained by the compiled train_step
// (dlc::Trainer) and by the reference (dlc::ref::trainStep) from the same
// weights and batches. The loss, the parameters (gamma and beta included)
// and the moving statistics, which the forward pass updates in place, must
// agree; a saved run keeps the moving statistics.
#include "E2ETestUtil.h"
#include "TrainGraphUtil.h"

#include "dlc/Compiler/Training.h"
#include "dlc/reference/train.h"

#include "llvm/Support/FileSystem.h"

#include <cmath>
#include <cstring>

using namespace dlc;
using namespace dlc::e2e;

namespace {

constexpr int64_t kClasses = 3;

/// x [-1, 6, 6, 2] -> conv 3x3 (4 filters, bias) -> batch_norm (momentum
/// 0.9, not the default, so that the op's own momentum is what is used)
/// -> relu -> max pool 2x2 -> flatten -> dense 16x3 -> softmax.
/// `withGamma` false leaves gamma out (Keras' scale=False): a fixed 1.
std::unique_ptr<ModelFile> buildModel(Random &rng, bool withGamma = true) {
  ModelBuilder b("bn_cnn");
  int32_t x = b.addInput("x", {-1, 6, 6, 2});
  int32_t k = addRandomWeight(b, rng, "conv/kernel", {3, 3, 2, 4}, -0.5f, 0.5f);
  int32_t bias = addRandomWeight(b, rng, "conv/bias", {4}, -0.1f, 0.1f);
  int32_t conv = b.conv2d("conv", x, k, bias, fb::Conv2DOptionsT());
  int32_t gamma = withGamma
                      ? addRandomWeight(b, rng, "bn/gamma", {4}, 0.5f, 1.5f)
                      : -1;
  int32_t beta = addRandomWeight(b, rng, "bn/beta", {4}, -0.2f, 0.2f);
  int32_t mean = addRandomWeight(b, rng, "bn/moving_mean", {4}, -0.3f, 0.3f);
  int32_t var = addRandomWeight(b, rng, "bn/moving_variance", {4}, 0.5f, 1.5f);
  int32_t bn = b.addTensor("bn");
  fb::BatchNormOptionsT bnOptions;
  bnOptions.epsilon = 1e-3f;
  bnOptions.momentum = 0.9f;
  b.addOp(fb::OpType::BATCH_NORM, "bn", {conv, gamma, beta, mean, var}, {bn},
          makeOptions(bnOptions));
  int32_t relu = b.unary(fb::OpType::RELU, "relu", bn);
  int32_t pool = b.maxPool2d("pool", relu, fb::Pool2DOptionsT());
  int32_t flat = b.flatten("flat", pool);
  int32_t w = addRandomWeight(b, rng, "dense/kernel", {16, kClasses});
  int32_t db = addRandomWeight(b, rng, "dense/bias", {kClasses}, -0.1f, 0.1f);
  int32_t logits = b.dense("dense", flat, w, db);
  b.markOutput(b.softmax("softmax", logits));
  auto file = ModelFile::fromBuffer(b.finish(), "bn_cnn");
  EXPECT_TRUE(file.ok()) << file.status().message();
  return file.ok() ? std::move(*file) : nullptr;
}

std::pair<ref::RefTensor, ref::RefTensor> randomBatch(Random &rng,
                                                      int64_t n) {
  ref::RefTensor x{{n, 6, 6, 2}, rng.floats(size_t(n * 72), -1, 1)};
  return {x, randomOneHot(rng, n, kClasses)};
}

TrainerOptions sgdOptions(int threads) {
  TrainerOptions o = trainOptions(fb::Loss::CATEGORICAL_CROSSENTROPY,
                                  fb::Optimizer::SGD, 0.1f);
  o.momentum = 0.9f;
  o.batchSize = 8;
  o.threads = threads;
  return o;
}


/// Three SGD steps, compiled and reference: losses, parameters and moving
/// statistics within 1e-5.
void compareWithReference(int threads, bool withGamma = true) {
  Random rng(testSeed());
  std::unique_ptr<ModelFile> file = buildModel(rng, withGamma);
  ASSERT_TRUE(file);
  TrainerOptions options = sgdOptions(threads);
  auto trainer = createTrainer(*file, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status().message();
  ref::TrainConfig config = refConfig(options);
  ref::TrainState state = ref::initialTrainState(*file->model(), config);
  ASSERT_EQ(state.movingStats.size(), 2u);
  for (int s = 0; s < 3; ++s) {
    auto [x, labels] = randomBatch(rng, options.batchSize);
    float lr = (*trainer)->nextLearningRate();
    double want = ref::trainStep(*file->model(), state, x, labels, config, lr);
    auto got = (*trainer)->step(toHost(x), toHost(labels));
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_NEAR(*got, want, 1e-5 * std::max(1.0, std::fabs(want)))
        << "loss of step " << s;
  }
  size_t compared = 0;
  for (const std::string &name : (*trainer)->parameterNames()) {
    const ref::RefTensor *want = state.params.count(name)
                                     ? &state.params[name]
                                     : state.movingStats.count(name)
                                           ? &state.movingStats[name]
                                           : nullptr;
    ASSERT_TRUE(want) << "the reference has no parameter " << name;
    EXPECT_LE(relativeError(*(*trainer)->tensor(name), *want), 1e-5) << name;
    ++compared;
  }
  EXPECT_EQ(compared, state.params.size() + state.movingStats.size());
  // Moving statistics are parameters the optimizer leaves alone.
  EXPECT_FALSE((*trainer)->tensor("bn/moving_mean/velocity"));
  EXPECT_EQ(bool((*trainer)->tensor("bn/gamma/velocity")), withGamma);
}

TEST(TrainBatchNorm, SgdMatchesReference) { compareWithReference(1); }

// Without gamma the scale is a fixed 1, not a parameter.
TEST(TrainBatchNorm, WithoutGammaMatchesReference) {
  compareWithReference(1, /*withGamma=*/false);
}

// Batch statistics are not exact over half batches: with two threads the
// trainer falls back to the whole step, and so still matches.
TEST(TrainBatchNorm, TwoThreadsFallBackToWholeStep) {
  compareWithReference(2);
}

bool sameBits(const HostTensor &a, const HostTensor &b) {
  return a.byteSize() == b.byteSize() &&
         std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0;
}

// The moving statistics are saved with the weights and come back on
// resume; the next step then continues exactly.
TEST(TrainBatchNorm, SaveAndResumeKeepMovingStatistics) {
  Random rng(testSeed());
  std::unique_ptr<ModelFile> file = buildModel(rng);
  ASSERT_TRUE(file);
  TrainerOptions options = sgdOptions(1);
  auto first = createTrainer(*file, options);
  ASSERT_TRUE(first.ok()) << first.status().message();
  std::vector<std::pair<ref::RefTensor, ref::RefTensor>> batches;
  for (int s = 0; s < 3; ++s)
    batches.push_back(randomBatch(rng, options.batchSize));
  for (int s = 0; s < 2; ++s)
    ASSERT_TRUE((*first)->step(toHost(batches[s].first),
                               toHost(batches[s].second))
                    .ok());
  const HostTensor *moving = (*first)->tensor("bn/moving_mean");
  ASSERT_TRUE(moving);
  ref::TrainState initial =
      ref::initialTrainState(*file->model(), refConfig(options));
  EXPECT_FALSE(
      sameBits(toHost(initial.movingStats.at("bn/moving_mean")), *moving))
      << "two steps left the moving mean unchanged";

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("dlc-bn", "fb", path));
  ASSERT_TRUE((*first)->save(std::string(path), 0).ok());
  auto saved = ModelFile::open(std::string(path));
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  options.resume = true;
  auto resumed = createTrainer(**saved, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  for (const char *name : {"bn/moving_mean", "bn/moving_variance"})
    EXPECT_TRUE(sameBits(*(*first)->tensor(name), *(*resumed)->tensor(name)))
        << name;
  auto a = (*first)->step(toHost(batches[2].first), toHost(batches[2].second));
  auto b =
      (*resumed)->step(toHost(batches[2].first), toHost(batches[2].second));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  for (const std::string &name : (*first)->parameterNames())
    EXPECT_TRUE(sameBits(*(*first)->tensor(name), *(*resumed)->tensor(name)))
        << name;
  llvm::sys::fs::remove(path);
}

} // namespace
