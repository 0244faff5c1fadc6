//===- Training.cpp - JIT-compiled training steps -------------------------===//

#include "dlc/Compiler/Training.h"

namespace dlc {

TrainingConfig toTrainingConfig(const TrainerOptions &o) {
  static const char *const losses[] = {
      "categorical_crossentropy", "sparse_categorical_crossentropy",
      "binary_crossentropy", "mean_squared_error"};
  static const char *const optimizers[] = {"sgd", "adam", "adagrad",
                                           "rmsprop"};
  TrainingConfig c;
  c.loss = losses[size_t(o.loss)];
  c.optimizer = optimizers[size_t(o.optimizer)];
  c.beta1 = o.beta1;
  c.beta2 = o.beta2;
  c.epsilon = o.epsilon;
  c.momentum = o.optimizer == fb::Optimizer::SGD ? o.momentum : 0.0f;
  c.nesterov = o.nesterov;
  c.rho = o.rho;
  c.weightDecay = o.weightDecay;
  return c;
}

StatusOr<std::unique_ptr<Trainer>>
createTrainer(const ModelFile &model, const TrainerOptions &options,
              const CompileOptions &base) {
  if (size_t(options.loss) > 3 || size_t(options.optimizer) > 3)
    return Status::error(model.path() + ": unknown loss or optimizer");
  CompileOptions compile = base;
  compile.training = toTrainingConfig(options);
  auto compiler = [&model, compile](int64_t batch, StepKind kind) {
    CompileOptions o = compile;
    o.batchSize = batch;
    switch (kind) {
    case StepKind::TrainStep:
      o.function = ModelFunction::TrainStep;
      break;
    case StepKind::Gradients:
      o.function = ModelFunction::Gradients;
      break;
    case StepKind::ApplyGradients:
      o.function = ModelFunction::ApplyGradients;
      break;
    case StepKind::Predict:
      o.function = ModelFunction::InferWithParameters;
      break;
    }
    return jitCompile(model, o);
  };
  return Trainer::create(model, options, compiler);
}

} // namespace dlc
