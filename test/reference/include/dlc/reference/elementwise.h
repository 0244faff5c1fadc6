// Reference elementwise ops: broadcasting arithmetic and activations.
#ifndef DLC_REFERENCE_ELEMENTWISE_H
#define DLC_REFERENCE_ELEMENTWISE_H

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref {

/// NumPy broadcasting of two shapes (align on the right; each dim pair must
/// be equal or contain a 1). Throws RefError if incompatible.
std::vector<int64_t> broadcastShapes(const std::vector<int64_t> &a,
                                     const std::vector<int64_t> &b);

RefTensor add(const RefTensor &lhs, const RefTensor &rhs);
RefTensor sub(const RefTensor &lhs, const RefTensor &rhs);
RefTensor mul(const RefTensor &lhs, const RefTensor &rhs);
/// IEEE semantics: x / 0 is +-inf, 0 / 0 is NaN.
RefTensor div(const RefTensor &lhs, const RefTensor &rhs);

/// One activation on one value; the fused-activation helper of conv/dense.
double applyActivation(double x, dlc::fb::Activation activation,
                       double leakyAlpha);

RefTensor relu(const RefTensor &input);
RefTensor relu6(const RefTensor &input);
/// x < 0 ? alpha * x : x
RefTensor leakyRelu(const RefTensor &input, float alpha);
RefTensor sigmoid(const RefTensor &input);
RefTensor tanh(const RefTensor &input);
/// NaN for x < 0.
RefTensor sqrt(const RefTensor &input);
RefTensor erf(const RefTensor &input);
RefTensor exp(const RefTensor &input);
/// -inf at 0, NaN for x < 0.
RefTensor log(const RefTensor &input);
/// min(max(x, minValue), maxValue)
RefTensor clip(const RefTensor &input, float minValue, float maxValue);
/// Applies `activation` to every element (NONE copies).
RefTensor activation(const RefTensor &input, dlc::fb::Activation activation,
                     float leakyAlpha);

} // namespace dlc::ref

#endif // DLC_REFERENCE_ELEMENTWISE_H
