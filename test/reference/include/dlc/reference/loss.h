// Reference losses (docs/TRAINING.md): the value, a mean over the batch, and
// its gradient with respect to the tensor the loss was computed from (the
// model's output, or the logits for the *FromLogits forms).
#ifndef DLC_REFERENCE_LOSS_H
#define DLC_REFERENCE_LOSS_H

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

struct LossResult {
  double value = 0.0;
  RefTensor grad; // shaped like the loss's first argument
};

/// Probabilities are clipped to [kProbClip, 1 - kProbClip] before the log,
/// as Keras does; the clip's derivative is 0 outside that range.
constexpr double kProbClip = 1e-7;

/// probs and labels [N, C]; -1/N sum y log(clip(p)).
LossResult categoricalCrossentropy(const RefTensor &probs,
                                   const RefTensor &labels);
/// logits and labels [N, C]; log p = z - logsumexp(z), gradient
/// (softmax(z) * sum_c y - y) / N.
LossResult categoricalCrossentropyFromLogits(const RefTensor &logits,
                                             const RefTensor &labels);

/// classIndices [N]: integral class numbers stored as floats, each in
/// [0, C). Otherwise as the categorical forms with a one-hot label.
LossResult sparseCategoricalCrossentropy(const RefTensor &probs,
                                         const RefTensor &classIndices);
LossResult
sparseCategoricalCrossentropyFromLogits(const RefTensor &logits,
                                        const RefTensor &classIndices);

/// Any shape, labels shaped like the input; the mean over all elements.
LossResult binaryCrossentropy(const RefTensor &probs, const RefTensor &labels);
/// max(z, 0) - z y + log(1 + exp(-|z|)); gradient (sigmoid(z) - y) / count.
LossResult binaryCrossentropyFromLogits(const RefTensor &logits,
                                        const RefTensor &labels);

/// mean over all elements of (p - y)^2.
LossResult meanSquaredError(const RefTensor &predictions,
                            const RefTensor &labels);

/// Dispatches on `loss`. fromLogits selects the logits form (an error for
/// MEAN_SQUARED_ERROR, which has none).
LossResult computeLoss(dlc::fb::Loss loss, const RefTensor &output,
                       const RefTensor &labels, bool fromLogits);

} // namespace dlc::ref

#endif // DLC_REFERENCE_LOSS_H
