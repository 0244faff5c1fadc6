#include "TrainGraphUtil.h"

#include "dlc/Compiler/Training.h"
#include "dlc/reference/interpreter.h"
#include "dlc/reference/train.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace dlc::e2e {

//===----------------------------------------------------------------------===//
// Windows
//===----------------------------------------------------------------------===//

int64_t Window::out(int axis, int64_t in) const {
  if (padding == fb::Padding::SAME)
    return (in + s[axis] - 1) / s[axis];
  int64_t room =
      in + pads[2 * axis] + pads[2 * axis + 1] - ((k[axis] - 1) * d[axis] + 1);
  return room < 0 ? 0 : room / s[axis] + 1;
}

std::string Window::str() const {
  auto pair = [](const int64_t *v) {
    return std::to_string(v[0]) + "x" + std::to_string(v[1]);
  };
  std::string text = "k" + pair(k) + " s" + pair(s) + " d" + pair(d) + " " +
                     paddingName(padding);
  if (padding == fb::Padding::EXPLICIT)
    text += "(" + std::to_string(pads[0]) + "," + std::to_string(pads[1]) +
            "," + std::to_string(pads[2]) + "," + std::to_string(pads[3]) + ")";
  return text + (countIncludePad ? " count_pad" : "");
}

fb::Conv2DOptionsT Window::conv(fb::Activation act, float alpha) const {
  fb::Conv2DOptionsT o;
  o.stride_h = int(s[0]), o.stride_w = int(s[1]);
  o.dilation_h = int(d[0]), o.dilation_w = int(d[1]);
  o.padding = padding;
  o.pad_top = int(pads[0]), o.pad_bottom = int(pads[1]);
  o.pad_left = int(pads[2]), o.pad_right = int(pads[3]);
  o.activation = act;
  o.leaky_alpha = alpha;
  return o;
}

fb::DepthwiseConv2DOptionsT Window::depthwise(fb::Activation act,
                                              float alpha) const {
  fb::Conv2DOptionsT c = conv(act, alpha);
  fb::DepthwiseConv2DOptionsT o;
  o.stride_h = c.stride_h, o.stride_w = c.stride_w;
  o.dilation_h = c.dilation_h, o.dilation_w = c.dilation_w;
  o.padding = c.padding;
  o.pad_top = c.pad_top, o.pad_bottom = c.pad_bottom;
  o.pad_left = c.pad_left, o.pad_right = c.pad_right;
  o.activation = act;
  o.leaky_alpha = alpha;
  return o;
}

fb::Pool2DOptionsT Window::pool() const {
  fb::Pool2DOptionsT o;
  o.filter_h = int(k[0]), o.filter_w = int(k[1]);
  o.stride_h = int(s[0]), o.stride_w = int(s[1]);
  o.padding = padding;
  o.pad_top = int(pads[0]), o.pad_bottom = int(pads[1]);
  o.pad_left = int(pads[2]), o.pad_right = int(pads[3]);
  o.count_include_pad = countIncludePad;
  return o;
}

Window randomConvWindow(Random &rng, int64_t h, int64_t w, fb::Padding padding,
                        int64_t minOut) {
  for (;;) {
    Window win;
    win.padding = padding;
    for (int i = 0; i < 2; ++i) {
      win.k[i] = rng.intIn(1, 3);
      win.s[i] = rng.intIn(1, 2);
      // A dilation only means something for a kernel wider than 1.
      win.d[i] = win.k[i] > 1 ? rng.intIn(1, 2) : 1;
    }
    if (padding == fb::Padding::EXPLICIT)
      for (int64_t &p : win.pads)
        p = rng.intIn(0, 2);
    if (win.out(0, h) >= minOut && win.out(1, w) >= minOut)
      return win;
  }
}

