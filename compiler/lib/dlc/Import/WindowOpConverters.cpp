//===- WindowOpConverters.cpp - convs, dense layers, pools ----------------===//
//
// The ops with a spatial window take their padding as SAME/VALID/EXPLICIT in
// the model; the dlc dialect only knows explicit amounts, resolved here with
// TensorFlow's rule (see computeSamePadding).
//
//===----------------------------------------------------------------------===//

#include "ConverterUtils.h"

#include "dlc/Import/ImportUtils.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::fbimport;

namespace {

/// Resolves a padding mode to explicit (top, bottom, left, right) amounts for
/// a rank-4 NHWC input. Negative explicit amounts are left to the op's shape
/// inference to report.
FailureOr<SmallVector<int64_t, 4>>
resolvePadding(const OpInfo &info, fb::Padding mode, RankedTensorType input,
               int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh,
               int64_t dw, SmallVector<int64_t, 4> explicitPads) {
  switch (mode) {
  case fb::Padding::VALID:
    return SmallVector<int64_t, 4>{0, 0, 0, 0};
  case fb::Padding::EXPLICIT:
    return explicitPads;
  case fb::Padding::SAME: {
    std::optional<PadPair> h =
        computeSamePadding(input.getDimSize(1), kh, sh, dh);
    std::optional<PadPair> w =
        computeSamePadding(input.getDimSize(2), kw, sw, dw);
    if (!h || !w)
      return info.emitError()
             << "expects window sizes, strides and dilations >= 1, got window "
             << kh << "x" << kw << ", strides " << sh << "x" << sw
             << ", dilations " << dh << "x" << dw;
    return SmallVector<int64_t, 4>{h->before, h->after, w->before, w->after};
  }
  }
  return info.emitError() << "unknown padding mode " << static_cast<int>(mode);
}

//===----------------------------------------------------------------------===//
// Convolutions, dense
//===----------------------------------------------------------------------===//

template <typename OpTy, typename Table>
FailureOr<Value> convertConv(OpInfo &info) {
  auto o = getOptions<Table>(info);
  if (failed(o))
    return failure();
  Value input = info.inputs[0], filter = info.inputs[1];
  Value bias = info.inputs.size() > 2 ? info.inputs[2] : Value();
  RankedTensorType inType = typeOf(input), filterType = typeOf(filter);
  if (inType.getRank() != 4 || filterType.getRank() != 4)
    return info.emitError() << "expects a rank-4 NHWC input and a rank-4 "
                               "filter, got "
                            << inType << " and " << filterType;
  auto pads = resolvePadding(
      info, o->padding, inType, filterType.getDimSize(0),
      filterType.getDimSize(1), o->stride_h, o->stride_w, o->dilation_h,
      o->dilation_w, {o->pad_top, o->pad_bottom, o->pad_left, o->pad_right});
  auto act = convertActivation(info, o->activation);
  if (failed(pads) || failed(act))
    return failure();
  int64_t strides[] = {o->stride_h, o->stride_w};
  int64_t dilations[] = {o->dilation_h, o->dilation_w};
  return buildInferred<OpTy>(
      info, input, filter, bias, ArrayRef<int64_t>(strides),
      ArrayRef<int64_t>(dilations), ArrayRef<int64_t>(*pads), *act,
      APFloat(o->leaky_alpha));
}

/// Keras' Dense applies to the last axis of an input of any rank >= 2; the
/// dlc op takes [N, K], so a higher-rank input is flattened around it.
FailureOr<Value> denseImpl(OpInfo &info) {
  auto o = getOptions<fb::DenseOptions>(info);
  if (failed(o))
    return failure();
  auto act = convertActivation(info, o->activation);
  if (failed(act))
    return failure();
  Value input = info.inputs[0], weight = info.inputs[1];
  Value bias = info.inputs.size() > 2 ? info.inputs[2] : Value();
  RankedTensorType inType = typeOf(input);
  if (inType.getRank() < 2)
    return info.emitError() << "expects an input of rank >= 2 ([N, K] or "
                               "[N, ..., K]), got "
                            << inType;
  if (typeOf(weight).getRank() != 2)
    return info.emitError()
           << "expects a rank-2 weight [K, M], got " << typeOf(weight);
  ArrayRef<int64_t> shape = inType.getShape();
  OpBuilder &b = info.builder;
  if (inType.getRank() > 2) {
    // Not elements / K: K may be 0 (an empty tensor).
    int64_t rows = 1;
    for (int64_t size : shape.drop_back())
      rows *= size;
    input = ReshapeOp::create(
        b, info.loc,
        RankedTensorType::get({rows, shape.back()}, b.getF32Type()), input);
  }
  FailureOr<Value> dense = buildInferred<DenseOp>(
      info, input, weight, bias, *act, APFloat(o->leaky_alpha));
  if (failed(dense) || inType.getRank() == 2)
    return dense;
  SmallVector<int64_t> outShape(shape.drop_back());
  outShape.push_back(typeOf(*dense).getDimSize(1));
  return ReshapeOp::create(b, info.loc,
                           RankedTensorType::get(outShape, b.getF32Type()),
                           *dense)
      .getResult();
}

//===----------------------------------------------------------------------===//
// Pools
//===----------------------------------------------------------------------===//

template <typename OpTy> FailureOr<Value> convertPool(OpInfo &info) {
  auto o = getOptions<fb::Pool2DOptions>(info);
  if (failed(o))
    return failure();
  RankedTensorType inType = typeOf(info.inputs[0]);
  if (inType.getRank() != 4)
    return info.emitError() << "expects a rank-4 NHWC input, got " << inType;
  // Stride 0 means "the filter size" (the Keras default).
  int64_t sh = o->stride_h == 0 ? o->filter_h : o->stride_h;
  int64_t sw = o->stride_w == 0 ? o->filter_w : o->stride_w;
  // SAME padding covers the dilated window's span, like a dilated conv's.
  auto pads = resolvePadding(
      info, o->padding, inType, o->filter_h, o->filter_w, sh, sw,
      o->dilation_h, o->dilation_w,
      {o->pad_top, o->pad_bottom, o->pad_left, o->pad_right});
  if (failed(pads))
    return failure();
  int64_t window[] = {o->filter_h, o->filter_w};
  int64_t strides[] = {sh, sw};
  int64_t dilations[] = {o->dilation_h, o->dilation_w};
  return buildInferred<OpTy>(
      info, info.inputs[0], ArrayRef<int64_t>(window),
      ArrayRef<int64_t>(strides), ArrayRef<int64_t>(*pads),
      o->count_include_pad, ArrayRef<int64_t>(dilations));
}

} // namespace

FailureOr<Value> fbimport::convertConv2D(OpInfo &info) {
  return convertConv<Conv2DOp, fb::Conv2DOptions>(info);
}
FailureOr<Value> fbimport::convertDepthwiseConv2D(OpInfo &info) {
  return convertConv<DepthwiseConv2DOp, fb::DepthwiseConv2DOptions>(info);
}
FailureOr<Value> fbimport::convertMaxPool2D(OpInfo &info) {
  return convertPool<MaxPool2DOp>(info);
}
FailureOr<Value> fbimport::convertAvgPool2D(OpInfo &info) {
  return convertPool<AvgPool2DOp>(info);
}
FailureOr<Value> fbimport::convertDense(OpInfo &info) {
  return denseImpl(info);
}
