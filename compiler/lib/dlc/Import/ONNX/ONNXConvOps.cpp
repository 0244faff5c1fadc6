//===- ONNXConvOps.cpp - Conv, MaxPool, AveragePool, GlobalAveragePool ----===//
//
// The NCHW window ops. Their input is taken in NHWC (dlc's layout) and their
// output stays NHWC: the next NCHW op takes it as it is, so no transpose is
// emitted between them. Filters are re-laid out once at import: OIHW ->
// HWIO, or [C*M, 1, H, W] -> [H, W, C, M] for depthwise convolutions.
//
//===----------------------------------------------------------------------===//

#include "ONNXWindow.h"

#include <algorithm>

namespace dlc::onnx_import {

namespace {

// Elements of the dense filter a grouped conv expands to (256 MiB).
constexpr int64_t kMaxGroupedFilter = int64_t(1) << 26;

StatusOr<const Value *> spatialInput(Converter &c) {
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  if ((*x)->shape.size() != 4)
    return c.error("input '" + (*x)->name + "' has shape " +
                   shapeString((*x)->shape) +
                   "; only 2-D windows (4-D NCHW inputs) are supported");
  return x;
}

/// Strides, dilations and explicit pads of a conv or pool option table.
template <typename Options> void setWindow(Options &o, const Window &w) {
  o.stride_h = static_cast<int32_t>(w.stride[0]);
  o.stride_w = static_cast<int32_t>(w.stride[1]);
  o.dilation_h = static_cast<int32_t>(w.dilation[0]);
  o.dilation_w = static_cast<int32_t>(w.dilation[1]);
  o.padding = fb::Padding::EXPLICIT;
  o.pad_top = static_cast<int32_t>(w.padBegin[0]);
  o.pad_left = static_cast<int32_t>(w.padBegin[1]);
  o.pad_bottom = static_cast<int32_t>(w.padEnd[0]);
  o.pad_right = static_cast<int32_t>(w.padEnd[1]);
}

// The filter of a grouped convolution (1 < groups < channels) as one dense
// HWIO filter that is zero outside each group's block: exact, and dlc's
// conv kernels run it as they are.
std::vector<float> blockDiagonalFilter(const Value &w, int64_t groups,
                                       int64_t channels) {
  int64_t M = w.shape[0], Cg = w.shape[1], KH = w.shape[2], KW = w.shape[3];
  int64_t Mg = M / groups;
  std::vector<float> hwio(KH * KW * channels * M, 0.0f);
  for (int64_t o = 0; o < M; ++o)
    for (int64_t ci = 0; ci < Cg; ++ci)
      for (int64_t h = 0; h < KH; ++h)
        for (int64_t x = 0; x < KW; ++x) {
          int64_t c = (o / Mg) * Cg + ci;
          hwio[((h * KW + x) * channels + c) * M + o] =
              w.floats[((o * Cg + ci) * KH + h) * KW + x];
        }
  return hwio;
}

} // namespace

Status convertConv(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 3));
  DLC_RETURN_IF_ERROR(c.checkAttributes(
      {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}));
  auto x = spatialInput(c);
  if (!x.ok())
    return x.status();
  auto w = c.input(1);
  if (!w.ok())
    return w.status();
  const std::vector<int64_t> &xs = (*x)->shape, &ws = (*w)->shape;
  if (ws.size() != 4)
    return c.error("filter '" + (*w)->name + "' has shape " + shapeString(ws) +
                   "; expected [M, C/group, kH, kW]");
  auto group = c.attrInt("group", 1);
  if (!group.ok())
    return group.status();
  int64_t C = xs[1], M = ws[0], G = *group;
  if (G < 1 || C % G || M % G || ws[1] != C / G)
    return c.error("group " + std::to_string(G) + " does not fit input " +
                   shapeString(xs) + " and filter " + shapeString(ws));
  int64_t in[2] = {xs[2], xs[3]}, kernel[2] = {ws[2], ws[3]};
  auto win = resolveWindow(c, in, kernel, /*allowCeil=*/false);
  if (!win.ok())
    return win.status();

  auto xt = c.tensorIn(**x, channelsLastPerm(4));
  if (!xt.ok())
    return xt.status();
  int32_t bias = -1;
  if (c.hasInput(2)) {
    auto b = c.input(2);
    if (!b.ok())
      return b.status();
    if ((*b)->shape != std::vector<int64_t>{M})
      return c.error("bias '" + (*b)->name + "' has shape " +
                     shapeString((*b)->shape) + "; expected [" +
                     std::to_string(M) + "]");
    auto bt = c.tensorIn(**b, {});
    if (!bt.ok())
      return bt.status();
    bias = *bt;
  }
  std::vector<int64_t> outShape = {xs[0], M, win->out[0], win->out[1]};
  const Perm hwio = {2, 3, 1, 0};
  int32_t out;
  if (G == 1) {
    auto f = c.tensorIn(**w, hwio);
    if (!f.ok())
      return f.status();
    fb::Conv2DOptionsT o;
    setWindow(o, *win);
    out = c.builder().conv2d(c.opName(), *xt, *f, bias, o);
  } else if (G == C) {
    // Depthwise: output channel c*M' + m reads input channel c, which is
    // dlc's [H, W, C, M'] order once the filter is HWIO ([H, W, 1, C*M']).
    std::vector<int64_t> dwShape = {ws[2], ws[3], C, M / C};
    int32_t filter;
    if ((*w)->constant) {
      filter = c.builder().addWeight(c.uniqueName("filter"), dwShape,
                                     permuteData((*w)->floats, ws, hwio));
    } else {
      auto f = c.tensorIn(**w, hwio);
      if (!f.ok())
        return f.status();
      filter = c.reshape(c.uniqueName("filter"), *f, dwShape, false);
    }
    fb::DepthwiseConv2DOptionsT o;
    setWindow(o, *win);
    out = c.builder().depthwiseConv2d(c.opName(), *xt, filter, bias, o);
  } else {
    if (!(*w)->constant)
      return c.error("group " + std::to_string(G) +
                     " with a filter that is not an initializer is not "
                     "supported");
    // The dense filter is `groups` times the grouped one; bound it so that a
    // hostile file cannot make the converter allocate without limit.
    if (numElements(ws) > kMaxGroupedFilter / G)
      return c.error("group " + std::to_string(G) + " with filter " +
                     shapeString(ws) + " is too large to expand");
    int32_t filter = c.builder().addWeight(c.uniqueName("filter"),
                                           {ws[2], ws[3], C, M},
                                           blockDiagonalFilter(**w, G, C));
    fb::Conv2DOptionsT o;
    setWindow(o, *win);
    out = c.builder().conv2d(c.opName(), *xt, filter, bias, o);
  }
  return c.setOutput(0, c.dynamicValue(out, outShape, channelsLastPerm(4)));
}

