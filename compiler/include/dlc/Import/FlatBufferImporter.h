//===- FlatBufferImporter.h - dlc model (.fb) -> dlc dialect ----*- C++ -*-===//
//
// Turns the graph of a dlc model file into one function of dlc ops:
//
//   func.func @infer(%input: tensor<BxHxWxCxf32> {dlc.name = "input"})
//       -> (tensor<Bx10xf32> {dlc.name = "probs"})
//
// Every op carries the model op's name as its location (`loc("conv2d_1")`),
// so diagnostics of the importer and of every later pass point at the op the
// user knows. Weights become `dlc.constant`s; SAME/VALID paddings become
// explicit amounts; the -1 batch dimension of the graph inputs becomes
// `ImportOptions::batchSize`.
//
// The importer never trusts the file: every index, options table and buffer
// size is checked, and a bad model produces diagnostics, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_IMPORT_FLATBUFFERIMPORTER_H
#define DLC_IMPORT_FLATBUFFERIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace dlc {
namespace fb {
struct Model;
} // namespace fb

struct ImportOptions {
  /// Replaces the -1 (batch) dimension of the graph inputs. Must be >= 1.
  int64_t batchSize = 1;
  /// Name of the generated function.
  std::string functionName = "infer";
  /// When false, large weights are referenced in place (unmanaged resource
  /// blobs pointing into the model's bytes), which saves a copy of every
  /// weight. Only valid when the caller guarantees that the bytes outlive the
  /// MLIRContext (e.g. a memory-mapped file kept open for the context's
  /// lifetime). Misaligned data is copied regardless.
  bool copyWeights = true;
  /// Constants with at most this many elements become DenseElementsAttr
  /// (biases, batch-norm statistics, small filters), which graph passes and
  /// folders can evaluate; larger ones become DenseResourceElementsAttr blobs,
  /// which are not copied around by folding and not printed inline. Read
  /// either kind with dlc::getConstantFloats (DlcUtils.h).
  int64_t inlineElementLimit = 1024;
};

/// Imports an already verified model (see verifyModelBuffer) into a new
/// module holding one function. `fileName` names the model in locations.
/// On error, emits diagnostics (at the offending op's location when there is
/// one) and returns null. Also runs the MLIR verifier on the result.
mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &ctx,
                                              const fb::Model &model,
                                              const ImportOptions &options,
                                              llvm::StringRef fileName);

/// Checks that `bytes` holds a dlc model: the "DLCM" file identifier and the
/// FlatBuffers verifier (every offset and length stays inside the buffer).
/// Returns the model's root, or null after emitting a diagnostic. The
/// semantic rules (indices, shapes, options) are checked by importModel.
/// `bytes` must start at an 8-byte-aligned address (importModelBuffer
/// copies a buffer that does not).
const fb::Model *verifyModelBuffer(mlir::MLIRContext &ctx,
                                   llvm::ArrayRef<uint8_t> bytes,
                                   llvm::StringRef fileName);

/// verifyModelBuffer followed by importModel.
mlir::OwningOpRef<mlir::ModuleOp>
importModelBuffer(mlir::MLIRContext &ctx, llvm::ArrayRef<uint8_t> bytes,
                  const ImportOptions &options, llvm::StringRef fileName);

} // namespace dlc

#endif // DLC_IMPORT_FLATBUFFERIMPORTER_H
