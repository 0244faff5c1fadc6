//===- fuzz_idx.cpp - libFuzzer target: the IDX reader --------------------===//
//
// Bytes -> dlc::parseIdx (the decompressed-image entry point of readIdx).
// A malformed header or a size that does not match the dims must be an
// error, never an over-read or an allocation the header merely claims.
//
//===----------------------------------------------------------------------===//

#include "dlc/runtime/Idx.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto tensor = dlc::parseIdx(data, size, "fuzz.idx");
  if (!tensor.ok())
    return 0;
  // Whatever was accepted must encode and parse again.
  std::vector<uint8_t> encoded = dlc::encodeIdx(*tensor);
  if (!dlc::parseIdx(encoded.data(), encoded.size(), "fuzz-roundtrip.idx").ok())
    __builtin_trap();
  return 0;
}
