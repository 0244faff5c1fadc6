// Train-step gradients through every other op family, against finite
// differences of trainingLoss (the training-mode forward): batch norm with
// its moving statistics, depthwise conv and the pools under binary
// cross-entropy from sigmoid logits; the data-movement ops and arithmetic
// under MSE with Nesterov and weight decay; dropout with explicit masks.
#include <gtest/gtest.h>

#include "dlc/reference/interpreter.h"
#include "dlc/reference/train.h"
#include "train_models.h"

namespace dlc::ref {
namespace {

namespace fb = dlc::fb;
using test::checkModelGradients;
using test::randomInt;
using test::randomTensor;
using test::randomValues;
using test::TestModel;

// x [-1,5,5,2] -> CONV_2D 3x3 SAME (tanh) -> BATCH_NORM -> DEPTHWISE 2x2
// stride 2 (x2, no bias, sigmoid) -> AVG_POOL 2x2 stride 1 SAME ->
// GLOBAL_AVG_POOL -> DENSE 6x2 -> SIGMOID.
struct BnModel {
  TestModel m;
  int conv = -1;
};

BnModel makeBnModel() {
  std::mt19937 rng(77);
  BnModel b;
  TestModel &m = b.m;
  const int x = m.tensor("x", {-1, 5, 5, 2});
  const int f =
      m.constant("conv/filter", {3, 3, 2, 3}, randomValues(rng, 54, 0.6f));
  const int cb = m.constant("conv/bias", {3}, randomValues(rng, 3, 0.3f));
  b.conv = m.tensor("conv", {-1, 5, 5, 3});
  const int gamma = m.constant("bn/gamma", {3}, {1.2f, 0.8f, 1.0f});
  const int beta = m.constant("bn/beta", {3}, {0.1f, -0.2f, 0.0f});
  const int mean = m.constant("bn/moving_mean", {3}, {0.0f, 0.1f, -0.1f});
  const int var = m.constant("bn/moving_variance", {3}, {1.0f, 0.5f, 2.0f});
  const int bn = m.tensor("bn", {-1, 5, 5, 3});
  const int dwf =
      m.constant("dw/filter", {2, 2, 3, 2}, randomValues(rng, 24, 1.5f));
  const int dw = m.tensor("dw", {-1, 2, 2, 6});
  const int avg = m.tensor("avg", {-1, 2, 2, 6});
  const int gap = m.tensor("gap", {-1, 6});
  const int w = m.constant("fc/weight", {6, 2}, randomValues(rng, 12, 2.0f));
  const int wb = m.constant("fc/bias", {2}, {0.1f, -0.1f});
  const int logits = m.tensor("logits", {-1, 2});
  const int out = m.tensor("out", {-1, 2});

  fb::Conv2DOptionsT conv;
  conv.padding = fb::Padding::SAME;
  conv.activation = fb::Activation::TANH;
  m.op(fb::OpType::CONV_2D, "conv", {x, f, cb}, b.conv).options.Set(conv);
  fb::BatchNormOptionsT bnOpts;
  bnOpts.epsilon = 0.01f;
  bnOpts.momentum = 0.9f;
  m.op(fb::OpType::BATCH_NORM, "bn", {b.conv, gamma, beta, mean, var}, bn)
      .options.Set(bnOpts);
  fb::DepthwiseConv2DOptionsT dwOpts;
  dwOpts.stride_h = dwOpts.stride_w = 2;
  dwOpts.activation = fb::Activation::SIGMOID;
  m.op(fb::OpType::DEPTHWISE_CONV_2D, "dw", {bn, dwf, -1}, dw)
      .options.Set(dwOpts);
  fb::Pool2DOptionsT pool;
  pool.stride_h = pool.stride_w = 1;
  pool.padding = fb::Padding::SAME;
  m.op(fb::OpType::AVG_POOL_2D, "avg", {dw}, avg).options.Set(pool);
  m.op(fb::OpType::GLOBAL_AVG_POOL, "gap", {avg}, gap);
  m.op(fb::OpType::DENSE, "fc", {gap, w, wb}, logits);
  m.op(fb::OpType::SIGMOID, "sigmoid", {logits}, out);
  m.setIo({x}, {out});
  return b;
}

TEST(TrainGraph, BatchNormDepthwisePoolsWithBinaryCrossentropy) {
  BnModel b = makeBnModel();
  const std::vector<uint8_t> bytes = b.m.serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  std::mt19937 rng(5);
  const RefTensor input = randomTensor(rng, {3, 5, 5, 2});
  RefTensor labels = zeros({3, 2});
  for (float &v : labels.data)
    v = static_cast<float>(randomInt(rng, 0, 1));
  TrainConfig cfg;
  cfg.loss = fb::Loss::BINARY_CROSSENTROPY;
  cfg.optimizer = fb::Optimizer::ADAM;
  TrainState state = initialTrainState(model, cfg);
  EXPECT_EQ(state.params.size(), 7u); // conv x2, gamma, beta, dw, fc x2
  ASSERT_EQ(state.movingStats.size(), 2u);
  EXPECT_EQ(state.slots.at("bn/gamma").size(), 2u);
  checkModelGradients(model, state, input, labels, cfg);

  // The forward updates the moving statistics from the batch statistics
  // of the batch norm's input (the conv output, which the interpreter
  // computes identically): momentum 0.9, biased variance.
  ReferenceInterpreter interp;
  std::vector<RefTensor> out;
  ASSERT_EQ(interp.run(model, {input}, out), "");
  const RefTensor &conv = *interp.tensor(b.conv);
  const RefTensor oldMean = state.movingStats.at("bn/moving_mean");
  const RefTensor oldVar = state.movingStats.at("bn/moving_variance");
  trainStep(model, state, input, labels, cfg, 0.01f);
  const size_t count = conv.data.size() / 3;
  for (size_t c = 0; c < 3; ++c) {
    double mean = 0, var = 0;
    for (size_t i = c; i < conv.data.size(); i += 3)
      mean += conv.data[i] / static_cast<double>(count);
    for (size_t i = c; i < conv.data.size(); i += 3)
      var += (conv.data[i] - mean) * (conv.data[i] - mean) /
             static_cast<double>(count);
    EXPECT_NEAR(state.movingStats.at("bn/moving_mean").data[c],
                0.9 * oldMean.data[c] + 0.1 * mean, 1e-6);
    EXPECT_NEAR(state.movingStats.at("bn/moving_variance").data[c],
                0.9 * oldVar.data[c] + 0.1 * var, 1e-6);
  }
}

// x [-1,4] -> DENSE 4x3 (tanh) -> RESHAPE [-1,3,1] -> TRANSPOSE [0,2,1] ->
// PAD last dim (1, 0) with 0.5 -> FLATTEN -> CONCAT with x -> ADD(c, c) ->
// MUL [8] -> SUB [1] -> DIV [1,8] -> LOG_SOFTMAX -> DENSE 8x2.
TestModel makeDataMovementModel() {
  std::mt19937 rng(88);
  TestModel m;
  const int x = m.tensor("x", {-1, 4});
  const int w1 = m.constant("fc1/weight", {4, 3}, randomValues(rng, 12, 1.0f));
  const int b1 = m.constant("fc1/bias", {3}, randomValues(rng, 3, 0.5f));
  const int h = m.tensor("h", {-1, 3});
  const int r = m.tensor("r", {-1, 3, 1});
  const int t = m.tensor("t", {-1, 1, 3});
  const int p = m.tensor("p", {-1, 1, 4});
  const int f = m.tensor("f", {-1, 4});
  const int c = m.tensor("c", {-1, 8});
  const int a = m.tensor("a", {-1, 8});
  const int scale = m.constant("scale", {8}, randomValues(rng, 8, 1.0f));
  const int mu = m.tensor("mu", {-1, 8});
  const int shift = m.constant("shift", {1}, {0.25f});
  const int s = m.tensor("s", {-1, 8});
  const int divisor =
      m.constant("divisor", {1, 8}, {1, 2, -1, 0.5f, 1.5f, 1, -2, 1});
  const int d = m.tensor("d", {-1, 8});
  const int ls = m.tensor("ls", {-1, 8});
  const int w2 = m.constant("fc2/weight", {8, 2}, randomValues(rng, 16, 1.0f));
  const int b2 = m.constant("fc2/bias", {2}, {0.0f, 0.1f});
  const int out = m.tensor("out", {-1, 2});

  fb::DenseOptionsT tanhOpts;
  tanhOpts.activation = fb::Activation::TANH;
  m.op(fb::OpType::DENSE, "fc1", {x, w1, b1}, h).options.Set(tanhOpts);
  fb::ReshapeOptionsT reshape;
  reshape.new_shape = {-1, 3, 1};
  m.op(fb::OpType::RESHAPE, "reshape", {h}, r).options.Set(reshape);
  fb::TransposeOptionsT perm;
  perm.perm = {0, 2, 1};
  m.op(fb::OpType::TRANSPOSE, "transpose", {r}, t).options.Set(perm);
  fb::PadOptionsT pad;
  pad.paddings = {0, 0, 0, 0, 1, 0};
  pad.value = 0.5f;
  m.op(fb::OpType::PAD, "pad", {t}, p).options.Set(pad);
  m.op(fb::OpType::FLATTEN, "flatten", {p}, f);
  m.op(fb::OpType::CONCAT, "concat", {f, x}, c);
  m.op(fb::OpType::ADD, "twice", {c, c}, a);
  m.op(fb::OpType::MUL, "scale", {a, scale}, mu);
  m.op(fb::OpType::SUB, "shift", {mu, shift}, s);
  m.op(fb::OpType::DIV, "divide", {s, divisor}, d);
  m.op(fb::OpType::LOG_SOFTMAX, "log_softmax", {d}, ls);
  m.op(fb::OpType::DENSE, "fc2", {ls, w2, b2}, out);
  m.setIo({x}, {out});
  return m;
}

TEST(TrainGraph, DataMovementAndArithmeticWithMseNesterovWeightDecay) {
  const std::vector<uint8_t> bytes = makeDataMovementModel().serialize();
  const fb::Model &model = *fb::GetModel(bytes.data());
  std::mt19937 rng(6);
  const RefTensor input = randomTensor(rng, {3, 4});
  const RefTensor labels = randomTensor(rng, {3, 2});
  TrainConfig cfg;
  cfg.loss = fb::Loss::MEAN_SQUARED_ERROR;
  cfg.optimizer = fb::Optimizer::SGD;
  cfg.momentum = 0.9f;
  cfg.nesterov = true;
  cfg.weightDecay = 0.05f;
  TrainState state = initialTrainState(model, cfg);
  // Only weights and biases train; scale/shift/divisor stay constants.
  EXPECT_EQ(state.params.size(), 4u);
  checkModelGradients(model, state, input, labels, cfg);

  // The step applies exactly the optimizer to those gradients: from v = 0,
  // p1 = p (1 - lr wd) + momentum * v1 - lr g with v1 = -lr g.
  const auto grads = trainingGradients(model, state, input, labels, cfg);
  const auto before = state.params;
  const double lr = 0.1;
  trainStep(model, state, input, labels, cfg, static_cast<float>(lr));
  for (const auto &[name, p0] : before)
    for (size_t i = 0; i < p0.data.size(); ++i) {
      const double g = grads.at(name).data[i];
      const double want = p0.data[i] * (1 - lr * 0.05) -
                          static_cast<double>(0.9f) * lr * g - lr * g;
      EXPECT_NEAR(state.params.at(name).data[i], want, 1e-6) << name;
    }
}

// x [-1,5] -> DENSE 5x4 (tanh) -> DROPOUT (rate) -> DENSE 4x3 -> SOFTMAX
// over `softmaxAxis`.
std::vector<uint8_t> dropoutModel(float rate, int softmaxAxis = -1) {
  std::mt19937 rng(99);
  TestModel m;
  const int x = m.tensor("x", {-1, 5});
  const int w1 = m.constant("fc1/weight", {5, 4}, randomValues(rng, 20, 1.0f));
  const int h = m.tensor("h", {-1, 4});
  const int dr = m.tensor("dropped", {-1, 4});
  const int w2 = m.constant("fc2/weight", {4, 3}, randomValues(rng, 12, 1.0f));
  const int b2 = m.constant("fc2/bias", {3}, randomValues(rng, 3, 0.5f));
  const int z = m.tensor("z", {-1, 3});
  const int y = m.tensor("y", {-1, 3});
  fb::DenseOptionsT tanhOpts;
  tanhOpts.activation = fb::Activation::TANH;
  m.op(fb::OpType::DENSE, "fc1", {x, w1, -1}, h).options.Set(tanhOpts);
  fb::DropoutOptionsT drop;
  drop.rate = rate;
  m.op(fb::OpType::DROPOUT, "dropout", {h}, dr).options.Set(drop);
  m.op(fb::OpType::DENSE, "fc2", {dr, w2, b2}, z);
  fb::SoftmaxOptionsT sm;
  sm.axis = softmaxAxis;
  m.op(fb::OpType::SOFTMAX, "softmax", {z}, y).options.Set(sm);
  m.setIo({x}, {y});
  return m.serialize();
}

TEST(TrainGraph, DropoutUsesTheGivenMask) {
  const std::vector<uint8_t> bytes = dropoutModel(0.25f);
  const fb::Model &model = *fb::GetModel(bytes.data());
  std::mt19937 rng(7);
  const RefTensor input = randomTensor(rng, {4, 5});
  const RefTensor labels = test::randomOneHot(rng, 4, 3);
  RefTensor mask = filled({4, 4}, 1.0f);
  mask.data[1] = mask.data[6] = mask.data[11] = 0.0f;
  const DropoutMasks masks{{"dropped", mask}};
  TrainConfig cfg;
  TrainState state = initialTrainState(model, cfg);
  EXPECT_EQ(state.params.size(), 3u); // fc1 has no bias
  checkModelGradients(model, state, input, labels, cfg, &masks);
  // An all-zero mask column cuts its hidden unit off: no gradient reaches
  // the fc1 weights of that unit.
  RefTensor cut = filled({4, 4}, 1.0f);
  for (int n = 0; n < 4; ++n)
    cut.data[n * 4 + 2] = 0.0f;
  const DropoutMasks cutMasks{{"dropped", cut}};
  const auto g =
      trainingGradients(model, state, input, labels, cfg, nullptr, &cutMasks);
  for (int k = 0; k < 5; ++k)
    EXPECT_EQ(g.at("fc1/weight").data[k * 4 + 2], 0.0f);
  // Without a mask a dropout that drops cannot train; rate 0 needs none.
  EXPECT_THROW(trainStep(model, state, input, labels, cfg, 0.1f), RefError);
  const std::vector<uint8_t> noDrop = dropoutModel(0.0f);
  EXPECT_NO_THROW(
      trainStep(*fb::GetModel(noDrop.data()), state, input, labels, cfg, 0.1f));
}

TEST(TrainGraph, SoftmaxNotOverTheLastAxisUsesProbabilities) {
  // Softmax over the batch axis is not the logits case: the loss goes
  // through clipped probabilities and the softmax backward.
  const std::vector<uint8_t> bytes = dropoutModel(0.0f, 0);
  const fb::Model &model = *fb::GetModel(bytes.data());
  std::mt19937 rng(8);
  const RefTensor input = randomTensor(rng, {4, 5});
  const RefTensor labels = test::randomOneHot(rng, 4, 3);
  TrainConfig cfg;
  const TrainState state = initialTrainState(model, cfg);
  // A bias adds the same amount to every entry along the softmax axis,
  // which softmax cancels: its gradient is exactly zero.
  checkModelGradients(model, state, input, labels, cfg, nullptr, "fc2/bias");
}

} // namespace
} // namespace dlc::ref
