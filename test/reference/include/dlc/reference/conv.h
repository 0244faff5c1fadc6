// Reference convolutions and the dense layer (NHWC activations, Keras weight
// layouts as documented at the top of schemas/dlc_model.fbs).
#ifndef DLC_REFERENCE_CONV_H
#define DLC_REFERENCE_CONV_H

#include <array>

#include "dlc/reference/elementwise.h"
#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"

namespace dlc::ref {

/// input [N, H, W, Cin], filter [KH, KW, Cin, Cout] (HWIO), bias [Cout] or
/// nullptr. strides/dilations are {h, w}. Padded positions contribute zero.
/// The fused activation is applied after the bias.
RefTensor conv2d(const RefTensor &input, const RefTensor &filter,
                 const RefTensor *bias, std::array<int64_t, 2> strides,
                 std::array<int64_t, 2> dilations, const Pads &pads,
                 dlc::fb::Activation activation = dlc::fb::Activation::NONE,
                 float leakyAlpha = 0.2f);

/// input [N, H, W, C], filter [KH, KW, C, M], bias [C * M] or nullptr.
/// Output channel c * M + m is input channel c convolved with filter[.., c, m].
RefTensor
depthwiseConv2d(const RefTensor &input, const RefTensor &filter,
                const RefTensor *bias, std::array<int64_t, 2> strides,
                std::array<int64_t, 2> dilations, const Pads &pads,
                dlc::fb::Activation activation = dlc::fb::Activation::NONE,
                float leakyAlpha = 0.2f);

/// input [..., K] x weight [K, M] (+ bias [M]) -> [..., M], then activation.
RefTensor dense(const RefTensor &input, const RefTensor &weight,
                const RefTensor *bias,
                dlc::fb::Activation activation = dlc::fb::Activation::NONE,
                float leakyAlpha = 0.2f);

/// a [..., M, K] x b [..., K, N] -> [..., M, N], matrix by matrix: both of
/// the same rank >= 3 with equal batch dims (no broadcasting).
RefTensor batchMatmul(const RefTensor &a, const RefTensor &b);

} // namespace dlc::ref

#endif // DLC_REFERENCE_CONV_H
