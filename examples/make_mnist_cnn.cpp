// Writes examples/mnist_cnn.fb, the example model: the small CNN from the
// Keras MNIST tutorial, with freshly initialized (untrained) weights.
//
//   make_mnist_cnn examples/mnist_cnn.fb
//
// This file is the human-readable source of that model; regenerate the .fb
// after editing it. Layer and weight names follow Keras, so that weights
// trained in Keras could be copied over by name.
//
//   input            [-1, 28, 28, 1]
//   conv2d           32 filters 3x3, VALID, ReLU    -> [-1, 26, 26, 32]
//   max_pooling2d    2x2                            -> [-1, 13, 13, 32]
//   conv2d_1         64 filters 3x3, VALID, ReLU    -> [-1, 11, 11, 64]
//   max_pooling2d_1  2x2                            -> [-1, 5, 5, 64]
//   conv2d_2         64 filters 3x3, VALID, ReLU    -> [-1, 3, 3, 64]
//   flatten                                         -> [-1, 576]
//   dense            64 units, ReLU                 -> [-1, 64]
//   dense_1          10 units                       -> [-1, 10]
//   softmax                                         -> [-1, 10]
#include "dlc/runtime/ModelBuilder.h"

#include <cmath>
#include <cstdio>
#include <random>

using namespace dlc;

namespace {

/// Glorot (Xavier) uniform initialization, made portable: std::mt19937's
/// output sequence is fixed by the standard, but the distributions are not,
/// so the mapping from 32-bit integers to floats is done here.
class GlorotInit {
public:
  explicit GlorotInit(uint32_t seed) : rng_(seed) {}

  std::vector<float> sample(size_t count, double fanIn, double fanOut) {
    double limit = std::sqrt(6.0 / (fanIn + fanOut));
    std::vector<float> values(count);
    for (float &v : values) {
      // The top 24 bits give a uniform float in [0, 1) exactly.
      double unit = double(rng_() >> 8) / double(1 << 24);
      v = float((2.0 * unit - 1.0) * limit);
    }
    return values;
  }

private:
  std::mt19937 rng_;
};

/// A 3x3 VALID convolution with bias and fused ReLU; kernel layout HWIO.
int32_t conv3x3Relu(ModelBuilder &b, GlorotInit &init, const std::string &name,
                    int32_t in, int64_t cin, int64_t cout) {
  const int64_t k = 3;
  int32_t kernel =
      b.addWeight(name + "/kernel", {k, k, cin, cout},
                  init.sample(size_t(k * k * cin * cout), double(k * k * cin),
                              double(k * k * cout)));
  int32_t bias = b.addWeight(name + "/bias", {cout},
                             std::vector<float>(size_t(cout), 0.0f));
  fb::Conv2DOptionsT options;
  options.padding = fb::Padding::VALID;
  options.activation = fb::Activation::RELU;
  return b.conv2d(name, in, kernel, bias, options);
}

int32_t maxPool2x2(ModelBuilder &b, const std::string &name, int32_t in) {
  fb::Pool2DOptionsT options;
  options.filter_h = options.filter_w = 2;
  options.stride_h = options.stride_w = 2;
  return b.maxPool2d(name, in, options);
}

int32_t denseLayer(ModelBuilder &b, GlorotInit &init, const std::string &name,
                   int32_t in, int64_t units_in, int64_t units_out,
                   fb::Activation activation) {
  int32_t kernel =
      b.addWeight(name + "/kernel", {units_in, units_out},
                  init.sample(size_t(units_in * units_out), double(units_in),
                              double(units_out)));
  int32_t bias = b.addWeight(name + "/bias", {units_out},
                             std::vector<float>(size_t(units_out), 0.0f));
  fb::DenseOptionsT options;
  options.activation = activation;
  return b.dense(name, in, kernel, bias, options);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.fb\n", argv[0]);
    return 2;
  }

  ModelBuilder b("mnist_cnn");
  b.setDescription("Keras MNIST example CNN (28x28x1 grayscale digits -> "
                   "10 class probabilities), untrained Glorot-uniform "
                   "weights");
  GlorotInit init(/*seed=*/20240601);

  int32_t x = b.addInput("input", {-1, 28, 28, 1});
  x = conv3x3Relu(b, init, "conv2d", x, 1, 32);
  x = maxPool2x2(b, "max_pooling2d", x);
  x = conv3x3Relu(b, init, "conv2d_1", x, 32, 64);
  x = maxPool2x2(b, "max_pooling2d_1", x);
  x = conv3x3Relu(b, init, "conv2d_2", x, 64, 64);
  x = b.flatten("flatten", x); // 3 * 3 * 64 = 576 features.
  x = denseLayer(b, init, "dense", x, 576, 64, fb::Activation::RELU);
  x = denseLayer(b, init, "dense_1", x, 64, 10, fb::Activation::NONE);
  x = b.softmax("softmax", x);
  b.markOutput(x);

  // How `dlc train` should train it: model.compile(optimizer=Adam(1e-3),
  // loss="categorical_crossentropy") and fit(batch_size=64, epochs=5) with
  // one-hot labels fed as "labels".
  fb::TrainingT training;
  training.loss = fb::Loss::CATEGORICAL_CROSSENTROPY;
  training.optimizer = fb::Optimizer::ADAM;
  training.learning_rate = 1e-3f;
  training.batch_size = 64;
  training.epochs = 5;
  training.label_input = "labels";
  training.seed = 20240601;
  b.setTraining(training);

  b.addMetadata("source", "examples/make_mnist_cnn.cpp");
  b.addMetadata("input", "28x28x1 float32 images, pixel values scaled to "
                         "[0, 1]");
  b.addMetadata("output", "probabilities of the digits 0-9");

  Status valid = b.validate(argv[1]);
  if (!valid.ok()) {
    std::fprintf(stderr, "error: %s\n", valid.message().c_str());
    return 1;
  }
  Status saved = b.save(argv[1]);
  if (!saved.ok()) {
    std::fprintf(stderr, "error: %s\n", saved.message().c_str());
    return 1;
  }
  return 0;
}
