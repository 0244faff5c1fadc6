//===- TFLiteConvOps.cpp - TFLite window and matmul operators -------------===//
//
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and the 2-D pools: the
// operators whose weights change layout (converted here, once) and whose
// options carry a spatial window.
//
//===----------------------------------------------------------------------===//

#include "TFLiteConverterImpl.h"

namespace dlc::tflite_import {

using tflite::ActivationFunctionType;

namespace {

fb::Padding padding(tflite::Padding p) {
  // Both formats use TensorFlow's SAME rule, so the mapping is 1:1.
  return p == tflite::Padding::SAME ? fb::Padding::SAME : fb::Padding::VALID;
}

Status checkWindow(Converter &c, int64_t sh, int64_t sw, int64_t dh,
                   int64_t dw) {
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1)
    return c.opError("strides and dilations must be >= 1, got strides " +
                     std::to_string(sh) + "x" + std::to_string(sw) +
                     ", dilations " + std::to_string(dh) + "x" +
                     std::to_string(dw));
  return Status::success();
}

// Optional bias (input 2): -1 when absent.
StatusOr<int32_t> biasOperand(Converter &c) {
  if (c.inputIndex(2) < 0)
    return -1;
  return c.inputOperand(2);
}

/// Stride, dilation, padding and fused activation, shared by the TFLite
/// conv and depthwise option tables (same field names) and the dlc ones.
template <typename DlcOptions, typename TFLiteOptions>
StatusOr<DlcOptions> windowOptions(Converter &c, const TFLiteOptions &o) {
  DLC_RETURN_IF_ERROR(checkWindow(c, o.stride_h(), o.stride_w(),
                                  o.dilation_h_factor(),
                                  o.dilation_w_factor()));
  DlcOptions opts;
  opts.stride_h = o.stride_h();
  opts.stride_w = o.stride_w();
  opts.dilation_h = o.dilation_h_factor();
  opts.dilation_w = o.dilation_w_factor();
  opts.padding = padding(o.padding());
  opts.activation = Converter::fusedActivation(o.fused_activation_function())
                        .value_or(fb::Activation::NONE);
  return opts;
}

/// Binds `out` as the operator's output, first applying the fused
/// activation as an op of its own when the dlc op could not carry it.
Status bindWithActivation(Converter &c, ActivationFunctionType fused,
                          int32_t out) {
  if (!Converter::fusedActivation(fused)) {
    auto a = c.applyActivation(fused, out);
    if (!a.ok())
      return a.status();
    out = *a;
  }
  return c.bindOutput(0, out);
}

} // namespace

Status convertConv2D(Converter &c) {
  const auto *o = c.op().builtin_options_as_Conv2DOptions();
  if (!o)
    return c.opError("missing Conv2DOptions");
  auto opts = windowOptions<fb::Conv2DOptionsT>(c, *o);
  if (!opts.ok())
    return opts.status();
  bool fusedAct = Converter::fusedActivation(o->fused_activation_function())
                      .has_value();
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  int32_t f = c.inputIndex(1);
  std::vector<int64_t> fs = c.shapeOf(f);
  if (fs.size() != 4)
    return c.opError("filter must have rank 4 (OHWI), got " + shapeString(fs));
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  if (xs.size() == 4 && xs[3] != fs[3])
    return c.opError("grouped convolution (input channels " +
                     std::to_string(xs[3]) + ", filter channels " +
                     std::to_string(fs[3]) + ") is not supported");
  auto data = c.floatData(f);
  if (!data.ok())
    return c.opError("filter: " + data.status().message());
  // OHWI -> HWIO.
  int64_t O = fs[0], H = fs[1], W = fs[2], I = fs[3];
  std::vector<float> hwio(data->size());
  for (int64_t oc = 0; oc < O; ++oc)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t w = 0; w < W; ++w)
        for (int64_t i = 0; i < I; ++i)
          hwio[((h * W + w) * I + i) * O + oc] =
              (*data)[((oc * H + h) * W + w) * I + i];
  int32_t weight =
      c.builder().addWeight(c.opName("filter"), {H, W, I, O}, std::move(hwio));
  auto bias = biasOperand(c);
  if (!bias.ok())
    return bias.status();
  int32_t out = c.builder().conv2d(c.opName(fusedAct ? "" : "conv"), *in,
                                   weight, *bias, *opts);
  return bindWithActivation(c, o->fused_activation_function(), out);
}

