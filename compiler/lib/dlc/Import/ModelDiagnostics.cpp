//===- ModelDiagnostics.cpp - printing diagnostics about model ops --------===//

#include "dlc/Import/ModelDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;

std::string dlc::formatModelLocation(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // A fused op (conv + activation + pool) carries the locations of the model
  // ops it replaced: name them all, e.g.
  // "model.fb: operator 0 'conv2d' + operator 1 'max_pooling2d'".
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    std::string file;
    for (Location part : fused.getLocations()) {
      std::string piece = formatModelLocation(part);
      if (piece.empty())
        continue;
      // Drop the repeated file name after the first part.
      if (auto name = dyn_cast<NameLoc>(part))
        if (auto at = dyn_cast<FileLineColLoc>(name.getChildLoc())) {
          std::string prefix = at.getFilename().str() + ": ";
          if (file == at.getFilename().str() && piece.rfind(prefix, 0) == 0)
            piece = piece.substr(prefix.size());
          file = at.getFilename().str();
        }
      os << (text.empty() ? "" : " + ") << piece;
    }
    return text;
  }
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
