// Trainer: parameters, optimizer state and hyper-parameters around a
// compiled training step.
#include "dlc/runtime/Trainer.h"

#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dlc {

TrainerOptions TrainerOptions::fromModel(const fb::Model &model) {
  TrainerOptions o;
  const fb::Training *t = model.training();
  if (!t)
    return o;
  o.loss = t->loss();
  o.optimizer = t->optimizer();
  o.learningRate = t->learning_rate();
  o.beta1 = t->beta1();
  o.beta2 = t->beta2();
  o.epsilon = t->epsilon();
  o.momentum = t->momentum();
  o.nesterov = t->nesterov();
  o.weightDecay = t->weight_decay();
  o.rho = t->rho();
  o.schedule = t->schedule();
  o.decaySteps = t->decay_steps();
  o.decayRate = t->decay_rate();
  if (t->batch_size() > 0)
    o.batchSize = t->batch_size();
  if (t->epochs() > 0)
    o.epochs = t->epochs();
  o.seed = t->seed();
  return o;
}

float scheduledLearningRate(const TrainerOptions &o, int64_t step,
                            int64_t totalSteps) {
  switch (o.schedule) {
  case fb::LrSchedule::STEP:
    if (o.decaySteps <= 0)
      return o.learningRate;
    return float(double(o.learningRate) *
                 std::pow(double(o.decayRate), double(step / o.decaySteps)));
  case fb::LrSchedule::COSINE: {
    int64_t span = o.decaySteps > 0 ? o.decaySteps : totalSteps;
    if (span <= 0)
      return o.learningRate;
    double progress = double(std::min(step, span)) / double(span);
    return float(double(o.learningRate) * 0.5 *
                 (1.0 + std::cos(M_PI * progress)));
  }
  default:
    return o.learningRate;
  }
}

namespace {
/// Initial value of an optimizer slot ("<param>/<slot>"): AdaGrad's
/// accumulator starts at 0.1 as in Keras, everything else at zero.
float initialSlotValue(const std::string &name) {
  return name.size() >= 12 &&
                 name.compare(name.size() - 12, 12, "/accumulator") == 0
             ? 0.1f
             : 0.0f;
}

/// The model's ParamState entry for the parameter tensor `param`, if any.
const fb::ParamState *savedState(const fb::Model &model, int32_t param) {
  const fb::Training *t = model.training();
  if (!t || !t->state())
    return nullptr;
  for (const fb::ParamState *s : *t->state())
    if (s->param() == param)
      return s;
  return nullptr;
}

std::string tensorNameOf(const fb::Graph &graph, int32_t index) {
  if (index < 0 || uint32_t(index) >= graph.tensors()->size())
    return "";
  const auto *name = graph.tensors()->Get(uint32_t(index))->name();
  return name ? name->str() : "";
}
} // namespace

StatusOr<std::unique_ptr<Trainer>>
Trainer::create(const ModelFile &model, TrainerOptions options,
                StepCompiler compile) {
  if (options.batchSize < 1)
    return Status::error(model.path() + ": batch size must be >= 1");
  std::unique_ptr<Trainer> t(
      new Trainer(model, std::move(options), std::move(compile)));
  // The parameters and state are named by the update's inputs, which the
  // whole step and apply_gradients share.
  StepKind kind = t->options_.threads > 1 ? StepKind::ApplyGradients
                                          : StepKind::TrainStep;
  StatusOr<Variant *> v = t->variant(
      kind == StepKind::ApplyGradients ? 0 : t->options_.batchSize, kind);
  if (!v.ok())
    return v.status();
  // Batch statistics (batch norm in training mode) over two half batches
  // are not those of the batch, so such a model cannot be split exactly:
  // it trains with the whole step on one thread instead. apply_gradients
  // keeps the not-trainable parameters as inputs, which tells.
  if (kind == StepKind::ApplyGradients) {
    const dlc_model_desc &desc = (*v)->code->desc();
    for (int i = 0; i < desc.num_inputs; ++i)
      if (desc.inputs[i].flags & DLC_TENSOR_NOT_TRAINABLE) {
        t->options_.threads = 1;
        kind = StepKind::TrainStep;
        v = t->variant(t->options_.batchSize, kind);
        if (!v.ok())
          return v.status();
        break;
      }
  }
  DLC_RETURN_IF_ERROR(t->bindState((*v)->code->desc()));
  // Compile the full batch's gradient functions now rather than in the
  // first step (the last partial batch still compiles when it comes).
  if (kind == StepKind::ApplyGradients)
    for (int64_t rows : {(t->options_.batchSize + 1) / 2,
                         t->options_.batchSize / 2})
      if (rows > 0)
        if (StatusOr<Variant *> g = t->variant(rows, StepKind::Gradients);
            !g.ok())
          return g.status();
  return t;
}

