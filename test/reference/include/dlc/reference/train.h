// A whole reference training step over a dlc::fb::Model: forward (batch
// norm in training mode), loss, backward through every op, optimizer update.
// docs/TRAINING.md is the contract; the compiled train_step is compared
// against this.
#ifndef DLC_REFERENCE_TRAIN_H
#define DLC_REFERENCE_TRAIN_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dlc/reference/loss.h"
#include "dlc/reference/optimizer.h"
#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

struct TrainState {
  std::map<std::string, RefTensor> params;             // by tensor name
  std::map<std::string, std::vector<RefTensor>> slots; // optimizer state
  /// Batch norm moving mean/variance constants by tensor name: state that
  /// the forward pass updates, not the optimizer.
  std::map<std::string, RefTensor> movingStats;
  int64_t step = 0; // steps taken so far
};

/// Dropout keep-masks (0/1, shaped like the op's input) by the name of the
/// dropout op's output tensor. The reference has no random generator of its
/// own, so a training step through a dropout with rate > 0 needs one.
using DropoutMasks = std::map<std::string, RefTensor>;

/// Trainable parameters of `model` (docs/TRAINING.md: float constants that
/// are the weight or bias of a conv2d / depthwise_conv2d / dense, or the
/// gamma / beta of a batch_norm) with their values from the model's buffers,
/// initial slots for cfg.optimizer, and the batch norm moving statistics.
/// Throws RefError if a parameter has no name or two share one.
TrainState initialTrainState(const dlc::fb::Model &model,
                             const TrainConfig &cfg);

/// One step: forward with state.params and state.movingStats overriding the
/// model's buffers, the loss (from the logits when the op producing the
/// output is a softmax over the last axis for the categorical losses, or a
/// sigmoid for binary cross-entropy), backward, the optimizer update of
/// state.params / state.slots with `learningRate` (already scheduled) and
/// step state.step + 1, the moving-statistics update, ++state.step.
/// Returns the loss of the forward pass (before the update).
///
/// The model must have exactly one output and one graph input besides the
/// Training table's label input. `labels` is [N, C] (one-hot or any
/// distribution; for binary cross-entropy and MSE shaped like the output),
/// or [N] class indices stored as floats for
/// SPARSE_CATEGORICAL_CROSSENTROPY. A parameter the loss does not depend on
/// gets a zero gradient (weight decay and momentum still act on it).
/// Throws RefError on anything unsupported.
double trainStep(const dlc::fb::Model &model, TrainState &state,
                 const RefTensor &input, const RefTensor &labels,
                 const TrainConfig &cfg, float learningRate,
                 const DropoutMasks *dropoutMasks = nullptr);

/// The loss trainStep would return, without changing anything (for finite
/// differences and for comparing a compiled forward).
double trainingLoss(const dlc::fb::Model &model, const TrainState &state,
                    const RefTensor &input, const RefTensor &labels,
                    const TrainConfig &cfg,
                    const DropoutMasks *dropoutMasks = nullptr);

/// The gradient of the loss with respect to every parameter, by name (what
/// trainStep hands to the optimizer).
std::map<std::string, RefTensor>
trainingGradients(const dlc::fb::Model &model, const TrainState &state,
                  const RefTensor &input, const RefTensor &labels,
                  const TrainConfig &cfg, double *loss = nullptr,
                  const DropoutMasks *dropoutMasks = nullptr);

} // namespace dlc::ref

#endif // DLC_REFERENCE_TRAIN_H
