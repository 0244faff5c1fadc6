//===- Compiler.cpp - compile a dlc model, the embedding API --------------===//
//
// Drives one model through the stages: import, graph, linalg, bufferize,
// LLVM dialect, then LLVM IR and machine code (Target). Diagnostics are
// collected into the returned Status, formatted with the model's op names.
//
//===----------------------------------------------------------------------===//

#include "dlc/Compiler/Compiler.h"

#include "dlc/Codegen/Passes.h"
#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Import/FlatBufferImporter.h"
#include "dlc/Import/ModelDiagnostics.h"
#include "dlc/Target/Target.h"
#include "dlc/runtime/MemoryLimit.h"

#include "MemoryEstimate.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"

#include <chrono>

using namespace mlir;

namespace dlc {

std::optional<EmitKind> parseEmitKind(const std::string &text) {
  static const std::pair<const char *, EmitKind> kinds[] = {
      {"mlir", EmitKind::Dlc},          {"linalg", EmitKind::Linalg},
      {"bufferized", EmitKind::Bufferized}, {"llvm-mlir", EmitKind::LLVMDialect},
      {"llvm", EmitKind::LLVMIR},       {"asm", EmitKind::Assembly},
      {"obj", EmitKind::Object},        {"so", EmitKind::SharedLibrary}};
  for (auto &[name, kind] : kinds)
    if (text == name)
      return kind;
  return std::nullopt;
}

TrainingConfig trainingConfigOf(const ModelFile &model) {
  TrainingConfig config;
  const fb::Training *t = model.model()->training();
  if (!t)
    return config;
  static const char *const losses[] = {
      "categorical_crossentropy", "sparse_categorical_crossentropy",
      "binary_crossentropy", "mean_squared_error"};
  static const char *const optimizers[] = {"sgd", "adam", "adagrad",
                                           "rmsprop"};
  // The model was validated, so the enums are in range.
  config.loss = losses[size_t(t->loss())];
  config.optimizer = optimizers[size_t(t->optimizer())];
  config.beta1 = t->beta1();
  config.beta2 = t->beta2();
  config.epsilon = t->epsilon();
  config.momentum = t->momentum();
  config.nesterov = t->nesterov();
  config.weightDecay = t->weight_decay();
  config.rho = t->rho();
  return config;
}

namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// One model's trip through the compiler, with its own context.
class Session {
public:
  Session(const ModelFile &file, const CompileOptions &options)
      : file_(file), options_(options), handler_(&ctx_, [this](Diagnostic &d) {
          if (d.getSeverity() != DiagnosticSeverity::Error)
            return success();
          std::string where = formatModelLocation(d.getLocation());
          if (!errors_.empty())
            errors_ += "\n";
          errors_ += (where.empty() ? file_.path() : where) + ": " + d.str();
          return success();
        }) {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registry.insert<DlcDialect>();
    ctx_.appendDialectRegistry(registry);
    ctx_.loadAllAvailableDialects();
    registerAllDlcPasses();
  }

  Status fail(const std::string &fallback) {
    return Status::error(errors_.empty() ? file_.path() + ": " + fallback
                                         : errors_);
  }

