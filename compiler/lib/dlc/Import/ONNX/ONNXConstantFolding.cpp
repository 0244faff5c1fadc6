//===- ONNXConstantFolding.cpp - shape arithmetic evaluated at import -----===//
//
// Exporters compute reshape targets and slice bounds from the tensors'
// shapes at run time (Shape -> Gather -> Div -> Concat -> Reshape). With
// static input shapes all of it is known at import, so these ops are
// evaluated here on constants and only the data path reaches the dlc
// graph. Integer tensors (shapes, indices, and booleans as 0/1) live only
// in this constant world; dlc itself computes in fp32.
//
// Every folded result is bounded by kMaxFoldedElements before it is
// allocated: a hostile Range or ConstantOfShape is an error, not an
// out-of-memory.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include <cmath>
#include <limits>

namespace dlc::onnx_import {

namespace {

Status checkFoldable(Converter &c, const std::vector<int64_t> &shape) {
  if (!shapeFits(shape) || numElements(shape) > kMaxFoldedElements)
    return c.error("the result " + shapeString(shape) +
                   " is too large to compute at import (at most " +
                   std::to_string(kMaxFoldedElements) + " elements)");
  return Status::success();
}

/// The broadcast shape of `values`, checked to be small enough to fold.
StatusOr<std::vector<int64_t>>
foldedBroadcast(Converter &c, std::initializer_list<const Value *> values) {
  std::vector<int64_t> shape;
  for (const Value *v : values) {
    std::vector<int64_t> next;
    if (!broadcastShapes(shape, v->shape, next))
      return c.error("shapes " + shapeString(shape) + " and " +
                     shapeString(v->shape) + " do not broadcast");
    shape = std::move(next);
  }
  DLC_RETURN_IF_ERROR(checkFoldable(c, shape));
  return shape;
}

double elementAt(const Value &v, int64_t i) {
  return v.isInt ? static_cast<double>(v.ints[i]) : v.floats[i];
}

StatusOr<int64_t> foldIntBinary(Converter &c, const std::string &op,
                                int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  if (op == "Add")
    overflow = __builtin_add_overflow(a, b, &r);
  else if (op == "Sub")
    overflow = __builtin_sub_overflow(a, b, &r);
  else if (op == "Mul")
    overflow = __builtin_mul_overflow(a, b, &r);
  else if (b == 0)
    return c.error("integer division by zero");
  else if (a == std::numeric_limits<int64_t>::min() && b == -1)
    overflow = true;
  else
    r = a / b; // ONNX's integer Div truncates, as C++ does.
  if (overflow)
    return c.error("integer overflow in " + std::to_string(a) + " " + op +
                   " " + std::to_string(b));
  return r;
}

} // namespace

StatusOr<bool> foldBinary(Converter &c, const Value &a, const Value &b) {
  const std::string &op = c.node().op_type();
  std::vector<int64_t> shape;
  if (!broadcastShapes(a.shape, b.shape, shape))
    return c.error("shapes " + shapeString(a.shape) + " and " +
                   shapeString(b.shape) + " do not broadcast");
  // Large float results stay a dlc op on two weights.
  if (!a.isInt &&
      (!shapeFits(shape) || numElements(shape) > kMaxFoldedElements))
    return false;
  DLC_RETURN_IF_ERROR(checkFoldable(c, shape));
  std::vector<int64_t> sa = broadcastSource(a.shape, shape);
  std::vector<int64_t> sb = broadcastSource(b.shape, shape);
  if (a.isInt) {
    std::vector<int64_t> out(sa.size());
    for (size_t i = 0; i < out.size(); ++i) {
      auto r = foldIntBinary(c, op, a.ints[sa[i]], b.ints[sb[i]]);
      if (!r.ok())
        return r.status();
      out[i] = *r;
    }
    DLC_RETURN_IF_ERROR(c.setOutput(0, intConstant(shape, std::move(out))));
    return true;
  }
  std::vector<float> out(sa.size());
  for (size_t i = 0; i < out.size(); ++i) {
    float x = a.floats[sa[i]], y = b.floats[sb[i]];
    out[i] = op == "Add"   ? x + y
             : op == "Sub" ? x - y
             : op == "Mul" ? x * y
                           : x / y;
  }
  DLC_RETURN_IF_ERROR(c.setOutput(0, floatConstant(shape, std::move(out))));
  return true;
}

Status convertShape(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.opset() >= 15 ? c.checkAttributes({"start", "end"})
                                      : c.checkAttributes({}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &shape = (*x)->shape;
  int64_t rank = static_cast<int64_t>(shape.size());
  auto start = c.attrInt("start", 0);
  if (!start.ok())
    return start.status();
  auto end = c.attrInt("end", rank);
  if (!end.ok())
    return end.status();
  // Negative bounds count from the end; both are clamped to [0, rank].
  auto clamp = [rank](int64_t i) {
    if (i < 0)
      i += rank;
    return std::min(std::max<int64_t>(i, 0), rank);
  };
  int64_t first = clamp(*start), last = std::max(first, clamp(*end));
  if (c.symbolicBatch() && !(*x)->constant && first == 0 && last > 0)
    return c.error("reads the batch dim of '" + (*x)->name +
                   "' (the model's batch is symbolic); export the model with "
                   "a fixed batch size");
  return c.setOutput(0, intConstant({last - first},
                                    std::vector<int64_t>(shape.begin() + first,
                                                         shape.begin() + last)));
}

Status convertConstantOfShape(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"value"}));
  auto shapeIn = c.constantInput(0, "the shape");
  if (!shapeIn.ok())
    return shapeIn.status();
  if (!(*shapeIn)->isInt || (*shapeIn)->shape.size() != 1)
    return c.error("the shape must be a 1-D integer tensor");
  std::vector<int64_t> shape = (*shapeIn)->ints;
  for (int64_t d : shape)
    if (d < 0)
      return c.error("the shape " + shapeString(shape) +
                     " has a negative dim");
  DLC_RETURN_IF_ERROR(checkFoldable(c, shape));
  Value fill = floatConstant({1}, {0.0f});
  if (const onnx::AttributeProto *a = c.attr("value")) {
    if (a->type() != onnx::AttributeProto::TENSOR)
      return c.error("attribute 'value' must be a tensor");
    Status s = readTensorProto(a->t(), fill);
    if (!s.ok())
      return c.error(s.message());
    if (numElements(fill.shape) != 1)
      return c.error("attribute 'value' must hold one element, not " +
                     shapeString(fill.shape));
  }
  std::vector<int64_t> source(static_cast<size_t>(numElements(shape)), 0);
  return c.setOutput(0, gatherConstant(fill, shape, source));
}

