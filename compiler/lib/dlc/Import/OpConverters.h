//===- OpConverters.h - one model operator -> dlc ops -----------*- C++ -*-===//
//
// Internal interface between the graph walk (FlatBufferImporter.cpp), which
// resolves tensor indices to SSA values, and the per-op converters
// (OpConverters.cpp), which read options and build dlc ops.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_LIB_IMPORT_OPCONVERTERS_H
#define DLC_LIB_IMPORT_OPCONVERTERS_H

#include "dlc/Import/FlatBufferImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"

#include "Schema.h"

#include <optional>

namespace dlc::fbimport {

/// Name of an op type for messages; "" when the value is not in the schema.
llvm::StringRef opTypeName(fb::OpType type);

/// How many inputs an op type takes. `optionalMask` has bit k set when input
/// k may be -1 (absent): the bias of convs and dense layers, and gamma/beta of
/// BATCH_NORM (Keras' scale=False / center=False).
struct OpArity {
  int minInputs;
  int maxInputs; // -1: any number (CONCAT)
  unsigned optionalMask;
};
/// std::nullopt for a type value the schema does not define.
std::optional<OpArity> getOpArity(fb::OpType type);

/// One model operator, with its inputs already resolved.
struct OpInfo {
  const fb::Operator &op;
  mlir::Location loc;
  /// One value per model input; null for an absent optional input. Every
  /// value is a ranked f32 tensor with a static shape.
  llvm::SmallVector<mlir::Value, 5> inputs;
  mlir::OpBuilder &builder;

  /// An error at the op's location, prefixed with the op type, e.g.
  /// "CONV_2D: ...".
  mlir::InFlightDiagnostic emitError() const {
    return mlir::emitError(loc) << opTypeName(op.type()) << ": ";
  }
};

/// The converters of the window ops (WindowOpConverters.cpp).
mlir::FailureOr<mlir::Value> convertConv2D(OpInfo &info);
mlir::FailureOr<mlir::Value> convertDepthwiseConv2D(OpInfo &info);
mlir::FailureOr<mlir::Value> convertDense(OpInfo &info);
mlir::FailureOr<mlir::Value> convertMaxPool2D(OpInfo &info);
mlir::FailureOr<mlir::Value> convertAvgPool2D(OpInfo &info);

/// Builds the dlc op(s) of one model operator at the builder's insertion
/// point and returns the value of its output. Reports problems (options,
/// shapes) at `info.loc` and returns failure; never crashes on bad input.
mlir::FailureOr<mlir::Value> convertOperator(OpInfo &info);

} // namespace dlc::fbimport

#endif // DLC_LIB_IMPORT_OPCONVERTERS_H
