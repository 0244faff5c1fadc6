//===- ONNXSliceOps.cpp - Slice, Gather, Split ----------------------------===//
//
// Selecting elements along one axis. On values known at import the
// selection is folded. On computed data dlc has no slice op, so a regular
// selection (start, step, count) is a depthwise convolution over the axis
// with a one-hot filter:
//
//   [outer, L, inner, 1] --(kh x 1 filter, dilation d, stride step)-->
//   [outer, count, inner, 1]
//
// Output o reads x[o * step + t * d] for taps t < kh; the filter is 1 at
// tap start / d and 0 elsewhere. kh and d are chosen so that the window
// (kh - 1) * d + 1 yields exactly `count` outputs and d divides `start`:
// splitting a tensor in halves takes two taps. The result is exact for
// finite data (a product by 1 plus products by 0); an infinity next to a
// selected element becomes a NaN.
//
// Gather with constant indices is a concatenation of such selections (one
// per run of evenly spaced indices); Split is one selection per output.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include "dlc/runtime/OpSchema.h"

#include <numeric>

namespace dlc::onnx_import {

namespace {

/// At most this many selections make up one Gather on data.
constexpr size_t kMaxGatherRuns = 256;
/// Window candidates tried for the cheapest filter.
constexpr int64_t kMaxWindowCandidates = 4096;
/// Longest selection filter: its taps are the cost of each output.
constexpr int64_t kMaxTaps = int64_t(1) << 16;

/// Constant `x` restricted to the listed indices of each dim.
Value selectConstant(const Value &x,
                     const std::vector<std::vector<int64_t>> &picked) {
  size_t rank = x.shape.size();
  std::vector<int64_t> shape(rank), stride = stridesOf(x.shape);
  for (size_t d = 0; d < rank; ++d)
    shape[d] = static_cast<int64_t>(picked[d].size());
  std::vector<int64_t> source(static_cast<size_t>(numElements(shape)));
  std::vector<int64_t> index(rank, 0);
  for (size_t i = 0; i < source.size(); ++i) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d)
      src += picked[d][index[d]] * stride[d];
    source[i] = src;
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return gatherConstant(x, shape, source);
}

/// 0, 1, ..., n - 1.
std::vector<std::vector<int64_t>> allIndices(const std::vector<int64_t> &shape) {
  std::vector<std::vector<int64_t>> picked(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    picked[d].resize(static_cast<size_t>(shape[d]));
    std::iota(picked[d].begin(), picked[d].end(), 0);
  }
  return picked;
}

std::vector<int64_t> progression(int64_t start, int64_t step, int64_t count) {
  std::vector<int64_t> out(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    out[i] = start + i * step;
  return out;
}

/// An empty result: a constant without elements (dlc folds empty tensors).
Value emptyValue(const std::vector<int64_t> &shape) {
  return floatConstant(shape, {});
}

/// Slices `x` along each listed axis; `x` constant or computed.
StatusOr<Value> sliceAxes(Converter &c, const Value &x,
                          const std::vector<int64_t> &axes,
                          const std::vector<int64_t> &starts,
                          const std::vector<int64_t> &steps,
                          const std::vector<int64_t> &counts) {
  std::vector<int64_t> shape = x.shape;
  for (size_t i = 0; i < axes.size(); ++i)
    shape[axes[i]] = counts[i];
  if (x.constant || numElements(shape) == 0) {
    if (!x.constant)
      return emptyValue(shape);
    std::vector<std::vector<int64_t>> picked = allIndices(x.shape);
    for (size_t i = 0; i < axes.size(); ++i)
      picked[axes[i]] = progression(starts[i], steps[i], counts[i]);
    return selectConstant(x, picked);
  }
  Value v = x;
  for (size_t i = 0; i < axes.size(); ++i) {
    if (steps[i] < 0)
      return c.error("negative steps (reversing axis " +
                     std::to_string(axes[i]) +
                     ") are not supported on computed data");
    auto next = sliceData(c, v, axes[i], starts[i], steps[i], counts[i],
                          c.uniqueName("slice"));
    if (!next.ok())
      return next.status();
    v = std::move(*next);
  }
  return v;
}

/// ONNX's clamping of one slice bound: the selected elements of a dim of
/// size `dim` from `start` towards `end` by `step`, as (first, count).
std::pair<int64_t, int64_t> resolveSlice(int64_t start, int64_t end,
                                         int64_t step, int64_t dim) {
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) {
    return std::min(std::max(v, lo), hi);
  };
  // Negative bounds count from the end (INT64_MIN + dim cannot overflow).
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  int64_t count;
  if (step > 0) {
    start = clamp(start, 0, dim);
    end = clamp(end, 0, dim);
    count = end > start ? (end - start - 1) / step + 1 : 0;
  } else {
    start = clamp(start, 0, dim - 1);
    end = clamp(end, -1, dim - 1);
    count = start > end ? (start - end - 1) / -step + 1 : 0;
  }
  return {start, count};
}

} // namespace

