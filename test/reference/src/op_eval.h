// Internal to the reference interpreter and train step: evaluates one
// operator, and the option-resolution helpers that the backward pass shares
// with the forward (so both read an op's attributes identically).
#ifndef DLC_REFERENCE_SRC_OP_EVAL_H
#define DLC_REFERENCE_SRC_OP_EVAL_H

#include <array>
#include <string>
#include <vector>

#include "dlc/reference/padding.h"
#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref::detail {

using Inputs = std::vector<const RefTensor *>;

/// Resolves `op`'s options (schema defaults when absent) and computes its
/// single result. `inputs` follows op.inputs(); an entry is nullptr where the
/// model wrote -1 (an absent optional input). Throws RefError on any problem.
RefTensor evaluateOp(const dlc::fb::Operator &op, const Inputs &inputs);

std::string optionsName(dlc::fb::OpOptions type);

/// The op's options, or a default-constructed T ("table absent"): the
/// object-API struct's member initializers are the schema defaults. Throws
/// when the op carries a different options type.
template <typename T>
T resolveOptions(const dlc::fb::Operator &op, dlc::fb::OpOptions expected) {
  T opts;
  if (op.options_type() == dlc::fb::OpOptions::NONE || op.options() == nullptr)
    return opts;
  if (op.options_type() != expected)
    throw RefError("has options " + optionsName(op.options_type()) +
                   ", expected " + optionsName(expected));
  static_cast<const typename T::TableType *>(op.options())->UnPackTo(&opts);
  return opts;
}

void expectInputCount(const Inputs &in, size_t min, size_t max);
const RefTensor &required(const Inputs &in, size_t i, const char *what);
const RefTensor *optional(const Inputs &in, size_t i);
void requireRank4(const RefTensor &t, const char *what);

/// Window attributes of a conv or depthwise conv, padding resolved against
/// the actual input and filter.
struct ConvAttrs {
  std::array<int64_t, 2> strides, dilations;
  Pads pads;
  dlc::fb::Activation activation;
  float leakyAlpha;
};
ConvAttrs resolveConvAttrs(const dlc::fb::Operator &op, const RefTensor &x,
                           const RefTensor &w);

/// Window attributes of a max or average pool (strides resolved, padding
/// resolved against the input).
struct PoolAttrs {
  std::array<int64_t, 2> window, strides;
  Pads pads;
  bool countIncludePad;
  std::array<int64_t, 2> dilations;
};
PoolAttrs resolvePoolAttrs(const dlc::fb::Operator &op, const RefTensor &x);

} // namespace dlc::ref::detail

#endif // DLC_REFERENCE_SRC_OP_EVAL_H
