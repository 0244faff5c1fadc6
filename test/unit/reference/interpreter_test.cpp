// ReferenceInterpreter on tiny models built with the flatbuffers object API.
#include <gtest/gtest.h>

#include "dlc/reference/interpreter.h"
#include "model_builder.h"
#include "test_util.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::expectTensor;
using test::iota;
using test::TestModel;

// Runs a serialized copy of `m` (the way models arrive from disk).
std::string runModel(const TestModel &m, const std::vector<RefTensor> &inputs,
                     std::vector<RefTensor> &outputs,
                     ReferenceInterpreter *interp = nullptr) {
  std::vector<uint8_t> bytes = m.serialize();
  ReferenceInterpreter local;
  return (interp ? *interp : local)
      .run(bytes.data(), bytes.size(), inputs, outputs);
}

bool contains(const std::string &haystack, const std::string &needle) {
  return haystack.find(needle) != std::string::npos;
}

// x [-1, 3] -> DENSE(weight [[1,-1],[2,0],[0,1]], bias [0.5, -3], relu).
TestModel denseModel() {
  TestModel m;
  int x = m.tensor("x", {-1, 3});
  int w = m.constant("w", {3, 2}, {1, -1, 2, 0, 0, 1});
  int b = m.constant("b", {2}, {0.5f, -3});
  int y = m.tensor("y", {-1, 2});
  fb::DenseOptionsT opts;
  opts.activation = fb::Activation::RELU;
  m.op(fb::OpType::DENSE, "fc", {x, w, b}, y).options.Set(opts);
  m.setIo({x}, {y});
  return m;
}

TEST(Interpreter, DenseWithBiasAndRelu) {
  // Row [1,2,3]: [1+4, -1+3] + bias = [5.5, -1] -> [5.5, 0].
  // Row [2,0,1]: [2, -2+1] + bias = [2.5, -4] -> [2.5, 0].
  std::vector<RefTensor> outputs;
  ASSERT_EQ(
      runModel(denseModel(), {makeTensor({2, 3}, {1, 2, 3, 2, 0, 1})}, outputs),
      "");
  ASSERT_EQ(outputs.size(), 1u);
  expectTensor(outputs[0], {2, 2}, {5.5f, 0, 2.5f, 0});
}

TEST(Interpreter, RunsUnserializedModelTable) {
  std::vector<uint8_t> bytes = denseModel().serialize();
  ReferenceInterpreter interp;
  std::vector<RefTensor> outputs;
  ASSERT_EQ(interp.run(*fb::GetModel(bytes.data()),
                       {makeTensor({1, 3}, {1, 2, 3})}, outputs),
            "");
  expectTensor(outputs[0], {1, 2}, {5.5f, 0});
}

// x [-1,4,4,1] -> CONV_2D 2x2 ones, stride 2, no bias -> FLATTEN -> MUL 0.2
// -> CLIP (defaults 0..6) -> SOFTMAX (default axis -1). Outputs: softmax
// and the clipped logits.
TEST(Interpreter, SmallCnnWithOptionDefaults) {
  TestModel m;
  int x = m.tensor("x", {-1, 4, 4, 1});
  int f = m.constant("filter", {2, 2, 1, 1}, {1, 1, 1, 1});
  int c = m.tensor("conv", {-1, 2, 2, 1});
  int flat = m.tensor("flat", {-1, 4});
  int k = m.constant("scale", {1}, {0.2f});
  int scaled = m.tensor("scaled", {-1, 4});
  int clipped = m.tensor("clipped", {-1, 4});
  int probs = m.tensor("probs", {-1, 4});
  fb::Conv2DOptionsT conv;
  conv.stride_h = conv.stride_w = 2;
  m.op(fb::OpType::CONV_2D, "conv", {x, f, -1}, c).options.Set(conv);
  m.op(fb::OpType::FLATTEN, "flatten", {c}, flat);
  m.op(fb::OpType::MUL, "scale", {flat, k}, scaled);
  m.op(fb::OpType::CLIP, "clip", {scaled}, clipped);
  m.op(fb::OpType::SOFTMAX, "softmax", {clipped}, probs);
  m.setIo({x}, {probs, clipped});

  // Batch 0 = 1..16: block sums 14, 22, 46, 54 -> * 0.2 = 2.8, 4.4, 9.2,
  // 10.8 -> clip 2.8, 4.4, 6, 6. Batch 1 = zeros -> uniform softmax.
  RefTensor input = zeros({2, 4, 4, 1});
  for (int i = 0; i < 16; ++i)
    input.data[i] = static_cast<float>(i + 1);
  ReferenceInterpreter interp;
  std::vector<RefTensor> outputs;
  ASSERT_EQ(runModel(m, {input}, outputs, &interp), "");
  ASSERT_EQ(outputs.size(), 2u);
  expectTensor(outputs[0], {2, 4},
               {0.0181758f, 0.0900255f, 0.4458993f, 0.4458993f, 0.25f, 0.25f,
                0.25f, 0.25f});
  expectTensor(outputs[1], {2, 4}, {2.8f, 4.4f, 6, 6, 0, 0, 0, 0});
  // Intermediates stay inspectable.
  ASSERT_NE(interp.tensor(c), nullptr);
  expectTensor(*interp.tensor(c), {2, 2, 2, 1}, {14, 22, 46, 54, 0, 0, 0, 0});
  EXPECT_EQ(interp.tensor(99), nullptr);
}

