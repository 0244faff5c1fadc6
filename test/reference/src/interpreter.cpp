#include "dlc/reference/interpreter.h"

#include <string>

#include "model_util.h"
#include "op_eval.h"

namespace dlc::ref {

namespace {

namespace fb = dlc::fb;
using detail::declaredShape;
using detail::shapeMatches;
using detail::tensorLabel;

// The newest model format version this reader understands.
constexpr uint32_t kMaxModelVersion = 1;

} // namespace

std::string ReferenceInterpreter::run(const uint8_t *data, size_t size,
                                      const std::vector<RefTensor> &inputs,
                                      std::vector<RefTensor> &outputs) {
  outputs.clear();
  values_.clear();
  known_.clear();
  if (!data || size < 8 || !fb::ModelBufferHasIdentifier(data))
    return "not a dlc model (missing the DLCM file identifier)";
  flatbuffers::Verifier verifier(data, size);
  if (!fb::VerifyModelBuffer(verifier))
    return "model buffer failed flatbuffers verification";
  return run(*fb::GetModel(data), inputs, outputs);
}

std::string ReferenceInterpreter::run(const fb::Model &model,
                                      const std::vector<RefTensor> &inputs,
                                      std::vector<RefTensor> &outputs) {
  outputs.clear();
  values_.clear();
  known_.clear();
  if (model.version() > kMaxModelVersion)
    return "model version " + std::to_string(model.version()) +
           " is newer than the supported " + std::to_string(kMaxModelVersion);
  const fb::Graph *graph = model.graph();
  if (!graph || !graph->tensors())
    return "model has no graph or no tensors";
  const auto &tensors = *graph->tensors();
  const int64_t numTensors = tensors.size();
  values_.resize(tensors.size());
  known_.assign(tensors.size(), false);
  auto inRange = [&](int64_t i) { return i >= 0 && i < numTensors; };

  try {
    // Constants (weights) first: any op may read them.
    for (int64_t i = 0; i < numTensors; ++i) {
      const fb::Tensor *t = tensors.Get(static_cast<uint32_t>(i));
      if (t && t->buffer() != 0) {
        values_[i] = detail::decodeConstant(model, *graph, i);
        known_[i] = true;
      }
    }

    // Graph inputs, possibly without the training labels.
    const size_t numInputs = graph->inputs() ? graph->inputs()->size() : 0;
    const int64_t skip = inputs.size() + 1 == numInputs
                             ? detail::labelInputPosition(model, *graph)
                             : -1;
    if (inputs.size() != numInputs && skip < 0)
      return "model has " + std::to_string(numInputs) + " inputs, got " +
             std::to_string(inputs.size());
    size_t next = 0;
    for (size_t k = 0; k < numInputs; ++k) {
      if (static_cast<int64_t>(k) == skip)
        continue;
      const int64_t idx = graph->inputs()->Get(static_cast<uint32_t>(k));
      if (!inRange(idx))
        return "graph input " + std::to_string(k) + " names missing tensor " +
               std::to_string(idx);
      const RefTensor &given = inputs[next++];
      checkConsistent(given, "graph input");
      const fb::Tensor *declaredTensor =
          tensors.Get(static_cast<uint32_t>(idx));
      const std::vector<int64_t> declared = declaredShape(*declaredTensor);
      // No stored shape means "unknown" (FlatBuffers omits empty vectors).
      if (declaredTensor->shape() && !shapeMatches(declared, given.shape))
        return "graph input " + std::to_string(k) + " (" +
               tensorLabel(*graph, idx) + ") expects shape " +
               shapeToString(declared) + ", got " + shapeToString(given.shape);
      values_[idx] = given;
      known_[idx] = true;
    }

    // Operators in file order (the format stores them topologically sorted).
    const uint32_t numOps = graph->operators() ? graph->operators()->size() : 0;
    for (uint32_t i = 0; i < numOps; ++i) {
      const fb::Operator *op = graph->operators()->Get(i);
      const char *typeName = op ? fb::EnumNameOpType(op->type()) : "";
      const std::string where =
          "op " + std::to_string(i) + " '" +
          (op && op->name() ? op->name()->str() : std::string()) + "' (" +
          (typeName && *typeName ? typeName : "?") + "): ";
      try {
        if (!op)
          throw RefError("null operator");
        std::vector<const RefTensor *> args;
        if (op->inputs())
          for (int32_t idx : *op->inputs()) {
            if (idx == -1) {
              args.push_back(nullptr);
              continue;
            }
            if (!inRange(idx) || !known_[idx])
              throw RefError(
                  "input " + tensorLabel(*graph, idx) +
                  (inRange(idx) ? " is not computed yet" : " does not exist"));
            args.push_back(&values_[idx]);
          }
        if (!op->outputs() || op->outputs()->size() != 1)
          throw RefError("must have exactly one output");
        const int64_t out = op->outputs()->Get(0);
        if (!inRange(out))
          throw RefError("output " + tensorLabel(*graph, out) +
                         " does not exist");
        RefTensor result = detail::evaluateOp(*op, args);
        const fb::Tensor *outTensor = tensors.Get(static_cast<uint32_t>(out));
        // Declared shapes are part of the model's contract: a mismatch means
        // the writer and the reference disagree about the op.
        if (outTensor && outTensor->shape() &&
            !shapeMatches(declaredShape(*outTensor), result.shape))
          throw RefError("computed shape " + shapeToString(result.shape) +
                         " but " + tensorLabel(*graph, out) + " declares " +
                         shapeToString(declaredShape(*outTensor)));
        values_[out] = std::move(result);
        known_[out] = true;
      } catch (const std::exception &e) {
        return where + e.what();
      }
    }

    const size_t numOutputs = graph->outputs() ? graph->outputs()->size() : 0;
    for (size_t k = 0; k < numOutputs; ++k) {
      const int64_t idx = graph->outputs()->Get(static_cast<uint32_t>(k));
      if (!inRange(idx) || !known_[idx])
        return "graph output " + std::to_string(k) + " (" +
               tensorLabel(*graph, idx) + ") was never computed";
      outputs.push_back(values_[idx]);
    }
  } catch (const std::exception &e) {
    outputs.clear();
    return e.what();
  }
  return "";
}

const RefTensor *ReferenceInterpreter::tensor(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= known_.size() ||
      !known_[index])
    return nullptr;
  return &values_[index];
}

} // namespace dlc::ref
