//===- ModelSummary.cpp - per-layer shapes, parameters and FLOPs ----------===//

#include "ModelSummary.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Import/FlatBufferImporter.h"
#include "dlc/Import/ModelDiagnostics.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

#include <cctype>
#include <map>

using namespace mlir;

namespace dlc::tool {

const char *const kFlopsExplanation =
    "FLOPs count 2 per multiply-accumulate in conv/depthwise/dense "
    "and batch matmul (bias and fused activations not counted), 1 per window "
    "element of each pooled output, 1 per output element of elementwise ops, "
    "batch norm and softmax; reshape/flatten/transpose/concat/pad/dropout "
    "count 0.";

namespace {

/// FLOPs of one dlc op, by the rule in kFlopsExplanation. The importer gives
/// static shapes, so every count is exact.
int64_t opFlops(Operation *op) {
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!out || !out.hasStaticShape())
    return 0;
  int64_t outElems = out.getNumElements();
  auto dims = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  };
  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    ArrayRef<int64_t> f = dims(conv.getFilter()); // [KH, KW, Cin, Cout]
    return 2 * outElems * f[0] * f[1] * f[2];
  }
  if (auto conv = dyn_cast<DepthwiseConv2DOp>(op)) {
    ArrayRef<int64_t> f = dims(conv.getFilter()); // [KH, KW, C, mult]
    return 2 * outElems * f[0] * f[1];
  }
  if (auto dense = dyn_cast<DenseOp>(op))
    return 2 * outElems * dims(dense.getWeight())[0]; // weight [K, M]
  if (auto mm = dyn_cast<BatchMatmulOp>(op))
    return 2 * outElems * dims(mm.getLhs()).back(); // lhs [..., M, K]
  if (auto pool = dyn_cast<MaxPool2DOp>(op))
    return outElems * pool.getWindow()[0] * pool.getWindow()[1];
  if (auto pool = dyn_cast<AvgPool2DOp>(op))
    return outElems * pool.getWindow()[0] * pool.getWindow()[1];
  if (auto pool = dyn_cast<GlobalAvgPoolOp>(op))
    return cast<RankedTensorType>(pool.getInput().getType()).getNumElements();
  if (isa<ConstantOp, ReshapeOp, TransposeOp, ConcatOp, PadOp, DropoutOp>(op))
    return 0;
  return outElems;
}

/// Result shape and FLOPs of each model operator in one import.
struct ImportedGraph {
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> flops;
};

/// Imports the model for `batch` and reads back, for every operator, the
/// type of the last dlc op carrying its location (the importer tags each op
/// it builds for model operator i with FileLineColLoc(file, i) under the
/// op's NameLoc; the last one produces the operator's output).
StatusOr<ImportedGraph> importGraph(const ModelFile &file, int64_t batch) {
  MLIRContext ctx(MLIRContext::Threading::DISABLED);
  std::string error;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && error.empty()) {
      std::string where = formatModelLocation(diag.getLocation());
      error = (where.empty() ? file.path() : where) + ": " + diag.str();
    }
    return success();
  });
  ImportOptions options;
  options.batchSize = batch;
  // The ModelFile outlives the context: weights are referenced in place.
  options.copyWeights = false;
  OwningOpRef<ModuleOp> module =
      importModel(ctx, *file.model(), options, file.path());
  if (!module)
    return Status::error(error.empty() ? file.path() + ": import failed"
                                       : error);

  size_t numOps =
      file.graph()->operators() ? file.graph()->operators()->size() : 0;
  ImportedGraph graph;
  graph.shapes.resize(numOps);
  graph.flops.assign(numOps, 0);
  module->walk([&](Operation *op) {
    if (op->getNumResults() != 1 || isa<ConstantOp>(op))
      return;
    auto named = dyn_cast<NameLoc>(op->getLoc());
    auto fileLoc =
        named ? dyn_cast<FileLineColLoc>(named.getChildLoc()) : nullptr;
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!fileLoc || !type || fileLoc.getLine() >= numOps)
      return;
    graph.shapes[fileLoc.getLine()].assign(type.getShape().begin(),
                                           type.getShape().end());
    graph.flops[fileLoc.getLine()] += opFlops(op);
  });
  return graph;
}

/// The importer's name for an unnamed operator, so both agree.
std::string layerName(const fb::Operator &op, size_t index) {
  if (op.name() && op.name()->size())
    return op.name()->str();
  std::string name = opTypeName(op.type());
  for (char &c : name)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return name + "_" + std::to_string(index);
}

