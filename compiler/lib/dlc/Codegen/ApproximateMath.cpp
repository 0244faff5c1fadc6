//===- ApproximateMath.cpp - inline polynomial math -----------------------===//
//
// See the pass description in Passes.td. The set of functions is the one
// the lowering of dlc ops produces (softmax, log-softmax, sigmoid, tanh,
// exp, log, erf) plus their close relatives, so a new op using them is
// covered too. math.sqrt is not here: it lowers to one instruction.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace dlc {
#define GEN_PASS_DEF_DLCAPPROXIMATEMATH
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

struct ApproximateMathPass
    : public dlc::impl::DlcApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Names are operation names; rsqrt, sin, cos... keep exact lowerings.
    auto approximated = [](StringRef name) {
      return llvm::is_contained({"math.exp", "math.expm1", "math.log",
                                 "math.log2", "math.log1p", "math.tanh",
                                 "math.erf"},
                                name);
    };
    populateMathPolynomialApproximationPatterns(patterns, approximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
