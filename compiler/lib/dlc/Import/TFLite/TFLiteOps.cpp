//===- TFLiteOps.cpp - TFLite builtin operators to dlc operators ----------===//
//
// One function per supported builtin. Each reads its options and operands
// through the Converter (which has already refused quantized tensors and
// bad tensor indices), appends dlc ops with the ModelBuilder and binds the
// TFLite outputs. The window and matmul operators, whose weights change
// layout, are in TFLiteConvOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "TFLiteConverterImpl.h"

#include "dlc/Import/TFLiteConverter.h"

namespace dlc::tflite_import {

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

using tflite::ActivationFunctionType;
using tflite::BuiltinOperator;

Status convertUnary(Converter &c, fb::OpType type) {
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  return c.bindOutput(0, c.builder().unary(type, c.opName(), *in));
}

Status convertBinary(Converter &c, fb::OpType type,
                     ActivationFunctionType fused) {
  auto a = c.inputOperand(0);
  if (!a.ok())
    return a.status();
  auto b = c.inputOperand(1);
  if (!b.ok())
    return b.status();
  bool hasAct = fused != ActivationFunctionType::NONE;
  int32_t out =
      c.builder().binary(type, c.opName(hasAct ? "op" : ""), *a, *b);
  auto act = c.applyActivation(fused, out);
  if (!act.ok())
    return act.status();
  return c.bindOutput(0, *act);
}

// Resolves a -1 entry with the input's static element count and turns a
// leading 1 (TFLite's stored batch) into dlc's batch dimension -1.
StatusOr<std::vector<int64_t>> batchedShape(Converter &c,
                                            std::vector<int64_t> shape) {
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  int64_t total = 1;
  for (int64_t d : xs) {
    if (d < 0 || (d > 0 && total > (int64_t(1) << 40) / d))
      return c.opError("invalid input shape " + shapeString(xs));
    total *= d;
  }
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && unknown < 0)
      unknown = static_cast<int64_t>(i);
    else if (shape[i] < 0) // 0 is a literal 0: an empty result.
      return c.opError("invalid new shape " + shapeString(shape));
    else if (shape[i] > 0 && known > (int64_t(1) << 40) / shape[i])
      return c.opError("invalid new shape " + shapeString(shape));
    else
      known *= shape[i];
  }
  if (unknown >= 0 && !xs.empty() && known > 0 && total % known == 0)
    shape[unknown] = total / known;
  if (!xs.empty() && xs[0] == 1 && !shape.empty() && shape[0] == 1)
    shape[0] = -1;
  return shape;
}

Status convertReshape(Converter &c) {
  std::vector<int64_t> shape;
  bool found = false;
  if (c.numInputs() >= 2 && c.inputIndex(1) >= 0 &&
      c.isConstant(c.inputIndex(1))) {
    auto s = c.intData(c.inputIndex(1));
    if (!s.ok())
      return c.opError("shape: " + s.status().message());
    shape = *s;
    found = true;
  } else if (const auto *o = c.op().builtin_options_as_ReshapeOptions()) {
    if (o->new_shape()) {
      for (int32_t d : *o->new_shape())
        shape.push_back(d);
      found = true;
    }
  }
  if (!found && c.op().outputs() && c.op().outputs()->size() == 1) {
    shape = c.shapeOf(c.op().outputs()->Get(0));
    found = !shape.empty();
  }
  if (!found)
    return c.opError("the new shape is neither constant nor in the options");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  auto resolved = batchedShape(c, shape);
  if (!resolved.ok())
    return resolved.status();
  return c.bindOutput(0, c.builder().reshape(c.opName(), *in, *resolved));
}

Status convertSoftmax(Converter &c) {
  const auto *o = c.op().builtin_options_as_SoftmaxOptions();
  float beta = o ? o->beta() : 1.0f;
  if (beta != 1.0f)
    return c.opError("beta " + std::to_string(beta) +
                     " is not supported (only 1.0)");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  return c.bindOutput(0, c.builder().softmax(c.opName(), *in, -1));
}

Status convertConcat(Converter &c) {
  const auto *o = c.op().builtin_options_as_ConcatenationOptions();
  if (!o)
    return c.opError("missing ConcatenationOptions");
  std::vector<int32_t> inputs;
  for (size_t i = 0; i < c.numInputs(); ++i) {
    auto v = c.inputOperand(i);
    if (!v.ok())
      return v.status();
    inputs.push_back(*v);
  }
  if (inputs.empty())
    return c.opError("has no inputs");
  bool hasAct = o->fused_activation_function() != ActivationFunctionType::NONE;
  int32_t out =
      c.builder().concat(c.opName(hasAct ? "concat" : ""), inputs, o->axis());
  auto a = c.applyActivation(o->fused_activation_function(), out);
  if (!a.ok())
    return a.status();
  return c.bindOutput(0, *a);
}

Status convertPad(Converter &c) {
  if (c.numInputs() != 2 || !c.isConstant(c.inputIndex(1)))
    return c.opError("paddings must be a constant second input");
  auto p = c.intData(c.inputIndex(1));
  if (!p.ok())
    return c.opError("paddings: " + p.status().message());
  std::vector<int64_t> ps = c.shapeOf(c.inputIndex(1));
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  if (ps.size() != 2 || ps[1] != 2 || (!xs.empty() && ps[0] != (int64_t)xs.size()))
    return c.opError("paddings must have shape [rank,2], got " +
                     shapeString(ps));
  for (int64_t v : *p)
    if (v < 0)
      return c.opError("negative paddings are not supported");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  // [rank,2] row-major is already dlc's (before, after) per dimension.
  return c.bindOutput(0, c.builder().pad(c.opName(), *in, *p, 0.0f));
}

