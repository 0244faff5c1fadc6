// Reference normalization-like ops: softmax family, batch norm, dropout.
#ifndef DLC_REFERENCE_NORMALIZATION_H
#define DLC_REFERENCE_NORMALIZATION_H

#include "dlc/reference/tensor.h"

namespace dlc::ref {

/// exp(x - max) / sum(exp(x - max)) along `axis` (negative from the end).
RefTensor softmax(const RefTensor &input, int64_t axis);

/// x - max - log(sum(exp(x - max))) along `axis`; stays finite where
/// log(softmax(x)) would underflow to -inf.
RefTensor logSoftmax(const RefTensor &input, int64_t axis);

/// Inference batch norm over the last axis:
/// (x - mean) / sqrt(variance + epsilon) * gamma + beta, with gamma, beta,
/// mean and variance all of shape [C].
RefTensor batchNorm(const RefTensor &input, const RefTensor &gamma,
                    const RefTensor &beta, const RefTensor &mean,
                    const RefTensor &variance, float epsilon);

/// Identity: dropout only acts during training.
RefTensor dropout(const RefTensor &input);

} // namespace dlc::ref

#endif // DLC_REFERENCE_NORMALIZATION_H
