//===- Target.h - from the LLVM dialect to machine code ---------*- C++ -*-===//
//
// The last stage. The module (LLVM dialect: an entry calling kernel
// functions, see --dlc-outline-kernels) loses its weights first: every large
// constant becomes an external symbol whose bytes go into one aligned blob
// (Weights.cpp), so LLVM never optimizes megabytes of constants. The rest is
// translated to LLVM IR with the model ABI, split by kernel into partitions
// that are optimized (-O2) and compiled to relocatable objects on several
// threads (ParallelCodegen.cpp). The objects and the blob then become a
// shared library (ld.lld) or are linked into the process (JitLinker.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_TARGET_H
#define DLC_TARGET_TARGET_H

#include <optional>

#include "dlc/Target/ModelABI.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
}

namespace dlc {

/// The weights of a compiled model: one 64-byte aligned blob and the symbol
/// of each weight in it. The code refers to the symbols only.
struct WeightsBlob {
  struct Symbol {
    std::string name;
    uint64_t offset = 0, size = 0;
  };
  std::vector<Symbol> symbols;
  /// The bytes; `size` of them, 64-byte aligned.
  std::shared_ptr<const uint8_t> data;
  uint64_t size = 0;

  /// The symbol table as text ("name offset size" lines), for the cache.
  std::string tableText() const;
  /// Parses tableText(); false if it is malformed or points past `size`.
  bool parseTable(llvm::StringRef text, uint64_t size);
};

/// Moves the value of every constant `llvm.mlir.global` of at least
/// `minBytes` into `weights` and leaves an external declaration behind.
mlir::LogicalResult externalizeWeights(mlir::ModuleOp module,
                                       WeightsBlob &weights,
                                       uint64_t minBytes = 256);

/// Writes a relocatable object defining the symbols of `weights` in one
/// read-only section (for a shared library).
llvm::Error writeWeightsObject(const WeightsBlob &weights, llvm::StringRef path);

/// How the code is compiled.
struct CodegenOptions {
  /// Threads for LLVM's optimization and code generation; 0: one per core.
  unsigned threads = 0;
};

/// What code generation did (for `dlc compile --time`).
struct CodegenStats {
  unsigned partitions = 0, threads = 0;
  double translateSeconds = 0, codegenSeconds = 0;
};

/// Translates `module` (LLVM dialect) to LLVM IR and adds the model ABI.
std::unique_ptr<llvm::Module>
translateWithABI(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                 llvm::StringRef entry, const ModelSignature &signature);

/// Runs LLVM's -O2 (without its loop unrollers) for `tm`.
void optimizeModule(llvm::Module &module, llvm::TargetMachine &tm);

/// translateWithABI, then -O2 on the whole module (for --emit=llvm/asm).
std::unique_ptr<llvm::Module>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                     llvm::StringRef entry, const ModelSignature &signature);

/// Splits `module` by function into partitions and optimizes and compiles
/// them to relocatable objects on `options.threads` threads. The objects
/// come back in a deterministic order; `module` is consumed.
llvm::Expected<std::vector<std::string>>
compileToObjects(std::unique_ptr<llvm::Module> module,
                 const CodegenOptions &options, CodegenStats *stats = nullptr);

/// The target machine for the CPU we run on (e.g. znver5 with AVX-512),
/// position-independent code.
std::unique_ptr<llvm::TargetMachine> hostTargetMachine(std::string &error);

/// The host CPU's name and target features ("znver5 +avx512f,..."): what
/// the code is compiled for.
std::string hostCPUDescription();

/// The CPU code is generated for: LLVM's name and features, and what tiling
/// reads of them (512-bit vectors and 32 registers with AVX-512, 256 and 16
/// with AVX2, 128 and 16 otherwise).
struct TargetDescription {
  std::string cpu, features;
  int64_t vectorBits = 128, vectorRegisters = 16;
};

/// The host CPU when `cpu` is empty, else the x86-64 CPU `cpu` (an LLVM
/// name, e.g. "haswell"); `features` ("+avx2,-avx512f") are added to it.
/// Sets `error` and returns std::nullopt for an unknown CPU or feature.
std::optional<TargetDescription> describeTarget(const std::string &cpu,
                                                const std::string &features,
                                                std::string &error);

/// Makes every function of `module` compile for `cpu`/`features` (LLVM's
/// target-cpu and target-features function attributes), whatever the
/// target machine that compiles them.
void setTargetAttributes(llvm::Module &module, llvm::StringRef cpu,
                         llvm::StringRef features);

enum class OutputKind { Object, Assembly };

/// Writes host machine code for `module` to `path`. `errorMessage` is set on
/// failure.
bool emitMachineCode(llvm::Module &module, OutputKind kind,
                     llvm::StringRef path, std::string &errorMessage);

/// Links relocatable objects into a shared library (`relocatable` false) or
/// one relocatable object (true) with ld.lld, found next to the LLVM tools
/// or on PATH. A shared library exports only the model ABI.
bool linkObjects(llvm::ArrayRef<std::string> objectPaths,
                 llvm::StringRef outputPath, bool relocatable,
                 std::string &errorMessage);

/// Compiled code linked into this process. Owns the code and the weights it
/// reads; functions stay valid as long as it lives.
class JitCode {
public:
  virtual ~JitCode();
  /// The address of an exported function of the model (e.g.
  /// "dlc_model_infer").
  virtual llvm::Expected<void *> lookup(llvm::StringRef name) = 0;
};

/// Links `objects` into the process and binds the weight symbols to the
/// bytes of `weights` (kept alive by the result). DLC_PERF=1 describes the
/// code to `perf` (a jitdump).
llvm::Expected<std::unique_ptr<JitCode>>
loadObjects(llvm::ArrayRef<llvm::StringRef> objects, WeightsBlob weights,
            std::shared_ptr<void> keepAlive = nullptr);

/// The whole path for `module` (LLVM dialect): weights out, translate,
/// compile in parallel, link into the process.
llvm::Expected<std::unique_ptr<JitCode>>
jitCompile(mlir::ModuleOp module, llvm::StringRef entry,
           const ModelSignature &signature, const CodegenOptions &options = {},
           CodegenStats *stats = nullptr);

} // namespace dlc

#endif // DLC_TARGET_TARGET_H