Status convertMean(Converter &c) {
  const auto *o = c.op().builtin_options_as_ReducerOptions();
  bool keepDims = o && o->keep_dims();
  if (c.numInputs() != 2 || !c.isConstant(c.inputIndex(1)))
    return c.opError("axes must be a constant second input");
  auto axes = c.intData(c.inputIndex(1));
  if (!axes.ok())
    return c.opError("axes: " + axes.status().message());
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  if (xs.size() != 4)
    return c.opError("only rank-4 (NHWC) inputs are supported");
  std::vector<bool> reduced(4, false);
  for (int64_t a : *axes) {
    if (a < -4 || a > 3)
      return c.opError("axis " + std::to_string(a) + " is out of range");
    reduced[a < 0 ? a + 4 : a] = true;
  }
  if (axes->size() != 2 || !reduced[1] || !reduced[2])
    return c.opError("only the mean over axes [1,2] (global average "
                     "pooling) is supported");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  int32_t out = c.builder().globalAvgPool(c.opName(keepDims ? "pool" : ""), *in);
  if (keepDims)
    out = c.builder().reshape(c.opName(), out, {-1, 1, 1, xs[3]});
  return c.bindOutput(0, out);
}

Status convertDequantize(Converter &c) {
  int32_t t = c.inputIndex(0);
  if (t < 0 || !c.isConstant(t))
    return c.opError("only DEQUANTIZE of a constant fp16 tensor is supported");
  auto data = c.halfData(t);
  if (!data.ok())
    return c.opError(data.status().message());
  return c.bindFoldedOutput(0, std::move(*data));
}

ActivationFunctionType fusedOf(const tflite::AddOptions *o) {
  return o ? o->fused_activation_function() : ActivationFunctionType::NONE;
}
ActivationFunctionType fusedOf(const tflite::SubOptions *o) {
  return o ? o->fused_activation_function() : ActivationFunctionType::NONE;
}
ActivationFunctionType fusedOf(const tflite::MulOptions *o) {
  return o ? o->fused_activation_function() : ActivationFunctionType::NONE;
}

} // namespace

Status convertBuiltin(Converter &c, int32_t code) {
  const tflite::Operator &op = c.op();
  switch (static_cast<BuiltinOperator>(code)) {
  case BuiltinOperator::CONV_2D:
    return convertConv2D(c);
  case BuiltinOperator::DEPTHWISE_CONV_2D:
    return convertDepthwise(c);
  case BuiltinOperator::FULLY_CONNECTED:
    return convertFullyConnected(c);
  case BuiltinOperator::MAX_POOL_2D:
    return convertPool(c, /*isMax=*/true);
  case BuiltinOperator::AVERAGE_POOL_2D:
    return convertPool(c, /*isMax=*/false);
  case BuiltinOperator::RELU:
    return convertUnary(c, fb::OpType::RELU);
  case BuiltinOperator::RELU6:
    return convertUnary(c, fb::OpType::RELU6);
  case BuiltinOperator::LOGISTIC:
    return convertUnary(c, fb::OpType::SIGMOID);
  case BuiltinOperator::TANH:
    return convertUnary(c, fb::OpType::TANH);
  case BuiltinOperator::ADD:
    return convertBinary(c, fb::OpType::ADD,
                         fusedOf(op.builtin_options_as_AddOptions()));
  case BuiltinOperator::SUB:
    return convertBinary(c, fb::OpType::SUB,
                         fusedOf(op.builtin_options_as_SubOptions()));
  case BuiltinOperator::MUL:
    return convertBinary(c, fb::OpType::MUL,
                         fusedOf(op.builtin_options_as_MulOptions()));
  case BuiltinOperator::RESHAPE:
    return convertReshape(c);
  case BuiltinOperator::SOFTMAX:
    return convertSoftmax(c);
  case BuiltinOperator::CONCATENATION:
    return convertConcat(c);
  case BuiltinOperator::PAD:
    return convertPad(c);
  case BuiltinOperator::MEAN:
    return convertMean(c);
  case BuiltinOperator::DEQUANTIZE:
    return convertDequantize(c);
  default:
    return c.opError("operator is not supported");
  }
}

} // namespace dlc::tflite_import

// The codes handled by convertBuiltin's switch above, in its order.
std::vector<std::string> dlc::supportedTFLiteOps() {
  using tflite::BuiltinOperator;
  std::vector<std::string> names;
  for (BuiltinOperator op :
       {BuiltinOperator::CONV_2D, BuiltinOperator::DEPTHWISE_CONV_2D,
        BuiltinOperator::FULLY_CONNECTED, BuiltinOperator::MAX_POOL_2D,
        BuiltinOperator::AVERAGE_POOL_2D, BuiltinOperator::RELU,
        BuiltinOperator::RELU6, BuiltinOperator::LOGISTIC,
        BuiltinOperator::TANH, BuiltinOperator::ADD, BuiltinOperator::SUB,
        BuiltinOperator::MUL, BuiltinOperator::RESHAPE,
        BuiltinOperator::SOFTMAX, BuiltinOperator::CONCATENATION,
        BuiltinOperator::PAD, BuiltinOperator::MEAN,
        BuiltinOperator::DEQUANTIZE})
    names.push_back(tflite::EnumNameBuiltinOperator(op));
  return names;
}
