//===- dlc-translate.cpp - model files <-> MLIR ---------------------------===//
//
// mlir-translate with the dlc importers registered. Mostly for tests: lit
// turns a JSON model into a .fb with `flatc -b` and checks the imported IR.
//
//   dlc-translate --import-flatbuffer model.fb [--batch-size=64]
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Import/FlatBufferImporter.h"
#include "dlc/Import/ModelDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::OptionCategory importCategory("dlc import options");

static llvm::cl::opt<int64_t>
    batchSize("batch-size",
              llvm::cl::desc("Batch size that replaces the -1 dimension of "
                             "the graph inputs"),
              llvm::cl::init(1), llvm::cl::cat(importCategory));

static llvm::cl::opt<std::string>
    functionName("function-name",
                 llvm::cl::desc("Name of the imported function"),
                 llvm::cl::init("infer"), llvm::cl::cat(importCategory));

static llvm::cl::opt<int64_t> inlineElementLimit(
    "inline-element-limit",
    llvm::cl::desc("Constants with at most this many elements become dense "
                   "attributes, larger ones resource blobs"),
    llvm::cl::init(dlc::ImportOptions().inlineElementLimit),
    llvm::cl::cat(importCategory));

static OwningOpRef<Operation *> importFlatBuffer(llvm::SourceMgr &sourceMgr,
                                                 MLIRContext *ctx) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>(buffer->getBufferStart()),
      buffer->getBufferSize());
  dlc::ImportOptions options;
  options.batchSize = batchSize;
  options.functionName = functionName;
  options.inlineElementLimit = inlineElementLimit;
  // The input buffer dies with the source manager, before the context:
  // weights must be copied.
  options.copyWeights = true;
  // Name the model's ops in messages (MLIR's handler prints only file:line);
  // the name says which op, so a generic dump of it adds nothing.
  dlc::ModelDiagnosticHandler diagnostics(ctx);
  ctx->printOpOnDiagnostic(false);
  return dlc::importModelBuffer(*ctx, bytes, options,
                                buffer->getBufferIdentifier());
}

int main(int argc, char **argv) {
  TranslateToMLIRRegistration importRegistration(
      "import-flatbuffer", "Import a dlc model (.fb) into the dlc dialect",
      importFlatBuffer,
      [](DialectRegistry &registry) {
        registry.insert<dlc::DlcDialect, func::FuncDialect>();
      },
      // FlatBuffers wants its buffer aligned to the largest scalar it holds;
      // the model format aligns weight buffers to 64 bytes.
      llvm::Align(64));
  return failed(mlirTranslateMain(argc, argv, "dlc translation driver"));
}
