//===- Passes.cpp - the dlc graph-level pipeline --------------------------===//
//
// The order matters: batch norms fold first, while the conv's activation is
// still `none` and its output has no other user; then constant adds become
// biases; then activations fuse (they must come after every bias); and only
// then can conv + activation + pool become one fused_conv2d.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dlc::buildDlcGraphPipeline(OpPassManager &pm,
                                const GraphPipelineOptions &opts) {
  OpPassManager &fpm = pm.nest<func::FuncOp>();
  // Canonicalization runs the dialect's folders first: constant
  // subexpressions of the weights (e.g. an ONNX graph computing a bias) fold,
  // so the passes below see plain constants.
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createDlcFoldBatchNorm());
  fpm.addPass(createDlcFoldBias());
  fpm.addPass(createDlcFuseActivation());
  if (opts.fuseConvActPool)
    fpm.addPass(createDlcFuseConvActPool());
  fpm.addPass(createCanonicalizerPass());
  fpm.addPass(createCSEPass());
}

namespace {
/// The command-line form of GraphPipelineOptions.
struct GraphPipelineCLOptions : PassPipelineOptions<GraphPipelineCLOptions> {
  Option<bool> fuseConvActPool{
      *this, "fuse-conv-act-pool",
      llvm::cl::desc("Fuse conv2d + activation + pool into dlc.fused_conv2d"),
      llvm::cl::init(true)};
};
} // namespace

void dlc::registerDlcGraphPipeline() {
  PassPipelineRegistration<GraphPipelineCLOptions>(
      "dlc-graph-opt",
      "The dlc graph-level optimizations: fold batch norms and biases, fuse "
      "activations and pools",
      [](OpPassManager &pm, const GraphPipelineCLOptions &cl) {
        GraphPipelineOptions opts;
        opts.fuseConvActPool = cl.fuseConvActPool;
        buildDlcGraphPipeline(pm, opts);
      });
}
