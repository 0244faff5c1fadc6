// The whole reference train step on conv -> relu -> maxpool -> flatten ->
// dense -> softmax: one SGD step must move every parameter by -lr times the
// finite-difference gradient of the whole loss, computed independently with
// the inference interpreter on models whose constants are perturbed.
#include <gtest/gtest.h>

#include "dlc/reference/interpreter.h"
#include "dlc/reference/loss.h"
#include "dlc/reference/train.h"
#include "train_models.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::CnnModel;
using test::expectGradientNear;
using test::randomTensor;

int constantIndex(const CnnModel &c, const std::string &name) {
  if (name == "conv/filter")
    return c.filter;
  if (name == "conv/bias")
    return c.convBias;
  if (name == "fc/weight")
    return c.weight;
  return c.denseBias;
}

class CnnTrainStep : public ::testing::Test {
protected:
  void SetUp() override {
    std::mt19937 rng(2024);
    input = randomTensor(rng, {4, 6, 6, 1});
    labels = test::randomOneHot(rng, 4, 3, &classIndices);
  }

  // Loss of the CNN with `params` as its constants, through the inference
  // interpreter (the model has no batch norm or dropout, so inference and
  // training forwards agree). Also returns the piecewise regions: the sign
  // of every relu input and the winner of every max-pool window.
  double interpreterLoss(const std::map<std::string, RefTensor> &params,
                         std::vector<int> *regions = nullptr) {
    for (const auto &[name, value] : params)
      test::setConstant(cnn.m, constantIndex(cnn, name), value);
    const std::vector<uint8_t> bytes = cnn.m.serialize();
    ReferenceInterpreter interp;
    std::vector<RefTensor> out;
    EXPECT_EQ(interp.run(bytes.data(), bytes.size(), {input}, out), "");
    if (regions) {
      const RefTensor &conv = *interp.tensor(cnn.conv);
      for (float v : conv.data)
        regions->push_back(v > 0.0f);
      const RefTensor &r = *interp.tensor(cnn.relu); // [N, 4, 4, 2]
      for (int64_t n = 0; n < 4; ++n)
        for (int64_t oh = 0; oh < 2; ++oh)
          for (int64_t ow = 0; ow < 2; ++ow)
            for (int64_t ch = 0; ch < 2; ++ch) {
              int best = 0;
              float bestValue = -1.0f;
              for (int k = 0; k < 4; ++k) {
                const float v =
                    r.data[((n * 4 + oh * 2 + k / 2) * 4 + ow * 2 + k % 2) * 2 +
                           ch];
                if (v > bestValue) {
                  bestValue = v;
                  best = k;
                }
              }
              regions->push_back(best);
            }
    }
    return categoricalCrossentropy(out.at(0), labels).value;
  }

  std::map<std::string, RefTensor>
  numericGradients(const std::map<std::string, RefTensor> &params) {
    return test::numericParamGradients(
        params, [&](const auto &p) { return interpreterLoss(p); }, 1e-2,
        [&](const auto &p) {
          std::vector<int> r;
          interpreterLoss(p, &r);
          return r;
        });
  }

  CnnModel cnn = test::makeCnnModel(17);
  RefTensor input, labels, classIndices;
};

TEST_F(CnnTrainStep, SgdStepIsMinusLrTimesFiniteDifferenceGradient) {
  const std::vector<uint8_t> bytes = cnn.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  TrainConfig cfg;
  cfg.loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  cfg.optimizer = fb::Optimizer::SGD;
  TrainState state = initialTrainState(model, cfg);
  ASSERT_EQ(state.params.size(), 4u);
  for (const char *name : {"conv/filter", "conv/bias", "fc/weight", "fc/bias"})
    ASSERT_TRUE(state.params.count(name)) << name;
  EXPECT_TRUE(state.slots.at("fc/weight").empty()); // momentum 0: no state

  const std::map<std::string, RefTensor> before = state.params;
  const std::map<std::string, RefTensor> fd = numericGradients(before);
  const double baseLoss = interpreterLoss(before);

  const float lr = 0.1f;
  const double loss = trainStep(model, state, input, labels, cfg, lr);
  EXPECT_NEAR(loss, baseLoss, 1e-6);
  EXPECT_EQ(state.step, 1);
  for (const auto &[name, p0] : before) {
    // The gradient the step applied: (p0 - p1) / lr.
    RefTensor applied = p0;
    for (size_t i = 0; i < applied.data.size(); ++i)
      applied.data[i] = static_cast<float>(
          (static_cast<double>(p0.data[i]) - state.params.at(name).data[i]) /
          lr);
    expectGradientNear(applied, fd.at(name), "SGD step on " + name, 5e-3, 2e-4);
  }
}

