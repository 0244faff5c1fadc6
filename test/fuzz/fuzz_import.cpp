//===- fuzz_import.cpp - libFuzzer target: model loading + import ---------===//
//
// Bytes -> dlc::ModelFile::fromBuffer (verifier + validateModel) and, for the
// models that pass, dlc::importModel into a fresh MLIRContext at batch 1,
// then mlir::verify. The importer re-checks what only it relies on (per-op
// shape rules, options), so a model that validates but cannot be imported
// must fail with a diagnostic, and whatever is imported must verify.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Import/FlatBufferImporter.h"
#include "dlc/runtime/ModelFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  auto file = dlc::ModelFile::fromBuffer(std::move(bytes), "fuzz.fb");
  if (!file.ok())
    return 0;

  // A fresh context per input: no state leaks from one input to the next.
  // Threading off: a thread pool per input would dominate the run time.
  mlir::DialectRegistry registry;
  registry.insert<dlc::DlcDialect, mlir::func::FuncDialect>();
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  // Errors are the expected outcome for most inputs; don't print them.
  mlir::ScopedDiagnosticHandler swallow(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });

  dlc::ImportOptions options;
  options.batchSize = 1;
  // The ModelFile owns the bytes for longer than the context lives, but
  // copying keeps the fuzzer on the path the tools take by default.
  options.copyWeights = true;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      dlc::importModel(ctx, *(*file)->model(), options, "fuzz.fb");
  if (!module)
    return 0;
  // importModel verifies already; a failure here would mean it returned an
  // invalid module without saying so.
  if (mlir::failed(mlir::verify(*module)))
    __builtin_trap();
  return 0;
}
