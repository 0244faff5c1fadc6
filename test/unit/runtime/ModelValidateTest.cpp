// validateModel: one test per semantic rule of the format.
#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/ModelFile.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

/// Loads the tiny model (see TestUtil.h) after `edit`; returns the error.
/// Tensors: 0 input, 1 dense/kernel, 2 dense/bias, 3 dense, 4 softmax.
/// Operators: 0 dense(0, 1, 2) -> 3, 1 softmax(3) -> 4.
std::string errorAfter(const std::function<void(fb::ModelT &)> &edit) {
  ModelBuilder b = test::makeTinyModel();
  edit(b.model());
  return errorOf(ModelFile::fromBuffer(b.finish(), "model.fb"));
}

fb::OperatorT &op(fb::ModelT &m, int i) { return *m.graph->operators[i]; }
fb::TensorT &tensor(fb::ModelT &m, int i) { return *m.graph->tensors[i]; }

TEST(ModelValidate, TheBaseModelIsValid) {
  EXPECT_EQ(errorAfter([](fb::ModelT &) {}), "<ok>");
  // An absent bias may be spelled -1.
  EXPECT_EQ(errorAfter([](fb::ModelT &m) { op(m, 0).inputs[2] = -1; }), "<ok>");
}

TEST(ModelValidate, AGraphWithoutInputsIsValid) {
  // Its output is computed from weights alone (an ONNX Constant output).
  ModelBuilder b("constant");
  int w = b.addWeight("w", {2, 3}, {1, 2, 3, 4, 5, 6});
  b.markOutput(b.transpose("w_t", w, {1, 0}));
  EXPECT_EQ(errorOf(ModelFile::fromBuffer(b.finish(), "constant.fb")), "<ok>");
}

TEST(ModelValidate, BatchNormScaleAndCenterAreOptional) {
  auto stat = [](ModelBuilder &b, const char *name) {
    return b.addWeight(name, {3}, {1.0f, 2.0f, 3.0f});
  };
  for (int absent : {1, 2}) {
    ModelBuilder b("bn");
    int x = b.addInput("x", {-1, 3});
    int gamma = stat(b, "gamma"), beta = stat(b, "beta");
    int mean = stat(b, "mean"), var = stat(b, "var");
    int y = b.batchNorm("bn", x, absent == 1 ? -1 : gamma,
                        absent == 2 ? -1 : beta, mean, var, 1e-3f);
    b.markOutput(y);
    EXPECT_EQ(errorOf(ModelFile::fromBuffer(b.finish(), "bn.fb")), "<ok>");
  }
  // The statistics themselves are required.
  ModelBuilder b("bn");
  int x = b.addInput("x", {-1, 3});
  int gamma = stat(b, "gamma"), beta = stat(b, "beta"), var = stat(b, "var");
  b.markOutput(b.batchNorm("bn", x, gamma, beta, -1, var, 1e-3f));
  EXPECT_THAT(errorOf(ModelFile::fromBuffer(b.finish(), "bn.fb")),
              HasSubstr("operator 0 'bn' (BATCH_NORM): input 3 is tensor -1"));
}

// A 0 dim is an empty tensor: valid in inputs, weights (with an empty
// buffer), op outputs and reshape targets. The size limit still holds on
// the other dims, so a zero neither hides an overflow nor is needed to
// pass one: [0, M, M] is fine, [M, M, 1] is not.
TEST(ModelValidate, EmptyTensors) {
  ModelBuilder b("empty");
  int x = b.addInput("x", {0, 3, 4});
  int y = b.reshape("y", x, {3, 4, 0});
  b.markOutput(b.unary(fb::OpType::RELU, "relu", y));
  int a = b.addInput("a", {-1, 0});
  int w = b.addWeight("w", {0, 3}, {});
  b.markOutput(b.dense("dense", a, w, -1));
  EXPECT_EQ(errorOf(ModelFile::fromBuffer(b.finish(), "empty.fb")), "<ok>");

  const int64_t m = kMaxModelDim;
  ModelBuilder wide("wide");
  wide.markOutput(
      wide.unary(fb::OpType::RELU, "relu", wide.addInput("x", {0, m, m})));
  EXPECT_EQ(errorOf(ModelFile::fromBuffer(wide.finish(), "wide.fb")), "<ok>");

  ModelBuilder huge("huge");
  huge.markOutput(
      huge.unary(fb::OpType::RELU, "relu", huge.addInput("x", {m, m, 1})));
  EXPECT_THAT(errorOf(ModelFile::fromBuffer(huge.finish(), "huge.fb")),
              HasSubstr("huge.fb: tensor 0 'x': shape [2147483647, "
                        "2147483647, 1] is too large"));
}

