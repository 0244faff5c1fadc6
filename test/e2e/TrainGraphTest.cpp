// Whole training steps of small models that together use every op the
// autodiff (--dlc-build-train-step) has a gradient rule for, compiled by dlc
// and computed by the reference from the same weights and batches: each
// gradient rule, loss and optimizer is checked end to end in compiled code,
// inside a graph (fused activations, several users of one value, broadcasts
// whose gradients must be reduced), which the single-op tests of
// GradOpsTest.cpp and TrainingOpsTest.cpp do not reach.
//
// Models, window geometries and data are drawn from the test's seed. Each
// model trains for 2-3 steps with one-thread train_step and with the
// two-thread gradients + apply_gradients path on an odd batch (halves of 3
// and 2 rows). The loss must match to 1e-5 (relative) at every step; the
// parameters to 1e-5 for the optimizers whose update is smooth in the
// gradient (SGD in all its forms, AdaGrad). Adam and RMSprop move a weight
// by about lr * sign(g) in their first steps, so a gradient that is zero up
// to rounding can legitimately flip a weight by 2 lr: their bound is loose,
// while their loss is still checked tightly.
#include "TrainGraphUtil.h"

#include "dlc/Compiler/Training.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

/// A model under construction: a ModelBuilder, the seeded generator its
/// weights come from, and layer helpers that size each weight from the
/// shape of the layer's input.
class Net {
public:
  Net(Random &rng, std::vector<int64_t> input)
      : rng_(rng), input_(std::move(input)) {
    std::vector<int64_t> shape = input_;
    shape.insert(shape.begin(), -1);
    x_ = b_.addInput("x", shape);
  }

  int32_t x() const { return x_; }
  ModelBuilder &builder() { return b_; }
  Random &rng() { return rng_; }
  /// Shape of `t` at batch 1.
  std::vector<int64_t> shape(int32_t t) { return shapeOf(b_, t, input_); }

  int32_t conv(const std::string &name, int32_t in, int64_t filters,
               const Window &w, fb::Activation act, bool bias = true) {
    int64_t channels = shape(in).back();
    int32_t k = addGlorotWeight(b_, rng_, name + "/kernel",
                                {w.k[0], w.k[1], channels, filters});
    return b_.conv2d(name, in, k, bias ? this->bias(name, filters) : -1,
                     w.conv(act, alpha()));
  }
  int32_t depthwise(const std::string &name, int32_t in, int64_t multiplier,
                    const Window &w, fb::Activation act) {
    int64_t channels = shape(in).back();
    int32_t k = addGlorotWeight(b_, rng_, name + "/kernel",
                                {w.k[0], w.k[1], channels, multiplier});
    return b_.depthwiseConv2d(name, in, k, bias(name, channels * multiplier),
                              w.depthwise(act, alpha()));
  }
  /// `scale` < 1 for inputs that are large or many: the tests compare
  /// training that stays well-conditioned (a step that blows the loss up
  /// amplifies float rounding into differences above the tolerance).
  int32_t dense(const std::string &name, int32_t in, int64_t units,
                fb::Activation act = fb::Activation::NONE, float scale = 1.5f) {
    fb::DenseOptionsT o;
    o.activation = act;
    o.leaky_alpha = alpha();
    int32_t w = addGlorotWeight(b_, rng_, name + "/weight",
                                {shape(in).back(), units}, scale);
    return b_.dense(name, in, w, bias(name, units), o);
  }
  /// A constant (not trained) of random values in [lo, hi).
  int32_t constant(const std::string &name, std::vector<int64_t> shape,
                   float lo, float hi) {
    return addRandomWeight(b_, rng_, name, std::move(shape), lo, hi);
  }
  int32_t flatten(const std::string &name, int32_t in) {
    return b_.flatten(name, in);
  }
  int32_t output(int32_t t) {
    b_.markOutput(t);
    return t;
  }

  /// Trains the finished model as `run` says, on data from a fresh seed.
  void train(const TrainRun &run) {
    expectTrainingMatches(b_, input_, run, uint32_t(rng_.intIn(0, 1 << 30)));
  }
  /// `run` with one thread, then its SGD form with two threads on an odd
  /// batch (the data-parallel gradients and apply_gradients).
  void trainBothWays(TrainRun run) {
    train(run);
    run.options.threads = 2;
    run.batch = 5;
    run.steps = 2;
    train(run);
  }

private:
  float alpha() { return rng_.uniform(0.05f, 0.3f); }
  int32_t bias(const std::string &name, int64_t size) {
    return addRandomWeight(b_, rng_, name + "/bias", {size}, -0.2f, 0.2f);
  }

