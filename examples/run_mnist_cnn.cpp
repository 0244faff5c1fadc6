// Runs the example CNN from C++: open the model, JIT-compile it for this
// CPU, classify a batch of images.
//
//   run_mnist_cnn [MODEL.fb]        (default: mnist_cnn.fb)
//
// The images are a synthetic, deterministic pattern and the model's weights
// are untrained (every class gets a probability near 0.1), so the classes it
// prints only show that everything runs. Real input: 28x28 grayscale images,
// NHWC, pixel values scaled to [0, 1].
//
// A library made by `dlc compile mnist_cnn.fb` runs the same way, without
// compiling at startup: dlc::CompiledModel::loadSharedLibrary("mnist_cnn.so").
#include "dlc/Compiler/Compiler.h"

#include <cstdio>
#include <vector>

static int fail(const dlc::Status &status) {
  std::fprintf(stderr, "error: %s\n", status.message().c_str());
  return 1;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "mnist_cnn.fb";
  const int64_t batch = 8;

  // Open the model: the file is memory-mapped and validated.
  auto file = dlc::ModelFile::open(path);
  if (!file.ok())
    return fail(file.status());

  // Compile it for this CPU. The code is specialized for one batch size;
  // run() also takes other batch sizes, in chunks of this one.
  dlc::CompileOptions options;
  options.batchSize = batch;
  auto model = dlc::jitCompile(**file, options);
  if (!model.ok())
    return fail(model.status());

  // A batch of images, NHWC [batch, 28, 28, 1].
  auto images = dlc::HostTensor::create(dlc::DType::F32, {batch, 28, 28, 1});
  if (!images.ok())
    return fail(images.status());
  float *pixels = images->data<float>();
  for (int64_t i = 0; i < images->numElements(); ++i)
    pixels[i] = float((i * 7919) % 256) / 255.0f;

  // Run. The one output is the softmax, [batch, 10].
  std::vector<dlc::HostTensor> inputs;
  inputs.push_back(std::move(*images));
  auto outputs = (*model)->run(inputs);
  if (!outputs.ok())
    return fail(outputs.status());

  const float *probs = (*outputs)[0].data<float>();
  for (int64_t n = 0; n < batch; ++n) {
    const float *p = probs + n * 10;
    int best = 0;
    for (int c = 1; c < 10; ++c)
      if (p[c] > p[best])
        best = c;
    std::printf("image %lld: class %d (p = %.3f)\n", (long long)n, best,
                p[best]);
  }
  return 0;
}