StatusOr<Value> sliceData(Converter &c, const Value &x, int64_t axis,
                          int64_t start, int64_t step, int64_t count,
                          const std::string &name) {
  int64_t L = x.shape[axis];
  std::vector<int64_t> shape = x.shape;
  shape[axis] = count;
  if (start == 0 && count == L && (step == 1 || count <= 1))
    return x;
  if (count == 0)
    return emptyValue(shape);
  DLC_RETURN_IF_ERROR(c.checkBatchKept(x, axis != 0));
  if (count == 1)
    step = 1; // The window then covers the whole rest of the axis.
  // The window E = (kh - 1) * d + 1 must give `count` outputs, reach
  // `start` and have d divide `start`; the fewest taps win.
  int64_t lowest = std::max(L - count * step + 1, start + 1);
  int64_t highest = L - (count - 1) * step;
  int64_t kh = 0, dilation = 1;
  for (int64_t window = highest;
       window >= lowest && window > highest - kMaxWindowCandidates; --window) {
    int64_t span = window - 1;
    int64_t d = span == 0 ? 1 : std::gcd(start, span);
    // Past dlc's dilation limit, a divisor of d still divides both.
    if (d > kMaxWindowParam) {
      int64_t k = (d + kMaxWindowParam - 1) / kMaxWindowParam;
      while (d % k && k < kMaxTaps)
        ++k;
      d = d % k ? 1 : d / k;
    }
    int64_t taps = span / d + 1;
    if (kh == 0 || taps < kh) {
      kh = taps;
      dilation = d;
    }
  }
  if (kh > kMaxTaps || step > kMaxWindowParam)
    return c.error("selecting " + std::to_string(count) + " elements from " +
                   std::to_string(start) + " by " + std::to_string(step) +
                   " on axis " + std::to_string(axis) + " of " +
                   shapeString(x.shape) +
                   " exceeds dlc's window limits (strides and dilations up "
                   "to " + std::to_string(kMaxWindowParam) + ", filters of " +
                   std::to_string(kMaxTaps) + " taps)");

  auto in = c.tensorIn(x, x.perm);
  if (!in.ok())
    return in.status();
  std::vector<int64_t> phys = permuteShape(x.shape, x.perm);
  size_t p = 0;
  while (x.perm[p] != axis)
    ++p;
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < phys.size(); ++d)
    if (d < p)
      outer *= phys[d];
    else if (d > p)
      inner *= phys[d];
  // Physical dim 0 keeps the batch unless it is the sliced dim.
  bool keepsBatch = p > 0;
  int32_t rows =
      c.reshape(name + "/rows", *in, {outer, L, inner, 1}, keepsBatch);
  std::vector<float> taps(static_cast<size_t>(kh), 0.0f);
  taps[static_cast<size_t>(start / dilation)] = 1.0f;
  int32_t filter =
      c.builder().addWeight(name + "/taps", {kh, 1, 1, 1}, std::move(taps));
  fb::DepthwiseConv2DOptionsT o;
  o.stride_h = static_cast<int32_t>(step);
  o.dilation_h = static_cast<int32_t>(dilation);
  o.padding = fb::Padding::VALID;
  int32_t picked =
      c.builder().depthwiseConv2d(name + "/select", rows, filter, -1, o);
  c.declareShape(picked, {outer, count, inner, 1});
  std::vector<int64_t> physOut = phys;
  physOut[p] = count;
  int32_t out = c.reshape(name, picked, physOut, keepsBatch);
  return c.dynamicValue(out, std::move(shape), x.perm);
}