  ModelBuilder b_;
  Random &rng_;
  std::vector<int64_t> input_;
  int32_t x_;
};

TrainRun sgd(fb::Loss loss, float lr, float momentum, bool nesterov,
             float weightDecay) {
  TrainRun run;
  run.options = trainOptions(loss, fb::Optimizer::SGD, lr);
  run.options.momentum = momentum;
  run.options.nesterov = nesterov;
  run.options.weightDecay = weightDecay;
  return run;
}

TrainRun adaptive(fb::Loss loss, fb::Optimizer optimizer, float lr) {
  TrainRun run;
  run.options = trainOptions(loss, optimizer, lr);
  run.steps = 2;
  run.paramTolerance = optimizer == fb::Optimizer::ADAGRAD ? 1e-5 : 2e-2;
  return run;
}

std::string name(const char *prefix, size_t i) {
  return prefix + std::to_string(i);
}

// conv2d with every fused activation, followed by max and by avg pooling,
// each in both forms of the pool's gradient: fused with the conv's
// activation (the pool is the conv's only user) and separate (the first
// conv feeds four convs and a pool). Strides, dilations, paddings and
// windows are random; the avg pools are padded (with and without
// count_include_pad) or overlapping.
TEST(TrainGraph, ConvActivationsAndPools) {
  Random rng(testSeed());
  using A = fb::Activation;
  const std::pair<A, A> pairs[] = {
      {A::RELU, A::SIGMOID}, {A::RELU6, A::TANH}, {A::LEAKY_RELU, A::NONE}};
  const TrainRun runs[] = {
      sgd(fb::Loss::CATEGORICAL_CROSSENTROPY, 0.1f, 0, false, 0),
      sgd(fb::Loss::CATEGORICAL_CROSSENTROPY, 0.05f, 0.9f, false, 0.01f),
      sgd(fb::Loss::CATEGORICAL_CROSSENTROPY, 0.05f, 0.8f, true, 0.02f)};
  const fb::Padding paddings[] = {fb::Padding::SAME, fb::Padding::VALID,
                                  fb::Padding::EXPLICIT};
  for (size_t m = 0; m < 3; ++m) {
    auto [a, b] = pairs[m];
    Net net(rng, {rng.intIn(9, 11), rng.intIn(9, 11), rng.intIn(1, 2)});
    std::vector<int64_t> in = net.shape(net.x());
    Window w0 = randomConvWindow(rng, in[1], in[2], paddings[m], 6);
    int32_t c0 = net.conv("conv0", net.x(), 3, w0, a);
    std::vector<int64_t> s0 = net.shape(c0);
    std::string trace = "conv0 " + w0.str();

    // Each activation of the pair before a max pool and before an avg
    // pool; between them the pools are padded (the avg pool with and
    // without count_include_pad) and overlapping.
    struct Branch {
      A act;
      bool max, padded, overlapping, countPad;
    };
    const Branch branches[] = {{a, true, false, true, false},
                               {b, false, true, false, true},
                               {b, true, true, rng.coin(), false},
                               {a, false, true, true, false}};
    std::vector<int32_t> flat;
    for (size_t i = 0; i < 4; ++i) {
      const Branch &br = branches[i];
      Window cw = randomConvWindow(rng, s0[1], s0[2], paddings[(m + i) % 3], 3);
      int32_t c = net.conv(name("conv", i + 1), c0, rng.intIn(2, 3), cw, br.act,
                           rng.coin(0.8));
      std::vector<int64_t> cs = net.shape(c);
      Window pw =
          randomPoolWindow(rng, cs[1], cs[2], br.padded, br.overlapping);
      pw.countIncludePad = br.countPad;
      fb::Pool2DOptionsT po = pw.pool();
      int32_t p = br.max ? net.builder().maxPool2d(name("pool", i + 1), c, po)
                         : net.builder().avgPool2d(name("pool", i + 1), c, po);
      flat.push_back(net.flatten(name("flat", i + 1), p));
      trace += std::string(" | conv ") + activationName(br.act) + " " +
               cw.str() + (br.max ? " max " : " avg ") + pw.str();
    }
    // A pool of conv0, which has other users: its gradient and that of the
    // activation are separate ops.
    Window pw = randomPoolWindow(rng, s0[1], s0[2], rng.coin(), rng.coin());
    int32_t p0 = rng.coin() ? net.builder().maxPool2d("pool0", c0, pw.pool())
                            : net.builder().avgPool2d("pool0", c0, pw.pool());
    std::vector<int64_t> ps = net.shape(p0);
    flat.push_back(
        net.builder().reshape("reshape0", p0, {-1, ps[1] * ps[2] * ps[3]}));
    trace += " | pool0 " + pw.str();
    int32_t cat = net.builder().concat("concat", flat, -1);
    int32_t logits = net.dense("fc", cat, 4, A::NONE, 0.5f);
    net.output(net.builder().softmax("softmax", logits));
    SCOPED_TRACE(trace);
    net.trainBothWays(runs[m]);
  }
}

