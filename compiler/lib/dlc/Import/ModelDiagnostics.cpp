//===- ModelDiagnostics.cpp - printing diagnostics about model ops --------===//

#include "dlc/Import/ModelDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;

std::string dlc::formatModelLocation(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (auto file = dyn_cast<FileLineColLoc>(name.getChildLoc()))
      os << file.getFilename().getValue() << ": operator " << file.getLine()
         << " '" << name.getName().getValue() << "'";
    else
      os << "'" << name.getName().getValue() << "'";
    return text;
  }
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    os << file.getFilename().getValue();
    // Line 0 marks a problem with the model as a whole.
    if (file.getLine() != 0)
      os << ":" << file.getLine() << ":" << file.getColumn();
    return text;
  }
  if (!isa<UnknownLoc>(loc))
    os << loc;
  return text;
}

static StringRef severityName(DiagnosticSeverity severity) {
  switch (severity) {
  case DiagnosticSeverity::Error:
    return "error";
  case DiagnosticSeverity::Warning:
    return "warning";
  case DiagnosticSeverity::Note:
    return "note";
  case DiagnosticSeverity::Remark:
    return "remark";
  }
  return "error";
}

static void print(llvm::raw_ostream &os, Location loc,
                  DiagnosticSeverity severity, const Twine &message) {
  std::string where = dlc::formatModelLocation(loc);
  if (!where.empty())
    os << where << ": ";
  os << severityName(severity) << ": " << message << "\n";
}

dlc::ModelDiagnosticHandler::ModelDiagnosticHandler(MLIRContext *ctx,
                                                    llvm::raw_ostream &os)
    : ScopedDiagnosticHandler(ctx, [&os](Diagnostic &diag) {
        print(os, diag.getLocation(), diag.getSeverity(), diag.str());
        for (Diagnostic &note : diag.getNotes())
          print(os, note.getLocation(), note.getSeverity(), note.str());
        os.flush();
        return success();
      }) {}
