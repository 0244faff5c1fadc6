// ModelBuilder: the object-API model editor and its serializer.
#include "dlc/runtime/ModelBuilder.h"

#include "dlc/runtime/FileIO.h"
#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/ModelFile.h"

#include <cstring>
#include <memory>

namespace dlc {
namespace {

std::unique_ptr<fb::BufferT> makeBuffer(std::vector<uint8_t> bytes) {
  auto buffer = std::make_unique<fb::BufferT>();
  buffer->data = std::move(bytes);
  return buffer;
}

std::vector<uint8_t> floatBytes(const std::vector<float> &data) {
  std::vector<uint8_t> bytes(data.size() * sizeof(float));
  if (!data.empty())
    std::memcpy(bytes.data(), data.data(), bytes.size());
  return bytes;
}

/// A generous upper bound on the serialized size, so that oversized models
/// are refused before FlatBufferBuilder (which only asserts) overflows its
/// 32-bit offsets.
uint64_t estimateSize(const fb::ModelT &m) {
  constexpr uint64_t kTableOverhead = 128;
  uint64_t total = 4096 + m.description.size();
  for (const auto &b : m.buffers)
    total += (b ? b->data.size() : 0) + 64 + kTableOverhead;
  for (const auto &md : m.metadata)
    total += (md ? md->key.size() + md->value.size() : 0) + kTableOverhead;
  if (const fb::GraphT *g = m.graph.get()) {
    total += g->name.size() + 4 * (g->inputs.size() + g->outputs.size());
    for (const auto &t : g->tensors)
      total += (t ? t->name.size() + 8 * t->shape.size() : 0) + kTableOverhead;
    for (const auto &op : g->operators)
      total +=
          (op ? op->name.size() + 4 * (op->inputs.size() + op->outputs.size())
              : 0) +
          2 * kTableOverhead + 8 * 16 /*largest options vector*/;
  }
  if (const fb::TrainingT *t = m.training.get()) {
    total += t->label_input.size() + kTableOverhead;
    for (const auto &s : t->state)
      total += (s ? 4 * s->slots.size() : 0) + kTableOverhead;
  }
  return total;
}

} // namespace

ModelBuilder::ModelBuilder(std::string graphName) {
  model_.graph = std::make_unique<fb::GraphT>();
  model_.graph->name = std::move(graphName);
  // buffers[0] is the empty buffer: Tensor.buffer = 0 means "no data".
  model_.buffers.push_back(makeBuffer({}));
}

StatusOr<ModelBuilder> ModelBuilder::fromModel(const fb::Model *model) {
  if (!model)
    return Status::error("ModelBuilder::fromModel: null model");
  ModelBuilder builder;
  fb::ModelT unpacked;
  model->UnPackTo(&unpacked);
  builder.model_ = std::move(unpacked);
  if (!builder.model_.graph)
    builder.model_.graph = std::make_unique<fb::GraphT>();
  auto &buffers = builder.model_.buffers;
  for (auto &b : buffers)
    if (!b) // Cannot come from a verified file, but keep the invariant.
      b = makeBuffer({});
  if (buffers.empty())
    buffers.push_back(makeBuffer({}));
  else if (!buffers[0]->data.empty())
    return Status::error("ModelBuilder::fromModel: buffer 0 is not empty");
  return builder;
}

int32_t ModelBuilder::addTensorImpl(const std::string &name,
                                    std::vector<int64_t> shape, fb::DType dtype,
                                    uint32_t buffer) {
  auto t = std::make_unique<fb::TensorT>();
  t->name = name;
  t->shape = std::move(shape);
  t->dtype = dtype;
  t->buffer = buffer;
  graph().tensors.push_back(std::move(t));
  return int32_t(graph().tensors.size() - 1);
}

int32_t ModelBuilder::addInput(const std::string &name,
                               std::vector<int64_t> shape, fb::DType dtype) {
  int32_t t = addTensorImpl(name, std::move(shape), dtype, 0);
  graph().inputs.push_back(t);
  return t;
}

int32_t ModelBuilder::addWeight(const std::string &name,
                                std::vector<int64_t> shape,
                                std::vector<float> data) {
  return addConstant(name, fb::DType::FLOAT32, std::move(shape),
                     floatBytes(data));
}

int32_t ModelBuilder::addConstant(const std::string &name, fb::DType dtype,
                                  std::vector<int64_t> shape,
                                  std::vector<uint8_t> bytes) {
  model_.buffers.push_back(makeBuffer(std::move(bytes)));
  return addTensorImpl(name, std::move(shape), dtype,
                       uint32_t(model_.buffers.size() - 1));
}

int32_t ModelBuilder::addTensor(const std::string &name,
                                std::vector<int64_t> shape) {
  return addTensorImpl(name, std::move(shape), fb::DType::FLOAT32, 0);
}

int32_t ModelBuilder::addOp(fb::OpType type, const std::string &name,
                            std::vector<int32_t> inputs,
                            std::vector<int32_t> outputs,
                            fb::OpOptionsUnion options) {
  auto op = std::make_unique<fb::OperatorT>();
  op->type = type;
  op->name = name;
  op->inputs = std::move(inputs);
  op->outputs = std::move(outputs);
  op->options = std::move(options);
  graph().operators.push_back(std::move(op));
  return int32_t(graph().operators.size() - 1);
}

int32_t ModelBuilder::addSimpleOp(fb::OpType type, const std::string &name,
                                  std::vector<int32_t> inputs,
                                  fb::OpOptionsUnion options) {
  int32_t out = addTensor(name);
  addOp(type, name, std::move(inputs), {out}, std::move(options));
  return out;
}

static std::vector<int32_t> withBias(int32_t in, int32_t weight, int32_t bias) {
  if (bias < 0)
    return {in, weight};
  return {in, weight, bias};
}

int32_t ModelBuilder::conv2d(const std::string &name, int32_t in,
                             int32_t weight, int32_t bias,
                             fb::Conv2DOptionsT options) {
  return addSimpleOp(fb::OpType::CONV_2D, name, withBias(in, weight, bias),
                     makeOptions(std::move(options)));
}

int32_t ModelBuilder::depthwiseConv2d(const std::string &name, int32_t in,
                                      int32_t weight, int32_t bias,
                                      fb::DepthwiseConv2DOptionsT options) {
  return addSimpleOp(fb::OpType::DEPTHWISE_CONV_2D, name,
                     withBias(in, weight, bias),
                     makeOptions(std::move(options)));
}

int32_t ModelBuilder::dense(const std::string &name, int32_t in, int32_t weight,
                            int32_t bias, fb::DenseOptionsT options) {
  return addSimpleOp(fb::OpType::DENSE, name, withBias(in, weight, bias),
                     makeOptions(std::move(options)));
}

int32_t ModelBuilder::maxPool2d(const std::string &name, int32_t in,
                                fb::Pool2DOptionsT options) {
  return addSimpleOp(fb::OpType::MAX_POOL_2D, name, {in},
                     makeOptions(std::move(options)));
}

int32_t ModelBuilder::avgPool2d(const std::string &name, int32_t in,
                                fb::Pool2DOptionsT options) {
  return addSimpleOp(fb::OpType::AVG_POOL_2D, name, {in},
                     makeOptions(std::move(options)));
}

int32_t ModelBuilder::globalAvgPool(const std::string &name, int32_t in) {
  return addSimpleOp(fb::OpType::GLOBAL_AVG_POOL, name, {in});
}

int32_t ModelBuilder::reshape(const std::string &name, int32_t in,
                              std::vector<int64_t> newShape) {
  fb::ReshapeOptionsT o;
  o.new_shape = std::move(newShape);
  return addSimpleOp(fb::OpType::RESHAPE, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::flatten(const std::string &name, int32_t in) {
  return addSimpleOp(fb::OpType::FLATTEN, name, {in});
}

int32_t ModelBuilder::transpose(const std::string &name, int32_t in,
                                std::vector<int32_t> perm) {
  fb::TransposeOptionsT o;
  o.perm = std::move(perm);
  return addSimpleOp(fb::OpType::TRANSPOSE, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::concat(const std::string &name,
                             std::vector<int32_t> inputs, int32_t axis) {
  fb::ConcatOptionsT o;
  o.axis = axis;
  return addSimpleOp(fb::OpType::CONCAT, name, std::move(inputs),
                     makeOptions(o));
}

int32_t ModelBuilder::pad(const std::string &name, int32_t in,
                          std::vector<int64_t> paddings, float value) {
  fb::PadOptionsT o;
  o.paddings = std::move(paddings);
  o.value = value;
  return addSimpleOp(fb::OpType::PAD, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::binary(fb::OpType type, const std::string &name,
                             int32_t a, int32_t b) {
  return addSimpleOp(type, name, {a, b});
}

int32_t ModelBuilder::unary(fb::OpType type, const std::string &name,
                            int32_t in) {
  return addSimpleOp(type, name, {in});
}

int32_t ModelBuilder::leakyRelu(const std::string &name, int32_t in,
                                float alpha) {
  fb::LeakyReluOptionsT o;
  o.alpha = alpha;
  return addSimpleOp(fb::OpType::LEAKY_RELU, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::softmax(const std::string &name, int32_t in,
                              int32_t axis) {
  fb::SoftmaxOptionsT o;
  o.axis = axis;
  return addSimpleOp(fb::OpType::SOFTMAX, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::logSoftmax(const std::string &name, int32_t in,
                                 int32_t axis) {
  fb::SoftmaxOptionsT o;
  o.axis = axis;
  return addSimpleOp(fb::OpType::LOG_SOFTMAX, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::batchNorm(const std::string &name, int32_t in,
                                int32_t gamma, int32_t beta, int32_t mean,
                                int32_t variance, float epsilon) {
  fb::BatchNormOptionsT o;
  o.epsilon = epsilon;
  return addSimpleOp(fb::OpType::BATCH_NORM, name,
                     {in, gamma, beta, mean, variance}, makeOptions(o));
}

int32_t ModelBuilder::dropout(const std::string &name, int32_t in, float rate,
                              int64_t seed) {
  fb::DropoutOptionsT o;
  o.rate = rate;
  o.seed = seed;
  return addSimpleOp(fb::OpType::DROPOUT, name, {in}, makeOptions(o));
}

int32_t ModelBuilder::clip(const std::string &name, int32_t in, float min,
                           float max) {
  fb::ClipOptionsT o;
  o.min = min;
  o.max = max;
  return addSimpleOp(fb::OpType::CLIP, name, {in}, makeOptions(o));
}

void ModelBuilder::markOutput(int32_t tensor) {
  graph().outputs.push_back(tensor);
}

void ModelBuilder::setTraining(fb::TrainingT training) {
  model_.training = std::make_unique<fb::TrainingT>(std::move(training));
}

void ModelBuilder::addMetadata(const std::string &key,
                               const std::string &value) {
  auto md = std::make_unique<fb::MetadataT>();
  md->key = key;
  md->value = value;
  model_.metadata.push_back(std::move(md));
}

void ModelBuilder::setDescription(const std::string &description) {
  model_.description = description;
}

Status ModelBuilder::setWeightData(int32_t tensorIndex,
                                   std::vector<float> data) {
  std::string what = "setWeightData: tensor " + std::to_string(tensorIndex);
  if (tensorIndex < 0 || tensorIndex >= numTensors())
    return Status::error(what + " is out of range (the graph has " +
                         std::to_string(numTensors()) + " tensors)");
  const fb::TensorT &t = *graph().tensors[tensorIndex];
  what += " '" + t.name + "'";
  if (t.buffer == 0 || t.buffer >= model_.buffers.size())
    return Status::error(what + " has no data buffer (it is not a weight)");
  if (t.dtype != fb::DType::FLOAT32)
    return Status::error(what + " is not float32");
  StatusOr<int64_t> n = checkedNumElements(t.shape, sizeof(float));
  if (!n.ok())
    return n.status().withPrefix(what);
  if (uint64_t(*n) != data.size())
    return Status::error(what + " has shape " + shapeToString(t.shape) + " (" +
                         std::to_string(*n) + " elements), but " +
                         std::to_string(data.size()) + " values were given");
  model_.buffers[t.buffer]->data = floatBytes(data);
  return Status::success();
}

int32_t ModelBuilder::findTensor(const std::string &name) const {
  const auto &tensors = model_.graph->tensors;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i] && tensors[i]->name == name)
      return int32_t(i);
  return -1;
}

int32_t ModelBuilder::numTensors() const {
  return int32_t(model_.graph->tensors.size());
}

StatusOr<std::vector<uint8_t>> ModelBuilder::serialize() const {
  uint64_t estimate = estimateSize(model_);
  // The estimate is an upper bound; keep 1 MiB of slack on top anyway.
  if (estimate >= FLATBUFFERS_MAX_BUFFER_SIZE - (uint64_t(1) << 20))
    return Status::error("the model is too large to serialize (about " +
                         std::to_string(estimate) +
                         " bytes; the FlatBuffers format is limited to "
                         "2 GiB)");
  flatbuffers::FlatBufferBuilder fbb(static_cast<size_t>(estimate));
  fb::FinishModelBuffer(fbb, fb::Model::Pack(fbb, &model_));
  const uint8_t *p = fbb.GetBufferPointer();
  return std::vector<uint8_t>(p, p + fbb.GetSize());
}

std::vector<uint8_t> ModelBuilder::finish() const {
  StatusOr<std::vector<uint8_t>> bytes = serialize();
  return bytes.ok() ? std::move(*bytes) : std::vector<uint8_t>();
}

Status ModelBuilder::validate(const std::string &name) const {
  return serializeValidated(name).status();
}

StatusOr<std::vector<uint8_t>>
ModelBuilder::serializeValidated(const std::string &name) const {
  StatusOr<std::vector<uint8_t>> bytes = serialize();
  if (!bytes.ok())
    return bytes.status().withPrefix(name);
  // The checks take their own copy: the bytes are returned as serialized.
  StatusOr<std::unique_ptr<ModelFile>> file =
      ModelFile::fromBuffer(*bytes, name);
  if (!file.ok())
    return file.status();
  return bytes;
}

Status ModelBuilder::save(const std::string &path) const {
  StatusOr<std::vector<uint8_t>> bytes = serialize();
  if (!bytes.ok())
    return bytes.status().withPrefix(path);
  return writeFileAtomically(path, bytes->data(), bytes->size());
}

} // namespace dlc