Status convertSlice(Converter &c) {
  bool legacy = c.opset() < 10;
  DLC_RETURN_IF_ERROR(legacy ? c.checkArity(1, 1) : c.checkArity(3, 5));
  DLC_RETURN_IF_ERROR(legacy ? c.checkAttributes({"starts", "ends", "axes"})
                             : c.checkAttributes({}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  int64_t rank = static_cast<int64_t>((*x)->shape.size());
  std::vector<int64_t> starts, ends, axes, steps;
  const char *names[4] = {"starts", "ends", "axes", "steps"};
  std::vector<int64_t> *lists[4] = {&starts, &ends, &axes, &steps};
  for (int i = 0; i < 4; ++i) {
    if (legacy) {
      if (i == 3)
        continue;
      auto v = c.attrInts(names[i]);
      if (!v.ok())
        return v.status();
      *lists[i] = *v;
    } else if (c.hasInput(i + 1)) {
      auto v = c.constantInts(i + 1, names[i]);
      if (!v.ok())
        return v.status();
      *lists[i] = *v;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(static_cast<int64_t>(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return c.error("starts, ends, axes and steps have different lengths (" +
                   std::to_string(starts.size()) + ", " +
                   std::to_string(ends.size()) + ", " +
                   std::to_string(axes.size()) + ", " +
                   std::to_string(steps.size()) + ")");
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> firsts, counts;
  for (size_t i = 0; i < starts.size(); ++i) {
    auto a = c.normalizeAxis(axes[i], rank);
    if (!a.ok())
      return a.status();
    if (seen[*a])
      return c.error("axis " + std::to_string(*a) + " is sliced twice");
    seen[*a] = true;
    axes[i] = *a;
    if (steps[i] == 0)
      return c.error("a step is 0");
    // A step past the dim selects at most one element either way; clamped,
    // the arithmetic below cannot overflow.
    int64_t dim = (*x)->shape[*a];
    steps[i] = std::min(std::max(steps[i], -dim - 1), dim + 1);
    auto [first, count] =
        resolveSlice(starts[i], ends[i], steps[i], dim);
    firsts.push_back(first);
    counts.push_back(count);
  }
  auto out = sliceAxes(c, **x, axes, firsts, steps, counts);
  if (!out.ok())
    return out.status();
  return c.setOutput(0, std::move(*out));
}

Status convertGather(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"axis"}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  auto idx = c.constantInput(1, "the indices");
  if (!idx.ok())
    return idx.status();
  if (!(*idx)->isInt)
    return c.error("the indices must be an integer tensor");
  const std::vector<int64_t> &xs = (*x)->shape;
  auto axis = c.axisAttribute(0, static_cast<int64_t>(xs.size()));
  if (!axis.ok())
    return axis.status();
  int64_t dim = xs[*axis];
  std::vector<int64_t> indices = (*idx)->ints;
  for (int64_t &i : indices) {
    if (i < -dim || i >= dim)
      return c.error("index " + std::to_string(i) + " is out of range for " +
                     "dim " + std::to_string(*axis) + " of " +
                     shapeString(xs));
    if (i < 0)
      i += dim;
  }
  // The indices' dims replace the gathered axis.
  std::vector<int64_t> shape(xs.begin(), xs.begin() + *axis);
  shape.insert(shape.end(), (*idx)->shape.begin(), (*idx)->shape.end());
  shape.insert(shape.end(), xs.begin() + *axis + 1, xs.end());
  if (!shapeFits(shape))
    return c.error("the result " + shapeString(shape) + " is too large");
  if ((*x)->constant) {
    if (numElements(shape) > kMaxFoldedElements)
      return c.error("the result " + shapeString(shape) +
                     " is too large to compute at import");
    std::vector<std::vector<int64_t>> picked = allIndices(xs);
    picked[*axis] = indices;
    Value v = selectConstant(**x, picked);
    v.shape = std::move(shape);
    return c.setOutput(0, std::move(v));
  }
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**x, *axis != 0));
  // Runs of evenly spaced increasing indices, each one selection.
  struct Run {
    int64_t start, step, count;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < indices.size();) {
    Run r{indices[i], 1, 1};
    if (i + 1 < indices.size() && indices[i + 1] > indices[i]) {
      r.step = indices[i + 1] - indices[i];
      while (i + r.count < indices.size() &&
             indices[i + r.count] - indices[i + r.count - 1] == r.step)
        ++r.count;
    }
    runs.push_back(r);
    i += static_cast<size_t>(r.count);
    if (runs.size() > kMaxGatherRuns)
      return c.error("the indices form more than " +
                     std::to_string(kMaxGatherRuns) +
                     " evenly spaced runs; gathering them from computed "
                     "data is not supported");
  }
  if (indices.empty())
    return c.setOutput(0, emptyValue(shape));
  std::vector<Value> parts;
  for (const Run &r : runs) {
    auto part = sliceData(c, **x, *axis, r.start, r.step, r.count,
                          c.uniqueName("gather"));
    if (!part.ok())
      return part.status();
    parts.push_back(std::move(*part));
  }
  Value gathered = parts[0];
  if (parts.size() > 1) {
    std::vector<int64_t> joined = xs;
    joined[*axis] = static_cast<int64_t>(indices.size());
    Perm perm = (*x)->perm;
    std::vector<int32_t> tensors;
    for (const Value &part : parts) {
      auto t = c.tensorIn(part, perm);
      if (!t.ok())
        return t.status();
      tensors.push_back(*t);
    }
    int32_t physAxis = 0;
    while (perm[physAxis] != *axis)
      ++physAxis;
    int32_t t = c.builder().concat(c.uniqueName("joined"), tensors, physAxis);
    gathered = c.dynamicValue(t, std::move(joined), perm);
  }
  return reshapeTo(c, gathered, std::move(shape));
}

Status convertSplit(Converter &c) {
  bool splitInput = c.opset() >= 13;
  DLC_RETURN_IF_ERROR(c.checkArity(1, splitInput ? 2 : 1, 1u << 16));
  DLC_RETURN_IF_ERROR(splitInput ? c.checkAttributes({"axis"})
                                 : c.checkAttributes({"axis", "split"}));
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  auto axis = c.axisAttribute(0, static_cast<int64_t>(xs.size()));
  if (!axis.ok())
    return axis.status();
  int64_t dim = xs[*axis];
  int64_t outputs = c.node().output_size();
  std::vector<int64_t> sizes;
  if (splitInput && c.hasInput(1)) {
    auto v = c.constantInts(1, "split");
    if (!v.ok())
      return v.status();
    sizes = *v;
  } else if (!splitInput) {
    auto v = c.attrInts("split");
    if (!v.ok())
      return v.status();
    sizes = *v;
  }
  if (sizes.empty()) {
    if (dim % outputs)
      return c.error("dim " + std::to_string(*axis) + " of " +
                     shapeString(xs) + " does not split into " +
                     std::to_string(outputs) + " equal parts");
    sizes.assign(static_cast<size_t>(outputs), dim / outputs);
  }
  if (static_cast<int64_t>(sizes.size()) != outputs)
    return c.error("split has " + std::to_string(sizes.size()) +
                   " sizes for " + std::to_string(outputs) + " outputs");
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0 || s > dim - total)
      return c.error("split " + shapeString(sizes) + " does not add up to " +
                     "dim " + std::to_string(*axis) + " of " +
                     shapeString(xs));
    total += s;
  }
  if (total != dim)
    return c.error("split " + shapeString(sizes) + " does not add up to dim " +
                   std::to_string(*axis) + " of " + shapeString(xs));
  int64_t offset = 0;
  for (int64_t i = 0; i < outputs; ++i) {
    if (c.node().output(static_cast<int>(i)).empty()) {
      offset += sizes[i];
      continue;
    }
    auto part = sliceAxes(c, **x, {*axis}, {offset}, {1}, {sizes[i]});
    if (!part.ok())
      return part.status();
    DLC_RETURN_IF_ERROR(c.setOutput(static_cast<size_t>(i), std::move(*part)));
    offset += sizes[i];
  }
  return Status::success();
}

} // namespace dlc::onnx_import