Status convertDepthwise(Converter &c) {
  const auto *o = c.op().builtin_options_as_DepthwiseConv2DOptions();
  if (!o)
    return c.opError("missing DepthwiseConv2DOptions");
  auto opts = windowOptions<fb::DepthwiseConv2DOptionsT>(c, *o);
  if (!opts.ok())
    return opts.status();
  bool fusedAct = Converter::fusedActivation(o->fused_activation_function())
                      .has_value();
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  int32_t f = c.inputIndex(1);
  std::vector<int64_t> fs = c.shapeOf(f);
  if (fs.size() != 4 || fs[0] != 1)
    return c.opError("filter must have shape [1,H,W,C*M], got " +
                     shapeString(fs));
  // C from the input's shape; the multiplier option is unreliable in files
  // from some converters, the shapes are not.
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  int64_t C = xs.size() == 4 ? xs[3] : 0;
  if (C <= 0 && o->depth_multiplier() > 0 && fs[3] % o->depth_multiplier() == 0)
    C = fs[3] / o->depth_multiplier();
  if (C <= 0 || fs[3] % C != 0)
    return c.opError("cannot split filter channels " + std::to_string(fs[3]) +
                     " into input channels x multiplier");
  auto data = c.floatData(f);
  if (!data.ok())
    return c.opError("filter: " + data.status().message());
  // [1,H,W,C*M] and [H,W,C,M] have the same element order (channel c*M+m
  // is (c, m)), so the conversion is a reshape of the same data.
  int32_t weight = c.builder().addWeight(
      c.opName("filter"), {fs[1], fs[2], C, fs[3] / C}, std::move(*data));
  auto bias = biasOperand(c);
  if (!bias.ok())
    return bias.status();
  int32_t out = c.builder().depthwiseConv2d(
      c.opName(fusedAct ? "" : "depthwise"), *in, weight, *bias, *opts);
  return bindWithActivation(c, o->fused_activation_function(), out);
}

Status convertFullyConnected(Converter &c) {
  const auto *o = c.op().builtin_options_as_FullyConnectedOptions();
  ActivationFunctionType fused =
      o ? o->fused_activation_function() : ActivationFunctionType::NONE;
  if (o && o->weights_format() !=
               tflite::FullyConnectedOptionsWeightsFormat::DEFAULT)
    return c.opError("shuffled weights format is not supported");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  int32_t w = c.inputIndex(1);
  std::vector<int64_t> ws = c.shapeOf(w);
  if (ws.size() != 2)
    return c.opError("weights must have rank 2 ([out,in]), got " +
                     shapeString(ws));
  int64_t out = ws[0], inF = ws[1];
  std::vector<int64_t> xs = c.shapeOf(c.inputIndex(0));
  if (o && o->keep_num_dims() && xs.size() != 2)
    return c.opError("keep_num_dims with an input of rank " +
                     std::to_string(xs.size()) + " is not supported");
  auto data = c.floatData(w);
  if (!data.ok())
    return c.opError("weights: " + data.status().message());
  std::vector<float> io(data->size());
  for (int64_t r = 0; r < out; ++r)
    for (int64_t k = 0; k < inF; ++k)
      io[k * out + r] = (*data)[r * inF + k];
  int32_t weight =
      c.builder().addWeight(c.opName("weights"), {inF, out}, std::move(io));
  int32_t x = *in;
  // TFLite flattens everything but the last dimension into rows.
  if (xs.size() != 2)
    x = c.builder().reshape(c.opName("flatten"), x, {-1, inF});
  auto bias = biasOperand(c);
  if (!bias.ok())
    return bias.status();
  auto act = Converter::fusedActivation(fused);
  fb::DenseOptionsT opts;
  opts.activation = act.value_or(fb::Activation::NONE);
  int32_t y = c.builder().dense(c.opName(act ? "" : "dense"), x, weight,
                                *bias, opts);
  return bindWithActivation(c, fused, y);
}

Status convertPool(Converter &c, bool isMax) {
  const auto *o = c.op().builtin_options_as_Pool2DOptions();
  if (!o)
    return c.opError("missing Pool2DOptions");
  DLC_RETURN_IF_ERROR(checkWindow(c, o->stride_h(), o->stride_w(), 1, 1));
  if (o->filter_height() < 1 || o->filter_width() < 1)
    return c.opError("filter size must be >= 1");
  auto in = c.inputOperand(0);
  if (!in.ok())
    return in.status();
  fb::Pool2DOptionsT opts;
  opts.filter_h = o->filter_height();
  opts.filter_w = o->filter_width();
  opts.stride_h = o->stride_h();
  opts.stride_w = o->stride_w();
  opts.padding = padding(o->padding());
  // TFLite averages over the valid positions only.
  opts.count_include_pad = false;
  bool hasAct = o->fused_activation_function() != ActivationFunctionType::NONE;
  std::string name = c.opName(hasAct ? "pool" : "");
  int32_t out = isMax ? c.builder().maxPool2d(name, *in, opts)
                      : c.builder().avgPool2d(name, *in, opts);
  auto a = c.applyActivation(o->fused_activation_function(), out);
  if (!a.ok())
    return a.status();
  return c.bindOutput(0, *a);
}

} // namespace dlc::tflite_import
