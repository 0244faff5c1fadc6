//===- fuzz_model_file.cpp - libFuzzer target: model loading -------------===//
//
// Bytes -> dlc::ModelFile::fromBuffer, which runs the FlatBuffers verifier,
// the version check and validateModel. A malformed model must come back as an
// error Status; anything ASan/UBSan or libFuzzer notices is a bug.
//
//===----------------------------------------------------------------------===//

#include "dlc/runtime/ModelFile.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto file = dlc::ModelFile::fromBuffer(std::move(bytes), "fuzz.fb");
  if (!file.ok())
    return 0;
  // A ModelFile promises that every tensor's data view is in range: touch
  // the first and last byte of each so ASan checks the promise.
  const dlc::fb::Graph *graph = (*file)->graph();
  if (const auto *tensors = graph->tensors()) {
    volatile uint8_t sink = 0;
    for (int32_t i = 0, e = static_cast<int32_t>(tensors->size()); i < e; ++i) {
      dlc::BufferView view = (*file)->tensorData(i);
      if (view.size != 0)
        sink = sink ^ view.data[0] ^ view.data[view.size - 1];
    }
    (void)sink;
  }
  return 0;
}