// depthwise_conv2d with multipliers 2 and 1 (random windows and fused
// activations), both behind a trainable op so that their input gradients
// are built, then global average pooling and the sparse categorical loss.
TEST(TrainGraph, DepthwiseMultipliers) {
  Random rng(testSeed());
  const std::vector<fb::Activation> acts = {
      fb::Activation::NONE,    fb::Activation::RELU,
      fb::Activation::RELU6,   fb::Activation::LEAKY_RELU,
      fb::Activation::SIGMOID, fb::Activation::TANH};
  Net net(rng, {rng.intIn(8, 10), rng.intIn(8, 10), 2});
  std::vector<int64_t> in = net.shape(net.x());
  Window w0 = randomConvWindow(rng, in[1], in[2], fb::Padding::SAME, 4);
  int32_t c0 = net.conv("conv0", net.x(), 3, w0, fb::Activation::RELU);
  std::string trace = "conv0 " + w0.str();
  int32_t t = c0;
  const fb::Padding paddings[] = {fb::Padding::EXPLICIT, fb::Padding::VALID};
  for (int64_t i = 0; i < 2; ++i) {
    std::vector<int64_t> s = net.shape(t);
    Window w = randomConvWindow(rng, s[1], s[2], paddings[i], 2);
    fb::Activation act = rng.pick(acts);
    t = net.depthwise(name("depthwise", size_t(i)), t, 2 - i, w, act);
    trace += std::string(" | depthwise x") + std::to_string(2 - i) + " " +
             activationName(act) + " " + w.str();
  }
  int32_t gap = net.builder().globalAvgPool("gap", t);
  net.output(net.builder().softmax("softmax", net.dense("fc", gap, 5)));
  SCOPED_TRACE(trace);
  const fb::Loss loss = fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY;
  net.trainBothWays(sgd(loss, 0.1f, 0.9f, false, 0));
  net.train(adaptive(loss, fb::Optimizer::ADAM, 1e-3f));
}

// add/sub/mul/div where both operands are on the trainable path and one is
// broadcast ([N, 1, 1, C] against [N, H, W, C]: its gradient is reduced),
// against constants of shape [C], [1, 1, C] and [1], with a constant on
// either side; x * x; a residual add; standalone activations (not after a
// conv or dense, so they stay ops of their own); concat, pad, transpose,
// reshape.
TEST(TrainGraph, ElementwiseBroadcastAndShapeOps) {
  Random rng(testSeed());
  using T = fb::OpType;
  Net net(rng, {4, 4, 2});
  ModelBuilder &b = net.builder();
  Window same;
  same.padding = fb::Padding::SAME;
  same.k[0] = same.k[1] = 3;
  // Used by the second conv, the residual add and the concat.
  int32_t a = net.conv("a", net.x(), 4, same, fb::Activation::NONE);
  Window w = same;
  for (int i = 0; i < 2; ++i) {
    w.k[i] = rng.intIn(1, 3);
    w.d[i] = rng.intIn(1, 2);
  }
  int32_t c = net.conv("b", a, 4, w, fb::Activation::RELU, rng.coin());
  int32_t r = b.unary(T::RELU, "relu", b.binary(T::ADD, "residual", a, c));
  int32_t m =
      b.binary(T::MUL, "scaled", r, net.constant("scale", {4}, 0.5f, 1.5f));
  // A gate of shape [N, 1, 1, C] computed from m, broadcast back onto it.
  int32_t g = net.dense("gate", b.globalAvgPool("gap", m), 4);
  int32_t s = b.reshape("gate/reshape", g, {-1, 1, 1, 4});
  int32_t sg = b.unary(T::SIGMOID, "gate/sigmoid", s);
  int32_t q = b.binary(T::MUL, "gated", m, sg);
  // sigmoid + 0.5 keeps the trainable denominator away from zero.
  int32_t den = b.binary(T::ADD, "denominator", sg,
                         net.constant("half", {1}, 0.5f, 0.5f));
  int32_t dv = b.binary(T::DIV, "divided", q, den);
  int32_t e = b.binary(T::SUB, "shifted", dv, s);
  int32_t f = b.binary(T::SUB, "flipped",
                       net.constant("offset", {1, 1, 4}, -0.5f, 0.5f), e);
  int32_t l = b.leakyRelu("leaky", b.unary(T::TANH, "tanh", f),
                          rng.uniform(0.05f, 0.3f));
  // Times 8: relu6 cuts at both ends.
  int32_t u = b.unary(
      T::RELU6, "relu6",
      b.binary(T::MUL, "amplified", l, net.constant("eight", {1}, 8.0f, 8.0f)));
  // x * x: both operands' gradients go to one value.
  int32_t v = b.binary(T::MUL, "squared", l, l);
  int32_t cat = b.concat("concat", {u, v, a}, 3);
  int32_t p = b.pad("pad", cat, {0, 0, 1, 0, 0, 1, 0, 0}, 0.25f);
  int32_t t = b.transpose("transpose", p, {0, 3, 1, 2});
  // A concat along a negative axis that is not the last, of one value twice.
  int32_t twice = b.concat("twice", {t, t}, -3);
  int32_t flat = b.reshape("flat", twice, {-1, 24 * 5 * 5});
  net.output(b.softmax("softmax",
                       net.dense("fc", flat, 5, fb::Activation::NONE, 0.3f)));
  SCOPED_TRACE("b " + w.str());
  const fb::Loss loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  net.trainBothWays(sgd(loss, 0.002f, 0.9f, true, 0.01f));
  net.train(adaptive(loss, fb::Optimizer::RMSPROP, 1e-3f));
}

