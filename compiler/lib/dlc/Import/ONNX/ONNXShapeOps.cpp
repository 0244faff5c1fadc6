//===- ONNXShapeOps.cpp - Flatten, Reshape, Transpose, Concat, ... --------===//
//
// Shape ops are where layouts matter. Transpose emits nothing: it composes
// with the value's layout, so a transpose pair cancels for free and an
// NCHW <-> NHWC transpose around dlc's NHWC ops disappears. Flatten and
// Reshape need ONNX's element order, so their input is brought back to the
// ONNX layout first (a reshape when only unit dims move, e.g. after
// GlobalAveragePool), and so do Squeeze and Unsqueeze, which are reshapes.
// On values known at import all of them are folded.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include "dlc/runtime/OpSchema.h"

#include <algorithm>

namespace dlc::onnx_import {

Status reshapeTo(Converter &c, const Value &x, std::vector<int64_t> shape) {
  if (x.constant) {
    Value v = x;
    v.shape = std::move(shape);
    return c.setOutput(0, std::move(v));
  }
  auto t = c.tensorIn(x, {});
  if (!t.ok())
    return t.status();
  bool keepsBatch = !shape.empty() && !x.shape.empty() && shape[0] == x.shape[0];
  std::vector<int64_t> phys = shape.empty() ? std::vector<int64_t>{1} : shape;
  int32_t out = c.reshape(c.opName(), *t, phys, keepsBatch);
  return c.setOutput(0, c.dynamicValue(out, std::move(shape), {}));
}

namespace {

/// Flatten of an NHWC value that only feeds constant weight matrices: the
/// columns stay in NHWC order (no transpose) and the consumers permute
/// their weight rows instead, once, at import.
Status flattenInPlace(Converter &c, const Value &x, int64_t rows,
                      int64_t cols) {
  std::vector<int64_t> phys = permuteShape(x.shape, x.perm);
  size_t rank = phys.size();
  // Logical row-major strides of the non-batch dims.
  std::vector<int64_t> stride(rank, 1);
  for (size_t d = rank - 1; d > 1; --d)
    stride[d - 1] = stride[d] * x.shape[d];
  Value out;
  out.columnOrder.resize(cols);
  std::vector<int64_t> index(rank, 0);
  for (int64_t j = 0; j < cols; ++j) {
    int64_t logical = 0;
    for (size_t i = 1; i < rank; ++i)
      logical += index[i] * stride[x.perm[i]];
    out.columnOrder[j] = logical;
    for (size_t i = rank; i-- > 1;) {
      if (++index[i] < phys[i])
        break;
      index[i] = 0;
    }
  }
  int32_t t = c.reshape(c.opName(), x.tensor, {rows, cols}, true);
  Value flat = c.dynamicValue(t, {rows, cols}, {});
  flat.columnOrder = std::move(out.columnOrder);
  return c.setOutput(0, std::move(flat));
}

} // namespace

Status convertFlatten(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"axis"}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  int64_t rank = static_cast<int64_t>((*x)->shape.size());
  auto axis = c.attrInt("axis", 1);
  if (!axis.ok())
    return axis.status();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a > rank)
    return c.error("axis " + std::to_string(*axis) + " is out of range for " +
                   shapeString((*x)->shape));
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < a ? rows : cols) *= (*x)->shape[d];
  const Value &v = **x;
  DLC_RETURN_IF_ERROR(c.checkBatchKept(v, a > 0));
  if (a == 1 && !v.constant && !isIdentity(v.perm) && v.perm[0] == 0 &&
      c.onlyFeedsConstantMatrices(c.node().output(0)))
    return flattenInPlace(c, v, rows, cols);
  return reshapeTo(c, v, {rows, cols});
}