TEST(ModelValidate, IndexOutOfRange) {
  EXPECT_EQ(errorAfter([](fb::ModelT &m) { op(m, 0).inputs[1] = 99; }),
            "model.fb: operator 0 'dense' (DENSE): input 1 is tensor 99, but "
            "the graph has 5 tensors");
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 1).inputs[0] = -1; }),
              HasSubstr("operator 1 'softmax' (SOFTMAX): input 0 is tensor "
                        "-1"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 1).outputs[0] = 5; }),
              HasSubstr("output 0 is tensor 5, but the graph has 5 tensors"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.graph->inputs[0] = 7; }),
              HasSubstr("graph input 0 is tensor 7"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.graph->outputs[0] = -3; }),
              HasSubstr("graph output 0 is tensor -3"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { tensor(m, 1).buffer = 40; }),
              HasSubstr("tensor 1 'dense/kernel': buffer 40 is out of range "
                        "(the model has 3 buffers)"));
}

TEST(ModelValidate, BufferSizes) {
  EXPECT_EQ(errorAfter([](fb::ModelT &m) {
              tensor(m, 1).shape = {4, 4};
            }),
            "model.fb: tensor 1 'dense/kernel': buffer 1 holds 48 bytes, but "
            "float32 [4, 4] needs 64");
  EXPECT_THAT(
      errorAfter([](fb::ModelT &m) { tensor(m, 2).dtype = fb::DType::INT64; }),
      HasSubstr("buffer 2 holds 12 bytes, but int64 [3] needs 24"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.buffers[0]->data = {1}; }),
              HasSubstr("buffer 0 must be empty"));
}

TEST(ModelValidate, Shapes) {
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 3).shape = {-1, 3};
              }),
              HasSubstr("dim 0 is -1, which only dim 0 of a graph input may"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 0).shape = {2, -1};
              }),
              HasSubstr("tensor 0 'input': shape [2, -1]: dim 1 is -1"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 3).shape = {-2, 3};
              }),
              HasSubstr("dim 0 must be in [0, "));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 3).shape = std::vector<int64_t>(9, 1);
              }),
              HasSubstr("rank 9 exceeds the limit of 8"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 3).shape = {1 << 30, 1 << 30, 1 << 30};
              }),
              HasSubstr("too large"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { tensor(m, 0).shape = {}; }),
              HasSubstr("graph input 0 is tensor 0 'input', which has no "
                        "shape"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                tensor(m, 3).dtype = static_cast<fb::DType>(9);
              }),
              HasSubstr("tensor 3 'dense': invalid dtype 9"));
}

TEST(ModelValidate, Arity) {
  EXPECT_EQ(errorAfter([](fb::ModelT &m) { op(m, 0).inputs = {0}; }),
            "model.fb: operator 0 'dense' (DENSE): has 1 inputs, but expects "
            "2 or 3");
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).inputs = {3, 3};
              }),
              HasSubstr("(SOFTMAX): has 2 inputs, but expects 1"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).outputs = {4, 3};
              }),
              HasSubstr("has 2 outputs, but expects 1"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = fb::OpType::ADD;
                op(m, 1).options.Reset();
              }),
              HasSubstr("(ADD): has 1 inputs, but expects 2"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = fb::OpType::BATCH_NORM;
                op(m, 1).options.Reset();
                op(m, 1).inputs = {3, 1, 1, 1};
              }),
              HasSubstr("has 4 inputs, but expects 5"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = fb::OpType::CONCAT;
                op(m, 1).options.Reset();
                op(m, 1).inputs = {};
              }),
              HasSubstr("has 0 inputs, but expects at least 1"));
  // -1 is only allowed for the bias.
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 0).inputs[1] = -1; }),
              HasSubstr("input 1 is tensor -1"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = static_cast<fb::OpType>(200);
              }),
              HasSubstr("operator 1 'softmax' has invalid type 200"));
}