// The math functions as a transformer block uses them: GELU
// (x/2 (1 + erf(x / sqrt 2))), an RMS-style normalization by
// sqrt(x^2 + 0.5), then log(exp(tanh(.)) + 0.5); sqrt and log see positive
// arguments only. erf is differentiated from its input, the others from
// their output (activation_grad).
TEST(TrainGraph, MathFunctions) {
  Random rng(testSeed());
  using T = fb::OpType;
  Net net(rng, {6});
  ModelBuilder &b = net.builder();
  auto constant = [&](const std::string &name, float v) {
    return net.constant(name, {1}, v, v);
  };
  int32_t h = net.dense("fc1", net.x(), 8);
  int32_t erf =
      b.unary(T::ERF, "erf",
              b.binary(T::MUL, "scaled", h, constant("rsqrt2", 0.70710678f)));
  int32_t gelu = b.binary(
      T::MUL, "gelu", b.binary(T::MUL, "half", h, constant("half", 0.5f)),
      b.binary(T::ADD, "one_plus", erf, constant("one", 1.0f)));
  int32_t rms =
      b.unary(T::SQRT, "sqrt",
              b.binary(T::ADD, "eps", b.binary(T::MUL, "square", gelu, gelu),
                       constant("eps_value", 0.5f)));
  int32_t n = b.binary(T::DIV, "normalized", gelu, rms);
  int32_t e = b.unary(T::EXP, "exp", b.unary(T::TANH, "tanh", n));
  int32_t l = b.unary(T::LOG, "log",
                      b.binary(T::ADD, "shift", e, constant("offset", 0.5f)));
  net.output(b.softmax("softmax", net.dense("fc2", l, 3)));
  const fb::Loss loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  net.trainBothWays(sgd(loss, 0.05f, 0.9f, false, 0.0f));
  net.train(adaptive(loss, fb::Optimizer::ADAGRAD, 0.05f));
}

