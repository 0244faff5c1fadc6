// The example CNN (examples/mnist_cnn.fb) end to end: JIT-compiled at batch
// 1 and 64 and AOT-compiled to a shared library loaded through the runtime,
// each compared with the reference interpreter on the same random images.
#include "E2ETestUtil.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

using namespace dlc;
using namespace dlc::e2e;

namespace {

const char *kModelPath = DLC_EXAMPLES_DIR "/mnist_cnn.fb";

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

/// `count` images of pixels in [0, 1), the model's input range.
ref::RefTensor randomImages(Random &rng, int64_t count) {
  ref::RefTensor t;
  t.shape = {count, 28, 28, 1};
  t.data = rng.floats(size_t(count * 28 * 28), 0.0f, 1.0f);
  return t;
}

class MnistCnn : public ::testing::Test {
protected:
  void SetUp() override {
    bytes_ = readFile(kModelPath);
    ASSERT_FALSE(bytes_.empty()) << "cannot read " << kModelPath;
    auto file = ModelFile::open(kModelPath);
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::move(*file);
  }

  /// Runs `model` on `batches` fresh image batches and compares each with
  /// the reference. The softmax outputs are probabilities in [0, 1], so the
  /// 1e-4 tolerance is an absolute one here.
  void check(const CompiledModel &model, std::vector<int64_t> batches,
             const std::string &family, RunOptions options = RunOptions()) {
    Random rng(testSeed());
    for (int64_t n : batches)
      EXPECT_TRUE(compareRun(family, model, bytes_, {randomImages(rng, n)},
                             kDefaultTolerance, options))
          << "batch " << n;
  }

  std::vector<uint8_t> bytes_;
  std::unique_ptr<ModelFile> file_;
};

TEST_F(MnistCnn, JitBatch1) {
  CompileOptions options;
  options.batchSize = 1;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->desc().batch_size, 1);
  check(**model, {1, 3}, "mnist_cnn");
}

TEST_F(MnistCnn, JitBatch64) {
  CompileOptions options;
  options.batchSize = 64;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->desc().batch_size, 64);
  // 64 in place; 100 = one full chunk + a zero-padded partial one; 5 = only
  // a partial chunk.
  check(**model, {64, 100, 5}, "mnist_cnn");
}

TEST_F(MnistCnn, JitOnSeveralThreads) {
  CompileOptions options;
  options.batchSize = 16;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  // Chunks of 16 run concurrently on the runtime's pool, each with its own
  // workspace; 37 leaves a partial chunk on one of the threads.
  RunOptions run;
  run.threads = 2;
  check(**model, {64, 37}, "mnist_cnn", run);
  run.threads = 3;
  check(**model, {64}, "mnist_cnn", run);
}

// One compiled model run from 8 threads at once for about two seconds:
// every call must give exactly the single-threaded result (run() is
// documented as safe to call concurrently).
TEST_F(MnistCnn, ConcurrentCallersGetExactResults) {
  CompileOptions options;
  options.batchSize = 4;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  Random rng(testSeed());
  std::vector<HostTensor> inputs;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < 8; ++i) {
    ref::RefTensor images = randomImages(rng, 4 + i);
    auto t = HostTensor::create(DType::F32, images.shape);
    ASSERT_TRUE(t.ok());
    std::copy(images.data.begin(), images.data.end(), t->data<float>());
    std::vector<HostTensor> one;
    one.push_back(std::move(*t));
    auto out = (*model)->run(one);
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor &y = (*out)[0];
    expected.emplace_back(y.data<float>(), y.data<float>() + y.numElements());
    inputs.push_back(std::move(one[0]));
  }
  std::atomic<int> mismatches{0}, calls{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      std::vector<HostTensor> in;
      auto copy = inputs[size_t(i)].clone();
      if (!copy.ok()) {
        ++mismatches;
        return;
      }
      in.push_back(std::move(*copy));
      while (std::chrono::steady_clock::now() < deadline) {
        auto out = (*model)->run(in);
        ++calls;
        if (!out.ok() ||
            !std::equal(expected[size_t(i)].begin(), expected[size_t(i)].end(),
                        (*out)[0].data<float>()))
          ++mismatches;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(calls.load(), 8);
}

TEST_F(MnistCnn, JitUnfused) {
  CompileOptions options;
  options.batchSize = 8;
  options.fuse = false;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  check(**model, {8, 11}, "mnist_cnn");
}

TEST_F(MnistCnn, AotSharedLibrary) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dlc-e2e", dir));
  std::string lib = (dir + "/mnist_cnn.so").str();
  CompileOptions options;
  options.batchSize = 16;
  Status s = compileModel(*file_, options, EmitKind::SharedLibrary, lib);
  ASSERT_TRUE(s.ok()) << s.message();
  {
    auto model = CompiledModel::loadSharedLibrary(lib);
    ASSERT_TRUE(model.ok()) << model.status().message();
    EXPECT_EQ((*model)->desc().batch_size, 16);
    EXPECT_EQ((*model)->desc().num_inputs, 1);
    EXPECT_EQ((*model)->desc().num_outputs, 1);
    check(**model, {16, 1, 37}, "mnist_cnn_aot");
  }
  llvm::sys::fs::remove(lib);
  llvm::sys::fs::remove(dir);
}

} // namespace
