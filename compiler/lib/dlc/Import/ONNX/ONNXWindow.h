//===- ONNXWindow.h - spatial windows of ONNX convs and pools ---*- C++ -*-===//
//
// ONNX describes a window by kernel_shape, strides, dilations, pads
// ([h_begin, w_begin, h_end, w_end]), auto_pad and, for pools, ceil_mode.
// dlc's ops take explicit amounts per side, so every form is resolved here
// into one Window with the output size.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_LIB_IMPORT_ONNX_ONNXWINDOW_H
#define DLC_LIB_IMPORT_ONNX_ONNXWINDOW_H

#include "ONNXConverterImpl.h"

namespace dlc::onnx_import {

struct Window {
  int64_t kernel[2] = {1, 1};
  int64_t stride[2] = {1, 1};
  int64_t dilation[2] = {1, 1};
  int64_t padBegin[2] = {0, 0};
  int64_t padEnd[2] = {0, 0};
  /// Rows/columns past padEnd that ceil_mode's last window reaches; they
  /// are padding too, but never counted by an average.
  int64_t ceilExtra[2] = {0, 0};
  int64_t out[2] = {1, 1};
};

/// Reads the window attributes of the current node for an NCHW input of
/// spatial size `in`. `kernel` comes from the filter for a conv (pass it),
/// from kernel_shape for a pool (pass {0, 0}).
StatusOr<Window> resolveWindow(Converter &c, const int64_t in[2],
                               const int64_t kernel[2], bool allowCeil);

} // namespace dlc::onnx_import

#endif // DLC_LIB_IMPORT_ONNX_ONNXWINDOW_H
