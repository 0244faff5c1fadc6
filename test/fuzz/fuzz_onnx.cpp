//===- fuzz_onnx.cpp - libFuzzer target: the ONNX converter ---------------===//
//
// Bytes -> dlc::convertONNXToDlc. An .onnx file comes from anywhere: the
// converter must survive any protobuf (wrong ranks, missing inputs, huge
// dims, bad attributes) with a Status. Whatever it accepts must be a valid
// dlc model (it is handed to the rest of dlc as one), so a converted model
// the runtime's validation refuses is a bug too.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/ONNXConverter.h"
#include "dlc/runtime/ModelFile.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto converted = dlc::convertONNXToDlc(data, size, "fuzz.onnx");
  if (!converted.ok())
    return 0;
  if (!dlc::ModelFile::fromBuffer(std::move(*converted), "fuzz.fb").ok())
    __builtin_trap();
  return 0;
}
