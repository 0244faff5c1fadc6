//===- TFLiteConverterTest.cpp - the TFLite front end ---------------------===//
//
// Builds TFLite models with the object API of dlc's schema subset, converts
// them, and checks (1) the weight layout conversions against hand-computed
// values, (2) the compiled model against the hand-computed TFLite result,
// and (3) a small CNN compiled with dlc against the reference interpreter
// running the converted model.
//
//===----------------------------------------------------------------------===//

#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/TFLiteConverter.h"
#include "dlc/reference/interpreter.h"
#include "dlc/runtime/ModelFile.h"

#include "tflite_subset_generated.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

namespace {

using namespace dlc;

// A minimal TFLite model writer on top of the generated object API.
class TFLiteWriter {
public:
  TFLiteWriter() {
    model_.version = 3;
    model_.buffers.push_back(std::make_unique<tflite::BufferT>());
    model_.subgraphs.push_back(std::make_unique<tflite::SubGraphT>());
  }
  int32_t tensor(const std::string &name, std::vector<int32_t> shape,
                 std::vector<float> data = {},
                 tflite::TensorType type = tflite::TensorType::FLOAT32) {
    auto t = std::make_unique<tflite::TensorT>();
    t->name = name;
    t->shape = std::move(shape);
    t->type = type;
    if (!data.empty()) {
      auto b = std::make_unique<tflite::BufferT>();
      b->data.resize(data.size() * sizeof(float));
      std::memcpy(b->data.data(), data.data(), b->data.size());
      model_.buffers.push_back(std::move(b));
      t->buffer = static_cast<uint32_t>(model_.buffers.size() - 1);
    }
    graph().tensors.push_back(std::move(t));
    return static_cast<int32_t>(graph().tensors.size() - 1);
  }
  void op(tflite::BuiltinOperator code, std::vector<int32_t> in,
          std::vector<int32_t> out, tflite::BuiltinOptionsUnion options = {}) {
    auto o = std::make_unique<tflite::OperatorT>();
    o->opcode_index = static_cast<uint32_t>(model_.operator_codes.size());
    auto c = std::make_unique<tflite::OperatorCodeT>();
    c->builtin_code = code;
    c->deprecated_builtin_code = static_cast<int8_t>(code);
    model_.operator_codes.push_back(std::move(c));
    o->inputs = std::move(in);
    o->outputs = std::move(out);
    o->builtin_options = std::move(options);
    graph().operators.push_back(std::move(o));
  }
  std::vector<uint8_t> finish(std::vector<int32_t> inputs,
                              std::vector<int32_t> outputs) {
    graph().inputs = std::move(inputs);
    graph().outputs = std::move(outputs);
    flatbuffers::FlatBufferBuilder fbb;
    tflite::FinishModelBuffer(fbb, tflite::Model::Pack(fbb, &model_));
    return std::vector<uint8_t>(fbb.GetBufferPointer(),
                                fbb.GetBufferPointer() + fbb.GetSize());
  }

private:
  tflite::SubGraphT &graph() { return *model_.subgraphs[0]; }
  tflite::ModelT model_;
};

template <class T> tflite::BuiltinOptionsUnion options(T value) {
  tflite::BuiltinOptionsUnion u;
  u.Set(std::move(value));
  return u;
}

std::unique_ptr<ModelFile> convert(const std::vector<uint8_t> &tfl) {
  auto bytes = convertTFLiteToDlc(tfl.data(), tfl.size(), "test.tflite");
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok())
    return nullptr;
  auto file = ModelFile::fromBuffer(std::move(*bytes), "test.tflite");
  EXPECT_TRUE(file.ok()) << file.status().message();
  return file.ok() ? std::move(*file) : nullptr;
}