  /// Imports and lowers up to `kind` (MLIR stages only).
  Status lowerTo(EmitKind kind, CompileStats &stats) {
    StatusOr<uint64_t> limit = resolveMemoryLimit(options_.maxMemoryBytes);
    if (!limit.ok())
      return limit.status();
    memoryLimit_ = *limit;

    auto start = Clock::now();
    ImportOptions importOptions;
    importOptions.batchSize = options_.batchSize;
    // The ModelFile outlives this session, so weights stay in place.
    importOptions.copyWeights = false;
    module_ = importModel(ctx_, *file_.model(), importOptions,
                          llvm::sys::path::filename(file_.path()));
    if (!module_)
      return fail("import failed");
    // Refuse a model that cannot fit before any pass runs on it.
    DLC_RETURN_IF_ERROR(checkEstimatedMemory());
    stats.importSeconds = secondsSince(start);

    start = Clock::now();
    PassManager pm(&ctx_);
    switch (options_.function) {
    case ModelFunction::Infer:
      buildGraphPipeline(pm, options_);
      break;
    case ModelFunction::InferWithParameters:
      buildParameterInputGraphPipeline(pm, options_);
      break;
    case ModelFunction::TrainStep:
      buildTrainingGraphPipeline(pm, options_, options_.training);
      // From here on the pipelines work on the function it created.
      options_.entry = "train_step";
      break;
    case ModelFunction::Gradients:
      buildTrainingGraphPipeline(pm, options_, options_.training, "gradients");
      options_.entry = "gradients";
      break;
    case ModelFunction::ApplyGradients:
      buildTrainingGraphPipeline(pm, options_, options_.training, "apply");
      options_.entry = "apply_gradients";
      break;
    }
    if (kind != EmitKind::Dlc)
      buildLinalgPipeline(pm, options_);
    if (failed(pm.run(*module_)))
      return fail("graph optimization or lowering failed");
    if (kind == EmitKind::Dlc || kind == EmitKind::Linalg) {
      stats.mlirSeconds = secondsSince(start);
      return Status::success();
    }
    // The ABI is read at tensor level, before buffers replace the types.
    auto signature =
        readSignature(*module_, options_.entry, options_.batchSize);
    if (failed(signature))
      return fail("the entry function has no static signature");
    signature_ = *signature;
    // The ABI reports the model by its graph's name.
    if (const auto *graphName = file_.graph()->name();
        graphName && graphName->size())
      signature_.name = graphName->str();

    PassManager late(&ctx_);
    buildBufferizePipeline(late, options_);
    if (kind != EmitKind::Bufferized)
      buildLLVMPipeline(late, options_);
    if (failed(late.run(*module_)))
      return fail("bufferization or lowering to LLVM failed");
    // The entry is an llvm.func by now; it kept the planner's attribute.
    if (Operation *func = module_->lookupSymbol(options_.entry))
      if (auto bytes = func->getAttrOfType<IntegerAttr>(kWorkspaceBytesAttr))
        signature_.workspaceBytes = bytes.getInt();
    DLC_RETURN_IF_ERROR(checkPlannedMemory());
    stats.mlirSeconds = secondsSince(start);
    return Status::success();
  }

  ModuleOp module() { return *module_; }
  const ModelSignature &signature() const { return signature_; }
  const CompileOptions &options() const { return options_; }
  /// The compiled function's name (it changes for a training step).
  const std::string &entry() const { return options_.entry; }

private:
  bool isTraining() const {
    return options_.function != ModelFunction::Infer &&
           options_.function != ModelFunction::InferWithParameters;
  }

  /// The estimate of MemoryLimit.h on the imported graph, before any pass.
  Status checkEstimatedMemory() {
    auto func = module_->lookupSymbol<func::FuncOp>(options_.entry);
    if (!func)
      return Status::success(); // The pipeline reports a missing entry.
    const TrainingConfig &tc = options_.training;
    int slots = 0; // Optimizer state tensors per parameter.
    if (tc.optimizer == "adam")
      slots = 2;
    else if (tc.optimizer != "sgd" || tc.momentum != 0.0f)
      slots = 1;
    StatusOr<MemoryEstimate> e = estimateImportedMemory(
        func, file_, options_.batchSize, isTraining(), slots);
    if (!e.ok())
      return e.status();
    return checkMemoryLimit(*e, memoryLimit_, file_.path());
  }

  /// The limit again, with the planner's exact workspace: the weights the
  /// code reads from the file (inference), the ABI's inputs and outputs
  /// (a training step's parameters and optimizer state among them).
  Status checkPlannedMemory() const {
    MemoryEstimate planned;
    planned.planned = true;
    planned.batch = options_.batchSize;
    // Inference reads the file's weights in place; training copies them
    // into the parameter inputs counted below.
    if (!isTraining())
      if (const auto *buffers = file_.model()->buffers())
        for (const fb::Buffer *b : *buffers)
          if (b->data())
            planned.weightBytes += b->data()->size();
    planned.workspaceBytes =
        uint64_t(std::max<int64_t>(signature_.workspaceBytes, 0));
    for (const auto *list : {&signature_.inputs, &signature_.outputs})
      for (const TensorSignature &t : *list) {
        StatusOr<int64_t> n =
            checkedNumElements(t.shape, dtypeSize(DType(t.dtype)));
        if (!n.ok())
          return n.status().withPrefix(file_.path() + ": '" + t.name + "'");
        planned.ioBytes += uint64_t(*n) * dtypeSize(DType(t.dtype));
      }
    return checkMemoryLimit(planned, memoryLimit_, file_.path());
  }