Window randomPoolWindow(Random &rng, int64_t h, int64_t w, bool padded,
                        bool overlapping) {
  for (;;) {
    Window win;
    for (int i = 0; i < 2; ++i) {
      win.k[i] = rng.intIn(2, 3);
      win.s[i] =
          overlapping ? rng.intIn(1, win.k[i] - 1) : rng.intIn(win.k[i], 3);
    }
    if (padded) {
      win.padding = rng.coin() ? fb::Padding::SAME : fb::Padding::EXPLICIT;
      for (int i = 0; i < 4; ++i)
        win.pads[i] = win.padding == fb::Padding::EXPLICIT
                          ? rng.intIn(0, win.k[i / 2] - 1)
                          : 0;
      if (win.padding == fb::Padding::EXPLICIT && win.pads[0] == 0 &&
          win.pads[3] == 0)
        win.pads[rng.coin() ? 0 : 3] = 1;
    }
    // SAME pads by at most k - 1 as long as the stride is at most k, which
    // holds for every window drawn here.
    if (win.out(0, h) >= 1 && win.out(1, w) >= 1)
      return win;
  }
}

int32_t addGlorotWeight(ModelBuilder &b, Random &rng, const std::string &name,
                        const std::vector<int64_t> &shape, float scale) {
  int64_t receptive = 1;
  for (size_t i = 0; i + 2 < shape.size(); ++i)
    receptive *= shape[i];
  int64_t fanIn = shape.size() >= 2 ? shape[shape.size() - 2] : 1;
  int64_t fanOut = shape.back();
  float limit =
      scale * float(std::sqrt(6.0 / double(receptive * (fanIn + fanOut))));
  return addRandomWeight(b, rng, name, shape, -limit, limit);
}

std::vector<int64_t> shapeOf(ModelBuilder &b, int32_t t,
                             const std::vector<int64_t> &inputShape) {
  std::vector<int32_t> &outputs = b.model().graph->outputs;
  std::vector<int32_t> saved = outputs;
  outputs = {t};
  std::vector<uint8_t> bytes = b.finish();
  outputs = saved;
  ref::RefTensor x;
  x.shape = inputShape;
  x.shape.insert(x.shape.begin(), 1);
  x.data.assign(size_t(ref::numElements(x.shape)), 0.5f);
  ref::ReferenceInterpreter interp;
  std::vector<ref::RefTensor> out;
  std::string error = interp.run(bytes.data(), bytes.size(), {x}, out);
  if (!error.empty() || out.size() != 1) {
    ADD_FAILURE() << "shape of tensor " << t << ": " << error;
    return {};
  }
  return out[0].shape;
}

//===----------------------------------------------------------------------===//
// Training comparison
//===----------------------------------------------------------------------===//

TrainerOptions trainOptions(fb::Loss loss, fb::Optimizer optimizer, float lr) {
  TrainerOptions o;
  o.loss = loss;
  o.optimizer = optimizer;
  o.learningRate = lr;
  return o;
}

ref::RefTensor randomOneHot(Random &rng, int64_t n, int64_t classes) {
  ref::RefTensor labels{{n, classes},
                        std::vector<float>(size_t(n * classes), 0.0f)};
  for (int64_t i = 0; i < n; ++i)
    labels.data[size_t(i * classes + rng.intIn(0, classes - 1))] = 1;
  return labels;
}

ref::TrainConfig refConfig(const TrainerOptions &o) {
  ref::TrainConfig c;
  c.loss = o.loss;
  c.optimizer = o.optimizer;
  c.beta1 = o.beta1;
  c.beta2 = o.beta2;
  c.epsilon = o.epsilon;
  // The compiler ignores the momentum of the other optimizers
  // (toTrainingConfig); so does the reference, which reads it for SGD only.
  c.momentum = o.momentum;
  c.nesterov = o.nesterov;
  c.rho = o.rho;
  c.weightDecay = o.weightDecay;
  return c;
}

/// Largest |got - want| relative to the largest |want| of the tensor.
double relativeError(const HostTensor &got, const ref::RefTensor &want) {
  double maxDiff = 0, scale = 1e-12;
  const float *g = got.data<float>();
  for (size_t i = 0; i < want.data.size(); ++i) {
    maxDiff = std::max(maxDiff, std::fabs(double(g[i]) - want.data[i]));
    scale = std::max(scale, std::fabs(double(want.data[i])));
  }
  return maxDiff / scale;
}

