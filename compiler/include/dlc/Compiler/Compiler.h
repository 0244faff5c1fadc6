//===- Compiler.h - compile a dlc model, the embedding API ------*- C++ -*-===//
//
// The entry points a C++ program (and the `dlc` tool) uses:
//
//   auto file = dlc::ModelFile::open("model.fb");
//   auto model = dlc::jitCompile(**file, {.batchSize = 64});
//   auto outputs = (*model)->run({input});
//
// Each call builds its own MLIRContext, so calls on different threads are
// independent. Errors come back as a Status whose message names the model
// file and the model's op (from the op's location).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_COMPILER_COMPILER_H
#define DLC_COMPILER_COMPILER_H

#include "dlc/Pipelines/PipelineOptions.h"
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/ModelFile.h"
#include "dlc/runtime/Status.h"

#include <memory>
#include <string>

namespace dlc {

/// Which function of the model a compile produces.
enum class ModelFunction {
  /// The forward pass with the weights compiled in (`dlc compile`).
  Infer,
  /// The forward pass reading its trainable weights from inputs flagged
  /// DLC_TENSOR_PARAMETER (evaluation while training).
  InferWithParameters,
  /// Forward, loss, backward and optimizer update (docs/TRAINING.md); its
  /// ABI is described in dlc_abi.h.
  TrainStep,
  /// Forward, loss and backward: the loss, the output and every
  /// parameter's gradient (for data-parallel steps over parts of a batch).
  Gradients,
  /// The optimizer updates alone, from gradients given as inputs.
  ApplyGradients,
};

struct CompileOptions : PipelineOptions {
  /// The batch size the code is specialized for (the runtime runs other
  /// batch sizes in chunks of it).
  int64_t batchSize = 1;
  ModelFunction function = ModelFunction::Infer;
  /// Used when `function` is TrainStep.
  TrainingConfig training;
  /// Refuse the model when its memory at `batchSize` (weights, inputs and
  /// outputs, workspace) exceeds this many bytes: estimated from the file
  /// before compiling, then exact after memory planning (MemoryLimit.h).
  /// 0: DLC_MAX_MEMORY when set, else the physical memory.
  uint64_t maxMemoryBytes = 0;
  /// Threads for LLVM's optimization and code generation; 0: one per core.
  unsigned compileThreads = 0;
  /// jitCompile keeps compiled code in a persistent cache (CompileCache.h)
  /// and reuses it for the same model bytes, options, CPU and compiler.
  bool useCache = true;
  /// The cache's directory; empty: defaultCacheDirectory().
  std::string cacheDirectory;
  /// The x86-64 CPU to generate code for (an LLVM name, e.g. "haswell");
  /// empty: the host's. `targetFeatures` ("+avx2,-avx512f") are added to
  /// it. Tiling follows the chosen CPU's vector width and registers.
  std::string targetCpu, targetFeatures;
};

/// The training configuration a model file carries (its Training table;
/// defaults where it has none).
TrainingConfig trainingConfigOf(const ModelFile &model);

/// What `dlc compile --emit=` produces; the first four are MLIR text that
/// dlc-opt reads back.
enum class EmitKind {
  Dlc,            // --emit=mlir: the optimized dlc graph
  Linalg,         // --emit=linalg: tiled, fused, vectorized linalg
  Bufferized,     // --emit=bufferized: memrefs with the planned workspace
  LLVMDialect,    // --emit=llvm-mlir: the LLVM dialect
  LLVMIR,         // --emit=llvm: optimized LLVM IR
  Assembly,       // --emit=asm
  Object,         // --emit=obj
  SharedLibrary,  // --emit=so (default of `dlc compile`)
};

/// Parses the --emit= spelling; std::nullopt when unknown.
std::optional<EmitKind> parseEmitKind(const std::string &text);

/// Seconds spent per stage by the last compile (for `dlc compile --time`).
enum class CacheUse { Off, Miss, Hit };

struct CompileStats {
  double importSeconds = 0, mlirSeconds = 0, llvmSeconds = 0;
  /// From the call to the compiled code (jitCompile; 0 for compileModel).
  double totalSeconds = 0;
  /// Loop nests outlined into kernels, and distinct kernels after sharing
  /// (--dlc-outline-kernels).
  int64_t kernelsOutlined = 0, kernelsDistinct = 0;
  /// Partitions LLVM compiled, and the threads it used.
  unsigned partitions = 0, codegenThreads = 0;
  CacheUse cache = CacheUse::Off;
};

/// Compiles `model` to `kind` and writes it to `outputPath` ("-" = stdout,
/// for text kinds).
Status compileModel(const ModelFile &model, const CompileOptions &options,
                    EmitKind kind, const std::string &outputPath,
                    CompileStats *stats = nullptr);

/// Identifies this build of dlc (its version and the file holding the
/// compiler's code), for keys of cached artifacts that a rebuilt compiler
/// must not reuse.
std::string compilerBuildIdentity();

/// JIT-compiles `model` for this CPU, or loads the code a previous call
/// left in the compile cache (options.useCache). A cache entry that cannot
/// be used (truncated, corrupt, foreign) is reported once on stderr and
/// compiled again.
StatusOr<std::unique_ptr<CompiledModel>>
jitCompile(const ModelFile &model, const CompileOptions &options,
           CompileStats *stats = nullptr);

} // namespace dlc

#endif // DLC_COMPILER_COMPILER_H
