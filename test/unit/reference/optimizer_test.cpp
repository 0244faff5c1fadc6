// Optimizers: two steps each, checked against numbers worked out by hand
// from docs/TRAINING.md (lr 0.1, p0 = 1, g1 = 0.5, g2 = -1); schedules.
#include <gtest/gtest.h>

#include "dlc/reference/optimizer.h"
#include "model_builder.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;

// Runs the two steps and returns the parameter after each.
std::vector<double> twoSteps(const TrainConfig &cfg,
                             std::vector<RefTensor> *slotsOut = nullptr) {
  RefTensor p = makeTensor({1}, {1.0f});
  std::vector<RefTensor> slots = initialSlots(cfg, p.shape);
  std::vector<double> after;
  applyOptimizer(cfg, 0.1, 1, p, slots, makeTensor({1}, {0.5f}));
  after.push_back(p.data[0]);
  applyOptimizer(cfg, 0.1, 2, p, slots, makeTensor({1}, {-1.0f}));
  after.push_back(p.data[0]);
  if (slotsOut)
    *slotsOut = slots;
  return after;
}

TrainConfig config(fb::Optimizer opt) {
  TrainConfig cfg;
  cfg.optimizer = opt;
  return cfg;
}

TEST(Optimizer, PlainSgd) {
  // 1 - 0.1 * 0.5 = 0.95; 0.95 + 0.1 = 1.05. No state.
  TrainConfig cfg = config(fb::Optimizer::SGD);
  EXPECT_TRUE(initialSlots(cfg, {3}).empty());
  const auto p = twoSteps(cfg);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 1.05, 1e-7);
}

TEST(Optimizer, SgdMomentum) {
  // v1 = -0.05, p1 = 0.95; v2 = 0.9 * -0.05 + 0.1 = 0.055, p2 = 1.005.
  TrainConfig cfg = config(fb::Optimizer::SGD);
  cfg.momentum = 0.9f;
  std::vector<RefTensor> slots;
  const auto p = twoSteps(cfg, &slots);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 1.005, 1e-7);
  ASSERT_EQ(slots.size(), 1u);
  EXPECT_NEAR(slots[0].data[0], 0.055, 1e-7);
}

TEST(Optimizer, SgdNesterov) {
  // p1 = 1 + 0.9 * -0.05 - 0.05 = 0.905;
  // p2 = 0.905 + 0.9 * 0.055 + 0.1 = 1.0545.
  TrainConfig cfg = config(fb::Optimizer::SGD);
  cfg.momentum = 0.9f;
  cfg.nesterov = true;
  const auto p = twoSteps(cfg);
  EXPECT_NEAR(p[0], 0.905, 1e-7);
  EXPECT_NEAR(p[1], 1.0545, 1e-7);
}

TEST(Optimizer, Adam) {
  // Step 1: m = 0.05, v = 0.00025, alpha = 0.1 * sqrt(0.001) / 0.1,
  //   p = 1 - alpha * 0.05 / (sqrt(0.00025) + 1e-7) = 0.900000632.
  // Step 2: m = -0.055, v = 0.00124975, alpha = 0.1 * sqrt(0.001999) / 0.19,
  //   p = 0.936610882.
  std::vector<RefTensor> slots;
  const auto p = twoSteps(config(fb::Optimizer::ADAM), &slots);
  EXPECT_NEAR(p[0], 0.900000632, 1e-7);
  EXPECT_NEAR(p[1], 0.936610882, 1e-7);
  ASSERT_EQ(slots.size(), 2u);
  // The betas are fp32 (0.999f makes 1 - beta2 smaller by 1.3e-5 relative),
  // hence the tolerances on the slots.
  EXPECT_NEAR(slots[0].data[0], -0.055, 1e-7);
  EXPECT_NEAR(slots[1].data[0], 0.00124975, 5e-8);
}

TEST(Optimizer, AdaGrad) {
  // a1 = 0.1 + 0.25, p1 = 1 - 0.05 / sqrt(0.35 + 1e-7) = 0.915484587;
  // a2 = 1.35, p2 = p1 + 0.1 / sqrt(1.35 + 1e-7) = 1.001550880.
  TrainConfig cfg = config(fb::Optimizer::ADAGRAD);
  EXPECT_FLOAT_EQ(initialSlots(cfg, {2})[0].data[1], 0.1f);
  std::vector<RefTensor> slots;
  const auto p = twoSteps(cfg, &slots);
  EXPECT_NEAR(p[0], 0.915484587, 1e-7);
  EXPECT_NEAR(p[1], 1.001550880, 1e-7);
  EXPECT_NEAR(slots[0].data[0], 1.35, 1e-7);
}

TEST(Optimizer, RmsProp) {
  // s1 = 0.025, p1 = 1 - 0.05 / (sqrt(0.025) + 1e-7) = 0.683772434;
  // s2 = 0.1225, p2 = p1 + 0.1 / (0.35 + 1e-7) = 0.969486638.
  const auto p = twoSteps(config(fb::Optimizer::RMSPROP));
  EXPECT_NEAR(p[0], 0.683772434, 1e-7);
  EXPECT_NEAR(p[1], 0.969486638, 1e-7);
}

