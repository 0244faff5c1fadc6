// Reference backward pass: for every op, the gradients of a scalar loss with
// respect to the op's inputs, given the forward's inputs (and attributes) and
// `dy`, the gradient with respect to the op's output.
//
// Conventions (the compiled backward must follow the same ones):
// - Every function takes `dy` first, then the forward's arguments.
// - Ops with a fused activation recompute the pre-activation z and apply the
//   activation's derivative at z, so they need only the forward's inputs.
// - At kinks the derivative is the one TensorFlow uses: relu'(0) = 0,
//   relu6' is 1 only on the open interval (0, 6), leaky_relu'(x) = 1 only
//   for x > 0 (alpha at 0), clip passes the gradient on the closed interval
//   [min, max].
// - Max pooling routes each output's gradient to the first maximum in
//   row-major window order; padding never wins.
// - Values are fp32; sums are accumulated in double.
#ifndef DLC_REFERENCE_GRAD_H
#define DLC_REFERENCE_GRAD_H

#include <array>
#include <vector>

#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

// ---- Activations ----------------------------------------------------------

/// Derivative of `activation` at the pre-activation value x.
double activationDerivative(double x, dlc::fb::Activation activation,
                            double leakyAlpha);

/// dy * activation'(preActivation), elementwise (shapes must match). This is
/// the helper that turns a fused op's output gradient into the gradient with
/// respect to its pre-activation.
RefTensor activationBackward(const RefTensor &dy,
                             const RefTensor &preActivation,
                             dlc::fb::Activation activation, float leakyAlpha);

RefTensor reluBackward(const RefTensor &dy, const RefTensor &input);
RefTensor relu6Backward(const RefTensor &dy, const RefTensor &input);
RefTensor leakyReluBackward(const RefTensor &dy, const RefTensor &input,
                            float alpha);
RefTensor sigmoidBackward(const RefTensor &dy, const RefTensor &input);
RefTensor tanhBackward(const RefTensor &dy, const RefTensor &input);
RefTensor sqrtBackward(const RefTensor &dy, const RefTensor &input);
RefTensor erfBackward(const RefTensor &dy, const RefTensor &input);
RefTensor expBackward(const RefTensor &dy, const RefTensor &input);
RefTensor logBackward(const RefTensor &dy, const RefTensor &input);
RefTensor clipBackward(const RefTensor &dy, const RefTensor &input,
                       float minValue, float maxValue);

// ---- Convolutions and dense -----------------------------------------------

/// Gradients of an op with a weight and an optional bias. `bias` is always
/// filled (shape [Cout]) even when the forward had none; callers ignore it.
struct WeightGrads {
  RefTensor input;
  RefTensor weight;
  RefTensor bias;
};

/// Arguments as for conv2d() (see conv.h).
WeightGrads
conv2dBackward(const RefTensor &dy, const RefTensor &input,
               const RefTensor &filter, const RefTensor *bias,
               std::array<int64_t, 2> strides, std::array<int64_t, 2> dilations,
               const Pads &pads,
               dlc::fb::Activation activation = dlc::fb::Activation::NONE,
               float leakyAlpha = 0.2f);

/// Arguments as for depthwiseConv2d().
WeightGrads depthwiseConv2dBackward(
    const RefTensor &dy, const RefTensor &input, const RefTensor &filter,
    const RefTensor *bias, std::array<int64_t, 2> strides,
    std::array<int64_t, 2> dilations, const Pads &pads,
    dlc::fb::Activation activation = dlc::fb::Activation::NONE,
    float leakyAlpha = 0.2f);

/// Arguments as for dense().
WeightGrads
denseBackward(const RefTensor &dy, const RefTensor &input,
              const RefTensor &weight, const RefTensor *bias,
              dlc::fb::Activation activation = dlc::fb::Activation::NONE,
              float leakyAlpha = 0.2f);

// ---- Pooling --------------------------------------------------------------

/// Needs the input values to find each window's (first) maximum.
RefTensor maxPool2dBackward(const RefTensor &dy, const RefTensor &input,
                            std::array<int64_t, 2> window,
                            std::array<int64_t, 2> strides, const Pads &pads);

