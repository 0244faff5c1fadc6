//===- Target.cpp - from the LLVM dialect to machine code -----------------===//

#include "dlc/Target/Target.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>

using namespace mlir;

namespace dlc {

namespace {
void initializeLLVMOnce() {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    // No scheduling after register allocation: the unrolled register tiles
    // make basic blocks of thousands of instructions, on which the post-RA
    // list scheduler spent a quarter of code generation (8 of 29 s on
    // MobileNetV2), while an out-of-order core reorders them anyway.
    auto &options = llvm::cl::getRegisteredOptions();
    for (const char *name : {"post-RA-scheduler", "enable-post-misched"})
      if (auto *option = static_cast<llvm::cl::opt<bool> *>(
              options.lookup(name)))
        option->setValue(false);
    return true;
  }();
  (void)initialized;
}

void registerTranslations(MLIRContext &ctx) {
  DialectRegistry registry;
  registerAllToLLVMIRTranslations(registry);
  ctx.appendDialectRegistry(registry);
}
} // namespace

std::string hostCPUDescription() {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return "unknown";
  }
  return builder->getCPU() + " " + builder->getFeatures().getString();
}

std::optional<TargetDescription> describeTarget(const std::string &cpu,
                                                const std::string &features,
                                                std::string &error) {
  initializeLLVMOnce();
  auto host = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!host) {
    error = llvm::toString(host.takeError());
    return std::nullopt;
  }
  TargetDescription target;
  target.cpu = cpu.empty() ? host->getCPU() : cpu;
  target.features = cpu.empty() ? host->getFeatures().getString() : "";
  if (!features.empty())
    target.features += (target.features.empty() ? "" : ",") + features;
  const llvm::Triple &triple = host->getTargetTriple();
  std::string lookupError;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, lookupError);
  if (!llvmTarget) {
    error = lookupError;
    return std::nullopt;
  }
  // Checked on a generic subtarget: one made for an unknown CPU would have
  // LLVM print its own warning first.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget->createMCSubtargetInfo(triple, "generic", ""));
  if (!subtarget || !subtarget->isCPUStringValid(target.cpu)) {
    error = "unknown CPU '" + target.cpu + "' (LLVM's names, e.g. haswell, "
            "skylake-avx512, znver4; `llc -mcpu=help` lists them)";
    return std::nullopt;
  }
  // Every feature must be one LLVM knows, spelled +name or -name: LLVM
  // itself would only warn and ignore it.
  llvm::SmallVector<llvm::StringRef> requested;
  llvm::StringRef(features).split(requested, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef feature : requested) {
    llvm::StringRef name = feature.drop_front();
    bool known = llvm::any_of(subtarget->getAllProcessorFeatures(),
                              [&](const llvm::SubtargetFeatureKV &kv) {
                                return name == kv.Key;
                              });
    if ((!feature.starts_with("+") && !feature.starts_with("-")) || !known) {
      error = "unknown target feature '" + feature.str() +
              "' (expected +name or -name, e.g. +avx2,-avx512f)";
      return std::nullopt;
    }
  }
  subtarget.reset(
      llvmTarget->createMCSubtargetInfo(triple, target.cpu, target.features));
  if (subtarget->checkFeatures("+avx512f")) {
    target.vectorBits = 512;
    target.vectorRegisters = 32;
  } else if (subtarget->checkFeatures("+avx")) {
    target.vectorBits = 256;
  }
  return target;
}

void setTargetAttributes(llvm::Module &module, llvm::StringRef cpu,
                         llvm::StringRef features) {
  for (llvm::Function &function : module) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", cpu);
    function.addFnAttr("target-features", features);
  }
}

/// A target machine for the CPU we run on: its name and features (e.g.
/// znver5 with avx512f) decide the vector width of the generated code.
std::unique_ptr<llvm::TargetMachine> hostTargetMachine(std::string &error) {
  initializeLLVMOnce();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    error = llvm::toString(builder.takeError());
    return nullptr;
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  // Position-independent code links into a shared library and into a PIE.
  builder->setRelocationModel(llvm::Reloc::PIC_);
  auto tm = builder->createTargetMachine();
  if (!tm) {
    error = llvm::toString(tm.takeError());
    return nullptr;
  }
  return std::move(*tm);
}
/// LLVM's -O2 without its loop unrollers. The MLIR pipeline has already
/// unrolled what pays (register tiles, filter rows); LLVM's unroll passes
/// found nothing more to gain on the reference CNN but spent most of the
/// compile time estimating the cost of unrolling the large tiled loop
/// bodies (60% of -O2 on a training step).
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&tm, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager passes =
      builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  passes.run(module, mam);
}

/// The host's target machine, or null after an error on `module`.
static std::unique_ptr<llvm::TargetMachine>
hostTargetMachineFor(ModuleOp module) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachine(error);
  if (!tm)
    module.emitError("no target machine for the host: ") << error;
  return tm;
}

