// One compiled model shared by several threads: an ahead-of-time shared
// library (CompiledModel::loadSharedLibrary) run from 8 threads at once,
// some of them splitting their batch over the runtime's pool as well. Every
// output must equal the single-threaded result bit for bit (run() is
// documented as safe to call concurrently; see CompiledModel.h). The JIT
// counterpart is MnistCnn.ConcurrentCallersGetExactResults.
#include "E2ETestUtil.h"

#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

using namespace dlc;
using namespace dlc::e2e;

namespace {

const char *kModelPath = DLC_EXAMPLES_DIR "/mnist_cnn.fb";

TEST(Concurrency, SharedLibraryFromEightThreads) {
  auto file = ModelFile::open(kModelPath);
  ASSERT_TRUE(file.ok()) << file.status().message();
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("dlc-e2e", dir));
  std::string lib = (dir + "/mnist_cnn.so").str();
  CompileOptions options;
  options.batchSize = 3;
  Status s = compileModel(**file, options, EmitKind::SharedLibrary, lib);
  ASSERT_TRUE(s.ok()) << s.message();
  auto model = CompiledModel::loadSharedLibrary(lib);
  ASSERT_TRUE(model.ok()) << model.status().message();

  // Thread i runs a batch of 2 + i images (partial chunks included); odd
  // threads also split it over 2 pool workers.
  constexpr int kThreads = 8;
  Random rng(testSeed());
  std::vector<HostTensor> inputs;
  std::vector<std::vector<float>> expected;
  for (int i = 0; i < kThreads; ++i) {
    auto t = HostTensor::create(DType::F32, {2 + i, 28, 28, 1});
    ASSERT_TRUE(t.ok());
    std::vector<float> pixels =
        rng.floats(size_t(t->numElements()), 0.0f, 1.0f);
    std::copy(pixels.begin(), pixels.end(), t->data<float>());
    std::vector<HostTensor> one;
    one.push_back(std::move(*t));
    auto out = (*model)->run(one);
    ASSERT_TRUE(out.ok()) << out.status().message();
    const HostTensor &y = (*out)[0];
    ASSERT_EQ(y.dim(0), 2 + i);
    expected.emplace_back(y.data<float>(), y.data<float>() + y.numElements());
    inputs.push_back(std::move(one[0]));
  }

  std::atomic<int> mismatches{0}, calls{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      std::vector<HostTensor> in;
      auto copy = inputs[size_t(i)].clone();
      if (!copy.ok()) {
        ++mismatches;
        return;
      }
      in.push_back(std::move(*copy));
      RunOptions run;
      run.threads = i % 2 ? 2 : 1;
      while (std::chrono::steady_clock::now() < deadline) {
        auto out = (*model)->run(in, run);
        ++calls;
        const std::vector<float> &want = expected[size_t(i)];
        if (!out.ok() || (*out)[0].numElements() != int64_t(want.size()) ||
            !std::equal(want.begin(), want.end(), (*out)[0].data<float>()))
          ++mismatches;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_GT(calls.load(), kThreads);
  model->reset();
  llvm::sys::fs::remove(lib);
  llvm::sys::fs::remove(dir);
}

} // namespace
