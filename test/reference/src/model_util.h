// Internal: reading tensors out of a dlc::fb::Model, shared by the
// interpreter and the train step.
#ifndef DLC_REFERENCE_SRC_MODEL_UTIL_H
#define DLC_REFERENCE_SRC_MODEL_UTIL_H

#include <cstdint>
#include <string>
#include <vector>

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref::detail {

/// "tensor 3 'conv/filter'" for messages.
std::string tensorLabel(const dlc::fb::Graph &graph, int64_t index);

/// The stored shape (empty when absent).
std::vector<int64_t> declaredShape(const dlc::fb::Tensor &t);

/// A declared dim of -1 (the batch) matches anything; others must be equal.
bool shapeMatches(const std::vector<int64_t> &declared,
                  const std::vector<int64_t> &actual);

/// Decodes the FLOAT32 constant `index` from its buffer; throws RefError.
RefTensor decodeConstant(const dlc::fb::Model &model,
                         const dlc::fb::Graph &graph, int64_t index);

/// Index into Graph.inputs of the Training table's label input, or -1.
int64_t labelInputPosition(const dlc::fb::Model &model,
                           const dlc::fb::Graph &graph);

} // namespace dlc::ref::detail

#endif // DLC_REFERENCE_SRC_MODEL_UTIL_H