Status convertReshape(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(c.opset() < 5 ? 1 : 2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"allowzero"}));
  auto allowZero = c.attrInt("allowzero", 0);
  if (!allowZero.ok())
    return allowZero.status();
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  auto s = c.constantInput(1, "the target shape");
  if (!s.ok())
    return s.status();
  if (!(*s)->isInt || (*s)->shape.size() != 1)
    return c.error("the target shape must be a 1-D integer tensor");
  const std::vector<int64_t> &xs = (*x)->shape;
  std::vector<int64_t> shape = (*s)->ints;
  int64_t inferred = -1;
  std::vector<int64_t> fixed; // The entries other than a -1.
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !*allowZero) {
      if (i >= xs.size())
        return c.error("target shape " + shapeString((*s)->ints) +
                       " copies dim " + std::to_string(i) +
                       ", which the input " + shapeString(xs) + " lacks");
      shape[i] = xs[i];
    }
    if (shape[i] == -1) {
      if (inferred >= 0)
        return c.error("target shape " + shapeString((*s)->ints) +
                       " has more than one -1");
      inferred = static_cast<int64_t>(i);
      continue;
    }
    // A 0 left here (allowzero=1) is a literal 0: the result is empty.
    fixed.push_back(shape[i]);
  }
  if (!shapeFits(fixed))
    return c.error("target shape " + shapeString((*s)->ints) +
                   " has an unsupported dim or is too large");
  int64_t known = numElements(fixed), total = numElements(xs);
  if (inferred >= 0) {
    // ONNX leaves -1 undefined next to a 0 (any value would fit).
    if (known == 0)
      return c.error("target shape " + shapeString((*s)->ints) +
                     " has both a 0 and a -1 (the -1 cannot be inferred)");
    if (total % known)
      return c.error("cannot reshape " + shapeString(xs) + " to " +
                     shapeString((*s)->ints));
    shape[inferred] = total / known;
  } else if (known != total) {
    return c.error("cannot reshape " + shapeString(xs) + " to " +
                   shapeString((*s)->ints));
  }
  DLC_RETURN_IF_ERROR(c.checkBatchKept(
      **x, !xs.empty() && !shape.empty() && shape[0] == xs[0]));
  return reshapeTo(c, **x, std::move(shape));
}

Status convertTranspose(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"perm"}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  size_t rank = (*x)->shape.size();
  auto attr = c.attrInts("perm");
  if (!attr.ok())
    return attr.status();
  Perm p;
  if (attr->empty())
    for (size_t d = rank; d-- > 0;)
      p.push_back(static_cast<int>(d));
  else
    p.assign(attr->begin(), attr->end());
  std::vector<bool> seen(rank, false);
  bool valid = p.size() == rank;
  for (int d : p)
    valid = valid && d >= 0 && static_cast<size_t>(d) < rank && !seen[d] &&
            (seen[d] = true);
  if (!valid)
    return c.error("perm " + shapeString(*attr) +
                   " is not a permutation of the input's " +
                   std::to_string(rank) + " dims");
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, rank == 0 || p[0] == 0));
  Value out;
  out.shape = permuteShape((*x)->shape, p);
  if ((*x)->constant) {
    // Output element i reads the input element at its permuted index.
    std::vector<int64_t> stride = stridesOf((*x)->shape);
    std::vector<int64_t> source(static_cast<size_t>(numElements(out.shape)));
    std::vector<int64_t> index(rank, 0);
    for (size_t i = 0; i < source.size(); ++i) {
      int64_t src = 0;
      for (size_t d = 0; d < rank; ++d)
        src += index[d] * stride[p[d]];
      source[i] = src;
      for (size_t d = rank; d-- > 0;) {
        if (++index[d] < out.shape[d])
          break;
        index[d] = 0;
      }
    }
    return c.setOutput(0, gatherConstant(**x, out.shape, source));
  }
  // No data moves: the result is the same tensor, read in a new layout.
  // Physical dim i holds input dim perm[i], which is output dim p^-1[...].
  Perm inverse(rank);
  for (size_t j = 0; j < rank; ++j)
    inverse[p[j]] = static_cast<int>(j);
  out.tensor = (*x)->tensor;
  out.perm.resize(rank);
  for (size_t i = 0; i < rank; ++i)
    out.perm[i] = inverse[(*x)->perm[i]];
  return c.setOutput(0, std::move(out));
}

