// Maps one flatbuffer Operator onto the reference op functions: picks the
// inputs, resolves the options (schema defaults when the table is absent)
// and calls the op.
#include "op_eval.h"

#include <string>

#include "dlc/reference/conv.h"
#include "dlc/reference/elementwise.h"
#include "dlc/reference/normalization.h"
#include "dlc/reference/padding.h"
#include "dlc/reference/pool.h"
#include "dlc/reference/shape_ops.h"

namespace dlc::ref::detail {

namespace fb = dlc::fb;

std::string optionsName(fb::OpOptions type) {
  const char *name = fb::EnumNameOpOptions(type);
  return name && *name ? name : std::to_string(static_cast<int>(type));
}

void expectInputCount(const Inputs &in, size_t min, size_t max) {
  if (in.size() < min || in.size() > max) {
    std::string want = min == max
                           ? std::to_string(min)
                           : std::to_string(min) + ".." + std::to_string(max);
    throw RefError("expects " + want + " inputs, got " +
                   std::to_string(in.size()));
  }
}

const RefTensor &required(const Inputs &in, size_t i, const char *what) {
  if (i >= in.size() || in[i] == nullptr)
    throw RefError(std::string("missing required input ") + what);
  return *in[i];
}

const RefTensor *optional(const Inputs &in, size_t i) {
  return i < in.size() ? in[i] : nullptr;
}

void requireRank4(const RefTensor &t, const char *what) {
  if (t.shape.size() != 4)
    throw RefError(std::string(what) + " must have rank 4, got " +
                   shapeToString(t.shape));
}

namespace {

// Conv2DOptionsT and DepthwiseConv2DOptionsT have the same fields.
template <typename Opts>
ConvAttrs convAttrs(const Opts &o, const RefTensor &x, const RefTensor &w) {
  requireRank4(x, "input");
  requireRank4(w, "filter");
  Pads p =
      resolvePadding(o.padding, x.shape[1], x.shape[2], w.shape[0], w.shape[1],
                     o.stride_h, o.stride_w, o.dilation_h, o.dilation_w,
                     Pads{o.pad_top, o.pad_bottom, o.pad_left, o.pad_right});
  return ConvAttrs{{o.stride_h, o.stride_w},
                   {o.dilation_h, o.dilation_w},
                   p,
                   o.activation,
                   o.leaky_alpha};
}

} // namespace

ConvAttrs resolveConvAttrs(const fb::Operator &op, const RefTensor &x,
                           const RefTensor &w) {
  if (op.type() == fb::OpType::CONV_2D)
    return convAttrs(
        resolveOptions<fb::Conv2DOptionsT>(op, fb::OpOptions::Conv2DOptions), x,
        w);
  return convAttrs(resolveOptions<fb::DepthwiseConv2DOptionsT>(
                       op, fb::OpOptions::DepthwiseConv2DOptions),
                   x, w);
}

PoolAttrs resolvePoolAttrs(const fb::Operator &op, const RefTensor &x) {
  requireRank4(x, "input");
  auto o = resolveOptions<fb::Pool2DOptionsT>(op, fb::OpOptions::Pool2DOptions);
  const int64_t sh = resolvePoolStride(o.stride_h, o.filter_h);
  const int64_t sw = resolvePoolStride(o.stride_w, o.filter_w);
  Pads p = resolvePadding(o.padding, x.shape[1], x.shape[2], o.filter_h,
                          o.filter_w, sh, sw, o.dilation_h, o.dilation_w,
                          Pads{o.pad_top, o.pad_bottom, o.pad_left, o.pad_right});
  return PoolAttrs{{o.filter_h, o.filter_w},
                   {sh, sw},
                   p,
                   o.count_include_pad,
                   {o.dilation_h, o.dilation_w}};
}

namespace {

// Ops without an options table: one being present means the model writer
// and this reader disagree about the op, which is worth reporting.
void expectNoOptions(const fb::Operator &op) {
  if (op.options_type() != fb::OpOptions::NONE)
    throw RefError("takes no options but has " +
                   optionsName(op.options_type()));
}

const RefTensor &unaryInput(const Inputs &in) {
  expectInputCount(in, 1, 1);
  return required(in, 0, "input");
}

RefTensor evalConv(const fb::Operator &op, const Inputs &in) {
  expectInputCount(in, 2, 3);
  const RefTensor &x = required(in, 0, "input");
  const RefTensor &w = required(in, 1, "filter");
  const ConvAttrs a = resolveConvAttrs(op, x, w);
  if (op.type() == fb::OpType::CONV_2D)
    return conv2d(x, w, optional(in, 2), a.strides, a.dilations, a.pads,
                  a.activation, a.leakyAlpha);
  return depthwiseConv2d(x, w, optional(in, 2), a.strides, a.dilations, a.pads,
                         a.activation, a.leakyAlpha);
}

RefTensor evalPool(const fb::Operator &op, const Inputs &in) {
  const RefTensor &x = unaryInput(in);
  const PoolAttrs a = resolvePoolAttrs(op, x);
  if (op.type() == fb::OpType::MAX_POOL_2D)
    return maxPool2d(x, a.window, a.strides, a.pads, a.dilations);
  return avgPool2d(x, a.window, a.strides, a.pads, a.countIncludePad,
                   a.dilations);
}

RefTensor evalBatchNorm(const fb::Operator &op, const Inputs &in) {
  expectInputCount(in, 5, 5);
  auto o = resolveOptions<fb::BatchNormOptionsT>(
      op, fb::OpOptions::BatchNormOptions);
  const RefTensor &x = required(in, 0, "input");
  if (x.shape.empty())
    throw RefError("input must have rank >= 1");
  // Keras' scale=False / center=False drop gamma / beta; -1 stands for them.
  const RefTensor ones = filled({x.shape.back()}, 1.0f);
  const RefTensor zero = zeros({x.shape.back()});
  return batchNorm(x, in[1] ? *in[1] : ones, in[2] ? *in[2] : zero,
                   required(in, 3, "moving_mean"),
                   required(in, 4, "moving_variance"), o.epsilon);
}

RefTensor evalBinary(const fb::Operator &op, const Inputs &in) {
  expectNoOptions(op);
  expectInputCount(in, 2, 2);
  const RefTensor &a = required(in, 0, "lhs");
  const RefTensor &b = required(in, 1, "rhs");
  switch (op.type()) {
  case fb::OpType::ADD:
    return add(a, b);
  case fb::OpType::SUB:
    return sub(a, b);
  case fb::OpType::MUL:
    return mul(a, b);
  default:
    return div(a, b);
  }
}

} // namespace

RefTensor evaluateOp(const fb::Operator &op, const Inputs &in) {
  switch (op.type()) {
  case fb::OpType::CONV_2D:
  case fb::OpType::DEPTHWISE_CONV_2D:
    return evalConv(op, in);
  case fb::OpType::DENSE: {
    expectInputCount(in, 2, 3);
    auto o = resolveOptions<fb::DenseOptionsT>(op, fb::OpOptions::DenseOptions);
    return dense(required(in, 0, "input"), required(in, 1, "weight"),
                 optional(in, 2), o.activation, o.leaky_alpha);
  }
  case fb::OpType::BATCH_MATMUL:
    expectNoOptions(op);
    expectInputCount(in, 2, 2);
    return batchMatmul(required(in, 0, "a"), required(in, 1, "b"));
  case fb::OpType::MAX_POOL_2D:
  case fb::OpType::AVG_POOL_2D:
    return evalPool(op, in);
  case fb::OpType::GLOBAL_AVG_POOL:
    expectNoOptions(op);
    return globalAvgPool(unaryInput(in));
  case fb::OpType::RESHAPE: {
    const RefTensor &x = unaryInput(in);
    if (op.options_type() != fb::OpOptions::ReshapeOptions)
      throw RefError("needs ReshapeOptions with new_shape");
    auto o =
        resolveOptions<fb::ReshapeOptionsT>(op, fb::OpOptions::ReshapeOptions);
    return reshape(x, o.new_shape);
  }
  case fb::OpType::FLATTEN:
    expectNoOptions(op);
    return flatten(unaryInput(in));
  case fb::OpType::TRANSPOSE: {
    const RefTensor &x = unaryInput(in);
    auto o = resolveOptions<fb::TransposeOptionsT>(
        op, fb::OpOptions::TransposeOptions);
    return transpose(x, std::vector<int64_t>(o.perm.begin(), o.perm.end()));
  }
  case fb::OpType::CONCAT: {
    if (in.empty())
      throw RefError("expects at least 1 input");
    auto o =
        resolveOptions<fb::ConcatOptionsT>(op, fb::OpOptions::ConcatOptions);
    std::vector<RefTensor> parts;
    for (size_t i = 0; i < in.size(); ++i)
      parts.push_back(required(in, i, "concat part"));
    return concat(parts, o.axis);
  }
  case fb::OpType::PAD: {
    const RefTensor &x = unaryInput(in);
    auto o = resolveOptions<fb::PadOptionsT>(op, fb::OpOptions::PadOptions);
    return pad(x, o.paddings, o.value);
  }
  case fb::OpType::ADD:
  case fb::OpType::SUB:
  case fb::OpType::MUL:
  case fb::OpType::DIV:
    return evalBinary(op, in);
  case fb::OpType::RELU:
    expectNoOptions(op);
    return relu(unaryInput(in));
  case fb::OpType::RELU6:
    expectNoOptions(op);
    return relu6(unaryInput(in));
  case fb::OpType::LEAKY_RELU: {
    const RefTensor &x = unaryInput(in);
    auto o = resolveOptions<fb::LeakyReluOptionsT>(
        op, fb::OpOptions::LeakyReluOptions);
    return leakyRelu(x, o.alpha);
  }
  case fb::OpType::SIGMOID:
    expectNoOptions(op);
    return sigmoid(unaryInput(in));
  case fb::OpType::TANH:
    expectNoOptions(op);
    return tanh(unaryInput(in));
  case fb::OpType::SQRT:
    expectNoOptions(op);
    return sqrt(unaryInput(in));
  case fb::OpType::ERF:
    expectNoOptions(op);
    return erf(unaryInput(in));
  case fb::OpType::EXP:
    expectNoOptions(op);
    return exp(unaryInput(in));
  case fb::OpType::LOG:
    expectNoOptions(op);
    return log(unaryInput(in));
  case fb::OpType::SOFTMAX:
  case fb::OpType::LOG_SOFTMAX: {
    const RefTensor &x = unaryInput(in);
    auto o =
        resolveOptions<fb::SoftmaxOptionsT>(op, fb::OpOptions::SoftmaxOptions);
    return op.type() == fb::OpType::SOFTMAX ? softmax(x, o.axis)
                                            : logSoftmax(x, o.axis);
  }
  case fb::OpType::BATCH_NORM:
    return evalBatchNorm(op, in);
  case fb::OpType::DROPOUT: {
    const RefTensor &x = unaryInput(in);
    // Validated for consistency only: rate and seed matter in training.
    resolveOptions<fb::DropoutOptionsT>(op, fb::OpOptions::DropoutOptions);
    return dropout(x);
  }
  case fb::OpType::CLIP: {
    const RefTensor &x = unaryInput(in);
    auto o = resolveOptions<fb::ClipOptionsT>(op, fb::OpOptions::ClipOptions);
    return clip(x, o.min, o.max);
  }
  }
  throw RefError("unsupported op type " +
                 std::to_string(static_cast<int>(op.type())));
}

} // namespace dlc::ref::detail