Status convertRange(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(3, 3));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  const Value *in[3];
  const char *names[3] = {"start", "limit", "delta"};
  for (int i = 0; i < 3; ++i) {
    auto v = c.constantInput(i, names[i]);
    if (!v.ok())
      return v.status();
    if (numElements((*v)->shape) != 1 || (*v)->shape.size() > 1)
      return c.error(std::string(names[i]) + " must be a scalar");
    in[i] = *v;
  }
  if (in[0]->isInt != in[1]->isInt || in[0]->isInt != in[2]->isInt)
    return c.error("start, limit and delta must have one type");
  if (in[0]->isInt) {
    int64_t start = in[0]->ints[0], limit = in[1]->ints[0],
            delta = in[2]->ints[0];
    if (delta == 0)
      return c.error("delta is 0");
    // In 128 bits, limit - start cannot overflow.
    __int128 span = static_cast<__int128>(limit) - start;
    __int128 step = delta;
    if ((span > 0) != (step > 0) || span == 0)
      span = 0;
    __int128 count = span == 0 ? 0 : (span + step - (step > 0 ? 1 : -1)) / step;
    if (count > kMaxFoldedElements)
      return c.error("the range has more than " +
                     std::to_string(kMaxFoldedElements) +
                     " elements, too many to compute at import");
    std::vector<int64_t> out(static_cast<size_t>(count));
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = start + static_cast<int64_t>(i) * delta;
    return c.setOutput(0, intConstant({static_cast<int64_t>(count)},
                                      std::move(out)));
  }
  float start = in[0]->floats[0], limit = in[1]->floats[0],
        delta = in[2]->floats[0];
  double count = std::ceil((double(limit) - double(start)) / double(delta));
  if (!std::isfinite(count) || delta == 0.0f)
    return c.error("start, limit and delta do not define a finite range");
  if (count > double(kMaxFoldedElements))
    return c.error("the range has more than " +
                   std::to_string(kMaxFoldedElements) +
                   " elements, too many to compute at import");
  std::vector<float> out(static_cast<size_t>(std::max(count, 0.0)));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = start + static_cast<float>(i) * delta;
  int64_t n = static_cast<int64_t>(out.size());
  return c.setOutput(0, floatConstant({n}, std::move(out)));
}

Status convertCast(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"to"}));
  auto to = c.attrInt("to", 0);
  if (!to.ok())
    return to.status();
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const Value &v = **x;
  std::string toName = onnx::TensorProto::DataType_IsValid(int(*to))
                           ? onnx::TensorProto::DataType_Name(
                                 onnx::TensorProto::DataType(*to))
                           : std::to_string(*to);
  bool toFloat = *to == onnx::TensorProto::FLOAT;
  bool toInt = *to == onnx::TensorProto::INT64 ||
               *to == onnx::TensorProto::INT32 ||
               *to == onnx::TensorProto::BOOL;
  if (!toFloat && !toInt)
    return c.error("casting to " + toName +
                   " is not supported (only FLOAT, and INT32, INT64 and BOOL "
                   "on values known at import)");
  if (!v.constant) {
    if (toFloat)
      return c.setOutput(0, v); // Computed values are FLOAT already.
    return c.error("casting the computed value '" + v.name + "' to " +
                   toName + " is not supported (dlc computes in FLOAT)");
  }
  int64_t n = numElements(v.shape);
  if (toFloat) {
    if (!v.isInt)
      return c.setOutput(0, v);
    return c.setOutput(
        0, floatConstant(v.shape, std::vector<float>(v.ints.begin(),
                                                     v.ints.end())));
  }
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double x = elementAt(v, i);
    if (*to == onnx::TensorProto::BOOL) {
      out[i] = x != 0;
      continue;
    }
    // Out-of-range float to integer casts are undefined in ONNX.
    if (!v.isInt && !(std::fabs(x) < 9.2e18))
      return c.error("element " + std::to_string(i) + " (" +
                     std::to_string(x) + ") does not fit in " + toName);
    int64_t value = v.isInt ? v.ints[i] : static_cast<int64_t>(x);
    out[i] = *to == onnx::TensorProto::INT32
                 ? static_cast<int64_t>(static_cast<int32_t>(value))
                 : value;
  }
  return c.setOutput(0, intConstant(v.shape, std::move(out)));
}