TEST(Optimizer, DecoupledWeightDecayComesFirst) {
  // SGD: p1 = 1 - 0.1 * 0.01 * 1 - 0.05 = 0.949;
  //      p2 = 0.949 * (1 - 0.001) + 0.1 = 1.048051.
  TrainConfig sgd = config(fb::Optimizer::SGD);
  sgd.weightDecay = 0.01f;
  const auto p = twoSteps(sgd);
  EXPECT_NEAR(p[0], 0.949, 1e-7);
  EXPECT_NEAR(p[1], 1.048051, 1e-7);
  // Adam: the decay shrinks p before the (p-independent) Adam step:
  // p1 = 0.999 - 0.099999368 = 0.899000632, p2 = 0.934711881.
  TrainConfig adam = config(fb::Optimizer::ADAM);
  adam.weightDecay = 0.01f;
  const auto q = twoSteps(adam);
  EXPECT_NEAR(q[0], 0.899000632, 1e-7);
  EXPECT_NEAR(q[1], 0.934711881, 1e-7);
}

TEST(Optimizer, RejectsMismatchedState) {
  TrainConfig cfg = config(fb::Optimizer::ADAM);
  RefTensor p = makeTensor({2}, {1, 2});
  std::vector<RefTensor> oneSlot{zeros({2})};
  EXPECT_THROW(applyOptimizer(cfg, 0.1, 1, p, oneSlot, zeros({2})), RefError);
  std::vector<RefTensor> slots = initialSlots(cfg, {2});
  EXPECT_THROW(applyOptimizer(cfg, 0.1, 1, p, slots, zeros({3})), RefError);
  EXPECT_THROW(applyOptimizer(cfg, 0.1, 0, p, slots, zeros({2})), RefError);
}

TEST(Schedule, ConstantStepCosine) {
  using S = fb::LrSchedule;
  EXPECT_DOUBLE_EQ(scheduledLearningRate(S::CONSTANT, 0.1, 12345), 0.1);
  // STEP: 0.1 * 0.5 ^ floor(step / 10).
  EXPECT_DOUBLE_EQ(scheduledLearningRate(S::STEP, 0.1, 0, 0.5, 10), 0.1);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(S::STEP, 0.1, 9, 0.5, 10), 0.1);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(S::STEP, 0.1, 10, 0.5, 10), 0.05);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(S::STEP, 0.1, 25, 0.5, 10), 0.025);
  // COSINE over 100 steps: 0.1, 0.05 halfway, 0 at and after the end;
  // a quarter of the way 0.05 * (1 + cos(pi / 4)).
  EXPECT_NEAR(scheduledLearningRate(S::COSINE, 0.1, 0, 1, 100), 0.1, 1e-15);
  EXPECT_NEAR(scheduledLearningRate(S::COSINE, 0.1, 25, 1, 100),
              0.0853553390593, 1e-12);
  EXPECT_NEAR(scheduledLearningRate(S::COSINE, 0.1, 50, 1, 100), 0.05, 1e-15);
  EXPECT_NEAR(scheduledLearningRate(S::COSINE, 0.1, 100, 1, 100), 0.0, 1e-15);
  EXPECT_NEAR(scheduledLearningRate(S::COSINE, 0.1, 150, 1, 100), 0.0, 1e-15);
  EXPECT_THROW(scheduledLearningRate(S::STEP, 0.1, 1, 0.5, 0), RefError);
  EXPECT_THROW(scheduledLearningRate(S::COSINE, 0.1, -1, 1, 10), RefError);
}

TEST(Schedule, FromTheTrainingTable) {
  test::TestModel m;
  m.model.training = std::make_unique<fb::TrainingT>();
  fb::TrainingT &t = *m.model.training;
  t.learning_rate = 0.2f;
  t.schedule = fb::LrSchedule::COSINE;
  t.optimizer = fb::Optimizer::RMSPROP;
  t.rho = 0.8f;
  t.weight_decay = 0.004f;
  std::vector<uint8_t> bytes = m.serialize();
  const fb::Model *model = fb::GetModel(bytes.data());
  // decay_steps 0: the cosine runs over the whole run (here 40 steps).
  EXPECT_NEAR(scheduledLearningRate(*model->training(), 20, 40), 0.1, 1e-7);
  const TrainConfig cfg = trainConfigFromModel(*model);
  EXPECT_EQ(cfg.optimizer, fb::Optimizer::RMSPROP);
  EXPECT_FLOAT_EQ(cfg.rho, 0.8f);
  EXPECT_FLOAT_EQ(cfg.weightDecay, 0.004f);

  t.schedule = fb::LrSchedule::STEP;
  t.decay_steps = 5;
  t.decay_rate = 0.5f;
  bytes = m.serialize();
  model = fb::GetModel(bytes.data());
  EXPECT_NEAR(scheduledLearningRate(*model->training(), 12, 40), 0.05, 1e-7);
}

} // namespace
} // namespace dlc::ref
