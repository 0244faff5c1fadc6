//===- ONNXMathOps.cpp - elementwise, Gemm, MatMul, Softmax, BatchNorm ----===//
//
// Elementwise ops keep their input's layout; binary ops bring both operands
// to one layout (the layout of the operand that has one) after NumPy's
// right-aligned rank extension, so an NCHW bias [C, 1, 1] meets an NHWC
// activation as [1, 1, 1, C] without any transpose of the activation.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include <cmath>
#include <limits>

namespace dlc::onnx_import {

namespace {

/// The layout a value's tensor has (identity for constants).
Perm layoutOf(const Value &v) {
  return v.tensor >= 0 ? v.perm : identityPerm(v.shape.size());
}

/// `v` extended to rank `rank` (leading 1s) as a dlc tensor in `perm`.
StatusOr<int32_t> extendedTensor(Converter &c, const Value &v, size_t rank,
                                 const Perm &perm) {
  if (v.shape.size() == rank)
    return c.tensorIn(v, perm);
  Value wide;
  wide.name = v.name;
  wide.shape.assign(rank - v.shape.size(), 1);
  wide.shape.insert(wide.shape.end(), v.shape.begin(), v.shape.end());
  if (v.tensor < 0) {
    wide.constant = true;
    wide.isInt = v.isInt;
    wide.floats = v.floats;
    wide.ints = v.ints;
    return c.tensorIn(wide, perm);
  }
  auto t = c.tensorIn(v, {});
  if (!t.ok())
    return t.status();
  wide.tensor = c.reshape(c.uniqueName("rank"), *t, wide.shape, false);
  wide.perm = identityPerm(rank);
  return c.tensorIn(wide, perm);
}

} // namespace

/// a OP b with NumPy broadcasting; `name` names the result tensor.
StatusOr<Value> binaryValues(Converter &c, fb::OpType type, const Value &a,
                             const Value &b, const std::string &name) {
  size_t rank = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> shape(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.shape.size()
                     ? 1
                     : a.shape[i - (rank - a.shape.size())];
    int64_t db = i < rank - b.shape.size()
                     ? 1
                     : b.shape[i - (rank - b.shape.size())];
    if (da != db && da != 1 && db != 1)
      return c.error("shapes " + shapeString(a.shape) + " and " +
                     shapeString(b.shape) + " do not broadcast");
    shape[i] = std::max(da, db);
  }
  Perm perm = identityPerm(rank);
  for (const Value *v : {&a, &b})
    if (v->tensor >= 0 && v->shape.size() == rank && !isIdentity(v->perm)) {
      perm = v->perm;
      break;
    }
  auto ta = extendedTensor(c, a, rank, perm);
  if (!ta.ok())
    return ta.status();
  auto tb = extendedTensor(c, b, rank, perm);
  if (!tb.ok())
    return tb.status();
  int32_t out = c.builder().binary(type, name, *ta, *tb);
  return c.dynamicValue(out, shape, perm);
}

/// A rank-0 constant holding `x`.
Value scalarConstant(const std::string &name, float x) {
  Value v;
  v.name = name;
  v.constant = true;
  v.floats = {x};
  return v;
}

Status convertBinary(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  // axis/broadcast are opset-6 spellings of NumPy broadcasting; only the
  // default right alignment is supported.
  DLC_RETURN_IF_ERROR(c.checkAttributes({"broadcast"}));
  const std::string &t = c.node().op_type();
  fb::OpType type = t == "Add"   ? fb::OpType::ADD
                    : t == "Sub" ? fb::OpType::SUB
                    : t == "Mul" ? fb::OpType::MUL
                                 : fb::OpType::DIV;
  auto a = c.input(0);
  if (!a.ok())
    return a.status();
  auto b = c.input(1);
  if (!b.ok())
    return b.status();
  if ((*a)->constant && (*b)->constant) {
    if ((*a)->isInt != (*b)->isInt)
      return c.error("the operands have different types (integer and "
                     "float)");
    auto folded = foldBinary(c, **a, **b);
    if (!folded.ok() || *folded)
      return folded.status();
  }
  for (const Value *v : {*a, *b})
    if (v->isInt)
      return c.error("integer operand '" + v->name +
                     "' with a computed one is not supported (integer "
                     "arithmetic is only evaluated at import)");
  auto v = binaryValues(c, type, **a, **b, c.opName());
  if (!v.ok())
    return v.status();
  return c.setOutput(0, std::move(*v));
}

Status convertUnary(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  const std::string &t = c.node().op_type();
  DLC_RETURN_IF_ERROR(t == "LeakyRelu" ? c.checkAttributes({"alpha"})
                                       : c.checkAttributes({}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  Perm perm = layoutOf(**x);
  auto xt = c.tensorIn(**x, perm);
  if (!xt.ok())
    return xt.status();
  int32_t out;
  if (t == "LeakyRelu") {
    auto alpha = c.attrFloat("alpha", 0.01f);
    if (!alpha.ok())
      return alpha.status();
    out = c.builder().leakyRelu(c.opName(), *xt, *alpha);
  } else {
    fb::OpType type = t == "Relu"      ? fb::OpType::RELU
                      : t == "Sigmoid" ? fb::OpType::SIGMOID
                      : t == "Sqrt"    ? fb::OpType::SQRT
                      : t == "Erf"     ? fb::OpType::ERF
                      : t == "Exp"     ? fb::OpType::EXP
                      : t == "Log"     ? fb::OpType::LOG
                                       : fb::OpType::TANH;
    out = c.builder().unary(type, c.opName(), *xt);
  }
  return c.setOutput(0, c.dynamicValue(out, (*x)->shape, perm));
}

/// HardSigmoid(x) = clip(alpha * x + beta, 0, 1) and HardSwish(x) =
/// x * HardSigmoid(x) with alpha 1/6, beta 1/2 (MobileNetV3's gates and
/// activations), decomposed into Mul, Add, Clip (and Mul): each part has
/// its compiled kernel, reference and gradient already.
Status convertHardSigmoid(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  bool swish = c.node().op_type() == "HardSwish";
  DLC_RETURN_IF_ERROR(swish ? c.checkAttributes({})
                            : c.checkAttributes({"alpha", "beta"}));
  auto alpha = c.attrFloat("alpha", swish ? 1.0f / 6.0f : 0.2f);
  if (!alpha.ok())
    return alpha.status();
  auto beta = c.attrFloat("beta", 0.5f);
  if (!beta.ok())
    return beta.status();
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  if ((*x)->isInt)
    return c.error("integer operands are not supported");
  auto scaled =
      binaryValues(c, fb::OpType::MUL, **x,
                   scalarConstant(c.uniqueName("alpha"), *alpha),
                   c.uniqueName("scaled"));
  if (!scaled.ok())
    return scaled.status();
  auto shifted =
      binaryValues(c, fb::OpType::ADD, *scaled,
                   scalarConstant(c.uniqueName("beta"), *beta),
                   c.uniqueName("shifted"));
  if (!shifted.ok())
    return shifted.status();
  auto t = c.tensorIn(*shifted, shifted->perm);
  if (!t.ok())
    return t.status();
  std::string gateName = swish ? c.uniqueName("gate") : c.opName();
  int32_t gate = c.builder().clip(gateName, *t, 0.0f, 1.0f);
  Value gateValue = c.dynamicValue(gate, shifted->shape, shifted->perm);
  if (!swish)
    return c.setOutput(0, std::move(gateValue));
  auto out = binaryValues(c, fb::OpType::MUL, **x, gateValue, c.opName());
  if (!out.ok())
    return out.status();
  return c.setOutput(0, std::move(*out));
}

Status convertClip(Converter &c) {
  float inf = std::numeric_limits<float>::infinity();
  const Value *bound[2] = {nullptr, nullptr};
  float limit[2] = {-inf, inf};
  if (c.opset() < 11) {
    DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
    DLC_RETURN_IF_ERROR(c.checkAttributes({"min", "max"}));
    for (int i = 0; i < 2; ++i) {
      auto v = c.attrFloat(i ? "max" : "min", limit[i]);
      if (!v.ok())
        return v.status();
      limit[i] = *v;
    }
  } else {
    DLC_RETURN_IF_ERROR(c.checkArity(1, 3));
    DLC_RETURN_IF_ERROR(c.checkAttributes({}));
    for (int i = 0; i < 2; ++i) {
      if (!c.hasInput(1 + i))
        continue;
      auto v = c.input(1 + i);
      if (!v.ok())
        return v.status();
      if (!(*v)->shape.empty() && numElements((*v)->shape) != 1)
        return c.error(std::string(i ? "max" : "min") + " must be a scalar");
      if ((*v)->constant && !(*v)->isInt)
        limit[i] = (*v)->floats[0];
      else if ((*v)->isInt)
        return c.error("integer bounds are not supported");
      else
        bound[i] = *v;
    }
  }
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  Perm perm = layoutOf(**x);
  auto xt = c.tensorIn(**x, perm);
  if (!xt.ok())
    return xt.status();
  if (!bound[0] && !bound[1]) {
    int32_t out = c.builder().clip(c.opName(), *xt, limit[0], limit[1]);
    return c.setOutput(0, c.dynamicValue(out, (*x)->shape, perm));
  }
  // Bounds that are graph inputs: max(x, lo) = relu(x - lo) + lo and
  // min(y, hi) = hi - relu(hi - y), both broadcasting the scalar bound.
  Value y = **x;
  if (!bound[0] && limit[0] > -inf)
    return c.error("a constant min with a max given as a graph input is "
                   "not supported");
  if (!bound[1] && limit[1] < inf)
    return c.error("a constant max with a min given as a graph input is "
                   "not supported");
  auto relu = [&](const Value &v) -> StatusOr<Value> {
    auto t = c.tensorIn(v, v.perm);
    if (!t.ok())
      return t.status();
    int32_t r = c.builder().unary(fb::OpType::RELU, c.uniqueName("relu"), *t);
    return c.dynamicValue(r, v.shape, v.perm);
  };
  if (bound[0]) {
    auto d = binaryValues(c, fb::OpType::SUB, y, *bound[0], c.uniqueName("lo"));
    if (!d.ok())
      return d.status();
    auto r = relu(*d);
    if (!r.ok())
      return r.status();
    std::string name = bound[1] ? c.uniqueName("lo") : c.opName();
    auto s = binaryValues(c, fb::OpType::ADD, *r, *bound[0], name);
    if (!s.ok())
      return s.status();
    y = std::move(*s);
  }
  if (bound[1]) {
    auto d = binaryValues(c, fb::OpType::SUB, *bound[1], y, c.uniqueName("hi"));
    if (!d.ok())
      return d.status();
    auto r = relu(*d);
    if (!r.ok())
      return r.status();
    auto s = binaryValues(c, fb::OpType::SUB, *bound[1], *r, c.opName());
    if (!s.ok())
      return s.status();
    y = std::move(*s);
  }
  return c.setOutput(0, std::move(y));
}

Status convertSoftmax(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"axis"}));
  bool isLog = c.node().op_type() == "LogSoftmax";
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  int64_t rank = static_cast<int64_t>(xs.size());
  if (rank < 1)
    return c.error("expects an input of rank >= 1");
  auto axis = c.attrInt("axis", c.opset() < 13 ? 1 : -1);
  if (!axis.ok())
    return axis.status();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return c.error("axis " + std::to_string(*axis) + " is out of range for " +
                   shapeString(xs));
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, a != 0));
  auto apply = [&](const std::string &name, int32_t t, int32_t physAxis) {
    return isLog ? c.builder().logSoftmax(name, t, physAxis)
                 : c.builder().softmax(name, t, physAxis);
  };
  if (c.opset() >= 13 || a == rank - 1) {
    Perm perm = layoutOf(**x);
    auto xt = c.tensorIn(**x, perm);
    if (!xt.ok())
      return xt.status();
    int32_t phys = 0;
    while (perm[phys] != a)
      ++phys;
    int32_t out = apply(c.opName(), *xt, phys);
    return c.setOutput(0, c.dynamicValue(out, xs, perm));
  }
  // Before opset 13 the input is coerced to 2-D at `axis` and normalized
  // over everything from `axis` on.
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < a ? rows : cols) *= xs[d];
  auto xt = c.tensorIn(**x, {});
  if (!xt.ok())
    return xt.status();
  int32_t flat = c.reshape(c.uniqueName("rows"), *xt, {rows, cols}, a > 0);
  int32_t norm = apply(c.uniqueName("norm"), flat, 1);
  int32_t out = c.reshape(c.opName(), norm, xs, a > 0);
  return c.setOutput(0, c.dynamicValue(out, xs, {}));
}