Status convertEqual(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  const Value *in[2];
  for (int i = 0; i < 2; ++i) {
    auto v = c.input(i);
    if (!v.ok())
      return v.status();
    if (!(*v)->constant)
      return c.error("comparing the computed value '" + (*v)->name +
                     "' is not supported (dlc has no boolean tensors; only "
                     "values known at import are compared)");
    in[i] = *v;
  }
  if (in[0]->isInt != in[1]->isInt)
    return c.error("the operands have different types");
  auto shape = foldedBroadcast(c, {in[0], in[1]});
  if (!shape.ok())
    return shape.status();
  std::vector<int64_t> sa = broadcastSource(in[0]->shape, *shape);
  std::vector<int64_t> sb = broadcastSource(in[1]->shape, *shape);
  std::vector<int64_t> out(sa.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = in[0]->isInt ? in[0]->ints[sa[i]] == in[1]->ints[sb[i]]
                          : in[0]->floats[sa[i]] == in[1]->floats[sb[i]];
  return c.setOutput(0, intConstant(*shape, std::move(out)));
}

Status convertWhere(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(3, 3));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  const Value *in[3];
  for (int i = 0; i < 3; ++i) {
    auto v = c.input(i);
    if (!v.ok())
      return v.status();
    if (!(*v)->constant)
      return c.error("selecting with or from the computed value '" +
                     (*v)->name +
                     "' is not supported (only values known at import)");
    in[i] = *v;
  }
  if (!in[0]->isInt)
    return c.error("the condition must be a boolean tensor");
  if (in[1]->isInt != in[2]->isInt)
    return c.error("X and Y have different types");
  auto shape = foldedBroadcast(c, {in[0], in[1], in[2]});
  if (!shape.ok())
    return shape.status();
  std::vector<int64_t> sc = broadcastSource(in[0]->shape, *shape);
  std::vector<int64_t> sx = broadcastSource(in[1]->shape, *shape);
  std::vector<int64_t> sy = broadcastSource(in[2]->shape, *shape);
  // Y's elements are numbered after X's in one concatenated source.
  Value both = *in[1];
  both.ints.insert(both.ints.end(), in[2]->ints.begin(), in[2]->ints.end());
  both.floats.insert(both.floats.end(), in[2]->floats.begin(),
                     in[2]->floats.end());
  int64_t yOffset = numElements(in[1]->shape);
  std::vector<int64_t> source(sc.size());
  for (size_t i = 0; i < source.size(); ++i)
    source[i] = in[0]->ints[sc[i]] ? sx[i] : yOffset + sy[i];
  return c.setOutput(0, gatherConstant(both, *shape, source));
}

Status convertExpand(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  auto target = c.constantInput(1, "the shape");
  if (!target.ok())
    return target.status();
  if (!(*target)->isInt || (*target)->shape.size() != 1)
    return c.error("the shape must be a 1-D integer tensor");
  const std::vector<int64_t> &requested = (*target)->ints;
  for (int64_t d : requested)
    if (d < 0)
      return c.error("the shape " + shapeString(requested) +
                     " has a negative dim");
  std::vector<int64_t> shape;
  if (!broadcastShapes((*x)->shape, requested, shape))
    return c.error("cannot expand " + shapeString((*x)->shape) + " to " +
                   shapeString(requested));
  if ((*x)->constant) {
    DLC_RETURN_IF_ERROR(checkFoldable(c, shape));
    return c.setOutput(0, gatherConstant(**x, shape,
                                         broadcastSource((*x)->shape, shape)));
  }
  if (shape == (*x)->shape)
    return c.setOutput(0, **x);
  // Computed data: a broadcasting multiplication by ones of the requested
  // shape is exact (also for -0, infinities and NaNs).
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, shape.size() == (*x)->shape.size() &&
                                                shape[0] == (*x)->shape[0]));
  DLC_RETURN_IF_ERROR(checkFoldable(c, requested));
  Value ones = floatConstant(
      requested,
      std::vector<float>(static_cast<size_t>(numElements(requested)), 1.0f));
  ones.name = c.uniqueName("ones");
  auto out = binaryValues(c, fb::OpType::MUL, **x, ones, c.opName());
  if (!out.ok())
    return out.status();
  return c.setOutput(0, std::move(*out));
}

} // namespace dlc::onnx_import
