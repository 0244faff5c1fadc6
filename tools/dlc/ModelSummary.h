//===- ModelSummary.h - per-layer shapes, parameters and FLOPs --*- C++ -*-===//
//
// What `dlc summary` prints, computed once and rendered in several formats
// (SummaryCommand.cpp). Shapes come from the importer and the dlc dialect's
// shape inference rather than from a second set of shape rules here, so the
// summary always agrees with what the compiler builds.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_TOOLS_DLC_MODELSUMMARY_H
#define DLC_TOOLS_DLC_MODELSUMMARY_H

#include "dlc/runtime/ModelFile.h"
#include "dlc/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc::tool {

/// The batch dimension in a SummaryShape.
constexpr int64_t kBatchDim = -1;
/// A shape whose batch dimension (if any) is kBatchDim.
using SummaryShape = std::vector<int64_t>;

/// Where an operator's activation input comes from.
struct SummaryEdge {
  /// The producing operator's index, or -1 for a graph input.
  int32_t fromOp = -1;
  /// Index into ModelSummary::inputs when fromOp is -1.
  int32_t fromInput = -1;
};

struct LayerSummary {
  std::string name;
  /// The model's op type, e.g. "CONV_2D".
  std::string type;
  /// Fused activation ("RELU"), empty when none.
  std::string activation;
  SummaryShape shape;
  int64_t params = 0;
  int64_t flops = 0;
  std::vector<SummaryEdge> inputs;
};

struct GraphTensorSummary {
  std::string name;
  SummaryShape shape;
  /// For graph outputs: the producing operator.
  int32_t producer = -1;
};

struct ModelSummary {
  std::string name;
  std::vector<GraphTensorSummary> inputs;
  std::vector<LayerSummary> layers;
  std::vector<GraphTensorSummary> outputs;
  int64_t totalParams = 0;
  int64_t paramBytes = 0;
  /// FLOPs of one image (batch 1) in total, and the part spent in
  /// convolutions and dense layers.
  int64_t totalFlops = 0;
  int64_t matmulFlops = 0;
  /// Whether the graph inputs have a -1 batch dimension.
  bool dynamicBatch = false;
};

/// Imports `file` (batch 1, and batch 2 to tell which dimensions follow the
/// batch) and collects the summary. Errors name the file and the operator.
StatusOr<ModelSummary> summarizeModel(const ModelFile &file);

/// How the FLOPs column is counted, for footers.
extern const char *const kFlopsExplanation;

} // namespace dlc::tool

#endif // DLC_TOOLS_DLC_MODELSUMMARY_H
