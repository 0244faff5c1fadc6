// Training-mode forward and backward of one flatbuffer Operator: resolves
// the options as op_eval.cpp does and calls the gradient functions.
#include "op_grad.h"

#include <string>

#include "dlc/reference/grad.h"

namespace dlc::ref::detail {

namespace {

namespace fb = dlc::fb;
using Grads = std::vector<std::optional<RefTensor>>;

// Keras' scale=False / center=False drop gamma / beta (input -1): they act
// as ones and zeros.
RefTensor gammaOrOnes(const Inputs &in, const RefTensor &x) {
  return in[1] ? *in[1] : filled({x.shape.back()}, 1.0f);
}

const RefTensor &batchNormInput(const Inputs &in) {
  expectInputCount(in, 5, 5);
  const RefTensor &x = required(in, 0, "input");
  if (x.shape.empty())
    throw RefError("input must have rank >= 1");
  return x;
}

// The mask a dropout needs, or nullptr when its rate makes it the identity.
const RefTensor *dropoutMaskFor(const fb::Operator &op, const RefTensor *mask,
                                float &rate) {
  auto o =
      resolveOptions<fb::DropoutOptionsT>(op, fb::OpOptions::DropoutOptions);
  rate = o.rate;
  if (rate == 0.0f)
    return nullptr;
  if (!mask)
    throw RefError("dropout with rate " + std::to_string(rate) +
                   " needs a keep-mask to train");
  return mask;
}

Grads weightGrads(WeightGrads g, const Inputs &in) {
  Grads out{std::move(g.input), std::move(g.weight), std::nullopt};
  if (in.size() > 2 && in[2])
    out[2] = std::move(g.bias);
  out.resize(in.size());
  return out;
}

Grads binaryGrads(const fb::Operator &op, const Inputs &in,
                  const RefTensor &dy) {
  expectInputCount(in, 2, 2);
  const RefTensor &a = required(in, 0, "lhs");
  const RefTensor &b = required(in, 1, "rhs");
  BinaryGrads g;
  switch (op.type()) {
  case fb::OpType::ADD:
    g = addBackward(dy, a, b);
    break;
  case fb::OpType::SUB:
    g = subBackward(dy, a, b);
    break;
  case fb::OpType::MUL:
    g = mulBackward(dy, a, b);
    break;
  default:
    g = divBackward(dy, a, b);
    break;
  }
  return {std::move(g.lhs), std::move(g.rhs)};
}

// Ops with a single input whose gradient is one tensor.
RefTensor unaryGrad(const fb::Operator &op, const RefTensor &x,
                    const RefTensor &dy, const RefTensor *dropoutMask) {
  if (op.type() == fb::OpType::MAX_POOL_2D ||
      op.type() == fb::OpType::AVG_POOL_2D) {
    const PoolAttrs a = resolvePoolAttrs(op, x);
    if (a.dilations[0] != 1 || a.dilations[1] != 1)
      throw RefError("the gradient of a dilated pool is not implemented");
  }
  switch (op.type()) {
  case fb::OpType::MAX_POOL_2D: {
    const PoolAttrs a = resolvePoolAttrs(op, x);
    return maxPool2dBackward(dy, x, a.window, a.strides, a.pads);
  }
  case fb::OpType::AVG_POOL_2D: {
    const PoolAttrs a = resolvePoolAttrs(op, x);
    return avgPool2dBackward(dy, x.shape, a.window, a.strides, a.pads,
                             a.countIncludePad);
  }
  case fb::OpType::GLOBAL_AVG_POOL:
    return globalAvgPoolBackward(dy, x.shape);
  case fb::OpType::RESHAPE:
  case fb::OpType::FLATTEN:
    return reshapeBackward(dy, x.shape);
  case fb::OpType::TRANSPOSE: {
    auto o = resolveOptions<fb::TransposeOptionsT>(
        op, fb::OpOptions::TransposeOptions);
    return transposeBackward(
        dy, std::vector<int64_t>(o.perm.begin(), o.perm.end()));
  }
  case fb::OpType::PAD: {
    auto o = resolveOptions<fb::PadOptionsT>(op, fb::OpOptions::PadOptions);
    return padBackward(dy, x.shape, o.paddings);
  }
  case fb::OpType::RELU:
    return reluBackward(dy, x);
  case fb::OpType::RELU6:
    return relu6Backward(dy, x);
  case fb::OpType::LEAKY_RELU: {
    auto o = resolveOptions<fb::LeakyReluOptionsT>(
        op, fb::OpOptions::LeakyReluOptions);
    return leakyReluBackward(dy, x, o.alpha);
  }
  case fb::OpType::SIGMOID:
    return sigmoidBackward(dy, x);
  case fb::OpType::TANH:
    return tanhBackward(dy, x);
  case fb::OpType::SQRT:
    return sqrtBackward(dy, x);
  case fb::OpType::ERF:
    return erfBackward(dy, x);
  case fb::OpType::EXP:
    return expBackward(dy, x);
  case fb::OpType::LOG:
    return logBackward(dy, x);
  case fb::OpType::CLIP: {
    auto o = resolveOptions<fb::ClipOptionsT>(op, fb::OpOptions::ClipOptions);
    return clipBackward(dy, x, o.min, o.max);
  }
  case fb::OpType::SOFTMAX:
  case fb::OpType::LOG_SOFTMAX: {
    auto o =
        resolveOptions<fb::SoftmaxOptionsT>(op, fb::OpOptions::SoftmaxOptions);
    return op.type() == fb::OpType::SOFTMAX ? softmaxBackward(dy, x, o.axis)
                                            : logSoftmaxBackward(dy, x, o.axis);
  }
  case fb::OpType::DROPOUT: {
    float rate = 0.0f;
    const RefTensor *mask = dropoutMaskFor(op, dropoutMask, rate);
    return mask ? dropoutBackward(dy, *mask, rate) : dy;
  }
  default:
    throw RefError("no gradient for op type " +
                   std::to_string(static_cast<int>(op.type())));
  }
}

} // namespace

RefTensor evaluateTrainingOp(const fb::Operator &op, const Inputs &in,
                             const RefTensor *dropoutMask,
                             TrainingSideEffects &effects) {
  if (op.type() == fb::OpType::BATCH_NORM) {
    const RefTensor &x = batchNormInput(in);
    auto o = resolveOptions<fb::BatchNormOptionsT>(
        op, fb::OpOptions::BatchNormOptions);
    BatchNormTrainingResult r = batchNormTraining(
        x, gammaOrOnes(in, x), in[2] ? *in[2] : zeros({x.shape.back()}),
        required(in, 3, "moving_mean"), required(in, 4, "moving_variance"),
        o.epsilon, o.momentum);
    effects.newMovingMean = std::move(r.newMovingMean);
    effects.newMovingVariance = std::move(r.newMovingVariance);
    return std::move(r.output);
  }
  if (op.type() == fb::OpType::DROPOUT) {
    expectInputCount(in, 1, 1);
    const RefTensor &x = required(in, 0, "input");
    float rate = 0.0f;
    const RefTensor *mask = dropoutMaskFor(op, dropoutMask, rate);
    return mask ? dropoutTraining(x, *mask, rate) : x;
  }
  return evaluateOp(op, in);
}

Grads backwardOp(const fb::Operator &op, const Inputs &in, const RefTensor &dy,
                 const RefTensor *dropoutMask) {
  switch (op.type()) {
  case fb::OpType::CONV_2D:
  case fb::OpType::DEPTHWISE_CONV_2D: {
    expectInputCount(in, 2, 3);
    const RefTensor &x = required(in, 0, "input");
    const RefTensor &w = required(in, 1, "filter");
    const ConvAttrs a = resolveConvAttrs(op, x, w);
    const RefTensor *b = optional(in, 2);
    return weightGrads(
        op.type() == fb::OpType::CONV_2D
            ? conv2dBackward(dy, x, w, b, a.strides, a.dilations, a.pads,
                             a.activation, a.leakyAlpha)
            : depthwiseConv2dBackward(dy, x, w, b, a.strides, a.dilations,
                                      a.pads, a.activation, a.leakyAlpha),
        in);
  }
  case fb::OpType::DENSE: {
    expectInputCount(in, 2, 3);
    auto o = resolveOptions<fb::DenseOptionsT>(op, fb::OpOptions::DenseOptions);
    return weightGrads(denseBackward(dy, required(in, 0, "input"),
                                     required(in, 1, "weight"), optional(in, 2),
                                     o.activation, o.leaky_alpha),
                       in);
  }
  case fb::OpType::ADD:
  case fb::OpType::SUB:
  case fb::OpType::MUL:
  case fb::OpType::DIV:
    return binaryGrads(op, in, dy);
  case fb::OpType::BATCH_MATMUL: {
    expectInputCount(in, 2, 2);
    BinaryGrads g = batchMatmulBackward(dy, required(in, 0, "a"),
                                        required(in, 1, "b"));
    return {std::move(g.lhs), std::move(g.rhs)};
  }
  case fb::OpType::CONCAT: {
    auto o =
        resolveOptions<fb::ConcatOptionsT>(op, fb::OpOptions::ConcatOptions);
    std::vector<std::vector<int64_t>> shapes;
    for (size_t i = 0; i < in.size(); ++i)
      shapes.push_back(required(in, i, "concat part").shape);
    Grads out;
    for (RefTensor &g : concatBackward(dy, shapes, o.axis))
      out.emplace_back(std::move(g));
    return out;
  }
  case fb::OpType::BATCH_NORM: {
    const RefTensor &x = batchNormInput(in);
    auto o = resolveOptions<fb::BatchNormOptionsT>(
        op, fb::OpOptions::BatchNormOptions);
    BatchNormGrads g =
        batchNormTrainingBackward(dy, x, gammaOrOnes(in, x), o.epsilon);
    Grads out(5);
    out[0] = std::move(g.input);
    if (in[1])
      out[1] = std::move(g.gamma);
    if (in[2])
      out[2] = std::move(g.beta);
    return out;
  }
  default: {
    expectInputCount(in, 1, 1);
    return {unaryGrad(op, required(in, 0, "input"), dy, dropoutMask)};
  }
  }
}

} // namespace dlc::ref::detail
