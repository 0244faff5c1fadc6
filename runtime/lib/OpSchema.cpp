// The per-op rules of the model format and the checks on option values.
#include "dlc/runtime/OpSchema.h"

#include <cmath>
#include <string>
#include <vector>

namespace dlc {
namespace {

using fb::OpOptions;
using fb::OpType;

std::string num(int64_t v) { return std::to_string(v); }

/// Checks one integer field against [lo, hi], naming it in the message.
Status inRange(const char *field, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    return Status::error(std::string(field) + " is " + num(v) +
                         ", but must be in [" + num(lo) + ", " + num(hi) + "]");
  return Status::success();
}

Status finite(const char *field, float v) {
  if (!std::isfinite(v))
    return Status::error(std::string(field) + " is not a finite number");
  return Status::success();
}

template <class Enum> Status enumInRange(const char *field, Enum v) {
  return inRange(field, int64_t(v), int64_t(Enum::MIN), int64_t(Enum::MAX));
}

/// A fused activation is one of NONE..TANH: the later Activation values name
/// the elementwise math ops, and training differentiates a fused activation
/// from the op's output, which erf's derivative cannot be written in.
Status fusedActivation(fb::Activation act) {
  if (int(act) > int(fb::Activation::TANH) &&
      int(act) <= int(fb::Activation::MAX))
    return Status::error(std::string("activation ") +
                         fb::EnumNameActivation(act) +
                         " cannot be fused; use the standalone op");
  return enumInRange("activation", act);
}

/// The window fields shared by Conv2DOptions and DepthwiseConv2DOptions.
template <class ConvOptions> Status checkConv(const ConvOptions &o) {
  DLC_RETURN_IF_ERROR(inRange("stride_h", o.stride_h(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("stride_w", o.stride_w(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("dilation_h", o.dilation_h(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("dilation_w", o.dilation_w(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(enumInRange("padding", o.padding()));
  DLC_RETURN_IF_ERROR(inRange("pad_top", o.pad_top(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("pad_bottom", o.pad_bottom(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("pad_left", o.pad_left(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("pad_right", o.pad_right(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(fusedActivation(o.activation()));
  return finite("leaky_alpha", o.leaky_alpha());
}

Status checkPool(const fb::Pool2DOptions &o) {
  DLC_RETURN_IF_ERROR(inRange("filter_h", o.filter_h(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("filter_w", o.filter_w(), 1, kMaxWindowParam));
  // 0 means "same as the filter".
  DLC_RETURN_IF_ERROR(inRange("stride_h", o.stride_h(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("stride_w", o.stride_w(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("dilation_h", o.dilation_h(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("dilation_w", o.dilation_w(), 1, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(enumInRange("padding", o.padding()));
  DLC_RETURN_IF_ERROR(inRange("pad_top", o.pad_top(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(
      inRange("pad_bottom", o.pad_bottom(), 0, kMaxWindowParam));
  DLC_RETURN_IF_ERROR(inRange("pad_left", o.pad_left(), 0, kMaxWindowParam));
  return inRange("pad_right", o.pad_right(), 0, kMaxWindowParam);
}

Status checkReshape(const fb::ReshapeOptions &o) {
  const auto *s = o.new_shape();
  if (!elementsAligned(s))
    return Status::error("new_shape is misaligned (corrupt file)");
  if (!s || s->size() == 0)
    return Status::error("new_shape is missing");
  if (int64_t(s->size()) > kMaxModelRank)
    return Status::error("new_shape has " + num(s->size()) +
                         " entries, more than " + num(kMaxModelRank));
  int inferred = 0;
  for (int64_t d : *s) {
    if (d == -1 && ++inferred > 1)
      return Status::error("new_shape has more than one -1");
    // 0 is a literal 0: the reshape of an empty tensor.
    if (d != -1 && (d < 0 || d > kMaxModelDim))
      return Status::error("new_shape entry " + num(d) +
                           " is neither -1 nor in [0, " + num(kMaxModelDim) +
                           "]");
  }
  return Status::success();
}

Status checkTranspose(const fb::TransposeOptions &o) {
  const auto *perm = o.perm();
  if (!perm || perm->size() == 0)
    return Status::error("perm is missing");
  if (int64_t(perm->size()) > kMaxModelRank)
    return Status::error("perm has " + num(perm->size()) +
                         " entries, more than " + num(kMaxModelRank));
  std::vector<bool> seen(perm->size(), false);
  for (int32_t p : *perm) {
    if (p < 0 || uint32_t(p) >= perm->size() || seen[p])
      return Status::error("perm is not a permutation of 0.." +
                           num(perm->size() - 1));
    seen[p] = true;
  }
  return Status::success();
}

Status checkPad(const fb::PadOptions &o) {
  const auto *p = o.paddings();
  if (!elementsAligned(p))
    return Status::error("paddings is misaligned (corrupt file)");
  if (!p || p->size() == 0)
    return Status::error("paddings is missing");
  if (p->size() % 2 != 0 || int64_t(p->size()) > 2 * kMaxModelRank)
    return Status::error("paddings has " + num(p->size()) +
                         " entries; it needs two per input dimension");
  for (int64_t v : *p)
    DLC_RETURN_IF_ERROR(inRange("a paddings entry", v, 0, kMaxWindowParam));
  return Status::success();
}

Status checkAxis(int32_t axis) {
  return inRange("axis", axis, -kMaxModelRank, kMaxModelRank - 1);
}

/// Value checks for the options table actually present (type matches).
Status checkValues(const fb::Operator &op) {
  switch (op.options_type()) {
  case OpOptions::Conv2DOptions:
    return checkConv(*op.options_as_Conv2DOptions());
  case OpOptions::DepthwiseConv2DOptions:
    return checkConv(*op.options_as_DepthwiseConv2DOptions());
  case OpOptions::Pool2DOptions:
    return checkPool(*op.options_as_Pool2DOptions());
  case OpOptions::DenseOptions: {
    const auto *o = op.options_as_DenseOptions();
    DLC_RETURN_IF_ERROR(fusedActivation(o->activation()));
    return finite("leaky_alpha", o->leaky_alpha());
  }
  case OpOptions::ReshapeOptions:
    return checkReshape(*op.options_as_ReshapeOptions());
  case OpOptions::TransposeOptions:
    return checkTranspose(*op.options_as_TransposeOptions());
  case OpOptions::ConcatOptions:
    return checkAxis(op.options_as_ConcatOptions()->axis());
  case OpOptions::PadOptions:
    return checkPad(*op.options_as_PadOptions());
  case OpOptions::LeakyReluOptions:
    return finite("alpha", op.options_as_LeakyReluOptions()->alpha());
  case OpOptions::SoftmaxOptions:
    return checkAxis(op.options_as_SoftmaxOptions()->axis());
  case OpOptions::BatchNormOptions: {
    const auto *o = op.options_as_BatchNormOptions();
    if (!std::isfinite(o->epsilon()) || o->epsilon() < 0)
      return Status::error("epsilon must be a finite number >= 0");
    return finite("momentum", o->momentum());
  }
  case OpOptions::DropoutOptions: {
    float rate = op.options_as_DropoutOptions()->rate();
    if (!(rate >= 0 && rate < 1))
      return Status::error("rate must be in [0, 1)");
    return Status::success();
  }
  case OpOptions::ClipOptions: {
    const auto *o = op.options_as_ClipOptions();
    if (std::isnan(o->min()) || std::isnan(o->max()) || o->min() > o->max())
      return Status::error("min must not exceed max (and neither be NaN)");
    return Status::success();
  }
  case OpOptions::NONE:
    return Status::success();
  }
  return Status::success();
}

} // namespace

const char *opTypeName(OpType type) {
  const char *name = fb::EnumNameOpType(type);
  return name && *name ? name : "INVALID_OP_TYPE";
}

OpSchema opSchema(OpType type) {
  OpSchema s;
  auto opts = [&](OpOptions o, bool required) {
    s.options = o;
    s.optionsRequired = required;
  };
  switch (type) {
  case OpType::CONV_2D:
  case OpType::DEPTHWISE_CONV_2D:
  case OpType::DENSE:
    s.minInputs = 2;
    s.maxInputs = 3;
    s.optionalInputs = 1u << 2; // bias
    if (type == OpType::CONV_2D)
      opts(OpOptions::Conv2DOptions, false);
    else if (type == OpType::DEPTHWISE_CONV_2D)
      opts(OpOptions::DepthwiseConv2DOptions, false);
    else
      opts(OpOptions::DenseOptions, false);
    break;
  case OpType::MAX_POOL_2D:
  case OpType::AVG_POOL_2D:
    opts(OpOptions::Pool2DOptions, false);
    break;
  case OpType::RESHAPE:
    opts(OpOptions::ReshapeOptions, true);
    break;
  case OpType::TRANSPOSE:
    opts(OpOptions::TransposeOptions, false);
    break;
  case OpType::PAD:
    opts(OpOptions::PadOptions, true);
    break;
  case OpType::CONCAT:
    s.maxInputs = -1;
    opts(OpOptions::ConcatOptions, false);
    break;
  case OpType::BATCH_NORM:
    s.minInputs = s.maxInputs = 5;
    s.optionalInputs = (1u << 1) | (1u << 2); // gamma, beta
    opts(OpOptions::BatchNormOptions, false);
    break;
  case OpType::ADD:
  case OpType::SUB:
  case OpType::MUL:
  case OpType::DIV:
  case OpType::BATCH_MATMUL:
    s.minInputs = s.maxInputs = 2;
    break;
  case OpType::LEAKY_RELU:
    opts(OpOptions::LeakyReluOptions, false);
    break;
  case OpType::SOFTMAX:
  case OpType::LOG_SOFTMAX:
    opts(OpOptions::SoftmaxOptions, false);
    break;
  case OpType::DROPOUT:
    opts(OpOptions::DropoutOptions, false);
    break;
  case OpType::CLIP:
    opts(OpOptions::ClipOptions, false);
    break;
  case OpType::GLOBAL_AVG_POOL:
  case OpType::FLATTEN:
  case OpType::RELU:
  case OpType::RELU6:
  case OpType::SIGMOID:
  case OpType::TANH:
  case OpType::SQRT:
  case OpType::ERF:
  case OpType::EXP:
  case OpType::LOG:
    break;
  }
  return s;
}

Status checkOpOptions(const fb::Operator &op) {
  OpSchema schema = opSchema(op.type());
  OpOptions got = op.options_type();
  if (int(got) > int(OpOptions::MAX))
    return Status::error("invalid options type " + num(int(got)));
  // A union type without its table is as good as absent.
  if (got != OpOptions::NONE && !op.options())
    got = OpOptions::NONE;
  if (got == OpOptions::NONE) {
    if (schema.optionsRequired)
      return Status::error(std::string("needs ") +
                           fb::EnumNameOpOptions(schema.options) +
                           ", but has no options");
    return Status::success();
  }
  if (schema.options == OpOptions::NONE)
    return Status::error(std::string("takes no options, but has ") +
                         fb::EnumNameOpOptions(got));
  if (got != schema.options)
    return Status::error(std::string("needs ") +
                         fb::EnumNameOpOptions(schema.options) + ", but has " +
                         fb::EnumNameOpOptions(got));
  Status values = checkValues(op);
  if (!values.ok())
    return Status::error(std::string(fb::EnumNameOpOptions(got)) + "." +
                         values.message());
  return Status::success();
}

Status checkTrainingOptions(const fb::Training &t) {
  DLC_RETURN_IF_ERROR(enumInRange("loss", t.loss()));
  DLC_RETURN_IF_ERROR(enumInRange("optimizer", t.optimizer()));
  DLC_RETURN_IF_ERROR(enumInRange("schedule", t.schedule()));
  DLC_RETURN_IF_ERROR(inRange("batch_size", t.batch_size(), 1, 1 << 24));
  DLC_RETURN_IF_ERROR(inRange("epochs", t.epochs(), 0, 1 << 30));
  DLC_RETURN_IF_ERROR(inRange("epoch", t.epoch(), 0, 1 << 30));
  if (t.step() < 0)
    return Status::error("step is negative");
  for (auto [field, v] :
       {std::pair<const char *, float>{"learning_rate", t.learning_rate()},
        {"beta1", t.beta1()},
        {"beta2", t.beta2()},
        {"epsilon", t.epsilon()},
        {"momentum", t.momentum()},
        {"weight_decay", t.weight_decay()}})
    DLC_RETURN_IF_ERROR(finite(field, v));
  if (t.learning_rate() < 0)
    return Status::error("learning_rate is negative");
  return Status::success();
}

} // namespace dlc
