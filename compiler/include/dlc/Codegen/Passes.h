//===- Passes.h - dlc code generation passes --------------------*- C++ -*-===//
#ifndef DLC_CODEGEN_PASSES_H
#define DLC_CODEGEN_PASSES_H

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/Pass.h"

namespace dlc {

/// Attribute names shared by the lowering and the code generation passes.
inline constexpr llvm::StringLiteral kFusionRootAttr = "dlc.fusion_root";
/// A fusion root's schedule, a #dlc.tiling (dlc-select-tiling writes it).
inline constexpr llvm::StringLiteral kTilingAttr = kTilingAttrName;
/// [kernels outlined, distinct kernels] of an entry (dlc-outline-kernels).
inline constexpr llvm::StringLiteral kKernelsAttr = "dlc.kernels";
inline constexpr llvm::StringLiteral kWorkspaceBytesAttr =
    "dlc.workspace_bytes";
/// An scf.for whose iterations are independent tasks with private scratch
/// (dlc-form-parallel-tasks); its bounds are 0 .. N step 1.
inline constexpr llvm::StringLiteral kParallelTasksAttr = "dlc.parallel_tasks";
/// A kernel that runs N tasks of its task function (dlc-outline-tasks).
inline constexpr llvm::StringLiteral kTaskCountAttr = "dlc.task_count";
inline constexpr llvm::StringLiteral kTaskFunctionAttr = "dlc.task_function";

/// The contractions whose reduction loops a #dlc.tiling's `reduction`
/// sizes tile (dlc-select-tiling sizes them, dlc-tile-and-fuse applies them).
inline bool isTiledContraction(mlir::Operation *op) {
  return mlir::isa<mlir::linalg::Conv2DNhwcHwcfOp,
                   mlir::linalg::DepthwiseConv2DNhwcHwcOp,
                   mlir::linalg::DepthwiseConv2DNhwcHwcmOp,
                   mlir::linalg::MatmulOp>(op);
}

/// The pools a fusion chain may end in.
inline bool isPool(mlir::Operation *op) {
  return mlir::isa<mlir::linalg::PoolingNhwcMaxOp,
                   mlir::linalg::PoolingNhwcSumOp>(op);
}

/// True if `op` is inside a tile loop (scf.forall or scf.for), i.e. its
/// shapes are tile shapes, not whole tensors.
inline bool isInsideTileLoop(mlir::Operation *op) {
  return op->getParentOfType<mlir::scf::ForallOp>() ||
         op->getParentOfType<mlir::scf::ForOp>();
}

/// A constant that outlining clones into a new function rather than passes:
/// it is part of what the function computes (loop bounds, a ReLU's zeros).
inline bool isClonableConstant(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
         mlir::matchPattern(def, mlir::m_Constant());
}

/// Whether the bare-pointer calling convention can pass `type` to an
/// outlined function: a scalar, or a memref whose shape, strides and offset
/// are all static.
inline bool isPassable(mlir::Type type) {
  auto memref = mlir::dyn_cast<mlir::MemRefType>(type);
  if (!memref)
    return type.isIntOrIndexOrFloat();
  llvm::SmallVector<int64_t> strides;
  int64_t offset;
  return memref.hasStaticShape() &&
         mlir::succeeded(memref.getStridesAndOffset(strides, offset)) &&
         !mlir::ShapedType::isDynamic(offset) &&
         llvm::none_of(strides, mlir::ShapedType::isDynamic);
}

#define GEN_PASS_DECL
#include "dlc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dlc/Codegen/Passes.h.inc"

} // namespace dlc

#endif // DLC_CODEGEN_PASSES_H
