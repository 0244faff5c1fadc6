// Whole training steps of the example CNN, compiled by dlc (dlc::Trainer
// over a JIT-compiled train_step) and computed by the reference
// implementation (dlc::ref::trainStep), from the same weights, images and
// labels: the updated parameters and optimizer state must agree. Also: the
// same seed gives bit-identical training, and a saved run resumes exactly.
#include "E2ETestUtil.h"
#include "TrainGraphUtil.h"

#include "dlc/Compiler/Training.h"
#include "dlc/reference/train.h"
#include "dlc/runtime/Fit.h"

#include "llvm/Support/FileSystem.h"

#include <cmath>
#include <cstring>

using namespace dlc;
using namespace dlc::e2e;

namespace {

const char *kModelPath = DLC_EXAMPLES_DIR "/mnist_cnn.fb";

/// Random images in [0, 1) and one-hot labels of random classes.
std::pair<ref::RefTensor, ref::RefTensor> randomBatch(Random &rng,
                                                      int64_t n) {
  ref::RefTensor images{{n, 28, 28, 1}, rng.floats(size_t(n * 784), 0, 1)};
  ref::RefTensor labels{{n, 10}, std::vector<float>(size_t(n * 10), 0.0f)};
  std::vector<float> pick = rng.floats(size_t(n), 0, 10);
  for (int64_t i = 0; i < n; ++i)
    labels.data[size_t(i * 10 + std::min<int64_t>(9, int64_t(pick[i])))] = 1;
  return {images, labels};
}



class TrainStep : public ::testing::Test {
protected:
  void SetUp() override {
    auto file = ModelFile::open(kModelPath);
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::move(*file);
  }

  /// `steps` steps of batch `batch` with `options`, compiled and reference,
  /// then every parameter and slot compared with `tolerance`.
  void compare(TrainerOptions options, int64_t batch, int steps,
               double tolerance) {
    options.batchSize = batch;
    auto trainer = createTrainer(*file_, options);
    ASSERT_TRUE(trainer.ok()) << trainer.status().message();
    ref::TrainConfig config = refConfig(options);
    ref::TrainState state = ref::initialTrainState(*file_->model(), config);
    Random rng(testSeed());
    for (int s = 0; s < steps; ++s) {
      auto [images, labels] = randomBatch(rng, batch);
      float lr = (*trainer)->nextLearningRate();
      double want = ref::trainStep(*file_->model(), state, images, labels,
                                   config, lr);
      auto got = (*trainer)->step(toHost(images), toHost(labels));
      ASSERT_TRUE(got.ok()) << got.status().message();
      EXPECT_NEAR(*got, want, 1e-5 * std::max(1.0, std::fabs(want)))
          << "loss of step " << s;
    }
    for (const std::string &name : (*trainer)->parameterNames()) {
      ASSERT_TRUE(state.params.count(name)) << name;
      EXPECT_LE(relativeError(*(*trainer)->tensor(name), state.params[name]),
                tolerance)
          << "parameter " << name;
    }
  }

  std::unique_ptr<ModelFile> file_;
};

// SGD with Nesterov momentum and weight decay: every step's update is linear
// in the gradient, so parameters match to float rounding.
TEST_F(TrainStep, SgdNesterovMatchesReference) {
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.optimizer = fb::Optimizer::SGD;
  o.learningRate = 0.05f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weightDecay = 0.01f;
  compare(o, 8, 3, 1e-5);
}

// Two threads: each half of the batch computes its gradients concurrently
// (the compiled `gradients`), the host averages them, the compiled
// `apply_gradients` updates. Odd batch: halves of 4 and 3 rows.
TEST_F(TrainStep, TwoThreadsMatchReference) {
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.optimizer = fb::Optimizer::SGD;
  o.learningRate = 0.05f;
  o.momentum = 0.9f;
  o.threads = 2;
  compare(o, 7, 3, 1e-5);
  o.optimizer = fb::Optimizer::ADAM;
  o.learningRate = 1e-3f;
  compare(o, 16, 2, 2e-2);
}

// Adam, the reference recipe. Adam's first steps move each weight by about
// lr * sign(gradient), so a gradient that is zero up to rounding may flip
// sign between two correct implementations; the tolerance allows that for
// a few weights of 1e-3 while the loss must still match to 1e-5.
TEST_F(TrainStep, AdamMatchesReference) {
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  compare(o, 16, 2, 2e-2);
}

TEST_F(TrainStep, RmspropAndAdagradMatchReference) {
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.optimizer = fb::Optimizer::RMSPROP;
  compare(o, 4, 2, 2e-2);
  o.optimizer = fb::Optimizer::ADAGRAD;
  o.learningRate = 0.01f;
  compare(o, 4, 2, 1e-5);
}

TEST_F(TrainStep, SparseLabelsMatchOneHot) {
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.optimizer = fb::Optimizer::SGD;
  o.learningRate = 0.1f;
  o.batchSize = 8;
  auto dense = createTrainer(*file_, o);
  o.loss = fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
  auto sparse = createTrainer(*file_, o);
  ASSERT_TRUE(dense.ok() && sparse.ok());
  Random rng(testSeed());
  auto [images, labels] = randomBatch(rng, 8);
  auto indices = HostTensor::create(DType::I32, {8});
  ASSERT_TRUE(indices.ok());
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t c = 0; c < 10; ++c)
      if (labels.data[size_t(i * 10 + c)] == 1)
        indices->data<int32_t>()[i] = int32_t(c);
  auto a = (*dense)->step(toHost(images), toHost(labels));
  auto b = (*sparse)->step(toHost(images), *indices);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(*a, *b, 1e-6);
}

