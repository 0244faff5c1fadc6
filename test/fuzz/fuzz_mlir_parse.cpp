//===- fuzz_mlir_parse.cpp - libFuzzer target: dlc-opt style input --------===//
//
// Text -> mlir::parseSourceString with the dlc, func, arith and tensor
// dialects registered, then mlir::verify. This is the path of every dlc-opt
// invocation; the interesting code is the dlc dialect's custom parsers,
// attribute parsers, verifiers and type inference, which see hostile
// attribute values (negative strides, huge paddings, wrong ranks).
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The parser wants a buffer it can read to the end; huge inputs only slow
  // the search down without reaching new code.
  if (size > 16384)
    return 0;
  mlir::DialectRegistry registry;
  registry.insert<dlc::DlcDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::MLIRContext ctx(registry, mlir::MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  mlir::ScopedDiagnosticHandler swallow(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });

  // MLIR's lexer relies on a NUL after the text (files come in through
  // MemoryBuffer, which guarantees one); libFuzzer's bytes have none.
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::ParserConfig config(&ctx);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, config, "fuzz.mlir");
  if (!module)
    return 0;
  (void)mlir::verify(*module);
  return 0;
}
