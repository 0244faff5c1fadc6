// Internal to the reference interpreter: evaluates one operator.
#ifndef DLC_REFERENCE_SRC_OP_EVAL_H
#define DLC_REFERENCE_SRC_OP_EVAL_H

#include <vector>

#include "dlc/reference/tensor.h"
#include "dlc_model_generated.h"

namespace dlc::ref::detail {

/// Resolves `op`'s options (schema defaults when absent) and computes its
/// single result. `inputs` follows op.inputs(); an entry is nullptr where the
/// model wrote -1 (an absent optional input). Throws RefError on any problem.
RefTensor evaluateOp(const dlc::fb::Operator &op,
                     const std::vector<const RefTensor *> &inputs);

} // namespace dlc::ref::detail

#endif // DLC_REFERENCE_SRC_OP_EVAL_H