TEST(ModelValidate, Options) {
  EXPECT_EQ(errorAfter([](fb::ModelT &m) {
              op(m, 0).options = makeOptions(fb::Pool2DOptionsT());
            }),
            "model.fb: operator 0 'dense' (DENSE): needs DenseOptions, but "
            "has Pool2DOptions");
  // Options with meaningful defaults may be left out (DENSE, CONV_2D, pools,
  // TRANSPOSE); RESHAPE's and PAD's may not.
  EXPECT_EQ(errorAfter([](fb::ModelT &m) { op(m, 0).options.Reset(); }),
            "<ok>");
  EXPECT_EQ(errorAfter([](fb::ModelT &m) {
              op(m, 0).type = fb::OpType::CONV_2D;
              op(m, 0).options.Reset();
            }),
            "<ok>");
  EXPECT_EQ(errorAfter([](fb::ModelT &m) {
              op(m, 1).type = fb::OpType::MAX_POOL_2D;
              op(m, 1).options.Reset();
            }),
            "<ok>");
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = fb::OpType::PAD;
                op(m, 1).options.Reset();
              }),
              HasSubstr("(PAD): needs PadOptions, but has no options"));
  EXPECT_THAT(
      errorAfter([](fb::ModelT &m) { op(m, 1).type = fb::OpType::RELU; }),
      HasSubstr("(RELU): takes no options, but has SoftmaxOptions"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                op(m, 1).type = fb::OpType::RESHAPE;
                op(m, 1).options.Reset();
              }),
              HasSubstr("needs ReshapeOptions, but has no options"));
}

TEST(ModelValidate, OptionValues) {
  auto withConv = [](std::function<void(fb::Conv2DOptionsT &)> f) {
    return errorAfter([&](fb::ModelT &m) {
      fb::Conv2DOptionsT o;
      f(o);
      op(m, 0).type = fb::OpType::CONV_2D;
      op(m, 0).options = makeOptions(o);
    });
  };
  EXPECT_EQ(withConv([](fb::Conv2DOptionsT &) {}), "<ok>");
  EXPECT_THAT(withConv([](fb::Conv2DOptionsT &o) { o.stride_w = 0; }),
              HasSubstr("Conv2DOptions.stride_w is 0, but must be in [1, "));
  EXPECT_THAT(withConv([](fb::Conv2DOptionsT &o) { o.pad_left = -1; }),
              HasSubstr("pad_left is -1"));
  EXPECT_THAT(withConv([](fb::Conv2DOptionsT &o) {
                o.padding = static_cast<fb::Padding>(7);
              }),
              HasSubstr("padding is 7"));
  auto withOptions = [](fb::OpType type, fb::OpOptionsUnion u) {
    return errorAfter([&](fb::ModelT &m) {
      op(m, 1).type = type;
      op(m, 1).options = u;
    });
  };
  fb::TransposeOptionsT perm;
  perm.perm = {0, 0};
  EXPECT_THAT(withOptions(fb::OpType::TRANSPOSE, makeOptions(perm)),
              HasSubstr("perm is not a permutation of 0..1"));
  fb::ReshapeOptionsT reshape;
  reshape.new_shape = {-1, -1};
  EXPECT_THAT(withOptions(fb::OpType::RESHAPE, makeOptions(reshape)),
              HasSubstr("more than one -1"));
  fb::PadOptionsT pad;
  pad.paddings = {1, 1, 1};
  EXPECT_THAT(withOptions(fb::OpType::PAD, makeOptions(pad)),
              HasSubstr("two per input dimension"));
  fb::DropoutOptionsT dropout;
  dropout.rate = 1.5f;
  EXPECT_THAT(withOptions(fb::OpType::DROPOUT, makeOptions(dropout)),
              HasSubstr("rate must be in [0, 1)"));
  fb::ClipOptionsT clip;
  clip.min = 2;
  clip.max = 1;
  EXPECT_THAT(withOptions(fb::OpType::CLIP, makeOptions(clip)),
              HasSubstr("min must not exceed max"));
  fb::Pool2DOptionsT pool;
  pool.filter_h = 0;
  EXPECT_THAT(withOptions(fb::OpType::MAX_POOL_2D, makeOptions(pool)),
              HasSubstr("filter_h is 0"));
  pool = fb::Pool2DOptionsT();
  pool.dilation_w = 0;
  EXPECT_THAT(withOptions(fb::OpType::AVG_POOL_2D, makeOptions(pool)),
              HasSubstr("dilation_w is 0, but must be in [1, "));
  // The math functions are standalone ops, never fused activations.
  fb::DenseOptionsT dense;
  dense.activation = fb::Activation::ERF;
  EXPECT_THAT(
      errorAfter([&](fb::ModelT &m) { op(m, 0).options = makeOptions(dense); }),
      HasSubstr("activation ERF cannot be fused"));
  EXPECT_THAT(withConv([](fb::Conv2DOptionsT &o) {
                o.activation = fb::Activation::SQRT;
              }),
              HasSubstr("activation SQRT cannot be fused"));
}

