//===- TFLiteConverter.h - TensorFlow Lite model to dlc model ---*- C++ -*-===//
//
// Converts a TensorFlow Lite FlatBuffer (.tflite) into a dlc model (.fb)
// with the runtime's ModelBuilder. No MLIR is involved: everything after the
// conversion (validation, import to the dlc dialect, compile, run) is the
// ordinary dlc path, so a .tflite model gets exactly the checks and the code
// generation a .fb model gets.
//
// Layouts are converted once, here: CONV_2D filters OHWI -> HWIO,
// DEPTHWISE_CONV_2D [1,H,W,C*M] -> [H,W,C,M], FULLY_CONNECTED [out,in] ->
// [in,out]; fp16 weights behind DEQUANTIZE become fp32 weights.
//
// The input is untrusted: every offset, index and size is checked, and any
// problem is a Status naming the model, the operator index and its builtin
// code, e.g.
//   model.tflite: operator 3 (CONV_2D): quantized (int8/uint8) models are
//   not supported yet
//
//===----------------------------------------------------------------------===//
#ifndef DLC_IMPORT_TFLITECONVERTER_H
#define DLC_IMPORT_TFLITECONVERTER_H

#include "dlc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

/// True if the bytes carry the TFLite file identifier "TFL3" (at offset 4).
/// Says nothing about validity.
bool hasTFLiteIdentifier(const uint8_t *data, size_t size);

/// Converts subgraph 0 of the TFLite model at `data` into a serialized dlc
/// model. `name` (usually the file path) prefixes every error message.
StatusOr<std::vector<uint8_t>> convertTFLiteToDlc(const uint8_t *data,
                                                  size_t size,
                                                  const std::string &name);

/// Names of the builtin operators the converter handles (for
/// `dlc import --list-ops`).
std::vector<std::string> supportedTFLiteOps();

} // namespace dlc

#endif // DLC_IMPORT_TFLITECONVERTER_H
