// Reference optimizers and learning-rate schedules (docs/TRAINING.md, Keras
// conventions). Parameters and slots are fp32; each update is computed in
// double and rounded once when stored.
#ifndef DLC_REFERENCE_OPTIMIZER_H
#define DLC_REFERENCE_OPTIMIZER_H

#include <cstdint>
#include <vector>

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

/// Hyperparameters of a training run (the Training table's fields).
struct TrainConfig {
  dlc::fb::Loss loss = dlc::fb::Loss::CATEGORICAL_CROSSENTROPY;
  dlc::fb::Optimizer optimizer = dlc::fb::Optimizer::SGD;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f, momentum = 0, rho = 0.9f,
        weightDecay = 0;
  bool nesterov = false;
};

/// The model's Training table as a TrainConfig (schema defaults when the
/// table is absent).
TrainConfig trainConfigFromModel(const dlc::fb::Model &model);

/// Optimizer state of one parameter of `shape`, at the start of training:
///   SGD: {v = 0} with momentum != 0, {} without; ADAM: {m = 0, v = 0};
///   ADAGRAD: {a = 0.1}; RMSPROP: {s = 0}.
std::vector<RefTensor> initialSlots(const TrainConfig &cfg,
                                    const std::vector<int64_t> &shape);

/// One update of `param` (and its `slots`, as made by initialSlots) with
/// gradient `grad`. `step` is 1-based (Adam's bias correction uses it).
/// Weight decay is decoupled and applied first: p -= lr * wd * p.
void applyOptimizer(const TrainConfig &cfg, double learningRate, int64_t step,
                    RefTensor &param, std::vector<RefTensor> &slots,
                    const RefTensor &grad);

/// The learning rate of 0-based `step`:
///   CONSTANT: lr; STEP: lr * decayRate ^ floor(step / decaySteps);
///   COSINE: lr * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)).
/// decaySteps must be >= 1 for STEP and COSINE.
double scheduledLearningRate(dlc::fb::LrSchedule schedule, double baseLr,
                             int64_t step, double decayRate = 1.0,
                             int64_t decaySteps = 1);

/// The same from a Training table (learning_rate, schedule, decay_rate,
/// decay_steps). Its decay_steps 0 means "the whole run" for COSINE, which
/// only the host knows: `totalSteps`.
double scheduledLearningRate(const dlc::fb::Training &training, int64_t step,
                             int64_t totalSteps);

} // namespace dlc::ref

#endif // DLC_REFERENCE_OPTIMIZER_H
