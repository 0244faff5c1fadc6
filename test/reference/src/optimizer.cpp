// Reference optimizers and schedules, following docs/TRAINING.md formula by
// formula. Each element's update runs in double from the fp32 state.
#include "dlc/reference/optimizer.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace dlc::ref {

namespace fb = dlc::fb;

TrainConfig trainConfigFromModel(const fb::Model &model) {
  // The object-API defaults are the schema's, so an absent table reads as
  // the defaults.
  fb::TrainingT t;
  if (model.training())
    model.training()->UnPackTo(&t);
  TrainConfig cfg;
  cfg.loss = t.loss;
  cfg.optimizer = t.optimizer;
  cfg.beta1 = t.beta1;
  cfg.beta2 = t.beta2;
  cfg.epsilon = t.epsilon;
  cfg.momentum = t.momentum;
  cfg.nesterov = t.nesterov;
  cfg.weightDecay = t.weight_decay;
  cfg.rho = t.rho;
  return cfg;
}

std::vector<RefTensor> initialSlots(const TrainConfig &cfg,
                                    const std::vector<int64_t> &shape) {
  switch (cfg.optimizer) {
  case fb::Optimizer::SGD:
    // Momentum 0 is plain SGD: no velocity is kept.
    if (cfg.momentum == 0.0f)
      return {};
    return {zeros(shape)};
  case fb::Optimizer::ADAM:
    return {zeros(shape), zeros(shape)};
  case fb::Optimizer::ADAGRAD:
    return {filled(shape, 0.1f)}; // Keras' initial_accumulator_value
  case fb::Optimizer::RMSPROP:
    return {zeros(shape)};
  }
  throw RefError("unknown optimizer " +
                 std::to_string(static_cast<int>(cfg.optimizer)));
}

namespace {

void checkSlots(const std::vector<RefTensor> &slots, size_t want,
                const std::vector<int64_t> &shape, const char *name) {
  if (slots.size() != want)
    throw RefError(std::string(name) + " expects " + std::to_string(want) +
                   " slots, got " + std::to_string(slots.size()));
  for (const RefTensor &s : slots) {
    checkConsistent(s, name);
    if (s.shape != shape)
      throw RefError(std::string(name) + ": slot shape " +
                     shapeToString(s.shape) + " does not match parameter " +
                     shapeToString(shape));
  }
}

} // namespace

void applyOptimizer(const TrainConfig &cfg, double lr, int64_t step,
                    RefTensor &param, std::vector<RefTensor> &slots,
                    const RefTensor &grad) {
  checkConsistent(param, "applyOptimizer param");
  checkConsistent(grad, "applyOptimizer grad");
  if (grad.shape != param.shape)
    throw RefError("applyOptimizer: gradient " + shapeToString(grad.shape) +
                   " does not match parameter " + shapeToString(param.shape));
  if (step < 1)
    throw RefError("applyOptimizer: step is 1-based, got " +
                   std::to_string(step));
  const double wd = cfg.weightDecay;
  const size_t count = param.data.size();
  // Adam's step size depends only on t, so compute it once.
  const double b1 = cfg.beta1, b2 = cfg.beta2, eps = cfg.epsilon;
  const double t = static_cast<double>(step);
  const double alpha =
      lr * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t));

  // initialSlots rejects unknown optimizers and says how many slots to hold.
  const size_t wantSlots = initialSlots(cfg, {}).size();
  const char *name = fb::EnumNameOptimizer(cfg.optimizer);
  checkSlots(slots, wantSlots, param.shape, name);

  for (size_t i = 0; i < count; ++i) {
    const double g = grad.data[i];
    // Decoupled weight decay comes first (Keras 3 / AdamW).
    double p = param.data[i];
    p -= lr * wd * p;
    switch (cfg.optimizer) {
    case fb::Optimizer::SGD: {
      const double mom = cfg.momentum;
      if (slots.empty()) {
        p -= lr * g;
        break;
      }
      const double v = mom * slots[0].data[i] - lr * g;
      slots[0].data[i] = static_cast<float>(v);
      p += cfg.nesterov ? mom * v - lr * g : v;
      break;
    }
    case fb::Optimizer::ADAM: {
      const double m = b1 * slots[0].data[i] + (1.0 - b1) * g;
      const double v = b2 * slots[1].data[i] + (1.0 - b2) * g * g;
      slots[0].data[i] = static_cast<float>(m);
      slots[1].data[i] = static_cast<float>(v);
      p -= alpha * m / (std::sqrt(v) + eps);
      break;
    }
    case fb::Optimizer::ADAGRAD: {
      const double a = slots[0].data[i] + g * g;
      slots[0].data[i] = static_cast<float>(a);
      p -= lr * g / std::sqrt(a + eps);
      break;
    }
    case fb::Optimizer::RMSPROP: {
      const double rho = cfg.rho;
      const double s = rho * slots[0].data[i] + (1.0 - rho) * g * g;
      slots[0].data[i] = static_cast<float>(s);
      p -= lr * g / (std::sqrt(s) + eps);
      break;
    }
    }
    param.data[i] = static_cast<float>(p);
  }
}

double scheduledLearningRate(fb::LrSchedule schedule, double baseLr,
                             int64_t step, double decayRate,
                             int64_t decaySteps) {
  if (step < 0)
    throw RefError("scheduledLearningRate: negative step");
  switch (schedule) {
  case fb::LrSchedule::CONSTANT:
    return baseLr;
  case fb::LrSchedule::STEP:
    if (decaySteps < 1)
      throw RefError("STEP schedule needs decay_steps >= 1");
    return baseLr * std::pow(decayRate, static_cast<double>(step / decaySteps));
  case fb::LrSchedule::COSINE: {
    if (decaySteps < 1)
      throw RefError("COSINE schedule needs decay_steps >= 1");
    const double pi = std::acos(-1.0);
    const double frac = static_cast<double>(std::min(step, decaySteps)) /
                        static_cast<double>(decaySteps);
    return baseLr * 0.5 * (1.0 + std::cos(pi * frac));
  }
  }
  throw RefError("unknown learning-rate schedule " +
                 std::to_string(static_cast<int>(schedule)));
}

double scheduledLearningRate(const fb::Training &training, int64_t step,
                             int64_t totalSteps) {
  int64_t decaySteps = training.decay_steps();
  if (decaySteps == 0 && training.schedule() == fb::LrSchedule::COSINE)
    decaySteps = totalSteps;
  return scheduledLearningRate(training.schedule(), training.learning_rate(),
                               step, training.decay_rate(), decaySteps);
}

} // namespace dlc::ref