namespace {

/// Concat of values known at import, folded: shape arithmetic builds
/// reshape targets this way.
Status concatConstants(Converter &c, const std::vector<const Value *> &inputs,
                       const std::vector<int64_t> &shape, int64_t axis) {
  bool isInt = inputs[0]->isInt;
  for (const Value *v : inputs)
    if (v->isInt != isInt)
      return c.error("the inputs have different types (integer and float)");
  if (numElements(shape) > kMaxFoldedElements)
    return c.error("the result " + shapeString(shape) +
                   " is too large to compute at import");
  // Each input is [outer, its axis dim * inner]; the result interleaves
  // their rows.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  Value out = isInt ? intConstant(shape, {}) : floatConstant(shape, {});
  for (int64_t o = 0; o < outer; ++o)
    for (const Value *v : inputs) {
      int64_t row = v->shape[axis] * inner;
      if (isInt)
        out.ints.insert(out.ints.end(), v->ints.begin() + o * row,
                        v->ints.begin() + (o + 1) * row);
      else
        out.floats.insert(out.floats.end(), v->floats.begin() + o * row,
                          v->floats.begin() + (o + 1) * row);
    }
  return c.setOutput(0, std::move(out));
}

/// The axes input (opset 13) or attribute (before) of Squeeze/Unsqueeze,
/// normalized against `rank`, sorted and checked for repeats.
StatusOr<std::vector<int64_t>> squeezeAxes(Converter &c, int64_t rank,
                                           bool required) {
  std::vector<int64_t> axes;
  if (c.opset() >= 13) {
    DLC_RETURN_IF_ERROR(c.checkAttributes({}));
    if (c.hasInput(1)) {
      auto v = c.constantInts(1, "axes");
      if (!v.ok())
        return v.status();
      axes = *v;
    }
  } else {
    DLC_RETURN_IF_ERROR(c.checkAttributes({"axes"}));
    auto v = c.attrInts("axes");
    if (!v.ok())
      return v.status();
    axes = *v;
  }
  if (required && axes.empty())
    return c.error("axes are required");
  for (int64_t &a : axes) {
    auto n = c.normalizeAxis(a, rank);
    if (!n.ok())
      return n.status();
    a = *n;
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return c.error("axes repeat an axis");
  return axes;
}

} // namespace

Status convertSqueeze(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, c.opset() >= 13 ? 2 : 1));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  auto axes = squeezeAxes(c, static_cast<int64_t>(xs.size()), false);
  if (!axes.ok())
    return axes.status();
  std::vector<int64_t> shape;
  for (size_t d = 0; d < xs.size(); ++d) {
    bool listed = std::binary_search(axes->begin(), axes->end(), int64_t(d));
    if (listed && xs[d] != 1)
      return c.error("cannot squeeze dim " + std::to_string(d) + " of " +
                     shapeString(xs) + ": it is not 1");
    // Without axes every dim of size 1 goes.
    if (!listed && !(axes->empty() && xs[d] == 1))
      shape.push_back(xs[d]);
  }
  bool removesDim0 =
      !xs.empty() && (axes->empty() ? xs[0] == 1 : (*axes)[0] == 0);
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, !removesDim0));
  return reshapeTo(c, **x, std::move(shape));
}

