// Reading tensors out of a dlc::fb::Model.
#include "model_util.h"

#include <cstring>

namespace dlc::ref::detail {

namespace fb = dlc::fb;

std::string tensorLabel(const fb::Graph &graph, int64_t index) {
  std::string label = "tensor " + std::to_string(index);
  const auto *tensors = graph.tensors();
  if (tensors && index >= 0 && index < static_cast<int64_t>(tensors->size())) {
    const fb::Tensor *t = tensors->Get(static_cast<uint32_t>(index));
    if (t && t->name())
      label += " '" + t->name()->str() + "'";
  }
  return label;
}

std::vector<int64_t> declaredShape(const fb::Tensor &t) {
  std::vector<int64_t> shape;
  if (t.shape())
    shape.assign(t.shape()->begin(), t.shape()->end());
  return shape;
}

bool shapeMatches(const std::vector<int64_t> &declared,
                  const std::vector<int64_t> &actual) {
  if (declared.size() != actual.size())
    return false;
  for (size_t i = 0; i < declared.size(); ++i)
    if (declared[i] != -1 && declared[i] != actual[i])
      return false;
  return true;
}

// Buffers hold raw little-endian fp32. Assembling the bits explicitly keeps
// the reader correct on any host byte order.
RefTensor decodeConstant(const fb::Model &model, const fb::Graph &graph,
                         int64_t index) {
  const fb::Tensor &t = *graph.tensors()->Get(static_cast<uint32_t>(index));
  const std::string label = tensorLabel(graph, index);
  const auto *buffers = model.buffers();
  if (!buffers || t.buffer() >= buffers->size())
    throw RefError(label + ": buffer " + std::to_string(t.buffer()) +
                   " does not exist");
  if (t.dtype() != fb::DType::FLOAT32)
    throw RefError(label + ": only FLOAT32 constants are supported");
  RefTensor out;
  out.shape = declaredShape(t);
  for (int64_t d : out.shape)
    if (d < 0)
      throw RefError(label + ": constant with dynamic shape " +
                     shapeToString(out.shape));
  const fb::Buffer *buffer = buffers->Get(t.buffer());
  const size_t bytes = buffer && buffer->data() ? buffer->data()->size() : 0;
  const size_t count = static_cast<size_t>(numElements(out.shape));
  if (bytes != count * 4)
    throw RefError(label + ": buffer holds " + std::to_string(bytes) +
                   " bytes, shape " + shapeToString(out.shape) + " needs " +
                   std::to_string(count * 4));
  out.data.resize(count);
  const uint8_t *p = bytes ? buffer->data()->data() : nullptr;
  for (size_t i = 0; i < count; ++i, p += 4) {
    uint32_t bits = uint32_t(p[0]) | uint32_t(p[1]) << 8 |
                    uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    std::memcpy(&out.data[i], &bits, sizeof bits);
  }
  return out;
}

int64_t labelInputPosition(const fb::Model &model, const fb::Graph &graph) {
  const fb::Training *training = model.training();
  if (!training || !training->label_input() || !graph.inputs() ||
      !graph.tensors())
    return -1;
  const std::string label = training->label_input()->str();
  for (uint32_t i = 0; i < graph.inputs()->size(); ++i) {
    int32_t t = graph.inputs()->Get(i);
    if (t >= 0 && static_cast<uint32_t>(t) < graph.tensors()->size()) {
      const fb::Tensor *tensor = graph.tensors()->Get(static_cast<uint32_t>(t));
      if (tensor && tensor->name() && tensor->name()->str() == label)
        return i;
    }
  }
  return -1;
}

} // namespace dlc::ref::detail
