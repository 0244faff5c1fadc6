//===- PipelineOptions.h - what the pipelines are asked for -----*- C++ -*-===//
//
// The options of the pipeline builders (Pipelines.h), without MLIR: the
// compiler's public API (Compiler.h) carries them, and a program that only
// calls the JIT should not need MLIR's headers to include it.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_PIPELINES_PIPELINEOPTIONS_H
#define DLC_PIPELINES_PIPELINEOPTIONS_H

#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

struct PipelineOptions {
  /// Fuse conv + activation + pool into one tiled loop nest. Off, convs and
  /// pools are tiled and vectorized each on their own (for comparison).
  bool fuse = true;
  /// Overrides of the tiling heuristic (see --dlc-select-tiling).
  std::vector<int64_t> outerTiles, innerTiles;
  /// The entry function of the model.
  std::string entry = "infer";
};

/// How a training step is built (docs/TRAINING.md); the spellings are the
/// options of --dlc-build-train-step.
struct TrainingConfig {
  std::string loss = "categorical_crossentropy";
  std::string optimizer = "adam";
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-7f;
  float momentum = 0.0f, rho = 0.9f, weightDecay = 0.0f;
  bool nesterov = false;
};

} // namespace dlc

#endif // DLC_PIPELINES_PIPELINEOPTIONS_H