namespace {



/// Labels for `loss` on a model output of `shape`, as the reference wants
/// them and as the Trainer does (class indices are I32 for the Trainer).
void randomLabels(Random &rng, fb::Loss loss, const std::vector<int64_t> &shape,
                  ref::RefTensor &want, HostTensor &host) {
  const int64_t n = shape[0], count = ref::numElements(shape);
  const int64_t classes = count / n;
  if (loss == fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY) {
    want = ref::RefTensor{{n}, std::vector<float>(size_t(n))};
    host = *HostTensor::create(DType::I32, {n});
    for (int64_t i = 0; i < n; ++i) {
      int64_t c = rng.intIn(0, classes - 1);
      want.data[size_t(i)] = float(c);
      host.data<int32_t>()[i] = int32_t(c);
    }
    return;
  }
  want = ref::RefTensor{shape, std::vector<float>(size_t(count), 0.0f)};
  if (loss == fb::Loss::CATEGORICAL_CROSSENTROPY) {
    for (int64_t i = 0; i < n; ++i)
      want.data[size_t(i * classes + rng.intIn(0, classes - 1))] = 1.0f;
  } else if (loss == fb::Loss::BINARY_CROSSENTROPY) {
    // Hard labels mostly, some soft ones (both are valid targets).
    for (float &v : want.data)
      v = rng.coin(0.7) ? float(rng.intIn(0, 1)) : rng.uniform(0, 1);
  } else {
    want.data = rng.floats(size_t(count), -1, 1);
  }
  host = toHost(want);
}

} // namespace

void expectTrainingMatches(const ModelBuilder &b,
                           const std::vector<int64_t> &inputShape,
                           const TrainRun &run, uint32_t seed) {
  const TrainerOptions &o = run.options;
  SCOPED_TRACE(std::string(fb::EnumNameLoss(o.loss)) + " " +
               fb::EnumNameOptimizer(o.optimizer) + " momentum " +
               std::to_string(o.momentum) + (o.nesterov ? " nesterov" : "") +
               " wd " + std::to_string(o.weightDecay) + " threads " +
               std::to_string(o.threads) + " batch " +
               std::to_string(run.batch));
  StatusOr<std::vector<uint8_t>> bytes = b.serialize();
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  // Saved before compiling: a compiler crash leaves no chance afterwards.
  SCOPED_TRACE("model " + saveToDumpDir(*bytes));
  auto file = ModelFile::fromBuffer(std::move(*bytes), "train-graph");
  ASSERT_TRUE(file.ok()) << file.status().message();
  const fb::Model &model = *(*file)->model();

  TrainerOptions options = o;
  options.batchSize = run.batch;
  auto trainer = createTrainer(**file, options);
  ASSERT_TRUE(trainer.ok()) << trainer.status().message();
  const ref::TrainConfig config = refConfig(options);
  ref::TrainState state;
  try {
    state = ref::initialTrainState(model, config);
  } catch (const std::exception &e) {
    FAIL() << "reference: " << e.what();
  }
  ASSERT_EQ((*trainer)->parameterNames().size(), state.params.size());

  Random rng(seed);
  std::vector<int64_t> shape = inputShape;
  shape.insert(shape.begin(), run.batch);
  for (int s = 0; s < run.steps; ++s) {
    ref::RefTensor images{shape, rng.floats(size_t(ref::numElements(shape)))};
    // The output's shape, for the labels.
    ref::ReferenceInterpreter interp;
    std::vector<ref::RefTensor> outputs;
    std::string error = interp.run(model, {images}, outputs);
    ASSERT_TRUE(error.empty()) << error;
    ref::RefTensor labels;
    HostTensor hostLabels;
    randomLabels(rng, o.loss, outputs[0].shape, labels, hostLabels);

    float lr = (*trainer)->nextLearningRate();
    double want = 0;
    try {
      want = ref::trainStep(model, state, images, labels, config, lr);
    } catch (const std::exception &e) {
      FAIL() << "reference: " << e.what();
    }
    auto got = (*trainer)->step(toHost(images), hostLabels);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_NEAR(*got, want, 1e-5 * std::max(1.0, std::fabs(want)))
        << "loss of step " << s;
  }
  for (const std::string &name : (*trainer)->parameterNames()) {
    ASSERT_TRUE(state.params.count(name)) << name;
    EXPECT_LE(relativeError(*(*trainer)->tensor(name), state.params[name]),
              run.paramTolerance)
        << "parameter " << name;
  }
}

} // namespace dlc::e2e
