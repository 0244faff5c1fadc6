//===- ModelABI.h - the C ABI of compiled models ----------------*- C++ -*-===//
//
// Emits, into the LLVM module of a compiled model, the two C entry points
// declared in runtime/include/dlc/runtime/dlc_abi.h: a static description of
// the model and a wrapper that unpacks pointer arrays into the arguments of
// the compiled entry function. JIT and AOT share it, so the runtime drives
// both through the same interface.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TARGET_MODELABI_H
#define DLC_TARGET_MODELABI_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/Module.h"

#include <string>
#include <vector>

namespace dlc {

struct TensorSignature {
  std::string name;
  int32_t dtype = 0; // dlc_dtype
  std::vector<int64_t> shape;
  int32_t flags = 0; // dlc_tensor_flags
};

/// What the ABI describes: taken from the entry function at tensor level
/// (names, shapes) plus the workspace size decided after bufferization.
struct ModelSignature {
  std::string name;
  int64_t batchSize = 1;
  std::vector<TensorSignature> inputs, outputs;
  int64_t workspaceBytes = 0;
};

/// Reads names (`dlc.name` argument/result attributes, or positional names),
/// dtypes and shapes of the tensor-level entry function `entry`.
mlir::FailureOr<ModelSignature> readSignature(mlir::ModuleOp module,
                                              llvm::StringRef entry,
                                              int64_t batchSize);

/// Adds `dlc_model_describe` and `dlc_model_infer` to `module`, calling the
/// bare-pointer entry function `entry(inputs..., outputs..., workspace,
/// parallel)`,
/// which becomes internal so that it inlines into the wrapper.
mlir::LogicalResult emitModelABI(llvm::Module &module, llvm::StringRef entry,
                                 const ModelSignature &signature);

} // namespace dlc

#endif // DLC_TARGET_MODELABI_H
