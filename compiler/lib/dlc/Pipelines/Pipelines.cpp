//===- Pipelines.cpp - the compiler's pass pipelines ----------------------===//
//
// Upstream passes are added through their textual pipeline form: it is the
// same text a user would give dlc-opt, so a stage can be reproduced by hand.
// Strings are parsed onto the module-level pass manager directly (never
// wrapped in `builtin.module(...)`, which would nest a second module anchor
// that matches nothing).
//
//===----------------------------------------------------------------------===//

#include "dlc/Pipelines/Pipelines.h"

#include "dlc/Codegen/Passes.h"
#include "dlc/Conversion/Passes.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"

#include <cstdio>

using namespace mlir;

namespace dlc {

namespace {
void addText(OpPassManager &pm, StringRef text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("dlc: internal pipeline text does not parse");
}

/// Round-trips exactly through the pass option parser.
std::string floatText(float value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", double(value));
  return text;
}

std::string joinInts(const std::vector<int64_t> &values) {
  std::string out;
  for (int64_t v : values)
    out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}
} // namespace

void buildGraphPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  GraphPipelineOptions graph;
  graph.fuseConvActPool = opts.fuse;
  buildDlcGraphPipeline(pm, graph);
}

void buildTrainingGraphPipeline(OpPassManager &pm, const PipelineOptions &opts,
                                const TrainingConfig &t,
                                const std::string &mode) {
  addText(pm, "dlc-lift-parameters{entry=" + opts.entry + "}");
  GraphPipelineOptions graph;
  graph.fuseConvActPool = false;
  buildDlcGraphPipeline(pm, graph);
  addText(pm, "dlc-build-train-step{entry=" + opts.entry + " mode=" + mode +
                  " loss=" + t.loss + " optimizer=" + t.optimizer +
                  " beta1=" + floatText(t.beta1) +
                  " beta2=" + floatText(t.beta2) +
                  " epsilon=" + floatText(t.epsilon) +
                  " momentum=" + floatText(t.momentum) +
                  " rho=" + floatText(t.rho) +
                  " weight-decay=" + floatText(t.weightDecay) +
                  " nesterov=" + (t.nesterov ? "true" : "false") + "}");
  addText(pm, "canonicalize,cse");
}

void buildParameterInputGraphPipeline(OpPassManager &pm,
                                      const PipelineOptions &opts) {
  addText(pm, "dlc-lift-parameters{entry=" + opts.entry + "}");
  buildGraphPipeline(pm, opts);
}

void buildLinalgPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  // Empty tensors become constants first: tiling has no path for them.
  addText(pm, "func.func(dlc-fold-empty-tensors),dlc-to-linalg,canonicalize,"
              "cse");
  // Tiling runs with or without fusion: unfused, each conv chain and each
  // pool is its own root, so the two are compared at equal code quality.
  std::string select = "dlc-select-tiling";
  if (!opts.outerTiles.empty() || !opts.innerTiles.empty()) {
    select += "{";
    if (!opts.outerTiles.empty())
      select += "outer-tiles=" + joinInts(opts.outerTiles) + " ";
    if (!opts.innerTiles.empty())
      select += "inner-tiles=" + joinInts(opts.innerTiles);
    select += "}";
  }
  addText(pm, "func.func(dlc-fold-transposes," + select +
                  ",dlc-tile-and-fuse,dlc-tile-transposes,canonicalize,cse,"
                  "dlc-vectorize,"
                  "canonicalize,cse,dlc-nan-free-max)");
}

void buildBufferizePipeline(OpPassManager &pm, const PipelineOptions &opts) {
  addText(pm, "dlc-destination-style-entry{entry=" + opts.entry + "}");
  addText(pm,
          "canonicalize,cse,func.func(loop-invariant-subset-hoisting),"
          "func.func(dlc-untie-shared-inits),"
          "eliminate-empty-tensors,empty-tensor-to-alloc-tensor,"
          "one-shot-bufferize{bufferize-function-boundaries "
          "function-boundary-type-conversion=identity-layout-map},"
          "canonicalize,cse,func.func(dlc-form-parallel-tasks),"
          "func.func(scf-forall-to-for),"
          "func.func(buffer-hoisting,buffer-loop-hoisting)");
  addText(pm, "dlc-plan-workspace{entry=" + opts.entry + "}");
  // Whatever the planner could not place (allocations whose size or
  // position it cannot see statically) still gets freed. Deallocating
  // buffers of dynamic size (partial tiles of a tile size that does not
  // divide the loop) may call a generated `dealloc_helper` taking dynamic
  // memrefs, which the bare-pointer calling convention of the LLVM stage
  // cannot lower: inline it into its callers.
  addText(pm, "buffer-deallocation-pipeline,inline,symbol-dce,canonicalize");
  // Each loop nest becomes a kernel function (identical ones shared), so
  // LLVM compiles kernels apart and in parallel instead of one huge entry.
  addText(pm, "dlc-outline-kernels{entry=" + opts.entry + "},canonicalize");
  // Kernels whose tiles are independent tasks get a task function the
  // runtime's thread pool can call (dlc-lower-task-dispatch finishes it).
  addText(pm, "dlc-outline-tasks,canonicalize");
}

void buildLLVMPipeline(OpPassManager &pm, const PipelineOptions &opts) {
  // Everything that converts a function's body on its own runs nested on
  // func.func, where the pass manager spreads the kernels over the threads
  // (DenseNet-121: 4.5 s of a module-level conversion on one thread); the
  // conversions that need the whole module (memref globals, the calling
  // convention, cf blocks' signatures) come after, then the casts between
  // the two halves are reconciled.
  addText(pm,
          "func.func(dlc-lower-strided-copies,dlc-approximate-math,"
          "lower-vector-multi-reduction,"
          "convert-linalg-to-loops,canonicalize,cse,fold-memref-alias-ops,"
          "convert-vector-to-scf{full-unroll=true},lower-affine,"
          "convert-scf-to-cf,expand-strided-metadata,lower-affine,"
          "convert-vector-to-llvm{vector-contract-lowering=outerproduct "
          "vector-transpose-lowering=shuffle16x16},"
          "convert-math-to-llvm,convert-arith-to-llvm,"
          "convert-index-to-llvm,convert-ub-to-llvm),"
          "finalize-memref-to-llvm,convert-cf-to-llvm,"
          "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
          "reconcile-unrealized-casts");
  addText(pm, "dlc-lower-task-dispatch{entry=" + opts.entry + "}");
}

void registerAllDlcPasses() {
  static bool registered = [] {
    // The pipelines name upstream passes by their flags.
    mlir::registerAllPasses();
    registerDlcTransformsPasses();
    registerDlcConversionPasses();
    registerDlcCodegenPasses();
    registerDlcGraphPipeline();
    PassPipelineRegistration<>(
        "dlc-lower-to-linalg",
        "dlc graph -> tiled, fused, vectorized linalg on tensors",
        [](OpPassManager &pm) { buildLinalgPipeline(pm, {}); });
    PassPipelineRegistration<>(
        "dlc-bufferize", "tensors -> buffers with a planned workspace",
        [](OpPassManager &pm) { buildBufferizePipeline(pm, {}); });
    PassPipelineRegistration<>(
        "dlc-lower-to-llvm", "buffers -> LLVM dialect",
        [](OpPassManager &pm) { buildLLVMPipeline(pm, {}); });
    return true;
  }();
  (void)registered;
}

} // namespace dlc
