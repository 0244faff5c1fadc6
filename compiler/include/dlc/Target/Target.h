//===- Target.h - from the LLVM dialect to machine code ---------*- C++ -*-===//
//
// The last stage: translate a module in the LLVM dialect to LLVM IR, add the
// model ABI, optimize for the host CPU (AVX-512 where present), and either
// JIT it in-process or write an object file / shared library / assembly.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_TARGET_H
#define DLC_TARGET_TARGET_H

#include "dlc/Target/ModelABI.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "llvm/IR/LLVMContext.h"

#include <memory>

namespace dlc {

/// Translates `module` (LLVM dialect) to LLVM IR with the model ABI and runs
/// LLVM's -O2 pipeline for the host. Errors go to MLIR diagnostics.
std::unique_ptr<llvm::Module>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &llvmContext,
                     llvm::StringRef entry, const ModelSignature &signature);

enum class OutputKind { Object, Assembly };

/// Writes host machine code for `module` to `path`. `errorMessage` is set on
/// failure.
bool emitMachineCode(llvm::Module &module, OutputKind kind,
                     llvm::StringRef path, std::string &errorMessage);

/// Links `objectPath` into a shared library with ld.lld (found next to the
/// LLVM tools or on PATH).
bool linkSharedLibrary(llvm::StringRef objectPath, llvm::StringRef outputPath,
                       std::string &errorMessage);

/// JIT-compiles `module` (LLVM dialect) for the host, with the model ABI.
llvm::Expected<std::unique_ptr<mlir::ExecutionEngine>>
jitCompile(mlir::ModuleOp module, llvm::StringRef entry,
           const ModelSignature &signature);

} // namespace dlc

#endif // DLC_TARGET_TARGET_H