Status convertUnsqueeze(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(c.opset() >= 13 ? 2 : 1,
                                   c.opset() >= 13 ? 2 : 1));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  // Axes index the result, whose rank counts the inserted dims.
  int64_t outRank = static_cast<int64_t>(xs.size());
  if (c.opset() >= 13) {
    auto v = c.constantInts(1, "axes");
    if (!v.ok())
      return v.status();
    outRank += static_cast<int64_t>(v->size());
  } else {
    auto v = c.attrInts("axes");
    if (!v.ok())
      return v.status();
    outRank += static_cast<int64_t>(v->size());
  }
  if (outRank > kMaxModelRank)
    return c.error("the result would have rank " + std::to_string(outRank) +
                   "; dlc supports up to " + std::to_string(kMaxModelRank));
  auto axes = squeezeAxes(c, outRank, true);
  if (!axes.ok())
    return axes.status();
  std::vector<int64_t> shape;
  size_t next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    shape.push_back(std::binary_search(axes->begin(), axes->end(), d)
                        ? 1
                        : xs[next++]);
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, (*axes)[0] != 0));
  return reshapeTo(c, **x, std::move(shape));
}

Status convertConcat(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1u << 16));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"axis"}));
  std::vector<const Value *> inputs;
  for (int i = 0; i < c.node().input_size(); ++i) {
    auto v = c.input(i);
    if (!v.ok())
      return v.status();
    inputs.push_back(*v);
  }
  bool allConstant = true, anyInt = false;
  for (const Value *v : inputs) {
    allConstant = allConstant && v->constant;
    anyInt = anyInt || v->isInt;
  }
  if (anyInt && !allConstant)
    return c.error("integer inputs with computed ones are not supported "
                   "(integer tensors are only evaluated at import)");
  const std::vector<int64_t> &first = inputs[0]->shape;
  int64_t rank = static_cast<int64_t>(first.size());
  auto axis = c.attrInt("axis", 1);
  if (!axis.ok())
    return axis.status();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank)
    return c.error("axis " + std::to_string(*axis) + " is out of range for " +
                   shapeString(first));
  std::vector<int64_t> shape = first;
  shape[a] = 0;
  Perm perm = identityPerm(rank);
  for (const Value *v : inputs) {
    bool fits = static_cast<int64_t>(v->shape.size()) == rank;
    for (int64_t d = 0; fits && d < rank; ++d)
      fits = d == a || v->shape[d] == first[d];
    if (!fits)
      return c.error("input '" + v->name + "' " + shapeString(v->shape) +
                     " does not fit " + shapeString(first) + " on axis " +
                     std::to_string(a));
    shape[a] += v->shape[a];
    DLC_RETURN_IF_ERROR(c.checkBatchKept(*v, a != 0));
    if (v->tensor >= 0 && !isIdentity(v->perm) && isIdentity(perm))
      perm = v->perm;
  }
  if (allConstant)
    return concatConstants(c, inputs, shape, a);
  std::vector<int32_t> tensors;
  for (const Value *v : inputs) {
    auto t = c.tensorIn(*v, perm);
    if (!t.ok())
      return t.status();
    tensors.push_back(*t);
  }
  int32_t phys = 0;
  while (perm[phys] != a)
    ++phys;
  int32_t out = c.builder().concat(c.opName(), tensors, phys);
  return c.setOutput(0, c.dynamicValue(out, shape, perm));
}

