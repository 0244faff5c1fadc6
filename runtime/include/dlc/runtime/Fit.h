// fit(): the training loop -- epochs of shuffled batches through a Trainer,
// validation after each epoch, a checkpoint after each epoch.
//
// `dlc train` is this loop plus printing; a C++ program gets the same
// training (and the same numbers, for the same seed) by calling it.
//
// Thread-safety: fit() drives one Trainer, which must not be used by any
// other thread meanwhile; fits of different Trainers may run concurrently.
// The callbacks run on the calling thread.
#ifndef DLC_RUNTIME_FIT_H
#define DLC_RUNTIME_FIT_H

#include "dlc/runtime/Dataset.h"
#include "dlc/runtime/Trainer.h"
#include "dlc/runtime/TrainingLog.h"

#include <functional>
#include <string>
#include <vector>

namespace dlc {

/// Where an epoch is, for progress displays.
struct FitProgress {
  int epoch = 0;          ///< 1-based
  int epochs = 0;
  int64_t examplesDone = 0, examplesTotal = 0;
  double seconds = 0;     ///< since the epoch started
  double loss = 0;        ///< running mean over the epoch so far
  double accuracy = 0;    ///< running accuracy over the epoch so far
};

struct FitOptions {
  /// Epochs of the whole run; a resumed trainer continues from its
  /// epochsDone() up to this number.
  int epochs = 1;
  bool shuffle = true;
  /// Seeds the shuffling (epoch e visits shuffledIndices(N, seed, e)).
  uint64_t seed = 0;
  /// Written after every epoch (atomically) when not empty.
  std::string checkpointPath;
  /// Called about every progressEvery batches and at the end of an epoch.
  std::function<void(const FitProgress &)> onProgress;
  int64_t progressEvery = 20;
  /// Called after each epoch, with validation figures when there is a
  /// validation set (NaN otherwise). A failed status stops the run.
  std::function<Status(const EpochRecord &)> onEpoch;
  /// Threads for validation (batches of inference run concurrently).
  int threads = 1;
  /// When not null, receives the duration of every training step.
  std::vector<double> *stepSeconds = nullptr;
};

/// Mean loss and accuracy of `probabilities` ([N, C], the model's output)
/// against class indices, with the loss of `options.loss`.
struct Evaluation {
  double loss = 0, accuracy = 0;
};
Evaluation evaluateOutputs(const HostTensor &probabilities,
                           const HostTensor &labels, fb::Loss loss);

/// Trains `trainer` on `train` for options.epochs epochs (minus those
/// already done), validating on `validation` when it is non-null and not
/// empty. Returns one record per epoch trained.
StatusOr<std::vector<EpochRecord>> fit(Trainer &trainer, const Dataset &train,
                                       const Dataset *validation,
                                       const FitOptions &options);

} // namespace dlc

#endif // DLC_RUNTIME_FIT_H
