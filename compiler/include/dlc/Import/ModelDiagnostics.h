//===- ModelDiagnostics.h - diagnostics about model ops ---------*- C++ -*-===//
//
// The importers give every op the location
//   NameLoc("<op name>", FileLineColLoc("<model file>", <op index>, 0))
// and graph-level problems FileLineColLoc("<model file>", 0, 0). MLIR's
// default handler prints only the file part ("model.fb:3:0: error: ..."),
// dropping the op name the user knows the layer by; this handler prints
//   model.fb: operator 3 'conv2d_1': error: input has 3 channels but ...
// (the form of the runtime's validation messages) and prints any other
// location as MLIR does.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_IMPORT_MODELDIAGNOSTICS_H
#define DLC_IMPORT_MODELDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace dlc {

/// "model.fb: operator 3 'conv2d_1'" for an op location of an importer,
/// "model.fb" for a graph-level one, "'x'" for a named value (graph input,
/// weight), and MLIR's own form ("file.mlir:4:7") otherwise.
std::string formatModelLocation(mlir::Location loc);

/// Prints every diagnostic of `ctx` (with its notes) to `os` as
/// "<location>: <severity>: <message>" while it is alive.
class ModelDiagnosticHandler : public mlir::ScopedDiagnosticHandler {
public:
  explicit ModelDiagnosticHandler(mlir::MLIRContext *ctx,
                                  llvm::raw_ostream &os = llvm::errs());
};

} // namespace dlc

#endif // DLC_IMPORT_MODELDIAGNOSTICS_H
