//===- Vectorize.cpp - decompose and vectorize linalg ops in tiles --------===//
//
// Only ops nested in a tile loop are vectorized: their shapes are the small
// static tile shapes chosen by SelectTiling. Vectorizing a whole-tensor op
// would produce vectors of thousands of elements that LLVM then splits
// badly; those ops are left to loop lowering (and LLVM's loop vectorizer).
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCVECTORIZE
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

bool hasStaticShapes(linalg::LinalgOp op) {
  for (Value v : op->getOperands())
    if (auto shaped = dyn_cast<ShapedType>(v.getType()))
      if (!shaped.hasStaticShape())
        return false;
  return true;
}

/// Whether upstream's decomposition of a 2-D NHWC convolution or pool into
/// its 1-D form is valid for `op`. The upstream patterns drop the H (else W)
/// dim once the window and the output are 1 along it, assuming the input is
/// 1 along it too; a strided window that skips trailing input rows (1x1
/// stride 3 over 2 rows) breaks that assumption and the patterns build an
/// invalid rank-reducing extract_slice. Tiles always read exactly the rows
/// they need, so this only rules out untiled ops, which are not vectorized
/// anyway.
bool canDropWindowDim(linalg::LinalgOp op) {
  if (!isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
           linalg::PoolingNhwcSumOp, linalg::PoolingNhwcMaxOp>(op))
    return false;
  auto input = dyn_cast<ShapedType>(op.getDpsInputOperand(0)->get().getType());
  auto window = dyn_cast<ShapedType>(op.getDpsInputOperand(1)->get().getType());
  auto output = dyn_cast<ShapedType>(op.getDpsInitOperand(0)->get().getType());
  if (!input || !window || !output || !input.hasStaticShape() ||
      !window.hasStaticShape() || !output.hasStaticShape())
    return false;
  // NHWC input and output; the window's first two dims are KH, KW.
  if (window.getDimSize(0) == 1 && output.getDimSize(1) == 1)
    return input.getDimSize(1) == 1;
  if (window.getDimSize(1) == 1 && output.getDimSize(2) == 1)
    return input.getDimSize(2) == 1;
  return false;
}

struct VectorizePass : public dlc::impl::DlcVectorizeBase<VectorizePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    func::FuncOp func = getOperation();

    // 2-D convolutions and pools with a single window row (and a single
    // output row) become 1-D ops, which the vectorizer handles directly.
    {
      SmallVector<Operation *> decomposable;
      func.walk([&](linalg::LinalgOp op) {
        if (canDropWindowDim(op))
          decomposable.push_back(op);
      });
      RewritePatternSet patterns(ctx);
      linalg::populateDecomposeConvolutionPatterns(patterns);
      if (failed(applyOpPatternsGreedily(decomposable, std::move(patterns))))
        return signalPassFailure();
    }

    SmallVector<Operation *> candidates;
    func.walk([&](Operation *op) {
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
        if (dlc::isInsideTileLoop(op) && hasStaticShapes(linalgOp))
          candidates.push_back(op);
      if (isa<tensor::PadOp>(op) && dlc::isInsideTileLoop(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(ctx);
    for (Operation *op : candidates) {
      rewriter.setInsertionPoint(op);
      // Matmuls become one vector.contract on 2-D operand tiles; the
      // generic path would broadcast both operands to rows x cols x K
      // vectors first, which LLVM then takes seconds to untangle.
      bool namedContraction = isa<linalg::MatmulOp>(op);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false, namedContraction);
      // An op the vectorizer does not support stays scalar: correct, only
      // slower, so this is not an error.
      if (failed(result))
        continue;
      rewriter.replaceOp(op, result->replacements);
    }

    // Clean-ups that let the vector ops read and write the tiles directly.
    RewritePatternSet patterns(ctx);
    linalg::populateLinalgTilingCanonicalizationPatterns(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
    vector::populateVectorReductionToContractPatterns(patterns);
    vector::populateSinkVectorOpsPatterns(patterns);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