Status Trainer::bindState(const dlc_model_desc &desc) {
  const fb::Model &m = *model_.model();
  const fb::Graph &g = *model_.graph();
  const fb::Training *training = m.training();
  // Saved optimizer state only applies to the optimizer that produced it.
  bool resume = options_.resume && training &&
                training->optimizer() == options_.optimizer &&
                training->state() && training->state()->size() > 0;
  for (int i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &d = desc.inputs[i];
    if (!(d.flags & (DLC_TENSOR_PARAMETER | DLC_TENSOR_OPTIMIZER_STATE)))
      continue;
    std::string name = d.name;
    std::vector<int64_t> shape(d.shape, d.shape + d.rank);
    StatusOr<HostTensor> value = HostTensor::create(DType::F32, shape);
    if (!value.ok())
      return value.status().withPrefix(model_.path() + ": " + name);
    std::string source = name;
    if (d.flags & DLC_TENSOR_PARAMETER) {
      params_.push_back(name);
    } else {
      // "<param>/<slot>": the slot saved with the parameter, else fresh.
      float init = initialSlotValue(name);
      std::fill_n(value->data<float>(), value->numElements(), init);
      source.clear();
      if (resume) {
        std::string param = name.substr(0, name.rfind('/'));
        int32_t p = -1;
        for (uint32_t k = 0; k < g.tensors()->size(); ++k)
          if (tensorNameOf(g, int32_t(k)) == param)
            p = int32_t(k);
        if (const fb::ParamState *s = p >= 0 ? savedState(m, p) : nullptr)
          if (s->slots())
            for (int32_t slot : *s->slots())
              if (tensorNameOf(g, slot) == name)
                source = name;
      }
    }
    if (!source.empty()) {
      int32_t index = -1;
      for (uint32_t k = 0; k < g.tensors()->size() && index < 0; ++k)
        if (tensorNameOf(g, int32_t(k)) == source)
          index = int32_t(k);
      BufferView data = model_.tensorData(index);
      if (index < 0 || data.size != value->byteSize())
        return Status::error(model_.path() + ": tensor '" + source +
                             "' has no data of " +
                             std::to_string(value->byteSize()) + " bytes");
      std::memcpy(value->rawData(), data.data, data.size);
    }
    state_.emplace(name, std::move(*value));
  }
  if (resume) {
    steps_ = training->step();
    epochsDone_ = training->epoch();
  }
  return Status::success();
}

StatusOr<Trainer::Variant *> Trainer::variant(int64_t batch, StepKind kind) {
  auto key = std::make_pair(batch, kind);
  auto it = variants_.find(key);
  if (it != variants_.end())
    return &it->second;
  // apply_gradients has no batch; it is compiled at batch 1.
  StatusOr<std::unique_ptr<CompiledModel>> code =
      compile_(std::max<int64_t>(batch, 1), kind);
  if (!code.ok())
    return code.status();
  Variant v;
  v.code = std::move(*code);
  if (int64_t bytes = v.code->desc().workspace_bytes; bytes > 0) {
    v.workspace = allocateAligned(size_t(bytes), false);
    if (!v.workspace)
      return Status::error("cannot allocate a training workspace of " +
                           std::to_string(bytes) + " bytes");
  }
  return &variants_.emplace(key, std::move(v)).first->second;
}

const HostTensor *Trainer::tensor(const std::string &name) const {
  auto it = state_.find(name);
  return it == state_.end() ? nullptr : &it->second;
}

namespace {
/// Index of the first NaN or infinity in `data`, or -1. The exponent bits
/// are tested as integers and OR-ed over blocks, so the scan vectorizes: it
/// runs after every step over all parameters and optimizer state.
int64_t firstNonFinite(const float *data, int64_t n) {
  constexpr uint32_t kExponent = 0x7f800000u;
  constexpr int64_t kBlock = 4096;
  for (int64_t start = 0; start < n; start += kBlock) {
    int64_t end = std::min(n, start + kBlock);
    uint32_t bad = 0;
    for (int64_t i = start; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, data + i, sizeof bits);
      bad |= uint32_t((bits & kExponent) == kExponent);
    }
    if (bad)
      for (int64_t i = start; i < end; ++i)
        if (!std::isfinite(data[i]))
          return i;
  }
  return -1;
}

Status checkShape(const HostTensor &t, const dlc_tensor_desc &d,
                  const std::string &what) {
  bool ok = int32_t(t.dtype()) == d.dtype && int64_t(t.rank()) == d.rank;
  for (int k = 0; ok && k < d.rank; ++k)
    ok = t.dim(size_t(k)) == d.shape[k];
  if (ok)
    return Status::success();
  return Status::error(what + " '" + d.name + "': expected " +
                       dtypeName(DType(d.dtype)) + " " +
                       shapeToString(d.shape, size_t(d.rank)) + ", got " +
                       t.describe());
}
} // namespace