// softmax and log_softmax in the middle of the model, clip(0, 6), relu6,
// and the mean squared error on a linear output.
TEST(TrainGraph, SoftmaxInTheMiddleAndMse) {
  Random rng(testSeed());
  using T = fb::OpType;
  Net net(rng, {12});
  ModelBuilder &b = net.builder();
  int32_t h = net.dense("fc1", net.x(), 10, fb::Activation::LEAKY_RELU);
  int32_t sm = b.softmax("softmax", h);
  // Probabilities of 0.02-0.4 scaled by -20..30: clipped at both ends.
  int32_t sc = b.binary(T::MUL, "scaled", sm,
                        net.constant("scale", {10}, -20.0f, 30.0f));
  int32_t h2 = net.dense("fc2", b.clip("clip", sc, 0, 6), 8);
  int32_t ls = b.logSoftmax("log_softmax", h2);
  // -2.5 * log p - 1 is cut by relu6 at both ends. The offset keeps the
  // kink at 0 away from log p = 0: a dominant class has log p = -1e-9 in
  // the (double) reference and exactly 0 in float, and relu6'(0) = 0.
  int32_t m =
      b.binary(T::MUL, "negated", ls, net.constant("minus", {1}, -2.5f, -2.5f));
  int32_t r6 = b.unary(T::RELU6, "relu6",
                       b.binary(T::ADD, "shifted", m,
                                net.constant("offset", {1}, -1.0f, -1.0f)));
  net.output(net.dense("fc3", r6, 3, fb::Activation::NONE, 0.3f));
  const fb::Loss loss = fb::Loss::MEAN_SQUARED_ERROR;
  net.trainBothWays(sgd(loss, 0.01f, 0.5f, false, 0.0f));
  net.train(adaptive(loss, fb::Optimizer::ADAGRAD, 0.05f));
}

// Binary cross-entropy on a standalone sigmoid: both sides compute it from
// the logits.
TEST(TrainGraph, BinaryCrossentropyStandaloneSigmoid) {
  Random rng(testSeed());
  Net net(rng, {10});
  ModelBuilder &b = net.builder();
  int32_t h = net.dense("fc1", net.x(), 8, fb::Activation::RELU6);
  // The mul keeps the sigmoid from fusing into the dense.
  int32_t z = b.binary(fb::OpType::MUL, "scaled", net.dense("fc2", h, 4),
                       net.constant("scale", {4}, 0.5f, 1.5f));
  net.output(b.unary(fb::OpType::SIGMOID, "sigmoid", z));
  const fb::Loss loss = fb::Loss::BINARY_CROSSENTROPY;
  net.trainBothWays(sgd(loss, 0.2f, 0, false, 0));
  net.train(adaptive(loss, fb::Optimizer::ADAM, 1e-3f));
}

// Binary cross-entropy on a dense with a fused sigmoid, and parameters that
// do not reach the loss. A deliberate
// convention difference: the compiler uses the stable gradient (p - y) /
// count with respect to the pre-activation, the reference the chain rule
// through the clipped probability. They agree unless p is within 1e-7 of 0
// or 1, which the small weights here keep it from.
TEST(TrainGraph, BinaryCrossentropyFusedSigmoid) {
  Random rng(testSeed());
  Net net(rng, {10});
  int32_t h = net.dense("fc1", net.x(), 8, fb::Activation::TANH);
  // A dense the output does not depend on: its parameters get a zero
  // gradient, and only weight decay and momentum move them.
  net.dense("unused", h, 2);
  net.output(net.dense("fc2", h, 4, fb::Activation::SIGMOID));
  const fb::Loss loss = fb::Loss::BINARY_CROSSENTROPY;
  net.trainBothWays(sgd(loss, 0.2f, 0.9f, true, 0.01f));
  net.train(adaptive(loss, fb::Optimizer::ADAGRAD, 0.05f));
}

// Dropout trains (dlc.dropout_train; compared with the reference in
// TrainDropoutTest.cpp): a conv -> dropout model gets a trainer and steps.
TEST(TrainGraph, DropoutTrains) {
  Random rng(testSeed());
  Net net(rng, {6, 6, 1});
  ModelBuilder &b = net.builder();
  Window w;
  w.k[0] = w.k[1] = 3;
  int32_t c = net.conv("conv", net.x(), 2, w, fb::Activation::RELU);
  int32_t t = b.dropout("drop", c, 0.5f);
  net.output(b.softmax("softmax", net.dense("fc", net.flatten("flat", t), 3)));
  auto file = ModelFile::fromBuffer(b.finish(), "dropout");
  ASSERT_TRUE(file.ok()) << file.status().message();
  TrainerOptions o = trainOptions(fb::Loss::CATEGORICAL_CROSSENTROPY,
                                  fb::Optimizer::SGD, 0.1f);
  o.batchSize = 2;
  auto trainer = createTrainer(**file, o);
  ASSERT_TRUE(trainer.ok()) << trainer.status().message();
  ref::RefTensor x{{2, 6, 6, 1}, rng.floats(72, 0, 1)};
  ref::RefTensor labels{{2, 3}, {1, 0, 0, 0, 0, 1}};
  auto loss = (*trainer)->step(toHost(x), toHost(labels));
  ASSERT_TRUE(loss.ok()) << loss.status().message();
  EXPECT_TRUE(std::isfinite(*loss));
}

} // namespace