std::string fusedActivation(const fb::Operator &op) {
  fb::Activation act = fb::Activation::NONE;
  if (const auto *o = op.options_as_Conv2DOptions())
    act = o->activation();
  else if (const auto *o = op.options_as_DepthwiseConv2DOptions())
    act = o->activation();
  else if (const auto *o = op.options_as_DenseOptions())
    act = o->activation();
  return act == fb::Activation::NONE ? "" : fb::EnumNameActivation(act);
}

/// `batch1` with the dims that differ in `batch2` marked as the batch.
SummaryShape markBatch(const std::vector<int64_t> &batch1,
                       const std::vector<int64_t> *batch2) {
  SummaryShape shape = batch1;
  if (batch2 && batch2->size() == batch1.size())
    for (size_t d = 0; d < shape.size(); ++d)
      if ((*batch2)[d] != batch1[d])
        shape[d] = kBatchDim;
  return shape;
}

} // namespace

StatusOr<ModelSummary> summarizeModel(const ModelFile &file) {
  const fb::Graph &graph = *file.graph();
  const auto &tensors = *graph.tensors(); // validateModel requires them
  size_t numOps = graph.operators() ? graph.operators()->size() : 0;

  ModelSummary summary;
  summary.name = graph.name() ? graph.name()->str() : "";
  std::map<int32_t, int32_t> inputIndex; // tensor -> graph input
  if (graph.inputs())
    for (int32_t t : *graph.inputs()) {
      const fb::Tensor &tensor = *tensors.Get(t);
      SummaryShape shape;
      if (tensor.shape())
        shape.assign(tensor.shape()->begin(), tensor.shape()->end());
      if (!shape.empty() && shape[0] == -1)
        summary.dynamicBatch = true;
      inputIndex[t] = int32_t(summary.inputs.size());
      summary.inputs.push_back(
          {tensor.name() ? tensor.name()->str() : "", shape, -1});
    }

  // Batch 1 gives the per-image counts; a second import at batch 2 tells
  // which dims follow the batch, also after reshapes and transposes.
  StatusOr<ImportedGraph> one = importGraph(file, 1);
  if (!one.ok())
    return one.status();
  std::optional<ImportedGraph> two;
  if (summary.dynamicBatch)
    if (StatusOr<ImportedGraph> g = importGraph(file, 2); g.ok())
      two = std::move(*g);

  std::vector<int32_t> writer(tensors.size(), -1);
  std::vector<bool> counted(tensors.size(), false);
  for (size_t i = 0; i < numOps; ++i) {
    const fb::Operator &op = *graph.operators()->Get(i);
    LayerSummary layer;
    layer.name = layerName(op, i);
    layer.type = opTypeName(op.type());
    layer.activation = fusedActivation(op);
    layer.shape = markBatch(one->shapes[i], two ? &two->shapes[i] : nullptr);
    layer.flops = one->flops[i];
    if (op.inputs())
      for (int32_t t : *op.inputs()) {
        if (t < 0) // an absent optional input
          continue;
        const fb::Tensor &tensor = *tensors.Get(t);
        if (tensor.buffer() != 0) {
          // A weight; shared weights count once, like Keras' shared layers.
          if (counted[t])
            continue;
          counted[t] = true;
          size_t elementSize = dtypeSize(DType(tensor.dtype()));
          std::vector<int64_t> shape;
          if (tensor.shape())
            shape.assign(tensor.shape()->begin(), tensor.shape()->end());
          StatusOr<int64_t> n = checkedNumElements(shape, elementSize);
          if (!n.ok())
            return n.status().withPrefix(file.path() + ": tensor " +
                                         std::to_string(t));
          layer.params += *n;
          summary.paramBytes += *n * int64_t(elementSize);
        } else if (writer[t] >= 0) {
          layer.inputs.push_back({writer[t], -1});
        } else if (auto it = inputIndex.find(t); it != inputIndex.end()) {
          layer.inputs.push_back({-1, it->second});
        }
      }
    if (op.outputs())
      for (int32_t t : *op.outputs())
        writer[t] = int32_t(i);
    summary.totalParams += layer.params;
    summary.totalFlops += layer.flops;
    if (op.type() == fb::OpType::CONV_2D ||
        op.type() == fb::OpType::DEPTHWISE_CONV_2D ||
        op.type() == fb::OpType::DENSE ||
        op.type() == fb::OpType::BATCH_MATMUL)
      summary.matmulFlops += layer.flops;
    summary.layers.push_back(std::move(layer));
  }

  if (graph.outputs())
    for (int32_t t : *graph.outputs()) {
      const fb::Tensor &tensor = *tensors.Get(t);
      GraphTensorSummary out{
          tensor.name() ? tensor.name()->str() : "", {}, writer[t]};
      if (writer[t] >= 0)
        out.shape = summary.layers[writer[t]].shape;
      summary.outputs.push_back(std::move(out));
    }
  return summary;
}

} // namespace dlc::tool