void Trainer::hyperParameters(float hyper[3]) const {
  float lr = nextLearningRate();
  hyper[0] = hyper[1] = lr;
  // The 0-based step number, for dropout's masks: exact in f32 for the
  // first 2^24 steps.
  hyper[2] = float(steps_);
  if (options_.optimizer == fb::Optimizer::ADAM) {
    double t = double(steps_ + 1);
    hyper[1] = float(double(lr) * std::sqrt(1.0 - std::pow(options_.beta2, t)) /
                     (1.0 - std::pow(options_.beta1, t)));
  }
}

StatusOr<std::vector<void *>>
Trainer::bindInputs(const dlc_model_desc &desc, const void *data,
                    const void *labels, float *hyper, const Part *gradients) {
  std::vector<void *> in(size_t(desc.num_inputs));
  bool sawData = false;
  for (int i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &d = desc.inputs[i];
    std::string name = d.name;
    if (d.flags & (DLC_TENSOR_PARAMETER | DLC_TENSOR_OPTIMIZER_STATE)) {
      auto it = state_.find(name);
      if (it == state_.end())
        return Status::error("the training step wants '" + name +
                             "', which this trainer does not hold");
      in[size_t(i)] = it->second.rawData();
    } else if (name == "hyper") {
      in[size_t(i)] = hyper;
    } else if (name == "labels") {
      in[size_t(i)] = const_cast<void *>(labels);
    } else if (gradients && gradients->gradients.count(name)) {
      in[size_t(i)] =
          const_cast<void *>(gradients->gradients.at(name).rawData());
    } else if (!sawData && data) {
      in[size_t(i)] = const_cast<void *>(data);
      sawData = true;
    } else {
      return Status::error("the training step has an unexpected input '" +
                           name + "'");
    }
  }
  return in;
}

StatusOr<float> Trainer::step(const HostTensor &inputs,
                              const HostTensor &labels,
                              HostTensor *predictions) {
  if (inputs.rank() < 1 || inputs.dim(0) < 1)
    return Status::error("a training batch needs at least one example");
  if (labels.rank() < 1 || labels.dim(0) != inputs.dim(0))
    return Status::error("labels " + labels.describe() +
                         " do not match the batch " + inputs.describe());
  StatusOr<float> loss = options_.threads > 1 && inputs.dim(0) > 1
                             ? parallelStep(inputs, labels, predictions)
                             : [&]() -> StatusOr<float> {
    StatusOr<Variant *> v = variant(inputs.dim(0), StepKind::TrainStep);
    if (!v.ok())
      return v.status();
    const dlc_model_desc &desc = (*v)->code->desc();
    for (int i = 0; i < desc.num_inputs; ++i) {
      std::string name = desc.inputs[i].name;
      if (name == "labels")
        DLC_RETURN_IF_ERROR(checkShape(labels, desc.inputs[i], "labels"));
      else if (!(desc.inputs[i].flags &
                 (DLC_TENSOR_UNBATCHED | DLC_TENSOR_PARAMETER |
                  DLC_TENSOR_OPTIMIZER_STATE)))
        DLC_RETURN_IF_ERROR(checkShape(inputs, desc.inputs[i], "input"));
    }
    float hyper[3];
    hyperParameters(hyper);
    if (desc.num_outputs != 2)
      return Status::error("the training step has " +
                           std::to_string(desc.num_outputs) +
                           " outputs, not a loss and the model's output");
    float value = 0.0f;
    const dlc_tensor_desc &out = desc.outputs[1];
    // The model's output goes straight into the caller's tensor when it
    // already has the shape (fit() passes the same one every step): no
    // allocation per step.
    std::vector<int64_t> shape(out.shape, out.shape + out.rank);
    HostTensor scratch;
    HostTensor *output = predictions ? predictions : &scratch;
    if (output->shape() != shape || output->dtype() != DType::F32) {
      StatusOr<HostTensor> fresh = HostTensor::create(DType::F32, shape);
      if (!fresh.ok())
        return fresh.status();
      *output = std::move(*fresh);
    }
    StatusOr<std::vector<void *>> in =
        bindInputs(desc, inputs.rawData(), labels.rawData(), hyper, nullptr);
    if (!in.ok())
      return in.status();
    void *outs[2] = {&value, output->rawData()};
    if ((*v)->code->function()(in->data(), outs, (*v)->workspace.get(),
                               nullptr) != 0)
      return Status::error("the training step failed");
    return value;
  }();
  if (!loss.ok())
    return loss;
  if (!std::isfinite(*loss))
    return Status::error("the loss became " + std::to_string(*loss) +
                         " at step " + std::to_string(steps_ + 1) +
                         "; the parameters are no longer usable (lower the "
                         "learning rate, or check the data)");
  DLC_RETURN_IF_ERROR(checkStateFinite());
  ++steps_;
  return loss;
}

