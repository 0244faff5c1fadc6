//===- DlcToLinalg.h - lower dlc to linalg on tensors -----------*- C++ -*-===//
#ifndef DLC_CONVERSION_DLCTOLINALG_DLCTOLINALG_H
#define DLC_CONVERSION_DLCTOLINALG_DLCTOLINALG_H

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/StringRef.h"

#include <memory>

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace dlc {

#define GEN_PASS_DECL_CONVERTDLCTOLINALG
#include "dlc/Conversion/Passes.h.inc"

/// Unit attribute put on the last op of a lowered `dlc.fused_conv2d` chain
/// (the pooling op when there is one): the op the code generator tiles,
/// fusing the chain's producers into its tile loops.
inline constexpr llvm::StringLiteral kFusionRootAttrName = "dlc.fusion_root";

/// Adds the patterns that lower every dlc op to linalg/tensor/arith/math.
/// They assume static shapes and fail to match otherwise.
void populateDlcToLinalgConversionPatterns(mlir::RewritePatternSet &patterns);

} // namespace dlc

#endif // DLC_CONVERSION_DLCTOLINALG_DLCTOLINALG_H