namespace {

Status convertPool(Converter &c, bool isMax) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  if (isMax)
    DLC_RETURN_IF_ERROR(c.checkAttributes({"auto_pad", "ceil_mode",
                                           "dilations", "kernel_shape", "pads",
                                           "storage_order", "strides"}));
  else
    DLC_RETURN_IF_ERROR(c.checkAttributes({"auto_pad", "ceil_mode",
                                           "count_include_pad", "kernel_shape",
                                           "pads", "strides"}));
  auto x = spatialInput(c);
  if (!x.ok())
    return x.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  int64_t in[2] = {xs[2], xs[3]}, none[2] = {0, 0};
  auto win = resolveWindow(c, in, none, /*allowCeil=*/true);
  if (!win.ok())
    return win.status();
  auto countPad = c.attrInt("count_include_pad", 0);
  if (!countPad.ok())
    return countPad.status();
  auto xt = c.tensorIn(**x, channelsLastPerm(4));
  if (!xt.ok())
    return xt.status();
  int32_t input = *xt;
  Window w = *win;
  bool countIncludePad = !isMax && *countPad;
  if (countIncludePad && (w.ceilExtra[0] || w.ceilExtra[1])) {
    // The divisor counts the explicit pads but not ceil_mode's overhang:
    // pad explicitly with zeros (real elements to the pool) and let the
    // pool pad the overhang only, uncounted.
    std::vector<int64_t> paddings = {0, 0, w.padBegin[0], w.padEnd[0],
                                     w.padBegin[1], w.padEnd[1], 0, 0};
    input = c.builder().pad(c.uniqueName("pad"), input, paddings, 0.0f);
    c.declareShape(input, {xs[0], xs[2] + w.padBegin[0] + w.padEnd[0],
                           xs[3] + w.padBegin[1] + w.padEnd[1], xs[1]});
    for (int i = 0; i < 2; ++i)
      w.padBegin[i] = w.padEnd[i] = 0;
    countIncludePad = false;
  }
  for (int i = 0; i < 2; ++i)
    w.padEnd[i] += w.ceilExtra[i];
  fb::Pool2DOptionsT o;
  o.filter_h = static_cast<int32_t>(w.kernel[0]);
  o.filter_w = static_cast<int32_t>(w.kernel[1]);
  // resolveWindow sized the output, SAME pads and ceil_mode's overhang with
  // the dilated span, so the pads already match the dilations.
  setWindow(o, w);
  o.count_include_pad = countIncludePad;
  int32_t out = isMax ? c.builder().maxPool2d(c.opName(), input, o)
                      : c.builder().avgPool2d(c.opName(), input, o);
  std::vector<int64_t> outShape = {xs[0], xs[1], w.out[0], w.out[1]};
  return c.setOutput(0, c.dynamicValue(out, outShape, channelsLastPerm(4)));
}

} // namespace

Status convertMaxPool(Converter &c) {
  auto order = c.attrInt("storage_order", 0);
  if (!order.ok())
    return order.status();
  if (*order != 0)
    return c.error("storage_order 1 is not supported");
  return convertPool(c, /*isMax=*/true);
}

Status convertAveragePool(Converter &c) {
  return convertPool(c, /*isMax=*/false);
}

