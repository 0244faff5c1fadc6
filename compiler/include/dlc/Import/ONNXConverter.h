//===- ONNXConverter.h - ONNX model to dlc model ----------------*- C++ -*-===//
//
// Converts an ONNX ModelProto (.onnx) into a dlc model (.fb) with the
// runtime's ModelBuilder, like the TFLite front end: no MLIR is involved, and
// everything after the conversion is the ordinary dlc path.
//
// ONNX graphs are NCHW; dlc's convolutions and pools are NHWC. The converter
// tracks a physical layout per value and transposes only where an op needs
// another one (a conv wants NHWC, Flatten and Reshape want ONNX's element
// order), so chains of NCHW ops run on NHWC data without any transpose in
// between. The model's interface keeps ONNX's own shapes and order: inputs
// are converted to NHWC inside the model and outputs back to ONNX's layout.
//
// Initializers become weights (also when the graph lists them as inputs, as
// IR version 3 does); weights given only as graph inputs stay inputs.
//
// The input is untrusted. Any problem, including an op or attribute dlc does
// not support, is a Status naming the file, the node index, its op type and
// its name, e.g.
//   model.onnx: node 3 (MaxPool 'pool1'): dilations [2,2] are not supported
//
//===----------------------------------------------------------------------===//
#ifndef DLC_IMPORT_ONNXCONVERTER_H
#define DLC_IMPORT_ONNXCONVERTER_H

#include "dlc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dlc {

/// Values for graph inputs that are known when the model is converted.
/// Only integer inputs can be bound (e.g. the shape input of a Reshape that
/// an exporter left as a graph input); bound inputs leave the interface.
struct ONNXBinding {
  std::vector<int64_t> shape;
  std::vector<int64_t> values;
};

struct ONNXConvertOptions {
  std::map<std::string, ONNXBinding> bindings;
};

/// True if the bytes start like a serialized ONNX ModelProto (field 1,
/// ir_version, as a varint). Says nothing about validity.
bool looksLikeONNX(const uint8_t *data, size_t size);

/// Converts the main graph of the ONNX model at `data` into a serialized dlc
/// model. `name` (usually the file path) prefixes every error message.
StatusOr<std::vector<uint8_t>>
convertONNXToDlc(const uint8_t *data, size_t size, const std::string &name,
                 const ONNXConvertOptions &options = {});

/// One row of the supported-operator table.
struct ONNXOpSupport {
  std::string opType;
  int minOpset, maxOpset;
  std::string notes;
};
/// The ops the converter handles, in alphabetical order (the converter's own
/// dispatch table, so docs generated from it cannot drift).
std::vector<ONNXOpSupport> supportedONNXOps();

} // namespace dlc

#endif // DLC_IMPORT_ONNXCONVERTER_H