std::vector<float> weightOf(const ModelFile &file, const std::string &name,
                            std::vector<int64_t> *shape) {
  const auto *tensors = file.graph()->tensors();
  for (int32_t i = 0; i < static_cast<int32_t>(tensors->size()); ++i) {
    const auto *t = tensors->Get(i);
    if (!t->name() || t->name()->str() != name)
      continue;
    if (shape && t->shape())
      shape->assign(t->shape()->begin(), t->shape()->end());
    BufferView v = file.tensorData(i);
    std::vector<float> data(v.size / sizeof(float));
    std::memcpy(data.data(), v.data, v.size);
    return data;
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

std::vector<float> runCompiled(const ModelFile &file,
                               std::vector<int64_t> shape,
                               const std::vector<float> &x) {
  auto model = jitCompile(file, {});
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok())
    return {};
  std::vector<HostTensor> inputs;
  auto in = HostTensor::fromVector(shape, x);
  EXPECT_TRUE(in.ok());
  inputs.push_back(std::move(*in));
  auto out = (*model)->run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().message();
  if (!out.ok())
    return {};
  const HostTensor &y = (*out)[0];
  return std::vector<float>(y.data<float>(), y.data<float>() + y.numElements());
}

TEST(TFLiteConverter, ConvFilterOHWIBecomesHWIO) {
  TFLiteWriter w;
  int32_t x = w.tensor("x", {1, 1, 1, 2});
  // Filter OHWI [2,1,1,2]: output 0 = (1,2), output 1 = (3,4).
  int32_t f = w.tensor("f", {2, 1, 1, 2}, {1, 2, 3, 4});
  int32_t y = w.tensor("y", {1, 1, 1, 2});
  tflite::Conv2DOptionsT o;
  o.padding = tflite::Padding::VALID;
  o.stride_h = o.stride_w = 1;
  w.op(tflite::BuiltinOperator::CONV_2D, {x, f, -1}, {y}, options(o));
  auto file = convert(w.finish({x}, {y}));
  ASSERT_TRUE(file);
  std::vector<int64_t> shape;
  EXPECT_EQ(weightOf(*file, "y/filter", &shape),
            (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 1, 2, 2}));
  // 10*1 + 100*2 and 10*3 + 100*4, as TFLite computes them.
  EXPECT_EQ(runCompiled(*file, {1, 1, 1, 2}, {10, 100}),
            (std::vector<float>{210, 430}));
}

