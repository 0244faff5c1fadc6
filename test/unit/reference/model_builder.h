// Builds small dlc models in memory with the flatbuffers object API, for
// the interpreter tests.
#ifndef DLC_TEST_UNIT_REFERENCE_MODEL_BUILDER_H
#define DLC_TEST_UNIT_REFERENCE_MODEL_BUILDER_H

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dlc_model_generated.h"

namespace dlc::ref::test {

class TestModel {
public:
  TestModel() {
    model.graph = std::make_unique<dlc::fb::GraphT>();
    model.graph->name = "test";
    // buffers[0] is the reserved "no data" buffer.
    model.buffers.push_back(std::make_unique<dlc::fb::BufferT>());
  }

  /// An activation tensor (no data); returns its index.
  int tensor(const std::string &name, std::vector<int64_t> shape) {
    auto t = std::make_unique<dlc::fb::TensorT>();
    t->name = name;
    t->shape = std::move(shape);
    model.graph->tensors.push_back(std::move(t));
    return static_cast<int>(model.graph->tensors.size()) - 1;
  }

  /// A weight tensor whose values are stored little-endian in a new buffer.
  int constant(const std::string &name, std::vector<int64_t> shape,
               const std::vector<float> &values) {
    auto buffer = std::make_unique<dlc::fb::BufferT>();
    for (float v : values) {
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      for (int byte = 0; byte < 4; ++byte)
        buffer->data.push_back(static_cast<uint8_t>(bits >> (8 * byte)));
    }
    model.buffers.push_back(std::move(buffer));
    int index = tensor(name, std::move(shape));
    model.graph->tensors.back()->buffer =
        static_cast<uint32_t>(model.buffers.size() - 1);
    return index;
  }

  /// Appends an operator; set options through the returned reference.
  dlc::fb::OperatorT &op(dlc::fb::OpType type, const std::string &name,
                         std::vector<int32_t> inputs, int32_t output) {
    auto o = std::make_unique<dlc::fb::OperatorT>();
    o->type = type;
    o->name = name;
    o->inputs = std::move(inputs);
    o->outputs = {output};
    model.graph->operators.push_back(std::move(o));
    return *model.graph->operators.back();
  }

  void setIo(std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
    model.graph->inputs = std::move(inputs);
    model.graph->outputs = std::move(outputs);
  }

  /// Serializes with the DLCM identifier.
  std::vector<uint8_t> serialize() const {
    flatbuffers::FlatBufferBuilder fbb;
    dlc::fb::FinishModelBuffer(fbb, dlc::fb::Model::Pack(fbb, &model));
    return std::vector<uint8_t>(fbb.GetBufferPointer(),
                                fbb.GetBufferPointer() + fbb.GetSize());
  }

  dlc::fb::ModelT model;
};

} // namespace dlc::ref::test

#endif // DLC_TEST_UNIT_REFERENCE_MODEL_BUILDER_H
