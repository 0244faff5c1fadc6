// The whole reference train step: a training-mode forward that keeps every
// tensor's value (the tape), the loss, a reverse sweep over the operators
// accumulating each tensor's gradient, and the optimizer update.
#include "dlc/reference/train.h"

#include <optional>
#include <string>

#include "model_util.h"
#include "op_grad.h"

namespace dlc::ref {

namespace {

namespace fb = dlc::fb;
using detail::tensorLabel;

constexpr uint32_t kMaxModelVersion = 1;

// The roles training gives to a model's tensors.
struct ModelInfo {
  const fb::Graph *graph = nullptr;
  std::map<std::string, int64_t> params;      // trainable, by name
  std::map<std::string, int64_t> movingStats; // batch norm state, by name
  int64_t input = -1;                         // the data graph input
  int64_t labels = -1;                        // the label graph input, if any
  int64_t output = -1;
  int64_t producer = -1; // index of the op computing `output`
};

const fb::Tensor &tensorAt(const fb::Graph &g, int64_t i) {
  if (i < 0 || i >= static_cast<int64_t>(g.tensors()->size()) ||
      !g.tensors()->Get(static_cast<uint32_t>(i)))
    throw RefError("tensor " + std::to_string(i) + " does not exist");
  return *g.tensors()->Get(static_cast<uint32_t>(i));
}

bool isFloatConstant(const fb::Graph &g, int32_t i) {
  if (i < 0)
    return false;
  const fb::Tensor &t = tensorAt(g, i);
  return t.buffer() != 0 && t.dtype() == fb::DType::FLOAT32;
}

// Records constant `index` under its name in `into`, checking that no two
// trainable or state tensors share a name (the state is keyed by name).
void addNamed(const fb::Graph &g, int32_t index, ModelInfo &info,
              std::map<std::string, int64_t> &into) {
  const fb::Tensor &t = tensorAt(g, index);
  const std::string name = t.name() ? t.name()->str() : "";
  if (name.empty())
    throw RefError(tensorLabel(g, index) +
                   ": a trainable or state tensor needs a name");
  for (const auto *map : {&info.params, &info.movingStats}) {
    auto it = map->find(name);
    if (it != map->end() && (it->second != index || map != &into))
      throw RefError(tensorLabel(g, index) + ": name '" + name +
                     "' is used by another trainable or state tensor");
  }
  into[name] = index;
}

ModelInfo analyzeModel(const fb::Model &model) {
  if (model.version() > kMaxModelVersion)
    throw RefError("model version " + std::to_string(model.version()) +
                   " is newer than the supported " +
                   std::to_string(kMaxModelVersion));
  ModelInfo info;
  info.graph = model.graph();
  if (!info.graph || !info.graph->tensors())
    throw RefError("model has no graph or no tensors");
  const fb::Graph &g = *info.graph;
  const uint32_t numOps = g.operators() ? g.operators()->size() : 0;
  for (uint32_t i = 0; i < numOps; ++i) {
    const fb::Operator *op = g.operators()->Get(i);
    if (!op || !op->inputs())
      continue;
    const auto &in = *op->inputs();
    auto param = [&](uint32_t k) {
      if (k < in.size() && isFloatConstant(g, in[k]))
        addNamed(g, in[k], info, info.params);
    };
    switch (op->type()) {
    case fb::OpType::CONV_2D:
    case fb::OpType::DEPTHWISE_CONV_2D:
    case fb::OpType::DENSE:
    case fb::OpType::BATCH_NORM:
      param(1);
      param(2);
      break;
    default:
      break;
    }
    if (op->type() == fb::OpType::BATCH_NORM)
      for (uint32_t k = 3; k < 5 && k < in.size(); ++k)
        if (isFloatConstant(g, in[k]))
          addNamed(g, in[k], info, info.movingStats);
  }

  const int64_t labelPos = detail::labelInputPosition(model, g);
  const uint32_t numInputs = g.inputs() ? g.inputs()->size() : 0;
  for (uint32_t k = 0; k < numInputs; ++k) {
    const int64_t idx = g.inputs()->Get(k);
    tensorAt(g, idx);
    if (static_cast<int64_t>(k) == labelPos) {
      info.labels = idx;
      continue;
    }
    if (info.input >= 0)
      throw RefError("training needs exactly one graph input besides the "
                     "labels");
    info.input = idx;
  }
  if (info.input < 0)
    throw RefError("training needs a graph input besides the labels");
  if (!g.outputs() || g.outputs()->size() != 1)
    throw RefError("training needs exactly one graph output");
  info.output = g.outputs()->Get(0);
  tensorAt(g, info.output);
  for (uint32_t i = 0; i < numOps; ++i) {
    const fb::Operator *op = g.operators()->Get(i);
    if (op && op->outputs() && op->outputs()->size() == 1 &&
        op->outputs()->Get(0) == info.output)
      info.producer = i;
  }
  return info;
}

std::string opWhere(const fb::Operator *op, uint32_t i) {
  const char *type = op ? fb::EnumNameOpType(op->type()) : "";
  return "op " + std::to_string(i) + " '" +
         (op && op->name() ? op->name()->str() : std::string()) + "' (" +
         (type && *type ? type : "?") + "): ";
}

// Values of every tensor after the training-mode forward.
struct Tape {
  std::vector<std::optional<RefTensor>> values;
  std::map<int64_t, RefTensor> newMovingStats; // by tensor index
};

const RefTensor *maskFor(const fb::Graph &g, const fb::Operator &op,
                         const DropoutMasks *masks) {
  if (op.type() != fb::OpType::DROPOUT || !masks || !op.outputs() ||
      op.outputs()->size() != 1)
    return nullptr;
  const fb::Tensor &t = tensorAt(g, op.outputs()->Get(0));
  auto it = masks->find(t.name() ? t.name()->str() : "");
  return it == masks->end() ? nullptr : &it->second;
}

detail::Inputs opInputs(const fb::Graph &g, const fb::Operator &op,
                        const Tape &tape) {
  detail::Inputs args;
  if (op.inputs())
    for (int32_t idx : *op.inputs()) {
      if (idx == -1) {
        args.push_back(nullptr);
        continue;
      }
      tensorAt(g, idx);
      if (!tape.values[idx])
        throw RefError("input " + tensorLabel(g, idx) + " is not computed yet");
      args.push_back(&*tape.values[idx]);
    }
  return args;
}

// Overrides the model's value of `name` with the state's, checking shapes.
void overrideFromState(std::optional<RefTensor> &value,
                       const std::map<std::string, RefTensor> &from,
                       const std::string &name) {
  auto it = from.find(name);
  if (it == from.end())
    return;
  if (it->second.shape != value->shape)
    throw RefError("state tensor '" + name + "' has shape " +
                   shapeToString(it->second.shape) + ", the model " +
                   shapeToString(value->shape));
  checkConsistent(it->second, name.c_str());
  value = it->second;
}

Tape forward(const fb::Model &model, const ModelInfo &info,
             const TrainState &state, const RefTensor &input,
             const RefTensor &labels, const DropoutMasks *masks) {
  const fb::Graph &g = *info.graph;
  Tape tape;
  tape.values.resize(g.tensors()->size());
  for (uint32_t i = 0; i < g.tensors()->size(); ++i)
    if (tensorAt(g, i).buffer() != 0)
      tape.values[i] = detail::decodeConstant(model, g, i);
  for (const auto &[name, idx] : info.params)
    overrideFromState(tape.values[idx], state.params, name);
  for (const auto &[name, idx] : info.movingStats)
    overrideFromState(tape.values[idx], state.movingStats, name);

  checkConsistent(input, "training input");
  const fb::Tensor &in = tensorAt(g, info.input);
  if (in.shape() &&
      !detail::shapeMatches(detail::declaredShape(in), input.shape))
    throw RefError("graph input " + tensorLabel(g, info.input) +
                   " expects shape " +
                   shapeToString(detail::declaredShape(in)) + ", got " +
                   shapeToString(input.shape));
  tape.values[info.input] = input;
  if (info.labels >= 0)
    tape.values[info.labels] = labels; // in case an op reads them

  const uint32_t numOps = g.operators() ? g.operators()->size() : 0;
  for (uint32_t i = 0; i < numOps; ++i) {
    const fb::Operator *op = g.operators()->Get(i);
    try {
      if (!op || !op->outputs() || op->outputs()->size() != 1)
        throw RefError("must exist and have exactly one output");
      const int64_t out = op->outputs()->Get(0);
      const fb::Tensor &outTensor = tensorAt(g, out);
      detail::TrainingSideEffects effects;
      RefTensor result = detail::evaluateTrainingOp(
          *op, opInputs(g, *op, tape), maskFor(g, *op, masks), effects);
      if (outTensor.shape() &&
          !detail::shapeMatches(detail::declaredShape(outTensor), result.shape))
        throw RefError("computed shape " + shapeToString(result.shape) +
                       " but " + tensorLabel(g, out) + " declares " +
                       shapeToString(detail::declaredShape(outTensor)));
      tape.values[out] = std::move(result);
      if (effects.newMovingMean && op->inputs()->Get(3) >= 0)
        tape.newMovingStats[op->inputs()->Get(3)] = *effects.newMovingMean;
      if (effects.newMovingVariance && op->inputs()->Get(4) >= 0)
        tape.newMovingStats[op->inputs()->Get(4)] = *effects.newMovingVariance;
    } catch (const std::exception &e) {
      throw RefError(opWhere(op, i) + e.what());
    }
  }
  if (!tape.values[info.output])
    throw RefError("graph output " + tensorLabel(g, info.output) +
                   " was never computed");
  return tape;
}

void accumulate(std::optional<RefTensor> &into, RefTensor grad) {
  if (!into) {
    into = std::move(grad);
    return;
  }
  if (into->shape != grad.shape)
    throw RefError("gradient shapes disagree: " + shapeToString(into->shape) +
                   " vs " + shapeToString(grad.shape));
  for (size_t i = 0; i < grad.data.size(); ++i)
    into->data[i] =
        static_cast<float>(static_cast<double>(into->data[i]) + grad.data[i]);
}

struct Evaluation {
  double loss = 0.0;
  std::map<std::string, RefTensor> grads;          // by parameter name
  std::map<std::string, RefTensor> newMovingStats; // by name
};

Evaluation evaluate(const fb::Model &model, const TrainState &state,
                    const RefTensor &input, const RefTensor &labels,
                    const TrainConfig &cfg, const DropoutMasks *masks,
                    bool wantGrads) {
  const ModelInfo info = analyzeModel(model);
  const fb::Graph &g = *info.graph;
  Tape tape = forward(model, info, state, input, labels, masks);

  // From the logits when docs/TRAINING.md says so: the output comes from a
  // softmax over the last axis (categorical losses) or a sigmoid (binary).
  int64_t lossTensor = info.output;
  int64_t skipOp = -1;
  if (info.producer >= 0) {
    const fb::Operator &op = *g.operators()->Get(info.producer);
    const bool categorical =
        cfg.loss == fb::Loss::CATEGORICAL_CROSSENTROPY ||
        cfg.loss == fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
    bool fromLogits = false;
    if (op.type() == fb::OpType::SOFTMAX && categorical) {
      auto o = detail::resolveOptions<fb::SoftmaxOptionsT>(
          op, fb::OpOptions::SoftmaxOptions);
      const int64_t rank =
          static_cast<int64_t>(tape.values[info.output]->shape.size());
      fromLogits = normalizeAxis(o.axis, rank) == rank - 1;
    } else if (op.type() == fb::OpType::SIGMOID &&
               cfg.loss == fb::Loss::BINARY_CROSSENTROPY) {
      fromLogits = true;
    }
    if (fromLogits && op.inputs() && op.inputs()->size() == 1) {
      lossTensor = op.inputs()->Get(0);
      skipOp = info.producer;
    }
  }
  LossResult loss =
      computeLoss(cfg.loss, *tape.values[lossTensor], labels, skipOp >= 0);

  Evaluation ev;
  ev.loss = loss.value;
  for (const auto &[name, idx] : info.movingStats) {
    auto it = tape.newMovingStats.find(idx);
    if (it != tape.newMovingStats.end())
      ev.newMovingStats[name] = std::move(it->second);
  }
  if (!wantGrads)
    return ev;

  std::vector<std::optional<RefTensor>> grads(tape.values.size());
  grads[lossTensor] = std::move(loss.grad);
  for (int64_t i = skipOp >= 0 ? skipOp - 1 : info.producer; i >= 0; --i) {
    const fb::Operator *op = g.operators()->Get(static_cast<uint32_t>(i));
    const int64_t out = op->outputs()->Get(0);
    if (!grads[out])
      continue; // the loss does not depend on this op
    try {
      auto inGrads = detail::backwardOp(*op, opInputs(g, *op, tape),
                                        *grads[out], maskFor(g, *op, masks));
      for (size_t k = 0; k < inGrads.size(); ++k)
        if (inGrads[k] && op->inputs()->Get(k) >= 0)
          accumulate(grads[op->inputs()->Get(k)], std::move(*inGrads[k]));
    } catch (const std::exception &e) {
      throw RefError(opWhere(op, static_cast<uint32_t>(i)) +
                     "backward: " + e.what());
    }
  }
  for (const auto &[name, idx] : info.params)
    ev.grads[name] = grads[idx] ? *grads[idx] : zeros(tape.values[idx]->shape);
  return ev;
}

} // namespace

TrainState initialTrainState(const fb::Model &model, const TrainConfig &cfg) {
  const ModelInfo info = analyzeModel(model);
  TrainState state;
  for (const auto &[name, idx] : info.params) {
    RefTensor value = detail::decodeConstant(model, *info.graph, idx);
    state.slots[name] = initialSlots(cfg, value.shape);
    state.params[name] = std::move(value);
  }
  for (const auto &[name, idx] : info.movingStats)
    state.movingStats[name] = detail::decodeConstant(model, *info.graph, idx);
  return state;
}

double trainingLoss(const fb::Model &model, const TrainState &state,
                    const RefTensor &input, const RefTensor &labels,
                    const TrainConfig &cfg, const DropoutMasks *dropoutMasks) {
  return evaluate(model, state, input, labels, cfg, dropoutMasks, false).loss;
}

std::map<std::string, RefTensor>
trainingGradients(const fb::Model &model, const TrainState &state,
                  const RefTensor &input, const RefTensor &labels,
                  const TrainConfig &cfg, double *loss,
                  const DropoutMasks *dropoutMasks) {
  Evaluation ev =
      evaluate(model, state, input, labels, cfg, dropoutMasks, true);
  if (loss)
    *loss = ev.loss;
  return std::move(ev.grads);
}

double trainStep(const fb::Model &model, TrainState &state,
                 const RefTensor &input, const RefTensor &labels,
                 const TrainConfig &cfg, float learningRate,
                 const DropoutMasks *dropoutMasks) {
  Evaluation ev =
      evaluate(model, state, input, labels, cfg, dropoutMasks, true);
  for (auto &[name, grad] : ev.grads) {
    auto param = state.params.find(name);
    if (param == state.params.end())
      throw RefError("train state has no parameter '" + name + "'");
    applyOptimizer(cfg, learningRate, state.step + 1, param->second,
                   state.slots[name], grad);
  }
  for (auto &[name, value] : ev.newMovingStats)
    state.movingStats[name] = std::move(value);
  ++state.step;
  return ev.loss;
}

} // namespace dlc::ref