Status convertBatchNorm(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(5, 5));
  DLC_RETURN_IF_ERROR(c.checkAttributes(
      {"epsilon", "momentum", "is_test", "spatial", "training_mode"}));
  auto spatial = c.attrInt("spatial", 1);
  if (!spatial.ok())
    return spatial.status();
  if (*spatial != 1)
    return c.error("spatial 0 (per-element statistics) is not supported");
  // Before opset 7, is_test 0 meant normalizing with the batch's own
  // statistics.
  auto isTest = c.attrInt("is_test", c.opset() < 7 ? 0 : 1);
  if (!isTest.ok())
    return isTest.status();
  if (*isTest == 0)
    return c.error("is_test 0 (training) is not supported (inference only)");
  auto training = c.attrInt("training_mode", 0);
  if (!training.ok())
    return training.status();
  if (*training != 0)
    return c.error("training_mode 1 is not supported (inference only)");
  auto eps = c.attrFloat("epsilon", 1e-5f);
  if (!eps.ok())
    return eps.status();
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  if (xs.size() < 2)
    return c.error("expects an input of rank >= 2, got " + shapeString(xs));
  int32_t params[4];
  for (int i = 0; i < 4; ++i) {
    auto p = c.input(1 + i);
    if (!p.ok())
      return p.status();
    if ((*p)->shape != std::vector<int64_t>{xs[1]})
      return c.error("input " + std::to_string(1 + i) + " '" + (*p)->name +
                     "' has shape " + shapeString((*p)->shape) +
                     "; expected [" + std::to_string(xs[1]) + "]");
    auto t = c.tensorIn(**p, {});
    if (!t.ok())
      return t.status();
    params[i] = *t;
  }
  // dlc normalizes over the last axis: channels last.
  Perm perm = channelsLastPerm(xs.size());
  auto xt = c.tensorIn(**x, perm);
  if (!xt.ok())
    return xt.status();
  int32_t out = c.builder().batchNorm(c.opName(), *xt, params[0], params[1],
                                      params[2], params[3], *eps);
  return c.setOutput(0, c.dynamicValue(out, xs, perm));
}

} // namespace dlc::onnx_import