Status convertPad(Converter &c) {
  bool legacy = c.opset() < 11;
  DLC_RETURN_IF_ERROR(legacy ? c.checkArity(1, 1) : c.checkArity(2, 3));
  DLC_RETURN_IF_ERROR(legacy ? c.checkAttributes({"mode", "pads", "value"})
                             : c.checkAttributes({"mode"}));
  auto mode = c.attrString("mode", "constant");
  if (!mode.ok())
    return mode.status();
  if (*mode != "constant")
    return c.error("mode '" + *mode + "' is not supported (only constant)");
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  size_t rank = (*x)->shape.size();
  std::vector<int64_t> pads;
  float value = 0.0f;
  if (legacy) {
    auto p = c.attrInts("pads");
    if (!p.ok())
      return p.status();
    pads = *p;
    auto v = c.attrFloat("value", 0.0f);
    if (!v.ok())
      return v.status();
    value = *v;
  } else {
    auto p = c.constantInput(1, "pads");
    if (!p.ok())
      return p.status();
    if (!(*p)->isInt)
      return c.error("pads must be an integer tensor");
    pads = (*p)->ints;
    if (c.hasInput(2)) {
      auto v = c.constantInput(2, "constant_value");
      if (!v.ok())
        return v.status();
      if ((*v)->isInt || (*v)->floats.size() != 1)
        return c.error("constant_value must be a float scalar");
      value = (*v)->floats[0];
    }
  }
  if (pads.size() != 2 * rank)
    return c.error("pads " + shapeString(pads) + " must have 2 entries per "
                   "dim of " + shapeString((*x)->shape));
  bool any = false;
  std::vector<int64_t> shape = (*x)->shape;
  for (size_t d = 0; d < rank; ++d) {
    if (pads[d] < 0 || pads[d + rank] < 0 || pads[d] > kMaxDim ||
        pads[d + rank] > kMaxDim)
      return c.error("pads " + shapeString(pads) +
                     " are not supported (negative pads crop)");
    any = any || pads[d] || pads[d + rank];
    shape[d] += pads[d] + pads[d + rank];
  }
  if (!any)
    return c.setOutput(0, **x);
  // Padded in the input's own layout: the amounts follow the dims.
  Perm perm = (*x)->tensor >= 0 ? (*x)->perm : identityPerm(rank);
  auto t = c.tensorIn(**x, perm);
  if (!t.ok())
    return t.status();
  std::vector<int64_t> paddings;
  for (size_t i = 0; i < rank; ++i) {
    paddings.push_back(pads[perm[i]]);
    paddings.push_back(pads[perm[i] + rank]);
  }
  int32_t out = c.builder().pad(c.opName(), *t, paddings, value);
  return c.setOutput(0, c.dynamicValue(out, shape, perm));
}

Status convertIdentity(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  return c.setOutput(0, **x);
}

Status convertDropout(Converter &c) {
  // The mask (output 1) would be an all-true bool tensor: not supported.
  DLC_RETURN_IF_ERROR(c.checkArity(1, 3, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"ratio", "is_test", "seed"}));
  if (c.hasInput(2)) {
    auto mode = c.input(2);
    if (!mode.ok())
      return mode.status();
    if (!(*mode)->constant)
      return c.error("training_mode given as a graph input is not supported "
                     "(inference only)");
    bool on = (*mode)->isInt ? (*mode)->ints[0] != 0 : (*mode)->floats[0] != 0;
    if (on)
      return c.error("training_mode true is not supported (inference only)");
  }
  // At inference Dropout is the identity (the ratio input is unused).
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  return c.setOutput(0, **x);
}

Status convertConstant(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(0, 0));
  if (c.node().attribute_size() != 1)
    return c.error("expects exactly one value attribute");
  const onnx::AttributeProto &a = c.node().attribute(0);
  Value v;
  v.constant = true;
  if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR) {
    Status s = readTensorProto(a.t(), v);
    if (!s.ok())
      return c.error(s.message());
  } else if (a.name() == "value_float" &&
             a.type() == onnx::AttributeProto::FLOAT) {
    v.floats = {a.f()};
  } else if (a.name() == "value_floats" &&
             a.type() == onnx::AttributeProto::FLOATS) {
    v.floats.assign(a.floats().begin(), a.floats().end());
    v.shape = {static_cast<int64_t>(v.floats.size())};
  } else if (a.name() == "value_int" && a.type() == onnx::AttributeProto::INT) {
    v.isInt = true;
    v.ints = {a.i()};
  } else if (a.name() == "value_ints" &&
             a.type() == onnx::AttributeProto::INTS) {
    v.isInt = true;
    v.ints.assign(a.ints().begin(), a.ints().end());
    v.shape = {static_cast<int64_t>(v.ints.size())};
  } else {
    return c.error("attribute '" + a.name() + "' is not supported");
  }
  if (numElements(v.shape) == 0)
    return c.error("empty constants are not supported");
  return c.setOutput(0, std::move(v));
}

} // namespace dlc::onnx_import
