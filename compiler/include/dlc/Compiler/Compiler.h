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

#include "dlc/Pipelines/Pipelines.h"
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
struct CompileStats {
  double importSeconds = 0, mlirSeconds = 0, llvmSeconds = 0;
};

/// Compiles `model` to `kind` and writes it to `outputPath` ("-" = stdout,
/// for text kinds).
Status compileModel(const ModelFile &model, const CompileOptions &options,
                    EmitKind kind, const std::string &outputPath,
                    CompileStats *stats = nullptr);

/// JIT-compiles `model` for this CPU.
StatusOr<std::unique_ptr<CompiledModel>>
jitCompile(const ModelFile &model, const CompileOptions &options,
           CompileStats *stats = nullptr);

} // namespace dlc

#endif // DLC_COMPILER_COMPILER_H
