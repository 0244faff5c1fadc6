//===- fuzz_tflite.cpp - libFuzzer target: the TFLite converter -----------===//
//
// Bytes -> dlc::convertTFLiteToDlc. A .tflite file comes from anywhere: the
// converter must verify it and check every index, vector and buffer size it
// uses. Whatever it accepts must be a valid dlc model (it is handed to the
// rest of dlc as one), so a converted model the runtime's validation
// refuses is a bug too.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/TFLiteConverter.h"
#include "dlc/runtime/ModelFile.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto converted = dlc::convertTFLiteToDlc(data, size, "fuzz.tflite");
  if (!converted.ok())
    return 0;
  if (!dlc::ModelFile::fromBuffer(std::move(*converted), "fuzz.fb").ok())
    __builtin_trap();
  return 0;
}