  const ModelFile &file_;
  CompileOptions options_;
  uint64_t memoryLimit_ = 0;
  MLIRContext ctx_;
  ScopedDiagnosticHandler handler_;
  OwningOpRef<ModuleOp> module_;
  ModelSignature signature_;
  std::string errors_;
};

Status writeText(const std::string &path, llvm::function_ref<void(raw_ostream &)> fn) {
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return Status::error("cannot write '" + path + "': " + ec.message());
  fn(out.os());
  out.keep();
  return Status::success();
}

} // namespace

Status compileModel(const ModelFile &model, const CompileOptions &options,
                    EmitKind kind, const std::string &outputPath,
                    CompileStats *statsOut) {
  CompileStats stats;
  Session session(model, options);
  EmitKind mlirStage = kind <= EmitKind::LLVMDialect ? kind
                                                     : EmitKind::LLVMDialect;
  if (Status s = session.lowerTo(mlirStage, stats); !s.ok())
    return s;
  if (kind <= EmitKind::LLVMDialect) {
    if (statsOut)
      *statsOut = stats;
    return writeText(outputPath, [&](raw_ostream &os) {
      session.module().print(os);
    });
  }

  auto start = Clock::now();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateAndOptimize(
      session.module(), llvmContext, session.entry(), session.signature());
  if (!llvmModule)
    return Status::error(model.path() + ": translation to LLVM IR failed");
  Status result = Status::success();
  std::string error;
  if (kind == EmitKind::LLVMIR) {
    result = writeText(outputPath, [&](raw_ostream &os) { llvmModule->print(os, nullptr); });
  } else if (kind == EmitKind::Assembly || kind == EmitKind::Object) {
    if (!emitMachineCode(*llvmModule,
                         kind == EmitKind::Object ? OutputKind::Object
                                                  : OutputKind::Assembly,
                         outputPath, error))
      result = Status::error(model.path() + ": " + error);
  } else {
    // Shared library: an object in a temporary file, linked next to the
    // output, so a failed link never leaves a half-written library behind.
    SmallString<128> objectPath;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "dlc-model", "o", objectPath))
      return Status::error("cannot create a temporary object file: " +
                           ec.message());
    std::string tmpLib = outputPath + ".tmp";
    if (!emitMachineCode(*llvmModule, OutputKind::Object, objectPath, error) ||
        !linkSharedLibrary(objectPath, tmpLib, error)) {
      result = Status::error(model.path() + ": " + error);
    } else if (std::error_code ec = llvm::sys::fs::rename(tmpLib, outputPath)) {
      result = Status::error("cannot write '" + outputPath + "': " + ec.message());
    }
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(tmpLib);
  }
  stats.llvmSeconds = secondsSince(start);
  if (statsOut)
    *statsOut = stats;
  return result;
}

StatusOr<std::unique_ptr<CompiledModel>>
jitCompile(const ModelFile &model, const CompileOptions &options,
           CompileStats *statsOut) {
  CompileStats stats;
  Session session(model, options);
  if (Status s = session.lowerTo(EmitKind::LLVMDialect, stats); !s.ok())
    return s;
  auto start = Clock::now();
  auto engine =
      dlc::jitCompile(session.module(), session.entry(), session.signature());
  if (!engine)
    return Status::error(model.path() + ": JIT compilation failed: " +
                         llvm::toString(engine.takeError()));
  std::shared_ptr<ExecutionEngine> owner(std::move(*engine));
  auto describe = owner->lookup("dlc_model_describe");
  auto infer = owner->lookup("dlc_model_infer");
  if (!describe || !infer) {
    if (!describe)
      llvm::consumeError(describe.takeError());
    if (!infer)
      llvm::consumeError(infer.takeError());
    return Status::error(model.path() + ": JIT code lacks the model ABI");
  }
  stats.llvmSeconds = secondsSince(start);
  if (statsOut)
    *statsOut = stats;
  return CompiledModel::fromFunctions(
      reinterpret_cast<dlc_model_describe_fn>(*describe),
      reinterpret_cast<dlc_model_infer_fn>(*infer), owner, model.path());
}

} // namespace dlc
