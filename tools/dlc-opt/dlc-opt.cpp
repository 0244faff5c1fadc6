//===- dlc-opt.cpp - the dlc optimizer driver -----------------------------===//
//
// mlir-opt with the dlc dialect, every dlc pass and the dlc pipelines
// registered, plus the upstream dialects and passes the pipeline uses, so
// any printed MLIR stage of `dlc compile --emit=...` can be fed back in.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  dlc::registerAllDlcPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<dlc::DlcDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "dlc optimizer driver\n", registry));
}