TEST_F(CnnTrainStep, GradientsMatchFiniteDifferences) {
  const std::vector<uint8_t> bytes = cnn.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  TrainConfig cfg;
  cfg.loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  const TrainState state = initialTrainState(model, cfg);
  double loss = 0;
  const auto grads = trainingGradients(model, state, input, labels, cfg, &loss);
  const auto fd = numericGradients(state.params);
  EXPECT_NEAR(loss, interpreterLoss(state.params), 1e-6);
  for (const auto &[name, g] : grads)
    expectGradientNear(g, fd.at(name), "gradient of " + name, 5e-3, 2e-4);

  // Sparse labels: the same gradients as their one-hot form.
  cfg.loss = fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
  const auto sparse = trainingGradients(model, state, input, classIndices, cfg);
  for (const auto &[name, g] : grads)
    EXPECT_EQ(maxAbsDiff(g, sparse.at(name)), 0.0) << name;
}

TEST_F(CnnTrainStep, LossDecreasesOverAFewSteps) {
  const std::vector<uint8_t> bytes = cnn.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  for (fb::Optimizer opt : {fb::Optimizer::SGD, fb::Optimizer::ADAM,
                            fb::Optimizer::ADAGRAD, fb::Optimizer::RMSPROP}) {
    TrainConfig cfg;
    cfg.loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
    cfg.optimizer = opt;
    cfg.momentum = 0.9f;
    const float lr = opt == fb::Optimizer::SGD ? 0.2f : 0.02f;
    TrainState state = initialTrainState(model, cfg);
    std::vector<double> losses;
    for (int step = 0; step < 8; ++step)
      losses.push_back(trainStep(model, state, input, labels, cfg, lr));
    EXPECT_EQ(state.step, 8);
    EXPECT_LT(losses.back(), 0.7 * losses.front())
        << fb::EnumNameOptimizer(opt) << ": " << losses.front() << " -> "
        << losses.back();
    EXPECT_LT(losses[1], losses[0]) << fb::EnumNameOptimizer(opt);
  }
}

TEST_F(CnnTrainStep, LabelInputAndTrainingTable) {
  CnnModel withLabels = test::makeCnnModel(17, true);
  const std::vector<uint8_t> bytes = withLabels.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  const TrainConfig cfg = trainConfigFromModel(model);
  EXPECT_EQ(cfg.optimizer, fb::Optimizer::SGD);
  EXPECT_FLOAT_EQ(cfg.momentum, 0.5f);
  TrainState state = initialTrainState(model, cfg);
  EXPECT_EQ(state.slots.at("conv/filter").size(), 1u); // the velocity
  const double first = trainStep(model, state, input, labels, cfg, 0.1f);
  const double second = trainStep(model, state, input, labels, cfg, 0.1f);
  EXPECT_LT(second, first);
  // The model itself is untouched: inference still runs without labels.
  ReferenceInterpreter interp;
  std::vector<RefTensor> out;
  EXPECT_EQ(interp.run(bytes.data(), bytes.size(), {input}, out), "");
}

TEST_F(CnnTrainStep, RejectsUnsupportedInputs) {
  const std::vector<uint8_t> bytes = cnn.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  TrainConfig cfg;
  TrainState state = initialTrainState(model, cfg);
  // Wrong input shape, wrong label shape, bad class index.
  EXPECT_THROW(trainStep(model, state, zeros({4, 5, 5, 1}), labels, cfg, 0.1f),
               RefError);
  EXPECT_THROW(trainStep(model, state, input, zeros({4, 2}), cfg, 0.1f),
               RefError);
  cfg.loss = fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
  EXPECT_THROW(
      trainStep(model, state, input, makeTensor({4}, {0, 1, 2, 3}), cfg, 0.1f),
      RefError);
  // A parameter whose state has the wrong shape.
  state.params["fc/bias"] = zeros({4});
  EXPECT_THROW(trainingLoss(model, state, input, labels, cfg), RefError);
  EXPECT_EQ(state.step, 0);
  // Two graph outputs.
  CnnModel two = test::makeCnnModel(3);
  two.m.setIo({two.x}, {two.probs, two.logits});
  const std::vector<uint8_t> twoBytes = two.m.serialize();
  EXPECT_THROW(initialTrainState(*fb::GetModel(twoBytes.data()), cfg),
               RefError);
}

} // namespace
} // namespace dlc::ref