// MAX_POOL_2D without options is 2x2 with stride 2 (stride 0 -> filter);
// LEAKY_RELU without options uses alpha 0.2.
TEST(Interpreter, PoolAndLeakyReluDefaults) {
  TestModel m;
  int x = m.tensor("x", {-1, 4, 4, 1});
  int p = m.tensor("pool", {-1, 2, 2, 1});
  int ten = m.constant("ten", {1}, {10});
  int d = m.tensor("shifted", {-1, 2, 2, 1});
  int y = m.tensor("y", {-1, 2, 2, 1});
  m.op(fb::OpType::MAX_POOL_2D, "pool", {x}, p);
  m.op(fb::OpType::SUB, "shift", {p, ten}, d);
  m.op(fb::OpType::LEAKY_RELU, "act", {d}, y);
  m.setIo({x}, {y});
  std::vector<RefTensor> outputs;
  // Pool maxima 6, 8, 14, 16 -> -4, -2, 4, 6 -> -0.8, -0.4, 4, 6.
  ASSERT_EQ(runModel(m, {iota({1, 4, 4, 1})}, outputs), "");
  expectTensor(outputs[0], {1, 2, 2, 1}, {-0.8f, -0.4f, 4, 6});
}

// RESHAPE (batch included, -1 inferred) -> CONCAT with itself on axis -1
// -> PAD -> TRANSPOSE.
TEST(Interpreter, ShapeOps) {
  TestModel m;
  int x = m.tensor("x", {-1, 2, 2});
  int r = m.tensor("r", {-1, 4});
  int c = m.tensor("c", {-1, 8});
  int p = m.tensor("p", {-1, 10});
  int t = m.tensor("t", {10, -1});
  fb::ReshapeOptionsT reshape;
  reshape.new_shape = {-1, 4};
  m.op(fb::OpType::RESHAPE, "reshape", {x}, r).options.Set(reshape);
  fb::ConcatOptionsT concat;
  concat.axis = -1;
  m.op(fb::OpType::CONCAT, "concat", {r, r}, c).options.Set(concat);
  fb::PadOptionsT pad;
  pad.paddings = {0, 0, 1, 1};
  pad.value = -1;
  m.op(fb::OpType::PAD, "pad", {c}, p).options.Set(pad);
  fb::TransposeOptionsT perm;
  perm.perm = {1, 0};
  m.op(fb::OpType::TRANSPOSE, "transpose", {p}, t).options.Set(perm);
  m.setIo({x}, {p, t});
  std::vector<RefTensor> outputs;
  ASSERT_EQ(runModel(m, {iota({1, 2, 2})}, outputs), "");
  expectTensor(outputs[0], {1, 10}, {-1, 1, 2, 3, 4, 1, 2, 3, 4, -1});
  expectTensor(outputs[1], {10, 1}, {-1, 1, 2, 3, 4, 1, 2, 3, 4, -1});
}

// BATCH_NORM with gamma absent (-1 -> ones), then GLOBAL_AVG_POOL.
TEST(Interpreter, BatchNormAndGlobalPool) {
  TestModel m;
  int x = m.tensor("x", {-1, 1, 2, 2});
  int beta = m.constant("beta", {2}, {0, 100});
  int mean = m.constant("mean", {2}, {1, 2});
  int var = m.constant("var", {2}, {3, 0});
  int bn = m.tensor("bn", {-1, 1, 2, 2});
  int g = m.tensor("gap", {-1, 2});
  fb::BatchNormOptionsT opts;
  opts.epsilon = 1.0f;
  m.op(fb::OpType::BATCH_NORM, "bn", {x, -1, beta, mean, var}, bn)
      .options.Set(opts);
  m.op(fb::OpType::GLOBAL_AVG_POOL, "gap", {bn}, g);
  m.setIo({x}, {g});
  // Channel 0: (x - 1) / 2 over {3, 5} -> {1, 2}, mean 1.5.
  // Channel 1: (x - 2) / 1 + 100 over {4, 8} -> {102, 106}, mean 104.
  std::vector<RefTensor> outputs;
  ASSERT_EQ(runModel(m, {makeTensor({1, 1, 2, 2}, {3, 4, 5, 8})}, outputs), "");
  expectTensor(outputs[0], {1, 2}, {1.5f, 104});
}

