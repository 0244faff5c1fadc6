//===- ONNXComposedOps.cpp - ONNX ops built from dlc's elementwise ops -----===//
//
// Neg, Abs, Reciprocal, PRelu, Pow, Softplus, and the variadic Sum, Mean,
// Max and Min have no dlc op of their own: each is a few broadcasting
// Add/Sub/Mul/Div, Relu and math ops, every one of which already has its
// compiled kernel, its reference and its gradient, so the composition
// trains as well.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include <cmath>
#include <sstream>

namespace dlc::onnx_import {

namespace {

/// The unary op `type` (no options) on v, in v's layout.
StatusOr<Value> unaryOf(Converter &c, fb::OpType type, const Value &v,
                        const std::string &name) {
  auto t = c.tensorIn(v, v.perm);
  if (!t.ok())
    return t.status();
  int32_t r = c.builder().unary(type, name, *t);
  return c.dynamicValue(r, v.shape, v.perm);
}

/// relu(v), in v's layout.
StatusOr<Value> reluOf(Converter &c, const Value &v, const std::string &name) {
  return unaryOf(c, fb::OpType::RELU, v, name);
}

/// The node's float input `i`.
StatusOr<const Value *> floatInput(Converter &c, int i) {
  auto v = c.input(i);
  if (!v.ok())
    return v.status();
  if ((*v)->isInt)
    return c.error("integer inputs are not supported");
  return *v;
}

/// -x, as x * -1 (the sign of a zero flips, as NumPy's).
StatusOr<Value> negate(Converter &c, const Value &x, const std::string &name) {
  return binaryValues(c, fb::OpType::MUL, x,
                      scalarConstant(c.uniqueName("minus_one"), -1.0f), name);
}

/// relu(x) and relu(-x): x's positive and negative parts, both >= 0.
struct Parts {
  Value positive, negative;
};
StatusOr<Parts> parts(Converter &c, const Value &x) {
  auto negated = negate(c, x, c.uniqueName("neg"));
  if (!negated.ok())
    return negated.status();
  auto positive = reluOf(c, x, c.uniqueName("positive"));
  if (!positive.ok())
    return positive.status();
  auto negative = reluOf(c, *negated, c.uniqueName("negative"));
  if (!negative.ok())
    return negative.status();
  return Parts{std::move(*positive), std::move(*negative)};
}

} // namespace

Status convertNegAbsReciprocal(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = floatInput(c, 0);
  if (!x.ok())
    return x.status();
  const std::string &type = c.node().op_type();
  if (type == "Reciprocal") {
    auto y = binaryValues(c, fb::OpType::DIV,
                          scalarConstant(c.uniqueName("one"), 1.0f), **x,
                          c.opName());
    return y.ok() ? c.setOutput(0, std::move(*y)) : y.status();
  }
  if (type == "Neg") {
    auto y = negate(c, **x, c.opName());
    return y.ok() ? c.setOutput(0, std::move(*y)) : y.status();
  }
  // |x| = relu(x) + relu(-x).
  auto p = parts(c, **x);
  if (!p.ok())
    return p.status();
  auto y = binaryValues(c, fb::OpType::ADD, p->positive, p->negative,
                        c.opName());
  return y.ok() ? c.setOutput(0, std::move(*y)) : y.status();
}

namespace {

/// x^n for n >= 1 by repeated squaring (x itself for n = 1); the last Mul
/// is named `name`.
StatusOr<Value> power(Converter &c, const Value &x, int64_t n,
                      const std::string &name) {
  if (n == 1)
    return x;
  bool odd = n & 1;
  auto half = power(c, x, n / 2, c.uniqueName("power"));
  if (!half.ok())
    return half.status();
  auto square = binaryValues(c, fb::OpType::MUL, *half, *half,
                             odd ? c.uniqueName("square") : name);
  if (!square.ok() || !odd)
    return square;
  return binaryValues(c, fb::OpType::MUL, *square, x, name);
}

/// Integer exponents beyond this are refused rather than computed by
/// e^(p ln x), which is NaN for negative x where pow is not.
constexpr int64_t kMaxIntegerExponent = 16;

} // namespace

Status convertPow(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = floatInput(c, 0);
  if (!x.ok())
    return x.status();
  auto y = c.input(1);
  if (!y.ok())
    return y.status();
  // Only a constant scalar exponent, which picks the composition below. A
  // one-element exponent of higher rank than x would broadcast x's shape.
  const Value &e = **y;
  if (!e.constant || numElements(e.shape) != 1)
    return c.error(
        "the exponent must be a constant scalar (it is " +
        std::string(e.constant ? "a constant of shape " + shapeString(e.shape)
                               : "computed") +
        ")");
  if (e.shape.size() > (*x)->shape.size())
    return c.error("an exponent of shape " + shapeString(e.shape) +
                   " would broadcast x of shape " + shapeString((*x)->shape) +
                   ": not supported");
  double p = e.isInt ? double(e.ints[0]) : double(e.floats[0]);
  // Constant bases are evaluated at import, like the other arithmetic.
  if ((*x)->constant) {
    std::vector<float> data = (*x)->floats;
    for (float &v : data)
      v = float(std::pow(double(v), p));
    return c.setOutput(0, floatConstant((*x)->shape, std::move(data)));
  }
  StatusOr<Value> out = Value();
  if (p == 0.5) {
    out = unaryOf(c, fb::OpType::SQRT, **x, c.opName());
  } else if (p == std::trunc(p)) {
    // An integer power by repeated squaring: defined for negative bases as
    // pow is, in a few Muls (and a Div for a negative power); 1 is x.
    if (p == 0.0 || std::fabs(p) > kMaxIntegerExponent) {
      std::ostringstream os;
      os << "exponent " << p << " is not supported (integer exponents from "
         << -kMaxIntegerExponent << " to " << kMaxIntegerExponent
         << " other than 0 are)";
      return c.error(os.str());
    }
    auto n = static_cast<int64_t>(std::fabs(p));
    if (p > 0) {
      out = power(c, **x, n, c.opName());
    } else {
      auto xn = power(c, **x, n, c.uniqueName("power"));
      if (!xn.ok())
        return xn.status();
      out = binaryValues(c, fb::OpType::DIV,
                         scalarConstant(c.uniqueName("one"), 1.0f), *xn,
                         c.opName());
    }
  } else {
    // x^p = e^(p ln x). For a non-integer p this is pow's own domain: NaN
    // for x < 0, 0 or +inf at x = 0 (ln 0 = -inf). The relative error grows
    // with |p ln x| (about 1e-7 per unit).
    auto l = unaryOf(c, fb::OpType::LOG, **x, c.uniqueName("log"));
    if (!l.ok())
      return l.status();
    auto scaled =
        binaryValues(c, fb::OpType::MUL, *l,
                     scalarConstant(c.uniqueName("exponent"), float(p)),
                     c.uniqueName("scaled"));
    if (!scaled.ok())
      return scaled.status();
    out = unaryOf(c, fb::OpType::EXP, *scaled, c.opName());
  }
  return out.ok() ? c.setOutput(0, std::move(*out)) : out.status();
}

/// softplus(x) = log(1 + e^x), computed as relu(x) + log(1 + e^-|x|): e^x
/// alone would overflow to +inf for x > 88, where softplus(x) is x.
Status convertSoftplus(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = floatInput(c, 0);
  if (!x.ok())
    return x.status();
  auto p = parts(c, **x);
  if (!p.ok())
    return p.status();
  // -|x| = -relu(x) - relu(-x).
  auto negAbs = binaryValues(c, fb::OpType::SUB,
                             scalarConstant(c.uniqueName("zero"), 0.0f),
                             p->positive, c.uniqueName("neg_positive"));
  if (!negAbs.ok())
    return negAbs.status();
  negAbs = binaryValues(c, fb::OpType::SUB, *negAbs, p->negative,
                        c.uniqueName("neg_abs"));
  if (!negAbs.ok())
    return negAbs.status();
  auto e = unaryOf(c, fb::OpType::EXP, *negAbs, c.uniqueName("exp"));
  if (!e.ok())
    return e.status();
  auto onePlus = binaryValues(c, fb::OpType::ADD, *e,
                              scalarConstant(c.uniqueName("one"), 1.0f),
                              c.uniqueName("one_plus"));
  if (!onePlus.ok())
    return onePlus.status();
  auto l = unaryOf(c, fb::OpType::LOG, *onePlus, c.uniqueName("log"));
  if (!l.ok())
    return l.status();
  auto out = binaryValues(c, fb::OpType::ADD, p->positive, *l, c.opName());
  return out.ok() ? c.setOutput(0, std::move(*out)) : out.status();
}

Status convertPRelu(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = floatInput(c, 0);
  if (!x.ok())
    return x.status();
  auto slope = floatInput(c, 1);
  if (!slope.ok())
    return slope.status();
  // Before opset 7 a one-dimensional slope of C values is per channel (dim
  // 1), not right-aligned as NumPy would broadcast it.
  Value channelSlope;
  const Value *xs = *x;
  if (c.opset() < 7 && (*slope)->constant && (*slope)->shape.size() == 1 &&
      xs->shape.size() > 2 && (*slope)->shape[0] == xs->shape[1] &&
      (*slope)->shape[0] != xs->shape.back()) {
    // A new constant of the new shape (the same values), added when used.
    channelSlope = **slope;
    channelSlope.name = c.uniqueName("channel_slope");
    channelSlope.tensor = -1;
    channelSlope.shape.assign(xs->shape.size() - 1, 1);
    channelSlope.shape[0] = (*slope)->shape[0];
    channelSlope.perm = identityPerm(channelSlope.shape.size());
    *slope = &channelSlope;
  }
  // prelu(x) = relu(x) - slope * relu(-x), the slope broadcast to x.
  auto p = parts(c, **x);
  if (!p.ok())
    return p.status();
  auto scaled = binaryValues(c, fb::OpType::MUL, p->negative, **slope,
                             c.uniqueName("scaled"));
  if (!scaled.ok())
    return scaled.status();
  auto y = binaryValues(c, fb::OpType::SUB, p->positive, *scaled, c.opName());
  return y.ok() ? c.setOutput(0, std::move(*y)) : y.status();
}

Status convertVariadic(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1u << 16));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  const std::string &type = c.node().op_type();
  int count = c.node().input_size();
  auto first = floatInput(c, 0);
  if (!first.ok())
    return first.status();
  Value acc = **first;
  for (int i = 1; i < count; ++i) {
    auto next = floatInput(c, i);
    if (!next.ok())
      return next.status();
    bool last = i + 1 == count && type != "Mean";
    std::string name = last ? c.opName() : c.uniqueName("acc");
    auto combine = [&]() -> StatusOr<Value> {
      if (type == "Sum" || type == "Mean")
        return binaryValues(c, fb::OpType::ADD, acc, **next, name);
      // max(a, b) = a + relu(b - a); min(a, b) = a - relu(a - b).
      bool isMax = type == "Max";
      auto d = isMax ? binaryValues(c, fb::OpType::SUB, **next, acc,
                                    c.uniqueName("gap"))
                     : binaryValues(c, fb::OpType::SUB, acc, **next,
                                    c.uniqueName("gap"));
      if (!d.ok())
        return d.status();
      auto r = reluOf(c, *d, c.uniqueName("excess"));
      if (!r.ok())
        return r.status();
      return binaryValues(c, isMax ? fb::OpType::ADD : fb::OpType::SUB, acc,
                          *r, name);
    };
    StatusOr<Value> step = combine();
    if (!step.ok())
      return step.status();
    acc = std::move(*step);
  }
  if (type == "Mean" && count > 1) {
    auto mean = binaryValues(
        c, fb::OpType::MUL, acc,
        scalarConstant(c.uniqueName("inverse_count"), 1.0f / float(count)),
        c.opName());
    if (!mean.ok())
      return mean.status();
    acc = std::move(*mean);
  }
  return c.setOutput(0, std::move(acc));
}

} // namespace dlc::onnx_import