/// Each real input position of a window receives dy / divisor, with the
/// divisor of the forward (real positions, or positions inside the padded
/// input when countIncludePad); windows with divisor 0 pass nothing.
RefTensor avgPool2dBackward(const RefTensor &dy,
                            const std::vector<int64_t> &inputShape,
                            std::array<int64_t, 2> window,
                            std::array<int64_t, 2> strides, const Pads &pads,
                            bool countIncludePad);

/// dy [N, C] spread evenly over H * W.
RefTensor globalAvgPoolBackward(const RefTensor &dy,
                                const std::vector<int64_t> &inputShape);

// ---- Broadcasting arithmetic ----------------------------------------------

struct BinaryGrads {
  RefTensor lhs;
  RefTensor rhs;
};

/// Sums `grad` (shaped like a broadcast result) over the dims that
/// broadcasting expanded, giving a tensor of `shape`.
RefTensor sumToShape(const RefTensor &grad, const std::vector<int64_t> &shape);

BinaryGrads addBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs);
BinaryGrads subBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs);
BinaryGrads mulBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs);
BinaryGrads divBackward(const RefTensor &dy, const RefTensor &lhs,
                        const RefTensor &rhs);

/// Gradients of batchMatmul(a, b): lhs = dy x b^T, rhs = a^T x dy, matrix
/// by matrix.
BinaryGrads batchMatmulBackward(const RefTensor &dy, const RefTensor &a,
                                const RefTensor &b);

// ---- Data movement --------------------------------------------------------

/// Also the backward of flatten: the data is unchanged, only the shape.
RefTensor reshapeBackward(const RefTensor &dy,
                          const std::vector<int64_t> &inputShape);
/// `perm` as given to transpose() (empty reverses).
RefTensor transposeBackward(const RefTensor &dy,
                            const std::vector<int64_t> &perm);
/// One gradient per concatenated input, in order.
std::vector<RefTensor>
concatBackward(const RefTensor &dy,
               const std::vector<std::vector<int64_t>> &inputShapes,
               int64_t axis);
/// The interior of dy (padded positions receive no gradient of the input).
RefTensor padBackward(const RefTensor &dy,
                      const std::vector<int64_t> &inputShape,
                      const std::vector<int64_t> &paddings);

// ---- Softmax family -------------------------------------------------------

/// y * (dy - sum(dy * y)) along `axis`, y = softmax(input) in double.
RefTensor softmaxBackward(const RefTensor &dy, const RefTensor &input,
                          int64_t axis);
/// dy - softmax(input) * sum(dy) along `axis`.
RefTensor logSoftmaxBackward(const RefTensor &dy, const RefTensor &input,
                             int64_t axis);

// ---- Batch norm (training mode) and dropout -------------------------------

/// Batch norm as trained: statistics of the batch, per channel (last axis)
/// over every other axis (N, H, W for NHWC).
struct BatchNormTrainingResult {
  RefTensor output;
  RefTensor batchMean;     // [C]
  RefTensor batchVariance; // [C], biased (divides by the count)
  RefTensor newMovingMean; // momentum * moving + (1 - momentum) * batch
  RefTensor newMovingVariance;
};

/// y = (x - batch_mean) / sqrt(batch_var + epsilon) * gamma + beta.
/// The moving variance is updated with the biased batch variance, as Keras
/// does (TensorFlow 1's fused kernel used the unbiased one; Keras does not).
BatchNormTrainingResult batchNormTraining(const RefTensor &input,
                                          const RefTensor &gamma,
                                          const RefTensor &beta,
                                          const RefTensor &movingMean,
                                          const RefTensor &movingVariance,
                                          float epsilon, float momentum);

struct BatchNormGrads {
  RefTensor input;
  RefTensor gamma;
  RefTensor beta;
};

/// Backward of batchNormTraining (the batch statistics depend on the input,
/// so this is not the inference formula's backward).
BatchNormGrads batchNormTrainingBackward(const RefTensor &dy,
                                         const RefTensor &input,
                                         const RefTensor &gamma, float epsilon);

/// Training-mode dropout with an explicit mask of 0s (dropped) and 1s
/// (kept), shaped like the input: x * mask / (1 - rate). rate in [0, 1).
RefTensor dropoutTraining(const RefTensor &input, const RefTensor &keepMask,
                          float rate);
RefTensor dropoutBackward(const RefTensor &dy, const RefTensor &keepMask,
                          float rate);

} // namespace dlc::ref

#endif // DLC_REFERENCE_GRAD_H
