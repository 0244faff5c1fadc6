// Zero-size (empty) tensors compiled for real and compared with the
// reference interpreter: an empty input through shape ops, and a dense
// layer over an empty inner dimension (K == 0), whose result is the
// activation of its bias alone. The compiler folds both before code
// generation (--dlc-fold-empty-tensors); these tests check that the
// values, the shapes and the runtime's handling of zero-byte tensors agree
// with plain loops.
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

// A static [0, 3, 4] input reshaped to [3, 4, 0] and activated, next to a
// non-empty output so that a mix-up of the two would show. The empty input
// has no batch (its dim 0 is not the compiled batch), so the model runs
// whole.
TEST(EmptyTensor, EmptyInputThroughShapeOps) {
  Random rng(testSeed());
  ModelBuilder b("empty_input");
  int32_t x = b.addInput("x", {0, 3, 4});
  int32_t r = b.reshape("reshaped", x, {3, 4, 0});
  b.markOutput(b.unary(fb::OpType::RELU, "relu", r));
  int32_t table = addRandomWeight(b, rng, "table", {2, 3});
  b.markOutput(b.transpose("table_t", table, {1, 0}));
  ASSERT_TRUE(b.validate().ok()) << b.validate().message();

  CheckOptions check;
  check.family = "empty";
  EXPECT_TRUE(matchesReference(b, check, rng));

  Compiled compiled;
  ASSERT_TRUE(compile(b, check.compile, compiled));
  EXPECT_TRUE(compiled.model->runsWhole());
  std::vector<HostTensor> inputs;
  auto empty = HostTensor::create(DType::F32, {0, 3, 4});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->byteSize(), 0u);
  EXPECT_NE(empty->rawData(), nullptr);
  inputs.push_back(std::move(*empty));
  auto out = compiled.model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{3, 4, 0}));
  EXPECT_EQ((*out)[0].numElements(), 0);
  EXPECT_EQ((*out)[1].shape(), (std::vector<int64_t>{3, 2}));
}

// dense([N, 0] x [0, 5] + bias) with every activation: each row is
// activation(bias). Batched, so the runtime also runs it in chunks of the
// compiled batch over inputs of zero bytes per row.
TEST(EmptyTensor, DenseOverAnEmptyInnerDimension) {
  Random rng(testSeed());
  for (fb::Activation act :
       {fb::Activation::NONE, fb::Activation::RELU, fb::Activation::SIGMOID,
        fb::Activation::TANH}) {
    for (bool withBias : {true, false}) {
      ModelBuilder b("empty_k");
      int32_t x = b.addInput("x", {-1, 0});
      int32_t w = addRandomWeight(b, rng, "w", {0, 5});
      int32_t bias = withBias ? addRandomWeight(b, rng, "bias", {5}) : -1;
      fb::DenseOptionsT options;
      options.activation = act;
      b.markOutput(b.dense(std::string("dense_") + activationName(act) +
                               (withBias ? "_bias" : ""),
                           x, w, bias, options));
      ASSERT_TRUE(b.validate().ok()) << b.validate().message();
      CheckOptions check;
      check.family = "empty";
      check.compile.batchSize = 2;
      check.runBatches = {2, 5, 1};
      EXPECT_TRUE(matchesReference(b, check, rng));
    }
  }
}

// An empty input of a concat contributes nothing: the result is the other
// inputs side by side.
TEST(EmptyTensor, ConcatWithAnEmptyInput) {
  Random rng(testSeed());
  ModelBuilder b("empty_concat");
  int32_t x = b.addInput("x", {-1, 3});
  int32_t e = b.addInput("e", {-1, 0});
  int32_t y = b.concat("cat", {x, e, x}, 1);
  b.markOutput(b.unary(fb::OpType::TANH, "tanh", y));
  ASSERT_TRUE(b.validate().ok()) << b.validate().message();
  CheckOptions check;
  check.family = "empty";
  check.compile.batchSize = 3;
  check.runBatches = {3, 4};
  EXPECT_TRUE(matchesReference(b, check, rng));
}

} // namespace