TEST(TFLiteConverter, DenseAndDepthwiseLayouts) {
  TFLiteWriter w;
  int32_t x = w.tensor("x", {1, 1, 1, 2});
  // Depthwise [1,1,1,C*M] with C=2, M=2: channel c*2+m scales input c.
  int32_t f = w.tensor("f", {1, 1, 1, 4}, {1, 2, 3, 4});
  int32_t d = w.tensor("d", {1, 1, 1, 4});
  tflite::DepthwiseConv2DOptionsT o;
  o.padding = tflite::Padding::SAME;
  o.stride_h = o.stride_w = 1;
  o.depth_multiplier = 2;
  w.op(tflite::BuiltinOperator::DEPTHWISE_CONV_2D, {x, f, -1}, {d},
       options(o));
  // Fully connected [out=2, in=4] on the rank-4 depthwise result.
  int32_t k = w.tensor("k", {2, 4}, {1, 0, 0, 0, 0, 1, 1, 1});
  int32_t b = w.tensor("b", {2}, {0.5f, -0.5f});
  int32_t y = w.tensor("y", {1, 2});
  w.op(tflite::BuiltinOperator::FULLY_CONNECTED, {d, k, b}, {y},
       options(tflite::FullyConnectedOptionsT()));
  auto file = convert(w.finish({x}, {y}));
  ASSERT_TRUE(file);
  std::vector<int64_t> shape;
  EXPECT_EQ(weightOf(*file, "d/filter", &shape),
            (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(shape, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(weightOf(*file, "y/weights", &shape),
            (std::vector<float>{1, 0, 0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(shape, (std::vector<int64_t>{4, 2}));
  // x = (10, 100): depthwise gives (10, 20, 300, 400); dense row 0 takes
  // channel 0, row 1 the sum of channels 1..3.
  EXPECT_EQ(runCompiled(*file, {1, 1, 1, 2}, {10, 100}),
            (std::vector<float>{10.5f, 719.5f}));
}

// conv SAME stride 2 + max pool + FC + softmax, compiled by dlc and run by
// the reference interpreter on the converted model, batch 3.
TEST(TFLiteConverter, SmallCnnMatchesReference) {
  auto values = [](size_t n, float scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = scale * std::sin(0.7f * static_cast<float>(i) + 0.3f);
    return v;
  };
  TFLiteWriter w;
  int32_t x = w.tensor("x", {1, 7, 7, 3});
  int32_t f = w.tensor("f", {4, 3, 3, 3}, values(108, 0.5f));
  int32_t bias = w.tensor("bias", {4}, values(4, 0.1f));
  int32_t c = w.tensor("c", {1, 4, 4, 4});
  tflite::Conv2DOptionsT co;
  co.padding = tflite::Padding::SAME;
  co.stride_h = co.stride_w = 2;
  co.fused_activation_function = tflite::ActivationFunctionType::RELU6;
  w.op(tflite::BuiltinOperator::CONV_2D, {x, f, bias}, {c}, options(co));
  int32_t p = w.tensor("p", {1, 2, 2, 4});
  tflite::Pool2DOptionsT po;
  po.padding = tflite::Padding::VALID;
  po.stride_h = po.stride_w = 2;
  po.filter_height = po.filter_width = 2;
  w.op(tflite::BuiltinOperator::MAX_POOL_2D, {c}, {p}, options(po));
  int32_t k = w.tensor("k", {5, 16}, values(80, 0.3f));
  int32_t fc = w.tensor("fc", {1, 5});
  w.op(tflite::BuiltinOperator::FULLY_CONNECTED, {p, k, -1}, {fc},
       options(tflite::FullyConnectedOptionsT()));
  int32_t y = w.tensor("y", {1, 5});
  tflite::SoftmaxOptionsT so;
  so.beta = 1.0f;
  w.op(tflite::BuiltinOperator::SOFTMAX, {fc}, {y}, options(so));
  auto file = convert(w.finish({x}, {y}));
  ASSERT_TRUE(file);

  std::vector<float> input = values(3 * 7 * 7 * 3, 1.0f);
  std::vector<float> compiled = runCompiled(*file, {3, 7, 7, 3}, input);
  ref::ReferenceInterpreter interp;
  std::vector<ref::RefTensor> outputs;
  std::string error = interp.run(*file->model(),
                                 {ref::makeTensor({3, 7, 7, 3}, input)},
                                 outputs);
  ASSERT_EQ(error, "");
  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_EQ(compiled.size(), outputs[0].data.size());
  for (size_t i = 0; i < compiled.size(); ++i)
    EXPECT_NEAR(compiled[i], outputs[0].data[i], 1e-5f) << "element " << i;
}

TEST(TFLiteConverter, RejectsGarbageWithoutCrashing) {
  std::vector<uint8_t> bytes = {0, 0, 0, 0, 'T', 'F', 'L', '3'};
  EXPECT_FALSE(convertTFLiteToDlc(bytes.data(), bytes.size(), "x").ok());
  EXPECT_FALSE(convertTFLiteToDlc(nullptr, 0, "x").ok());
  // Every prefix of a valid model is refused cleanly.
  TFLiteWriter w;
  int32_t x = w.tensor("x", {1, 4});
  int32_t y = w.tensor("y", {1, 4});
  w.op(tflite::BuiltinOperator::RELU, {x}, {y});
  std::vector<uint8_t> model = w.finish({x}, {y});
  ASSERT_TRUE(convertTFLiteToDlc(model.data(), model.size(), "x").ok());
  for (size_t n = 0; n < model.size(); ++n) {
    std::vector<uint8_t> prefix(model.begin(), model.begin() + n);
    EXPECT_FALSE(convertTFLiteToDlc(prefix.data(), n, "x").ok()) << n;
  }
}

} // namespace