TEST(ModelValidate, TopologicalOrder) {
  // Softmax before the dense op that produces its input.
  EXPECT_EQ(errorAfter([](fb::ModelT &m) {
              std::swap(m.graph->operators[0], m.graph->operators[1]);
            }),
            "model.fb: operator 0 'softmax' (SOFTMAX): input 0 is tensor 3 "
            "'dense', which is only produced later, by operator 1 (operators "
            "must be in topological order)");
  // A cycle: dense reads its own output.
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 0).inputs[0] = 3; }),
              HasSubstr("input 0 is tensor 3 'dense', which is only produced "
                        "later, by operator 0"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.graph->tensors.push_back(std::make_unique<fb::TensorT>());
                m.graph->tensors.back()->name = "ghost";
                op(m, 1).inputs[0] = 5;
              }),
              HasSubstr("tensor 5 'ghost', which is not a graph input, holds "
                        "no data and is produced by no operator"));
}

TEST(ModelValidate, Producers) {
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 1).outputs[0] = 3; }),
              HasSubstr("output 0 is tensor 3 'dense', which operator 0 "
                        "already produces"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 1).outputs[0] = 0; }),
              HasSubstr("which is a graph input"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { op(m, 1).outputs[0] = 2; }),
              HasSubstr("which holds constant data"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.graph->outputs[0] = 1; }),
              HasSubstr("graph output 0 is tensor 1 'dense/kernel', which no "
                        "operator produces"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.graph->outputs = {4, 4};
              }),
              HasSubstr("graph output 1 repeats tensor 4"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.graph->outputs.clear(); }),
              HasSubstr("the graph has no outputs"));
  // Without its input, the dense reads a tensor nothing defines.
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.graph->inputs.clear();
                tensor(m, 0).shape = {2, 4};
              }),
              HasSubstr("operator 0 'dense' (DENSE): input 0 is tensor 0 "
                        "'input', which is not a graph input, holds no data "
                        "and is produced by no operator"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.graph->inputs = {0, 1};
              }),
              HasSubstr("graph input 1 is tensor 1 'dense/kernel', which "
                        "holds constant data"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) { m.graph.reset(); }),
              HasSubstr("the model has no graph"));
}

TEST(ModelValidate, VersionTrainingMetadata) {
  EXPECT_EQ(errorAfter([](fb::ModelT &m) { m.version = 2; }),
            "model.fb: model format version 2 is newer than the newest this "
            "dlc supports (1)");
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.training = std::make_unique<fb::TrainingT>();
                m.training->batch_size = 0;
              }),
              HasSubstr("training: batch_size is 0"));
  EXPECT_THAT(errorAfter([](fb::ModelT &m) {
                m.training = std::make_unique<fb::TrainingT>();
                auto state = std::make_unique<fb::ParamStateT>();
                state->param = 1;
                state->slots = {3};
                m.training->state.push_back(std::move(state));
              }),
              HasSubstr("training: state 0 refers to tensor 3 'dense', which "
                        "holds no data"));
}

} // namespace
} // namespace dlc
