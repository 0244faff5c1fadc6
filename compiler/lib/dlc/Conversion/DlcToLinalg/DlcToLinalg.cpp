//===- DlcToLinalg.cpp - the --dlc-to-linalg pass -------------------------===//
//
// A full conversion in spirit: the dlc dialect is illegal afterwards. The
// pass runs a partial conversion (func, builtin and any other dialect may
// stay) with every dlc op illegal, so an op no pattern converts fails the
// pass with a diagnostic at that op's location.
//
// The patterns need static shapes. Rather than letting them fail to match
// (which only reports "failed to legalize"), the pass first checks shapes
// and says precisely what is wrong.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "dlc/Conversion/DlcToLinalg/DlcToLinalg.h"
#include "dlc/Dialect/Dlc/IR/DlcDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace dlc {
#define GEN_PASS_DEF_CONVERTDLCTOLINALG
#include "dlc/Conversion/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace dlc {

void populateDlcToLinalgConversionPatterns(RewritePatternSet &patterns) {
  populateConvPatterns(patterns);
  populatePoolPatterns(patterns);
  populateElementwisePatterns(patterns);
  populateNormalizationPatterns(patterns);
  populateBatchNormTrainPatterns(patterns);
  populateDropoutTrainPatterns(patterns);
  populateShapePatterns(patterns);
  populateConvGradPatterns(patterns);
  populateDepthwiseGradPatterns(patterns);
  populatePoolGradPatterns(patterns);
  populateElementwiseGradPatterns(patterns);
  populateTrainingShapePatterns(patterns);
  populateLossPatterns(patterns);
  populateOptimizerPatterns(patterns);
}

namespace {

bool isStaticTensor(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  return shaped && shaped.hasStaticShape();
}

/// Emits an error on every dlc op with a non-static operand or result.
LogicalResult checkStaticShapes(Operation *root) {
  bool ok = true;
  root->walk([&](Operation *op) {
    if (!isa_and_nonnull<DlcDialect>(op->getDialect()))
      return;
    auto isDynamic = [](Type t) { return !isStaticTensor(t); };
    if (llvm::any_of(op->getOperandTypes(), isDynamic) ||
        llvm::any_of(op->getResultTypes(), isDynamic)) {
      op->emitError("cannot lower '")
          << op->getName()
          << "' with dynamic shapes: dlc specializes every function to "
             "static shapes before lowering";
      ok = false;
    }
  });
  return success(ok);
}

struct ConvertDlcToLinalgPass
    : impl::ConvertDlcToLinalgBase<ConvertDlcToLinalgPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    if (failed(checkStaticShapes(root)))
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<DlcDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(ctx);
    populateDlcToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(root, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace dlc
