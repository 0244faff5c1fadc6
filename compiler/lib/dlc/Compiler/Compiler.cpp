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
#include "dlc/Pipelines/Pipelines.h"
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

#include "dlc/Compiler/CompileCache.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <set>
#include <string_view>
#include <unistd.h>

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
    // The CPU the code is for, on the module: tiling sizes register tiles
    // from it and the LLVM stage selects instructions for it.
    std::string targetError;
    std::optional<TargetDescription> target = describeTarget(
        options_.targetCpu, options_.targetFeatures, targetError);
    if (!target)
      return Status::error(targetError);
    (*module_)->setAttr(kTargetAttrName,
                        TargetAttr::get(&ctx_, target->cpu, target->features,
                                        target->vectorBits,
                                        target->vectorRegisters));
    // Refuse a model that cannot fit before any pass runs on it.
    DLC_RETURN_IF_ERROR(checkEstimatedMemory());
    stats.importSeconds = secondsSince(start);

    start = Clock::now();
    PassManager pm(&ctx_);
    enablePassTiming(pm);
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
    enablePassTiming(late);
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
  /// DLC_PASS_TIMING=1 prints MLIR's per-pass times to stderr (where a
  /// slow compile spends its MLIR seconds).
  static void enablePassTiming(PassManager &pm) {
    const char *timing = std::getenv("DLC_PASS_TIMING");
    if (timing && *timing && std::string_view(timing) != "0")
      pm.enableTiming();
  }

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

/// Temporary files removed when this goes out of scope.
struct TemporaryFiles {
  std::vector<std::string> paths;
  ~TemporaryFiles() {
    for (const std::string &p : paths)
      llvm::sys::fs::remove(p);
  }
  Status create(const std::string &stem, const std::string &suffix,
                std::string &path) {
    SmallString<128> created;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile(stem, suffix, created))
      return Status::error("cannot create a temporary file: " + ec.message());
    path = created.str().str();
    paths.push_back(path);
    return Status::success();
  }
  Status write(const std::string &stem, llvm::StringRef bytes,
               std::string &path) {
    DLC_RETURN_IF_ERROR(create(stem, "o", path));
    std::error_code ec;
    llvm::raw_fd_ostream out(path, ec);
    out << bytes;
    out.close();
    if (ec || out.has_error())
      return Status::error("cannot write '" + path + "'");
    return Status::success();
  }
};

/// Kernels outlined and distinct, from the entry's dlc.kernels attribute.
void readKernelCounts(ModuleOp module, StringRef entry, CompileStats &stats) {
  if (Operation *func = module.lookupSymbol(entry))
    if (auto counts = func->getAttrOfType<DenseI64ArrayAttr>(kKernelsAttr))
      if (counts.size() == 2) {
        stats.kernelsOutlined = counts[0];
        stats.kernelsDistinct = counts[1];
      }
}

/// Machine code of a lowered session: objects and the weights blob.
struct MachineCodeParts {
  std::vector<std::string> objects;
  WeightsBlob weights;
};

StatusOr<MachineCodeParts> generateMachineCode(Session &session,
                                               const std::string &modelPath,
                                               CompileStats &stats) {
  auto start = Clock::now();
  readKernelCounts(session.module(), session.entry(), stats);
  MachineCodeParts parts;
  if (failed(externalizeWeights(session.module(), parts.weights)))
    return Status::error(modelPath + ": cannot move the weights out of the code");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateWithABI(
      session.module(), llvmContext, session.entry(), session.signature());
  if (!llvmModule)
    return Status::error(modelPath + ": translation to LLVM IR failed");
  CodegenOptions codegen;
  codegen.threads = session.options().compileThreads;
  CodegenStats codegenStats;
  auto objects =
      compileToObjects(std::move(llvmModule), codegen, &codegenStats);
  if (!objects)
    return Status::error(modelPath + ": code generation failed: " +
                         llvm::toString(objects.takeError()));
  parts.objects = std::move(*objects);
  stats.partitions = codegenStats.partitions;
  stats.codegenThreads = codegenStats.threads;
  stats.llvmSeconds = secondsSince(start);
  return parts;
}

