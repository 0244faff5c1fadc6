//===- ModelBuffer.cpp - checking that bytes hold a dlc model -------------===//
//
// The structural gate before import: the file identifier and the FlatBuffers
// verifier, which proves that every offset and length read later stays
// inside the buffer. Everything semantic is checked by the importer itself.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/FlatBufferImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"

#include "Schema.h"

#include <cstring>
#include <vector>

using namespace mlir;
using namespace dlc;

namespace {
/// The widest scalar of the schema (int64 shapes, int64 buffer elements).
constexpr uintptr_t kBufferAlignment = 8;
} // namespace

const fb::Model *dlc::verifyModelBuffer(MLIRContext &ctx,
                                        ArrayRef<uint8_t> bytes,
                                        StringRef fileName) {
  Location loc = FileLineColLoc::get(&ctx, fileName, 0, 0);
  // A root offset plus the 4-byte identifier.
  if (bytes.size() < 8) {
    emitError(loc) << "is not a dlc model: " << bytes.size()
                   << " bytes is too short for a FlatBuffer";
    return nullptr;
  }
  if (!fb::ModelBufferHasIdentifier(bytes.data())) {
    std::string id;
    for (uint8_t c : bytes.slice(4, 4))
      id += llvm::isPrint(c) ? std::string(1, c) : "\\x" + llvm::utohexstr(c);
    emitError(loc) << "is not a dlc model: the file identifier is '" << id
                   << "', expected '" << fb::ModelIdentifier() << "'";
    return nullptr;
  }
  if (bytes.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    emitError(loc) << "is too large for a FlatBuffer (" << bytes.size()
                   << " bytes)";
    return nullptr;
  }
  // The verifier's alignment rules are relative to the buffer's start, but
  // the generated accessors read fields in place: on a buffer at a
  // misaligned address every read would be a misaligned access (undefined
  // behaviour). importModelBuffer copies such buffers first.
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kBufferAlignment != 0) {
    emitError(loc) << "is at a memory address that is not a multiple of "
                   << kBufferAlignment << " bytes";
    return nullptr;
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyModelBuffer(verifier)) {
    emitError(loc) << "is not a valid dlc model: the FlatBuffers verifier "
                      "rejected it (truncated or corrupt file)";
    return nullptr;
  }
  return fb::GetModel(bytes.data());
}

OwningOpRef<ModuleOp> dlc::importModelBuffer(MLIRContext &ctx,
                                             ArrayRef<uint8_t> bytes,
                                             const ImportOptions &options,
                                             StringRef fileName) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kBufferAlignment != 0) {
    // An aligned copy, which lives only as long as this call: the weights
    // must be copied out of it too.
    std::vector<uint64_t> aligned((bytes.size() + 7) / 8);
    std::memcpy(aligned.data(), bytes.data(), bytes.size());
    ImportOptions copying = options;
    copying.copyWeights = true;
    return importModelBuffer(
        ctx,
        ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(aligned.data()),
                          bytes.size()),
        copying, fileName);
  }
  const fb::Model *model = verifyModelBuffer(ctx, bytes, fileName);
  if (!model)
    return nullptr;
  return importModel(ctx, *model, options, fileName);
}
