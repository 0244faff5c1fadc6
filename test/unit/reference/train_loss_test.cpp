// Which loss form the train step uses (docs/TRAINING.md: from the logits
// when the output comes from a softmax over the last axis or a sigmoid),
// observed where the probability form would saturate; batch norm without
// gamma or beta.
#include <gtest/gtest.h>

#include <cmath>

#include "dlc/reference/loss.h"
#include "dlc/reference/train.h"
#include "test_util.h"
#include "train_models.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::randomValues;
using test::TestModel;

// x [-1,2] -> DENSE with weight [[40,-40],[-40,40]] -> `last`: an identity
// input gives logits of +-40, where fp32 sigmoid/softmax saturate to 0 and 1.
std::vector<uint8_t> saturatingModel(fb::OpType last) {
  TestModel m;
  const int x = m.tensor("x", {-1, 2});
  const int w = m.constant("fc/weight", {2, 2}, {40, -40, -40, 40});
  const int z = m.tensor("z", {-1, 2});
  const int y = m.tensor("y", {-1, 2});
  m.op(fb::OpType::DENSE, "fc", {x, w, -1}, z);
  m.op(last, "out", {z}, y);
  m.setIo({x}, {y});
  return m.serialize();
}

TEST(TrainLoss, SigmoidOutputUsesTheLogitsForm) {
  const std::vector<uint8_t> bytes = saturatingModel(fb::OpType::SIGMOID);
  const fb::Model &model = *fb::GetModel(bytes.data());
  const RefTensor input = makeTensor({2, 2}, {1, 0, 0, 1});
  const RefTensor labels = makeTensor({2, 2}, {0, 1, 1, 0}); // all wrong
  TrainConfig cfg;
  cfg.loss = fb::Loss::BINARY_CROSSENTROPY;
  const TrainState state = initialTrainState(model, cfg);
  double loss = 0;
  const auto grads = trainingGradients(model, state, input, labels, cfg, &loss);
  // Every element: max(z, 0) - z y + log(1 + exp(-|z|)) = 40 (+ 4e-18).
  // Through clipped probabilities it would be -log(1e-7) = 16.1 with a zero
  // gradient.
  EXPECT_NEAR(loss, 40.0, 1e-9);
  // dz = (sigmoid(z) - y) / 4 = +-0.25, and dW = x^T dz = dz.
  test::expectTensor(grads.at("fc/weight"), {2, 2},
                     {0.25f, -0.25f, -0.25f, 0.25f});
}

TEST(TrainLoss, SoftmaxOutputUsesTheLogitsForm) {
  const std::vector<uint8_t> bytes = saturatingModel(fb::OpType::SOFTMAX);
  const fb::Model &model = *fb::GetModel(bytes.data());
  const RefTensor input = makeTensor({2, 2}, {1, 0, 0, 1});
  const RefTensor labels = makeTensor({2, 2}, {0, 1, 1, 0});
  TrainConfig cfg;
  cfg.loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  const TrainState state = initialTrainState(model, cfg);
  double loss = 0;
  const auto grads = trainingGradients(model, state, input, labels, cfg, &loss);
  // Each row: logsumexp(40, -40) - (-40) = 80.
  EXPECT_NEAR(loss, 80.0, 1e-9);
  // dz = (softmax(z) - y) / 2 = +-0.5.
  test::expectTensor(grads.at("fc/weight"), {2, 2}, {0.5f, -0.5f, -0.5f, 0.5f});
  // The same output under MSE has no logits form: probabilities are used.
  cfg.loss = fb::Loss::MEAN_SQUARED_ERROR;
  EXPECT_NEAR(trainingLoss(model, state, input, labels, cfg), 1.0, 1e-9);
}