/// Links the parts into a shared library or one relocatable object, written
/// atomically (a failed link leaves no half-written file behind).
Status linkParts(const MachineCodeParts &parts, const std::string &modelPath,
                 const std::string &outputPath, bool relocatable) {
  TemporaryFiles temps;
  std::vector<std::string> inputs;
  for (const std::string &object : parts.objects) {
    std::string path;
    DLC_RETURN_IF_ERROR(temps.write("dlc-kernels", object, path));
    inputs.push_back(path);
  }
  if (!parts.weights.symbols.empty()) {
    std::string path;
    DLC_RETURN_IF_ERROR(temps.create("dlc-weights", "o", path));
    if (llvm::Error e = writeWeightsObject(parts.weights, path))
      return Status::error(modelPath + ": " + llvm::toString(std::move(e)));
    inputs.push_back(path);
  }
  std::string tmpOut = outputPath + ".tmp";
  temps.paths.push_back(tmpOut);
  std::string error;
  if (!linkObjects(inputs, tmpOut, relocatable, error))
    return Status::error(modelPath + ": " + error);
  if (std::error_code ec = llvm::sys::fs::rename(tmpOut, outputPath))
    return Status::error("cannot write '" + outputPath + "': " + ec.message());
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
  DLC_RETURN_IF_ERROR(session.lowerTo(mlirStage, stats));
  Status result = Status::success();
  if (kind <= EmitKind::LLVMDialect) {
    readKernelCounts(session.module(), session.entry(), stats);
    result = writeText(outputPath, [&](raw_ostream &os) {
      session.module().print(os);
    });
  } else if (kind == EmitKind::LLVMIR || kind == EmitKind::Assembly) {
    // One optimized module, to read: weights stay external symbols here.
    auto start = Clock::now();
    readKernelCounts(session.module(), session.entry(), stats);
    WeightsBlob weights;
    if (failed(externalizeWeights(session.module(), weights)))
      return Status::error(model.path() + ": cannot move the weights out");
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule = translateAndOptimize(
        session.module(), llvmContext, session.entry(), session.signature());
    if (!llvmModule)
      return Status::error(model.path() + ": translation to LLVM IR failed");
    std::string error;
    if (kind == EmitKind::LLVMIR)
      result = writeText(outputPath, [&](raw_ostream &os) {
        llvmModule->print(os, nullptr);
      });
    else if (!emitMachineCode(*llvmModule, OutputKind::Assembly, outputPath,
                              error))
      result = Status::error(model.path() + ": " + error);
    stats.llvmSeconds = secondsSince(start);
  } else {
    auto parts = generateMachineCode(session, model.path(), stats);
    if (!parts.ok())
      return parts.status();
    auto start = Clock::now();
    result = linkParts(*parts, model.path(), outputPath,
                       kind == EmitKind::Object);
    stats.llvmSeconds += secondsSince(start);
  }
  if (statsOut)
    *statsOut = stats;
  return result;
}

// Identifies this build of the compiler: the file holding its code (size
// and modification time), so that a rebuilt compiler never loads code the
// previous one cached, whatever its version number says.
std::string compilerBuildIdentity() {
  static const std::string identity = [] {
    std::string id = DLC_VERSION;
    // The file holding this code: a shared library by its path; for code
    // linked into the executable, dladdr names the program as it was
    // started (a bare "dlc" when found on PATH), which cannot be opened
    // from elsewhere, so /proc/self/exe names it instead.
    std::string path = "/proc/self/exe";
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&compilerBuildIdentity), &info) &&
        info.dli_fname && info.dli_fname[0] == '/')
      path = info.dli_fname;
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(path, status)) {
      // Without a build to name, nothing may be reused across builds.
      id += " unknown build " + std::to_string(::getpid());
      return id;
    }
    id += " " + std::to_string(status.getSize()) + " " +
          std::to_string(
              status.getLastModificationTime().time_since_epoch().count());
    return id;
  }();
  return identity;
}