namespace {
/// The mean over H and W of the node's NCHW input 0: [N, C, 1, 1] when
/// `keepDims`, else [N, C].
Status globalMean(Converter &c, bool keepDims) {
  auto x = spatialInput(c);
  if (!x.ok())
    return x.status();
  auto xt = c.tensorIn(**x, channelsLastPerm(4));
  if (!xt.ok())
    return xt.status();
  const std::vector<int64_t> &xs = (*x)->shape;
  if (!keepDims) {
    int32_t pooled = c.builder().globalAvgPool(c.opName(), *xt);
    return c.setOutput(
        0, c.dynamicValue(pooled, {xs[0], xs[1]}, identityPerm(2)));
  }
  int32_t pooled = c.builder().globalAvgPool(c.uniqueName("pool"), *xt);
  c.declareShape(pooled, {xs[0], xs[1]});
  // [N, C] is [N, C, 1, 1] in either layout; as NHWC it is [N, 1, 1, C].
  int32_t out = c.reshape(c.opName(), pooled, {xs[0], 1, 1, xs[1]}, true);
  return c.setOutput(
      0, c.dynamicValue(out, {xs[0], xs[1], 1, 1}, channelsLastPerm(4)));
}
} // namespace

Status convertGlobalAveragePool(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  return globalMean(c, /*keepDims=*/true);
}

namespace {
/// The mean over any axes but the batch (a LayerNorm's over the channels):
/// the kept axes first, the reduced ones last, as a matrix [rows, K] times
/// a constant [K, 1] column of 1/K (a dense op), reshaped to the result.
Status generalMean(Converter &c, const Value &x,
                   const std::vector<int64_t> &reduced, bool keepDims) {
  const std::vector<int64_t> &xs = x.shape;
  Perm perm;
  std::vector<int64_t> outShape;
  int64_t rows = 1, K = 1;
  for (size_t d = 0; d < xs.size(); ++d) {
    bool isReduced =
        std::find(reduced.begin(), reduced.end(), int64_t(d)) != reduced.end();
    if (!isReduced) {
      perm.push_back(int(d));
      rows *= xs[d];
      outShape.push_back(xs[d]);
    } else {
      K *= xs[d];
      if (keepDims)
        outShape.push_back(1);
    }
  }
  for (int64_t d : reduced)
    perm.push_back(int(d));
  if (K == 0)
    return c.error("the mean over an empty axis is undefined");
  auto xt = c.tensorIn(x, perm);
  if (!xt.ok())
    return xt.status();
  int32_t matrix = c.reshape(c.uniqueName("rows"), *xt, {rows, K}, true);
  int32_t column = c.builder().addWeight(
      c.uniqueName("mean_weights"), {K, 1},
      std::vector<float>(size_t(K), 1.0f / float(K)));
  int32_t mean = c.builder().dense(c.uniqueName("mean"), matrix, column, -1);
  c.declareShape(mean, {rows, 1});
  int32_t out = c.reshape(c.opName(), mean, outShape, true);
  return c.setOutput(0, c.dynamicValue(out, outShape, identityPerm(outShape.size())));
}
} // namespace

/// ReduceMean. Over the two spatial axes of an NCHW tensor (MNASNet's and
/// EfficientNet-style heads' `x.mean([2, 3])`) it is a global average pool,
/// keeping the reduced axes as 1s when keepdims; over other axes that leave
/// the batch alone (a LayerNorm's mean over the channels) a product with a
/// constant column of 1/K. A mean over the batch axis is refused.
Status convertReduceMean(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(1, 1));
  DLC_RETURN_IF_ERROR(c.checkAttributes({"axes", "keepdims"}));
  auto axes = c.attrInts("axes");
  if (!axes.ok())
    return axes.status();
  auto keepdims = c.attrInt("keepdims", 1);
  if (!keepdims.ok())
    return keepdims.status();
  auto x = c.input(0);
  if (!x.ok())
    return x.status();
  int64_t rank = static_cast<int64_t>((*x)->shape.size());
  std::vector<int64_t> normalized;
  for (int64_t axis : *axes) {
    auto a = c.normalizeAxis(axis, rank);
    if (!a.ok())
      return a.status();
    normalized.push_back(*a);
  }
  std::sort(normalized.begin(), normalized.end());
  normalized.erase(std::unique(normalized.begin(), normalized.end()),
                   normalized.end());
  if (rank == 4 && normalized == std::vector<int64_t>{2, 3})
    return globalMean(c, *keepdims != 0);
  if (normalized.empty() || normalized.front() == 0) {
    std::string list;
    for (int64_t axis : *axes)
      list += (list.empty() ? "" : ", ") + std::to_string(axis);
    std::string asked =
        axes->empty() ? "all axes" : "axes [" + list + "]";
    return c.error("a mean over the batch axis 0 is not supported (" + asked +
                   " of rank " + std::to_string(rank) + ")");
  }
  return generalMean(c, **x, normalized, *keepdims != 0);
}

} // namespace dlc::onnx_import