// x [-1,3] -> DENSE 3x4 (bias) -> BATCH_NORM (gamma, no beta) -> DENSE 4x4
// (tanh, no bias) -> BATCH_NORM (no gamma, beta) -> DENSE 4x2 -> SOFTMAX.
// With `explicitDefaults` the missing beta and gamma are constants of zeros
// and ones instead.
std::vector<uint8_t> partialBatchNormModel(bool explicitDefaults = false) {
  std::mt19937 rng(55);
  TestModel m;
  const int x = m.tensor("x", {-1, 3});
  const int w1 = m.constant("fc1/weight", {3, 4}, randomValues(rng, 12, 1.0f));
  const int b1 = m.constant("fc1/bias", {4}, randomValues(rng, 4, 0.5f));
  const int h1 = m.tensor("h1", {-1, 4});
  const int gamma = m.constant("bn1/gamma", {4}, {1.5f, 0.7f, 1.0f, 1.2f});
  const int mean1 = m.constant("bn1/mean", {4}, {0, 0, 0, 0});
  const int var1 = m.constant("bn1/var", {4}, {1, 1, 1, 1});
  const int n1 = m.tensor("n1", {-1, 4});
  const int w2 = m.constant("fc2/weight", {4, 4}, randomValues(rng, 16, 1.0f));
  const int h2 = m.tensor("h2", {-1, 4});
  const int beta = m.constant("bn2/beta", {4}, {0.1f, -0.3f, 0.2f, 0.0f});
  const int mean2 = m.constant("bn2/mean", {4}, {0, 0, 0, 0});
  const int var2 = m.constant("bn2/var", {4}, {1, 1, 1, 1});
  const int n2 = m.tensor("n2", {-1, 4});
  const int w3 = m.constant("fc3/weight", {4, 2}, randomValues(rng, 8, 1.0f));
  const int b3 = m.constant("fc3/bias", {2}, {0.2f, -0.2f});
  const int z = m.tensor("z", {-1, 2});
  const int y = m.tensor("y", {-1, 2});
  m.op(fb::OpType::DENSE, "fc1", {x, w1, b1}, h1);
  const int beta1 =
      explicitDefaults ? m.constant("bn1/beta", {4}, {0, 0, 0, 0}) : -1;
  const int gamma2 =
      explicitDefaults ? m.constant("bn2/gamma", {4}, {1, 1, 1, 1}) : -1;
  m.op(fb::OpType::BATCH_NORM, "bn1", {h1, gamma, beta1, mean1, var1}, n1);
  fb::DenseOptionsT tanhOpts;
  tanhOpts.activation = fb::Activation::TANH;
  m.op(fb::OpType::DENSE, "fc2", {n1, w2, -1}, h2).options.Set(tanhOpts);
  m.op(fb::OpType::BATCH_NORM, "bn2", {h2, gamma2, beta, mean2, var2}, n2);
  m.op(fb::OpType::DENSE, "fc3", {n2, w3, b3}, z);
  m.op(fb::OpType::SOFTMAX, "softmax", {z}, y);
  m.setIo({x}, {y});
  return m.serialize();
}

TEST(TrainLoss, BatchNormWithoutGammaOrBeta) {
  const std::vector<uint8_t> bytes = partialBatchNormModel();
  const fb::Model &model = *fb::GetModel(bytes.data());
  std::mt19937 rng(56);
  const RefTensor input = test::randomTensor(rng, {5, 3});
  const RefTensor labels = test::randomOneHot(rng, 5, 2);
  TrainConfig cfg;
  cfg.optimizer = fb::Optimizer::RMSPROP;
  TrainState state = initialTrainState(model, cfg);
  EXPECT_EQ(state.params.size(), 7u);
  EXPECT_EQ(state.movingStats.size(), 4u);
  // A bias right before a training-mode batch norm shifts the batch mean by
  // the same amount, which the normalization removes: zero gradient.
  test::checkModelGradients(model, state, input, labels, cfg, nullptr,
                            "fc1/bias");
  const RefTensor before = state.movingStats.at("bn2/mean");
  trainStep(model, state, input, labels, cfg, 0.01f);
  // Default momentum 0.99: the moving mean moves by 1% of the batch mean.
  EXPECT_GT(maxAbsDiff(before, state.movingStats.at("bn2/mean")), 0.0);
  EXPECT_LT(maxAbsDiff(before, state.movingStats.at("bn2/mean")), 0.02);

  // Absent gamma / beta train exactly like explicit ones / zeros.
  const std::vector<uint8_t> full = partialBatchNormModel(true);
  const fb::Model &explicitModel = *fb::GetModel(full.data());
  TrainState fresh = initialTrainState(model, cfg);
  TrainState fullState = initialTrainState(explicitModel, cfg);
  EXPECT_EQ(fullState.params.size(), 9u);
  double loss = 0, fullLoss = 0;
  const auto grads = trainingGradients(model, fresh, input, labels, cfg, &loss);
  const auto fullGrads = trainingGradients(explicitModel, fullState, input,
                                           labels, cfg, &fullLoss);
  EXPECT_EQ(loss, fullLoss);
  for (const auto &[name, g] : grads)
    EXPECT_EQ(maxAbsDiff(g, fullGrads.at(name)), 0.0) << name;
}

} // namespace
} // namespace dlc::ref