TEST(Interpreter, LabelInputMayBeOmitted) {
  TestModel m = denseModel();
  int labels = m.tensor("labels", {-1, 2});
  m.model.graph->inputs.push_back(labels);
  m.model.training = std::make_unique<fb::TrainingT>();
  m.model.training->label_input = "labels";
  std::vector<RefTensor> outputs;
  ASSERT_EQ(runModel(m, {makeTensor({1, 3}, {1, 2, 3})}, outputs), "");
  expectTensor(outputs[0], {1, 2}, {5.5f, 0});
  // Passing the labels too is also fine.
  ASSERT_EQ(
      runModel(m, {makeTensor({1, 3}, {1, 2, 3}), zeros({1, 2})}, outputs), "");
}

TEST(InterpreterErrors, WrongInputCountOrShape) {
  std::vector<RefTensor> outputs;
  std::string err = runModel(denseModel(), {}, outputs);
  EXPECT_TRUE(contains(err, "1 inputs, got 0")) << err;
  err = runModel(denseModel(), {zeros({2, 4})}, outputs);
  EXPECT_TRUE(contains(err, "expects shape [-1, 3], got [2, 4]")) << err;
  EXPECT_TRUE(outputs.empty());
}

TEST(InterpreterErrors, OpFailureNamesTheOp) {
  TestModel m;
  int x = m.tensor("x", {-1, 3});
  int w = m.constant("w", {4, 2}, std::vector<float>(8, 1.0f));
  int y = m.tensor("y", {-1, 2});
  m.op(fb::OpType::RELU, "first", {x}, x);
  m.op(fb::OpType::DENSE, "fc_bad", {x, w}, y);
  m.setIo({x}, {y});
  std::vector<RefTensor> outputs;
  std::string err = runModel(m, {zeros({1, 3})}, outputs);
  EXPECT_TRUE(contains(err, "op 1 'fc_bad' (DENSE)")) << err;
}

TEST(InterpreterErrors, BadWeightBufferSize) {
  TestModel m = denseModel();
  m.model.buffers[1]->data.pop_back();
  std::vector<RefTensor> outputs;
  std::string err = runModel(m, {zeros({1, 3})}, outputs);
  EXPECT_TRUE(contains(err, "'w'")) << err;
  EXPECT_TRUE(contains(err, "23 bytes")) << err;
}

TEST(InterpreterErrors, MismatchedOptionsType) {
  TestModel m = denseModel();
  m.model.graph->operators[0]->options.Set(fb::Pool2DOptionsT());
  std::vector<RefTensor> outputs;
  std::string err = runModel(m, {zeros({1, 3})}, outputs);
  EXPECT_TRUE(contains(err, "op 0 'fc' (DENSE)")) << err;
  EXPECT_TRUE(contains(err, "Pool2DOptions")) << err;
}

TEST(InterpreterErrors, DeclaredShapeMismatch) {
  TestModel m = denseModel();
  m.model.graph->tensors[3]->shape = {-1, 3};
  std::vector<RefTensor> outputs;
  std::string err = runModel(m, {zeros({1, 3})}, outputs);
  EXPECT_TRUE(contains(err, "computed shape [1, 2]")) << err;
}

TEST(InterpreterErrors, UseBeforeDefinition) {
  TestModel m;
  int x = m.tensor("x", {-1, 2});
  int a = m.tensor("a", {-1, 2});
  int b = m.tensor("b", {-1, 2});
  m.op(fb::OpType::RELU, "uses_b", {b}, a);
  m.op(fb::OpType::RELU, "makes_b", {x}, b);
  m.setIo({x}, {a});
  std::vector<RefTensor> outputs;
  std::string err = runModel(m, {zeros({1, 2})}, outputs);
  EXPECT_TRUE(contains(err, "op 0 'uses_b' (RELU)")) << err;
  EXPECT_TRUE(contains(err, "not computed yet")) << err;
}

TEST(InterpreterErrors, RejectsNewerVersionAndGarbage) {
  TestModel m = denseModel();
  m.model.version = 2;
  std::vector<RefTensor> outputs;
  EXPECT_TRUE(contains(runModel(m, {zeros({1, 3})}, outputs), "version 2"));
  std::vector<uint8_t> junk(64, 0xAB);
  ReferenceInterpreter interp;
  EXPECT_TRUE(
      contains(interp.run(junk.data(), junk.size(), {}, outputs), "DLCM"));
  // Right identifier, truncated body: the verifier must catch it.
  std::vector<uint8_t> bytes = denseModel().serialize();
  bytes.resize(bytes.size() / 2);
  EXPECT_FALSE(
      interp.run(bytes.data(), bytes.size(), {zeros({1, 3})}, outputs).empty());
}

} // namespace
} // namespace dlc::ref
