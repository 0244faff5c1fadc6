//===- fuzz_npy.cpp - libFuzzer target: the .npy reader -------------------===//
//
// Bytes -> dlc::readNpyFromMemory. The reader parses the header with its own
// bounded parser; every malformed file must produce an error, never an
// over-read, an overflow or an allocation the header merely claims.
//
//===----------------------------------------------------------------------===//

#include "dlc/runtime/Npy.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto tensor = dlc::readNpyFromMemory(data, size, "fuzz.npy");
  if (!tensor.ok())
    return 0;
  // Round trip: whatever was accepted must encode and decode again.
  std::vector<uint8_t> encoded = dlc::encodeNpy(*tensor);
  auto again = dlc::readNpyFromMemory(encoded, "fuzz-roundtrip.npy");
  if (!again.ok())
    __builtin_trap();
  return 0;
}
