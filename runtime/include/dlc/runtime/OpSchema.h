// What the model format requires of each operator type.
//
// The schema states the per-op input conventions in a comment; this header
// turns them into data so that the validator, the ModelBuilder and the
// compiler's importer all agree on them.
#ifndef DLC_RUNTIME_OPSCHEMA_H
#define DLC_RUNTIME_OPSCHEMA_H

#include "dlc/runtime/Status.h"

#include "dlc_model_generated.h"

#include <cstdint>

namespace dlc {

/// Limits on tensors described by a model: generous for CNNs, but small
/// enough that shape arithmetic downstream cannot overflow int64.
constexpr int64_t kMaxModelRank = 8;
constexpr int64_t kMaxModelDim = (int64_t(1) << 31) - 1;
/// Bound on strides, dilations, window sizes and padding amounts.
constexpr int64_t kMaxWindowParam = 1 << 20;

/// Whether the elements of `v` (null is fine) are aligned for T. The
/// FlatBuffers 2.x verifier checks the alignment of a vector's length field
/// but not that of 8-byte elements, so a corrupt file can misalign an int64
/// vector, and reading it would be undefined behavior.
/// Whether the elements of `v` may be read in place. An empty vector has
/// nothing to read (flatc writes those without padding).
template <class T> bool elementsAligned(const flatbuffers::Vector<T> *v) {
  return !v || v->size() == 0 ||
         reinterpret_cast<uintptr_t>(v->data()) % alignof(T) == 0;
}

/// "CONV_2D" etc.; "INVALID_OP_TYPE" for values outside the enum.
const char *opTypeName(fb::OpType type);

struct OpSchema {
  /// Number of inputs allowed; maxInputs = -1 means unbounded (CONCAT).
  int minInputs = 1;
  int maxInputs = 1;
  /// Bit k set: input k may be -1 (absent), e.g. a bias, or batch norm's
  /// gamma and beta (Keras's scale=False / center=False).
  uint32_t optionalInputs = 0;
  bool isOptionalInput(int k) const {
    return k >= 0 && k < 32 && ((optionalInputs >> k) & 1u);
  }
  /// The options table the op takes; NONE if it takes none.
  fb::OpOptions options = fb::OpOptions::NONE;
  /// Whether the options table must be present. Ops whose options are
  /// optional use the schema defaults when it is absent (the Keras and
  /// NumPy defaults: stride 1 VALID convolutions, 2x2 pools, a reversing
  /// transpose), as the importer and the reference interpreter do. RESHAPE
  /// and PAD have no meaningful default and must spell theirs out.
  bool optionsRequired = false;
};

/// The table for a valid op type (an all-default OpSchema otherwise):
///   CONV_2D, DEPTHWISE_CONV_2D   2-3 inputs (bias optional), options required
///   DENSE                        2-3 inputs (bias optional), options optional
///   MAX_POOL_2D, AVG_POOL_2D     Pool2DOptions required
///   RESHAPE, TRANSPOSE, PAD      their options required
///   CONCAT                       >= 1 inputs, ConcatOptions optional
///   BATCH_NORM                   5 inputs, BatchNormOptions optional
///   ADD, SUB, MUL, DIV           2 inputs, no options
///   LEAKY_RELU, SOFTMAX, LOG_SOFTMAX, DROPOUT, CLIP: options optional
///   GLOBAL_AVG_POOL, FLATTEN, RELU, RELU6, SIGMOID, TANH, SQRT, ERF, EXP,
///   LOG: no options
OpSchema opSchema(fb::OpType type);

/// Checks the op's options against opSchema(op.type()): the union type, its
/// presence, and the values (enums in range, strides >= 1, a permutation
/// that is one, ...). The message does not name the op; callers add that.
Status checkOpOptions(const fb::Operator &op);

/// Checks the scalar fields of a Training table (enums in range, positive
/// batch size, finite learning rate, ...).
Status checkTrainingOptions(const fb::Training &training);

} // namespace dlc

#endif // DLC_RUNTIME_OPSCHEMA_H
