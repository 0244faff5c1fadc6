//===- Training.h - JIT-compiled training, the embedding API ----*- C++ -*-===//
//
// Training a model from C++ in a few lines:
//
//   auto file = dlc::ModelFile::open("model.fb");
//   auto options = dlc::TrainerOptions::fromModel(*(*file)->model());
//   auto trainer = dlc::createTrainer(**file, options);
//   auto data = dlc::loadDataset("data/", dlc::Split::Train);
//   dlc::fit(**trainer, *data, fitOptions);          // or (*trainer)->step()
//   (*trainer)->save("trained.fb", options.epochs);
//
//===----------------------------------------------------------------------===//

#ifndef DLC_COMPILER_TRAINING_H
#define DLC_COMPILER_TRAINING_H

#include "dlc/Compiler/Compiler.h"
#include "dlc/runtime/Trainer.h"

namespace dlc {

/// The compiler's view of `options` (loss and optimizer spellings of
/// --dlc-build-train-step).
TrainingConfig toTrainingConfig(const TrainerOptions &options);

/// A Trainer whose steps are JIT-compiled for this CPU, with `base`'s
/// pipeline options (fusion, tile overrides). `model` must outlive it.
StatusOr<std::unique_ptr<Trainer>>
createTrainer(const ModelFile &model, const TrainerOptions &options,
              const CompileOptions &base = CompileOptions());

} // namespace dlc

#endif // DLC_COMPILER_TRAINING_H
