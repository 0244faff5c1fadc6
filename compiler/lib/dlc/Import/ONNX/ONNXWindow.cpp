//===- ONNXWindow.cpp - spatial windows of ONNX convs and pools -----------===//

#include "ONNXWindow.h"

namespace dlc::onnx_import {

namespace {
// Reads a 2-entry attribute (default `fallback` when absent).
Status readPair(Converter &c, const char *name, int64_t fallback,
                int64_t minValue, int64_t out[2]) {
  auto v = c.attrInts(name);
  if (!v.ok())
    return v.status();
  if (v->empty()) {
    out[0] = out[1] = fallback;
    return Status::success();
  }
  if (v->size() != 2)
    return c.error(std::string(name) + " " + shapeString(*v) +
                   " must have 2 entries (only 2-D windows are supported)");
  for (int i = 0; i < 2; ++i) {
    if ((*v)[i] < minValue || (*v)[i] > kMaxDim)
      return c.error(std::string(name) + " " + shapeString(*v) +
                     " is out of range");
    out[i] = (*v)[i];
  }
  return Status::success();
}

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
} // namespace

StatusOr<Window> resolveWindow(Converter &c, const int64_t in[2],
                               const int64_t kernel[2], bool allowCeil) {
  Window w;
  int64_t shape[2] = {0, 0};
  DLC_RETURN_IF_ERROR(readPair(c, "kernel_shape", 0, 1, shape));
  for (int i = 0; i < 2; ++i) {
    if (kernel[i] > 0 && shape[i] > 0 && kernel[i] != shape[i])
      return c.error("kernel_shape does not match the filter's shape");
    w.kernel[i] = kernel[i] > 0 ? kernel[i] : shape[i];
    if (w.kernel[i] < 1)
      return c.error("kernel_shape is missing");
  }
  DLC_RETURN_IF_ERROR(readPair(c, "strides", 1, 1, w.stride));
  DLC_RETURN_IF_ERROR(readPair(c, "dilations", 1, 1, w.dilation));
  auto autoPad = c.attrString("auto_pad", "NOTSET");
  if (!autoPad.ok())
    return autoPad.status();
  auto ceilMode = c.attrInt("ceil_mode", 0);
  if (!ceilMode.ok())
    return ceilMode.status();
  if (*ceilMode && !allowCeil)
    return c.error("ceil_mode is not supported");
  auto pads = c.attrInts("pads");
  if (!pads.ok())
    return pads.status();
  if (!pads->empty() && *autoPad != "NOTSET")
    return c.error("pads and auto_pad " + *autoPad + " are both given");
  if (!pads->empty()) {
    if (pads->size() != 4)
      return c.error("pads " + shapeString(*pads) +
                     " must have 4 entries (only 2-D windows are supported)");
    for (int64_t p : *pads)
      if (p < 0 || p > kMaxDim)
        return c.error("pads " + shapeString(*pads) + " are out of range");
  }
  for (int i = 0; i < 2; ++i) {
    int64_t span = w.dilation[i] * (w.kernel[i] - 1) + 1;
    if (*autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER") {
      w.out[i] = ceilDiv(in[i], w.stride[i]);
      int64_t total = std::max<int64_t>(
          (w.out[i] - 1) * w.stride[i] + span - in[i], 0);
      int64_t small = total / 2, big = total - small;
      w.padBegin[i] = *autoPad == "SAME_UPPER" ? small : big;
      w.padEnd[i] = *autoPad == "SAME_UPPER" ? big : small;
      continue;
    }
    if (*autoPad != "NOTSET" && *autoPad != "VALID")
      return c.error("auto_pad '" + *autoPad + "' is not supported");
    if (!pads->empty()) {
      w.padBegin[i] = (*pads)[i];
      w.padEnd[i] = (*pads)[i + 2];
    }
    int64_t padded = in[i] + w.padBegin[i] + w.padEnd[i];
    if (padded < span)
      return c.error("the window (" + std::to_string(span) +
                     ") is larger than the padded input (" +
                     std::to_string(padded) + ")");
    w.out[i] = (padded - span) / w.stride[i] + 1;
    if (*ceilMode) {
      int64_t out = ceilDiv(padded - span, w.stride[i]) + 1;
      // The last window must start inside the input or its begin padding
      // (as in ONNX Runtime and PyTorch).
      if ((out - 1) * w.stride[i] >= in[i] + w.padBegin[i])
        --out;
      w.ceilExtra[i] = std::max<int64_t>(
          (out - 1) * w.stride[i] + span - padded, 0);
      w.out[i] = out;
    }
  }
  return w;
}

} // namespace dlc::onnx_import