std::unique_ptr<llvm::Module>
translateWithABI(ModuleOp module, llvm::LLVMContext &llvmContext,
                 StringRef entry, const ModelSignature &signature) {
  registerTranslations(*module->getContext());
  // dlc's argument attributes (names, parameter flags) have served their
  // purpose by now (the signature was read before bufferization). Left in
  // place, the translation warns about each one, printing the whole
  // function every time: minutes for a training step.
  module.walk([](LLVM::LLVMFuncOp func) {
    for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
      SmallVector<StringAttr> names;
      for (NamedAttribute attr : func.getArgAttrDict(i) ? func.getArgAttrDict(i).getValue() : ArrayRef<NamedAttribute>())
        if (attr.getName().getValue().starts_with("dlc."))
          names.push_back(attr.getName());
      for (StringAttr name : names)
        func.removeArgAttr(i, name);
    }
  });
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, "dlc_model");
  if (!llvmModule) {
    module.emitError("translation to LLVM IR failed");
    return nullptr;
  }
  if (failed(emitModelABI(*llvmModule, entry, signature))) {
    module.emitError("entry function @") << entry
                                         << " does not match the model ABI";
    return nullptr;
  }
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachineFor(module);
  if (!tm)
    return nullptr;
  // The CPU the module was tiled for is the one its code is selected for.
  if (auto target = module->getAttrOfType<TargetAttr>(kTargetAttrName))
    setTargetAttributes(*llvmModule, target.getCpu(), target.getFeatures());
  llvmModule->setDataLayout(tm->createDataLayout());
  llvmModule->setTargetTriple(tm->getTargetTriple());
  return llvmModule;
}

std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &llvmContext,
                     StringRef entry, const ModelSignature &signature) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateWithABI(module, llvmContext, entry, signature);
  if (!llvmModule)
    return nullptr;
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachineFor(module);
  if (!tm)
    return nullptr;
  // -O2: the MLIR pipeline has already tiled, vectorized and unrolled the
  // kernels, so -O3's extra loop passes found nothing more to speed up on the
  // reference CNN (same run time, measured side by side) but cost ~10% more
  // compile time. See optimizeModule.
  optimizeModule(*llvmModule, *tm);
  return llvmModule;
}

bool emitMachineCode(llvm::Module &module, OutputKind kind, StringRef path,
                     std::string &errorMessage) {
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachine(errorMessage);
  if (!tm)
    return false;
  std::error_code ec;
  llvm::ToolOutputFile out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    errorMessage = "cannot open '" + path.str() + "': " + ec.message();
    return false;
  }
  llvm::legacy::PassManager pm;
  auto fileType = kind == OutputKind::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if (tm->addPassesToEmitFile(pm, out.os(), nullptr, fileType)) {
    errorMessage = "the host target cannot emit this file type";
    return false;
  }
  pm.run(module);
  out.keep();
  return true;
}

bool linkObjects(ArrayRef<std::string> objectPaths, StringRef outputPath,
                 bool relocatable, std::string &errorMessage) {
  // Prefer the linker of the LLVM we were built with, then any on PATH.
  llvm::ErrorOr<std::string> linker = llvm::sys::findProgramByName(
      "ld.lld", {LLVM_TOOLS_DIR});
  if (!linker)
    linker = llvm::sys::findProgramByName("ld.lld");
  if (!linker)
    linker = llvm::sys::findProgramByName("ld.lld-22");
  if (!linker) {
    errorMessage = "ld.lld not found (install lld)";
    return false;
  }
  SmallVector<StringRef> args{*linker, "-o", outputPath};
  // A shared library exports the model ABI alone: kernels, the entry and
  // the weights bind locally (calls between the objects' kernels become
  // direct calls), and nothing of the model can clash with its host.
  SmallString<128> scriptPath;
  std::optional<llvm::FileRemover> removeScript;
  if (relocatable) {
    args.push_back("-r");
  } else {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "dlc-exports", "ver", scriptPath)) {
      errorMessage = "cannot create a temporary file: " + ec.message();
      return false;
    }
    removeScript.emplace(scriptPath);
    std::error_code ec;
    llvm::raw_fd_ostream script(scriptPath, ec);
    script << "{ global: dlc_model_*; local: *; };\n";
    script.close();
    if (ec || script.has_error()) {
      errorMessage = "cannot write a temporary file";
      return false;
    }
    args.append({"-shared", "--gc-sections", "--version-script", scriptPath});
  }
  for (const std::string &object : objectPaths)
    args.push_back(object);
  // lld's messages go to a log file and its first line into our error, so
  // that a failed link is one line from the tool, not lld's output followed
  // by ours.
  SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("dlc-lld", "log", logPath)) {
    errorMessage = "cannot create a temporary file: " + ec.message();
    return false;
  }
  llvm::FileRemover removeLog(logPath);
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                          StringRef(logPath)};
  int rc = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, redirects,
                                     0, 0, &errorMessage);
  if (rc != 0) {
    if (errorMessage.empty())
      errorMessage = "ld.lld failed with exit code " + std::to_string(rc);
    if (auto log = llvm::MemoryBuffer::getFile(logPath)) {
      StringRef first = (*log)->getBuffer().split('\n').first.trim();
      first.consume_front("ld.lld: ");
      if (!first.empty())
        errorMessage = "ld.lld failed: " + first.str();
    }
    return false;
  }
  return true;
}

JitCode::~JitCode() = default;

llvm::Expected<std::unique_ptr<JitCode>>
jitCompile(ModuleOp module, StringRef entry, const ModelSignature &signature,
           const CodegenOptions &options, CodegenStats *stats) {
  WeightsBlob weights;
  if (failed(externalizeWeights(module, weights)))
    return llvm::createStringError("cannot move the weights out of the code");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateWithABI(module, llvmContext, entry, signature);
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");
  auto objects = compileToObjects(std::move(llvmModule), options, stats);
  if (!objects)
    return objects.takeError();
  SmallVector<StringRef> views(objects->begin(), objects->end());
  return loadObjects(views, std::move(weights));
}

} // namespace dlc