namespace {

/// Everything in the options that changes the code.
std::string optionsText(const CompileOptions &o, uint64_t memoryLimit) {
  std::string text = "batch=" + std::to_string(o.batchSize) +
                     " function=" + std::to_string(int(o.function)) +
                     " fuse=" + std::to_string(o.fuse) + " entry=" + o.entry +
                     " limit=" + std::to_string(memoryLimit) + " outer=";
  for (int64_t t : o.outerTiles)
    text += std::to_string(t) + ",";
  text += " inner=";
  for (int64_t t : o.innerTiles)
    text += std::to_string(t) + ",";
  const TrainingConfig &t = o.training;
  char floats[256];
  std::snprintf(floats, sizeof floats, " %a %a %a %a %a %a %d", t.beta1,
                t.beta2, t.epsilon, t.momentum, t.rho, t.weightDecay,
                int(t.nesterov));
  return text + " loss=" + t.loss + " optimizer=" + t.optimizer + floats;
}

std::string cacheKey(const ModelFile &model, const CompileOptions &options,
                     uint64_t memoryLimit) {
  CacheKeyBuilder key;
  key.add("format", "dlc-jit-1");
  key.add("model", model.data(), model.size());
  key.add("options", optionsText(options, memoryLimit));
  // The requested CPU is the host's when none is named; code for another
  // CPU is a different entry.
  key.add("cpu", hostCPUDescription());
  key.add("target", options.targetCpu + " " + options.targetFeatures);
  key.add("version", compilerBuildIdentity());
  return key.hex();
}

/// A cache entry holds the objects, the weights blob and its table, and the
/// statistics of the compile that made it.
std::vector<CacheSection> cacheSections(const MachineCodeParts &parts,
                                        const std::string &table,
                                        const std::string &kernels) {
  std::vector<CacheSection> sections;
  for (size_t i = 0; i < parts.objects.size(); ++i)
    sections.push_back({"object." + std::to_string(i),
                        parts.objects[i].data(), parts.objects[i].size()});
  sections.push_back({"weights", parts.weights.data.get(),
                      size_t(parts.weights.size)});
  sections.push_back({"weights.table", table.data(), table.size()});
  sections.push_back({"kernels", kernels.data(), kernels.size()});
  return sections;
}

/// Loads a cache entry's code; nullptr (and `problem`) if it is unusable.
std::unique_ptr<JitCode> loadCacheEntry(std::shared_ptr<CacheEntry> entry,
                                        CompileStats &stats,
                                        std::string &problem) {
  std::vector<llvm::StringRef> objects;
  for (size_t i = 0;; ++i) {
    auto object = entry->find("object." + std::to_string(i));
    if (!object)
      break;
    objects.push_back(llvm::StringRef(object->data(), object->size()));
  }
  auto blob = entry->find("weights");
  auto table = entry->find("weights.table");
  auto kernels = entry->find("kernels");
  WeightsBlob weights;
  if (objects.empty() || !blob || !table || !kernels ||
      !weights.parseTable(llvm::StringRef(table->data(), table->size()),
                          blob->size())) {
    problem = "cache entry lacks its code or weights";
    return nullptr;
  }
  // The weights are used in place, from the mapped entry.
  weights.data = std::shared_ptr<const uint8_t>(
      entry, reinterpret_cast<const uint8_t *>(blob->data()));
  weights.size = blob->size();
  std::sscanf(std::string(*kernels).c_str(), "%lld %lld",
              reinterpret_cast<long long *>(&stats.kernelsOutlined),
              reinterpret_cast<long long *>(&stats.kernelsDistinct));
  auto code = loadObjects(objects, std::move(weights), entry);
  if (!code) {
    problem = llvm::toString(code.takeError());
    return nullptr;
  }
  return std::move(*code);
}

StatusOr<std::unique_ptr<CompiledModel>>
wrapJitCode(std::unique_ptr<JitCode> code, const std::string &path) {
  auto describe = code->lookup("dlc_model_describe");
  auto infer = code->lookup("dlc_model_infer");
  if (!describe || !infer) {
    if (!describe)
      llvm::consumeError(describe.takeError());
    if (!infer)
      llvm::consumeError(infer.takeError());
    return Status::error(path + ": JIT code lacks the model ABI");
  }
  std::shared_ptr<JitCode> owner(std::move(code));
  return CompiledModel::fromFunctions(
      reinterpret_cast<dlc_model_describe_fn>(*describe),
      reinterpret_cast<dlc_model_infer_fn>(*infer), owner, path);
}

} // namespace

StatusOr<std::unique_ptr<CompiledModel>>
jitCompile(const ModelFile &model, const CompileOptions &options,
           CompileStats *statsOut) {
  auto begin = Clock::now();
  CompileStats stats;
  std::unique_ptr<CompileCache> cache;
  std::string key;
  if (options.useCache) {
    StatusOr<uint64_t> limit = resolveMemoryLimit(options.maxMemoryBytes);
    if (!limit.ok())
      return limit.status();
    CacheOptions cacheOptions;
    if (!options.cacheDirectory.empty())
      cacheOptions.directory = options.cacheDirectory;
    if (!cacheOptions.directory.empty()) {
      cache = std::make_unique<CompileCache>(cacheOptions);
      key = cacheKey(model, options, *limit);
      std::string problem;
      std::shared_ptr<CacheEntry> entry = cache->lookup(key, &problem);
      if (!problem.empty())
        warnCacheProblemOnce(problem, "compiling again");
      if (entry) {
        std::unique_ptr<JitCode> code = loadCacheEntry(entry, stats, problem);
        if (code) {
          stats.cache = CacheUse::Hit;
          stats.totalSeconds = secondsSince(begin);
          if (statsOut)
            *statsOut = stats;
          return wrapJitCode(std::move(code), model.path());
        }
        warnCacheProblemOnce(cache->directory() + ": " + problem,
                           "compiling again");
      }
      stats.cache = CacheUse::Miss;
    }
  }

  Session session(model, options);
  DLC_RETURN_IF_ERROR(session.lowerTo(EmitKind::LLVMDialect, stats));
  auto parts = generateMachineCode(session, model.path(), stats);
  if (!parts.ok())
    return parts.status();
  if (cache) {
    std::string table = parts->weights.tableText();
    std::string kernels = std::to_string(stats.kernelsOutlined) + " " +
                          std::to_string(stats.kernelsDistinct);
    // A cache that cannot be written only costs the next run a compile.
    if (Status s = cache->store(key, cacheSections(*parts, table, kernels));
        !s.ok())
      warnCacheProblemOnce(s.message(), "the compiled code is not cached");
  }
  auto start = Clock::now();
  std::vector<llvm::StringRef> objects(parts->objects.begin(),
                                       parts->objects.end());
  auto code = loadObjects(objects, std::move(parts->weights));
  if (!code)
    return Status::error(model.path() + ": JIT linking failed: " +
                         llvm::toString(code.takeError()));
  auto compiled = wrapJitCode(std::move(*code), model.path());
  stats.llvmSeconds += secondsSince(start);
  stats.totalSeconds = secondsSince(begin);
  if (statsOut)
    *statsOut = stats;
  return compiled;
}

} // namespace dlc
