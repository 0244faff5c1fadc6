// Internal to the train step: one operator in training mode, forward and
// backward, with its attributes resolved exactly as op_eval does.
#ifndef DLC_REFERENCE_SRC_OP_GRAD_H
#define DLC_REFERENCE_SRC_OP_GRAD_H

#include <optional>
#include <vector>

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"
#include "op_eval.h"

namespace dlc::ref::detail {

/// What a training-mode forward produced besides the op's result.
struct TrainingSideEffects {
  // BATCH_NORM: the updated moving statistics.
  std::optional<RefTensor> newMovingMean, newMovingVariance;
};

/// The op's result in training mode: BATCH_NORM normalizes with the batch
/// statistics, DROPOUT applies `dropoutMask` (required when its rate is not
/// 0); every other op is evaluateOp. Throws RefError.
RefTensor evaluateTrainingOp(const dlc::fb::Operator &op, const Inputs &in,
                             const RefTensor *dropoutMask,
                             TrainingSideEffects &effects);

/// The gradient for each of op.inputs() given the forward inputs and `dy`:
/// nullopt for absent inputs and inputs without a gradient (batch norm's
/// moving statistics). Matches evaluateTrainingOp. Throws RefError.
std::vector<std::optional<RefTensor>> backwardOp(const dlc::fb::Operator &op,
                                                 const Inputs &in,
                                                 const RefTensor &dy,
                                                 const RefTensor *dropoutMask);

} // namespace dlc::ref::detail

#endif // DLC_REFERENCE_SRC_OP_GRAD_H