Status Trainer::checkStateFinite() const {
  // A NaN or infinite gradient need not show in this step's loss (it is
  // computed before the update), but it always reaches the updated
  // parameter or the optimizer's state, which are all checked here.
  for (const auto &[name, value] : state_) {
    int64_t at = firstNonFinite(value.data<float>(), value.numElements());
    if (at < 0)
      continue;
    float v = value.data<float>()[at];
    bool isParam = std::find(params_.begin(), params_.end(), name) !=
                   params_.end();
    return Status::error(
        "step " + std::to_string(steps_ + 1) + " made " +
        (isParam ? "parameter '" : "optimizer state '") + name + "' " +
        (std::isnan(v) ? "NaN" : "infinite") + " at element " +
        std::to_string(at) +
        " (a gradient was not finite); the parameters are no longer usable "
        "(lower the learning rate, or check the data)");
  }
  return Status::success();
}

StatusOr<HostTensor> Trainer::predict(const HostTensor &inputs,
                                      const RunOptions &run) {
  StatusOr<Variant *> v = variant(options_.batchSize, StepKind::Predict);
  if (!v.ok())
    return v.status();
  const dlc_model_desc &desc = (*v)->code->desc();
  std::vector<HostTensor> args;
  for (int i = 0; i < desc.num_inputs; ++i) {
    const dlc_tensor_desc &d = desc.inputs[i];
    if (!(d.flags & DLC_TENSOR_PARAMETER)) {
      StatusOr<HostTensor> copy = inputs.clone();
      if (!copy.ok())
        return copy.status();
      args.push_back(std::move(*copy));
      continue;
    }
    const HostTensor *p = tensor(d.name);
    if (!p)
      return Status::error(std::string("no parameter '") + d.name + "'");
    StatusOr<HostTensor> copy = p->clone();
    if (!copy.ok())
      return copy.status();
    args.push_back(std::move(*copy));
  }
  StatusOr<std::vector<HostTensor>> outputs = (*v)->code->run(args, run);
  if (!outputs.ok())
    return outputs.status();
  return std::move(outputs->front());
}

Status Trainer::save(const std::string &path, int epochsDone) const {
  StatusOr<ModelBuilder> builder = ModelBuilder::fromModel(model_.model());
  if (!builder.ok())
    return builder.status().withPrefix(path);
  ModelBuilder &b = *builder;
  fb::TrainingT training;
  if (const fb::Training *t = model_.model()->training())
    t->UnPackTo(&training);
  training.loss = options_.loss;
  training.optimizer = options_.optimizer;
  training.learning_rate = options_.learningRate;
  training.beta1 = options_.beta1;
  training.beta2 = options_.beta2;
  training.epsilon = options_.epsilon;
  training.momentum = options_.momentum;
  training.nesterov = options_.nesterov;
  training.weight_decay = options_.weightDecay;
  training.rho = options_.rho;
  training.schedule = options_.schedule;
  training.decay_steps = options_.decaySteps;
  training.decay_rate = options_.decayRate;
  training.batch_size = int32_t(options_.batchSize);
  training.step = steps_;
  training.epoch = epochsDone;
  training.state.clear();
  for (const std::string &param : params_) {
    int32_t index = b.findTensor(param);
    const HostTensor &value = state_.at(param);
    const float *data = value.data<float>();
    DLC_RETURN_IF_ERROR(
        b.setWeightData(index, std::vector<float>(
                                   data, data + value.numElements()))
            .withPrefix(path + ": parameter '" + param + "'"));
    auto entry = std::make_unique<fb::ParamStateT>();
    entry->param = index;
    for (const auto &[name, slot] : state_) {
      if (name.size() <= param.size() + 1 ||
          name.compare(0, param.size() + 1, param + "/") != 0 ||
          name.find('/', param.size() + 1) != std::string::npos ||
          // A parameter is nobody's slot ("bn" and its "bn/moving_mean").
          std::find(params_.begin(), params_.end(), name) != params_.end())
        continue;
      const float *s = slot.data<float>();
      std::vector<float> values(s, s + slot.numElements());
      int32_t slotIndex = b.findTensor(name);
      if (slotIndex >= 0)
        DLC_RETURN_IF_ERROR(b.setWeightData(slotIndex, std::move(values)));
      else
        slotIndex = b.addWeight(name, slot.shape(), std::move(values));
      entry->slots.push_back(slotIndex);
    }
    training.state.push_back(std::move(entry));
  }
  b.setTraining(std::move(training));
  return b.save(path);
}

} // namespace dlc
