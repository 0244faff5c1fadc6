//===- MemoryEstimate.h - a model's memory before compiling -----*- C++ -*-===//
//
// The estimate that CompileOptions::maxMemoryBytes is checked against right
// after import, before any pass runs (see dlc/runtime/MemoryLimit.h).
//
//===----------------------------------------------------------------------===//

#ifndef DLC_COMPILER_MEMORYESTIMATE_H
#define DLC_COMPILER_MEMORYESTIMATE_H

#include "dlc/runtime/MemoryLimit.h"
#include "dlc/runtime/ModelFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace dlc {

/// Estimates the memory of `entry`, the freshly imported function of
/// `model` at `batch`: the file's weights (times 2 + `optimizerSlots` for
/// training: gradient and optimizer state), the function's arguments and
/// results, and its intermediates -- the peak of those live at once in
/// operator order, or for training every one twice (kept for the backward
/// pass, plus its gradient). A tensor too large to count is an error naming
/// the model's op.
StatusOr<MemoryEstimate> estimateImportedMemory(mlir::func::FuncOp entry,
                                                const ModelFile &model,
                                                int64_t batch, bool training,
                                                int optimizerSlots);

} // namespace dlc

#endif // DLC_COMPILER_MEMORYESTIMATE_H
