// Trainer: drives a compiled training step (see dlc_abi.h) over batches.
//
// The compiled `train_step` does all the arithmetic -- forward, loss,
// backward, optimizer update -- and overwrites the parameters and optimizer
// state in place. The Trainer owns those buffers, computes each step's
// hyper-parameters (the learning-rate schedule and Adam's bias correction,
// which change every step and so are inputs rather than constants), and
// writes everything back into a model file that `--resume` continues from.
//
// Compilation is injected (StepCompiler), so this class needs neither LLVM
// nor MLIR: dlc::createTrainer in the compiler library wires in the JIT.
//
// Thread-safety: one Trainer is used from one thread at a time.
#ifndef DLC_RUNTIME_TRAINER_H
#define DLC_RUNTIME_TRAINER_H

#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/ModelFile.h"
#include "dlc/runtime/Status.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dlc {

/// Everything that decides how a model trains (docs/TRAINING.md). Starts
/// from the model's Training table; command-line flags override fields.
struct TrainerOptions {
  fb::Loss loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  fb::Optimizer optimizer = fb::Optimizer::ADAM;
  float learningRate = 1e-3f;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
  float momentum = 0.0f, rho = 0.9f, weightDecay = 0.0f;
  bool nesterov = false;
  fb::LrSchedule schedule = fb::LrSchedule::CONSTANT;
  int64_t decaySteps = 0;
  float decayRate = 0.1f;
  int64_t batchSize = 64;
  int epochs = 5;
  int64_t seed = 0;
  /// Threads a step uses. With 2 or more, a batch is split in parts whose
  /// gradients are computed concurrently (compiled `gradients`), summed in
  /// a fixed order, and applied by the compiled `apply_gradients`; the
  /// result is deterministic for a given thread count. A model with batch
  /// statistics (batch norm) always trains on one thread: they are not
  /// exact over parts of a batch.
  int threads = 1;
  /// Continue the model's saved run: its optimizer state (when the
  /// optimizer matches), step and epoch counts. Otherwise training starts
  /// from the model's weights with fresh optimizer state.
  bool resume = false;

  /// The model's Training table, or the defaults above when it has none.
  static TrainerOptions fromModel(const fb::Model &model);
};

/// Learning rate of step `step` (0-based) under `options`' schedule;
/// `totalSteps` is the run's length, used by COSINE when decaySteps is 0.
float scheduledLearningRate(const TrainerOptions &options, int64_t step,
                            int64_t totalSteps);

/// The functions a Trainer has compiled.
enum class StepKind {
  /// Forward, loss, backward and update, in place (`train_step`).
  TrainStep,
  /// Forward, loss and backward, returning the gradients (`gradients`).
  Gradients,
  /// The updates from given gradients (`apply_gradients`; no batch).
  ApplyGradients,
  /// The forward pass reading the weights from DLC_TENSOR_PARAMETER inputs.
  Predict,
};

/// Compiles the model's function `kind`, specialized for `batch`.
using StepCompiler = std::function<StatusOr<std::unique_ptr<CompiledModel>>(
    int64_t batch, StepKind kind)>;

class Trainer {
public:
  /// Compiles the step for options.batchSize and loads the parameters (and,
  /// when the model carries it and the optimizer matches, the optimizer
  /// state and step count) from `model`, which must outlive the Trainer.
  static StatusOr<std::unique_ptr<Trainer>>
  create(const ModelFile &model, TrainerOptions options, StepCompiler compile);

  /// One step on a batch of any size >= 1 (a new size compiles one more
  /// variant, e.g. for the last partial batch). `labels` are F32 one-hot
  /// [B, C] (or targets of the output's shape), or I32 class indices [B] for
  /// the sparse loss. Returns the batch's mean loss; `predictions`, if not
  /// null, receives the model's output. A non-finite loss, or a NaN or
  /// infinity in any parameter or optimizer state after the update (a
  /// non-finite gradient), is an error naming the step; the step count
  /// does not advance and the parameters must not be saved (fit() stops,
  /// so the last checkpoint on disk stays the last good one).
  StatusOr<float> step(const HostTensor &inputs, const HostTensor &labels,
                       HostTensor *predictions = nullptr);

  /// The model's output for `inputs` with the current parameters.
  StatusOr<HostTensor> predict(const HostTensor &inputs,
                               const RunOptions &run = RunOptions());

  /// Writes the model with the current parameters, optimizer state, step
  /// and `epochsDone` to `path`, atomically (temporary file, flush, rename).
  Status save(const std::string &path, int epochsDone) const;

  int64_t stepsTaken() const { return steps_; }
  int epochsDone() const { return epochsDone_; }
  /// Sets the number of steps of the whole run (for the cosine schedule).
  void setTotalSteps(int64_t steps) { totalSteps_ = steps; }
  float nextLearningRate() const {
    return scheduledLearningRate(options_, steps_, totalSteps_);
  }
  const TrainerOptions &options() const { return options_; }
  /// Current value of a parameter or optimizer slot, by name (nullptr if
  /// there is none): "conv2d/kernel", "conv2d/kernel/m", ...
  const HostTensor *tensor(const std::string &name) const;
  /// Names of the parameters, in the compiled step's order.
  const std::vector<std::string> &parameterNames() const { return params_; }

private:
  struct Variant {
    std::unique_ptr<CompiledModel> code;
    AlignedBuffer workspace;
  };
  /// One part of a data-parallel step: its own workspace and outputs.
  struct Part {
    AlignedBuffer workspace;
    int64_t workspaceBytes = 0;
    float loss = 0;
    HostTensor output;
    std::map<std::string, HostTensor> gradients;
  };
  Trainer(const ModelFile &model, TrainerOptions options,
          StepCompiler compile)
      : model_(model), options_(std::move(options)),
        compile_(std::move(compile)) {}
  StatusOr<Variant *> variant(int64_t batch, StepKind kind);
  Status bindState(const dlc_model_desc &desc);
  /// Binds `desc`'s inputs: parameters and state from state_, "hyper",
  /// "labels" and the data input from the given pointers.
  StatusOr<std::vector<void *>> bindInputs(const dlc_model_desc &desc,
                                           const void *data,
                                           const void *labels, float *hyper,
                                           const Part *gradients);
  /// The [lr, step size, step number] of the next step.
  void hyperParameters(float hyper[3]) const;
  /// An error naming the first parameter or optimizer slot that holds a
  /// NaN or infinity.
  Status checkStateFinite() const;
  StatusOr<float> parallelStep(const HostTensor &inputs,
                               const HostTensor &labels,
                               HostTensor *predictions);

  const ModelFile &model_;
  TrainerOptions options_;
  StepCompiler compile_;
  std::map<std::pair<int64_t, StepKind>, Variant> variants_;
  Part parts_[2];
  /// Parameters and optimizer slots by name; params_ lists the parameters.
  std::map<std::string, HostTensor> state_;
  std::vector<std::string> params_;
  int64_t steps_ = 0;
  int64_t totalSteps_ = 0;
  int epochsDone_ = 0;
};

} // namespace dlc

#endif // DLC_RUNTIME_TRAINER_H
