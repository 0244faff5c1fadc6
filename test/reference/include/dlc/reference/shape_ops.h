// Reference data-movement ops. None of them changes a value.
#ifndef DLC_REFERENCE_SHAPE_OPS_H
#define DLC_REFERENCE_SHAPE_OPS_H

#include "dlc/reference/tensor.h"

namespace dlc::ref {

/// Resolves a reshape target against `numElements`: every entry must be
/// non-negative (0 makes an empty result) except at most one -1, which is
/// inferred (not beside a 0). Throws RefError if the element counts cannot
/// match.
std::vector<int64_t> resolveReshape(const std::vector<int64_t> &newShape,
                                    int64_t numElements);

/// `newShape` includes the batch dim; one entry may be -1.
RefTensor reshape(const RefTensor &input, const std::vector<int64_t> &newShape);

/// [N, d1, d2, ...] -> [N, d1 * d2 * ...]; a rank-1 input becomes [N, 1].
RefTensor flatten(const RefTensor &input);

/// out.shape[i] = in.shape[perm[i]]. An empty perm reverses the dims (the
/// NumPy default).
RefTensor transpose(const RefTensor &input, const std::vector<int64_t> &perm);

/// Joins along `axis` (negative counts from the end). All other dims must
/// match.
RefTensor concat(const std::vector<RefTensor> &inputs, int64_t axis);

/// `paddings` holds (before, after) for every dim, so 2 * rank entries, all
/// non-negative. New positions get `value`.
RefTensor pad(const RefTensor &input, const std::vector<int64_t> &paddings,
              float value);

} // namespace dlc::ref

#endif // DLC_REFERENCE_SHAPE_OPS_H