/// A small data set for the fit() tests: 96 random examples.
Dataset smallDataset(uint32_t seed) {
  Random rng(seed);
  auto [images, labels] = randomBatch(rng, 96);
  auto sparse = HostTensor::create(DType::I32, {96});
  for (int64_t i = 0; i < 96; ++i)
    for (int64_t c = 0; c < 10; ++c)
      if (labels.data[size_t(i * 10 + c)] == 1)
        sparse->data<int32_t>()[i] = int32_t(c);
  auto data = makeDataset(toHost(images), std::move(*sparse), "x", "y");
  EXPECT_TRUE(data.ok());
  return std::move(*data);
}

bool sameBits(const HostTensor &a, const HostTensor &b) {
  return a.byteSize() == b.byteSize() &&
         std::memcmp(a.rawData(), b.rawData(), a.byteSize()) == 0;
}

// Two runs with the same seed are bit-identical: shuffling, and two-thread
// steps of both batch sizes (96 examples = 2 batches of 40 + one of 16).
TEST_F(TrainStep, SameSeedGivesBitIdenticalTraining) {
  Dataset data = smallDataset(7);
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.batchSize = 40;
  o.threads = 2; // the data-parallel path is deterministic too
  FitOptions fit;
  fit.epochs = 2;
  fit.seed = 11;
  auto a = createTrainer(*file_, o), b = createTrainer(*file_, o);
  ASSERT_TRUE(a.ok() && b.ok());
  auto ha = dlc::fit(**a, data, nullptr, fit);
  auto hb = dlc::fit(**b, data, nullptr, fit);
  ASSERT_TRUE(ha.ok()) << ha.status().message();
  ASSERT_TRUE(hb.ok()) << hb.status().message();
  EXPECT_EQ((*a)->stepsTaken(), 6);
  for (const std::string &name : (*a)->parameterNames())
    EXPECT_TRUE(sameBits(*(*a)->tensor(name), *(*b)->tensor(name))) << name;
  EXPECT_EQ((*ha)[1].loss, (*hb)[1].loss);
}

// Saving after epoch 1 and resuming for epoch 2 gives exactly the result of
// two uninterrupted epochs: weights, Adam's slots and the step count all
// come back from the file.
TEST_F(TrainStep, ResumeContinuesExactly) {
  Dataset data = smallDataset(9);
  TrainerOptions o = TrainerOptions::fromModel(*file_->model());
  o.batchSize = 32;
  FitOptions fit;
  fit.seed = 5;
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("dlc-resume", "fb", path));

  auto straight = createTrainer(*file_, o);
  ASSERT_TRUE(straight.ok());
  fit.epochs = 2;
  ASSERT_TRUE(dlc::fit(**straight, data, nullptr, fit).ok());

  auto first = createTrainer(*file_, o);
  ASSERT_TRUE(first.ok());
  fit.epochs = 1;
  fit.checkpointPath = std::string(path);
  ASSERT_TRUE(dlc::fit(**first, data, nullptr, fit).ok());

  auto saved = ModelFile::open(std::string(path));
  ASSERT_TRUE(saved.ok()) << saved.status().message();
  o.resume = true;
  auto resumed = createTrainer(**saved, o);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ((*resumed)->epochsDone(), 1);
  EXPECT_EQ((*resumed)->stepsTaken(), 3);
  fit.epochs = 2;
  fit.checkpointPath.clear();
  ASSERT_TRUE(dlc::fit(**resumed, data, nullptr, fit).ok());
  for (const std::string &name : (*straight)->parameterNames()) {
    EXPECT_TRUE(sameBits(*(*straight)->tensor(name),
                         *(*resumed)->tensor(name)))
        << name;
    EXPECT_TRUE(sameBits(*(*straight)->tensor(name + "/m"),
                         *(*resumed)->tensor(name + "/m")))
        << name << "/m";
  }
  llvm::sys::fs::remove(path);
}

} // namespace
