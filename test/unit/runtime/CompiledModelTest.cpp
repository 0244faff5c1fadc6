// CompiledModel: batch chunking with fake describe/infer functions, input
// validation, and loading shared libraries.
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/ThreadPool.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

// A model specialized for batch 4: y = 2 * x + 1 on x of shape [4, 3]. It
// counts its calls and records whether the rows it got were zero, so the
// tests can check the chunking and the zero padding.
const int64_t kShape4x3[] = {4, 3};
const dlc_tensor_desc kX = {"x", DLC_DTYPE_F32, 2, kShape4x3, 0};
const dlc_tensor_desc kY = {"y", DLC_DTYPE_F32, 2, kShape4x3, 0};
dlc_model_desc gDesc;
std::atomic<int> gCalls{0};
std::atomic<int> gZeroRowsSeen{0};
std::atomic<bool> gWorkspaceOk{true};
std::atomic<int32_t> gReturnCode{0};

void resetFake() {
  gDesc = {DLC_ABI_VERSION, "double", 4, 1, 1, &kX, &kY, 100};
  gCalls = 0;
  gZeroRowsSeen = 0;
  gWorkspaceOk = true;
  gReturnCode = 0;
}

const dlc_model_desc *describeFake() { return &gDesc; }

int32_t inferFake(void *const *inputs, void *const *outputs, void *ws,
                  const dlc_parallel *) {
  ++gCalls;
  if (!ws || reinterpret_cast<uintptr_t>(ws) % 64 != 0)
    gWorkspaceOk = false;
  else
    std::memset(ws, 0xff, 100); // The workspace must really be 100 bytes.
  const float *x = static_cast<const float *>(inputs[0]);
  float *y = static_cast<float *>(outputs[0]);
  for (int r = 0; r < 4; ++r) {
    bool zero = true;
    for (int c = 0; c < 3; ++c) {
      zero &= x[r * 3 + c] == 0.0f;
      y[r * 3 + c] = 2.0f * x[r * 3 + c] + 1.0f;
    }
    gZeroRowsSeen += zero;
  }
  return gReturnCode;
}

std::unique_ptr<CompiledModel> makeFake() {
  resetFake();
  StatusOr<std::unique_ptr<CompiledModel>> m =
      CompiledModel::fromFunctions(describeFake, inferFake, nullptr, "fake");
  EXPECT_TRUE(m.ok()) << errorOf(m);
  return m.ok() ? std::move(*m) : nullptr;
}

/// Input rows 1, 2, 3, ... (never zero).
HostTensor rows(int64_t n, int64_t cols = 3) {
  StatusOr<HostTensor> t = HostTensor::create(DType::F32, {n, cols});
  EXPECT_TRUE(t.ok());
  for (int64_t i = 0; i < n * cols; ++i)
    t->data<float>()[i] = float(i + 1);
  return std::move(*t);
}

std::vector<HostTensor> one(HostTensor t) {
  std::vector<HostTensor> v;
  v.push_back(std::move(t));
  return v;
}

TEST(CompiledModel, RunsAnyBatchInChunks) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->desc().batch_size, 4);
  for (int64_t n : {1, 4, 5, 9, 0, 8}) {
    gCalls = 0;
    gZeroRowsSeen = 0;
    StatusOr<std::vector<HostTensor>> out = m->run(one(rows(n)));
    ASSERT_TRUE(out.ok()) << errorOf(out);
    ASSERT_EQ(out->size(), 1u);
    const HostTensor &y = (*out)[0];
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{n, 3}));
    for (int64_t i = 0; i < n * 3; ++i)
      ASSERT_EQ(y.data<float>()[i], 2.0f * float(i + 1) + 1.0f) << n;
    EXPECT_EQ(gCalls, (n + 3) / 4) << "batch " << n;
    // The last partial chunk is padded with zero rows.
    EXPECT_EQ(gZeroRowsSeen, n % 4 ? 4 - n % 4 : 0) << "batch " << n;
  }
  EXPECT_TRUE(gWorkspaceOk);
}

TEST(CompiledModel, RunsChunksOnSeveralThreads) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  for (int threads : {2, 3, 8}) {
    for (int64_t n : {1, 7, 8, 33, 100}) {
      gCalls = 0;
      gZeroRowsSeen = 0;
      RunOptions options;
      options.threads = threads;
      StatusOr<std::vector<HostTensor>> out = m->run(one(rows(n)), options);
      ASSERT_TRUE(out.ok()) << errorOf(out);
      const HostTensor &y = (*out)[0];
      for (int64_t i = 0; i < n * 3; ++i)
        ASSERT_EQ(y.data<float>()[i], 2.0f * float(i + 1) + 1.0f)
            << threads << " threads, batch " << n;
      EXPECT_EQ(gCalls, (n + 3) / 4);
      EXPECT_EQ(gZeroRowsSeen, n % 4 ? 4 - n % 4 : 0);
    }
  }
  EXPECT_TRUE(gWorkspaceOk);
}

TEST(ThreadPool, RunsEveryTaskOnce) {
  for (int threads : {1, 2, 4}) {
    std::vector<std::atomic<int>> hits(1000);
    ThreadPool::global().parallelFor(
        1000, threads, [&](int64_t i) { hits[size_t(i)].fetch_add(1); });
    for (const auto &h : hits)
      ASSERT_EQ(h.load(), 1);
  }
  // Concurrent callers: each call still runs all of its own tasks.
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      for (int r = 0; r < 50; ++r)
        ThreadPool::global().parallelFor(
            10, 2, [&](int64_t i) { total.fetch_add(i + 1); });
    });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(total.load(), 4 * 50 * 55);
}

// Which calls are lent the pool: with fewer chunks of the compiled batch
// than threads the threads share each call's kernel tasks; with at least as
// many, they take whole chunks and each call runs on one thread.
std::vector<bool> gLentPool;
int32_t inferRecordingPool(void *const *inputs, void *const *outputs,
                           void *ws, const dlc_parallel *parallel) {
  gLentPool.push_back(parallel != nullptr);
  return inferFake(inputs, outputs, ws, nullptr);
}

TEST(CompiledModel, LendsThePoolToKernelsWhenChunksAreFewerThanThreads) {
  resetFake();
  auto m = CompiledModel::fromFunctions(describeFake, inferRecordingPool,
                                        nullptr, "pool");
  ASSERT_TRUE(m.ok()) << errorOf(m);
  auto runWith = [&](int64_t n, int threads) {
    gLentPool.clear();
    RunOptions options;
    options.threads = threads;
    std::vector<HostTensor> in;
    in.push_back(rows(n));
    auto out = (*m)->run(in, options);
    EXPECT_TRUE(out.ok()) << errorOf(out);
    return gLentPool;
  };
  // Compiled for 4 rows: one chunk, two threads: the call gets the pool.
  EXPECT_EQ(runWith(4, 2), std::vector<bool>{true});
  // One thread: never.
  EXPECT_EQ(runWith(4, 1), std::vector<bool>{false});
  // Four chunks on two threads: chunks run concurrently, no pool.
  EXPECT_EQ(runWith(16, 2), std::vector<bool>(4, false));
}

TEST(CompiledModel, ValidatesInputs) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  EXPECT_EQ(errorOf(m->run({})),
            "fake: the model takes 1 inputs, but 0 were given");
  EXPECT_EQ(errorOf(m->run(one(rows(5, 4)))),
            "fake: input 0 'x': expected float32 [N, 3], got float32 [5, 4]");
  StatusOr<HostTensor> ints = HostTensor::create(DType::I32, {2, 3});
  ASSERT_TRUE(ints.ok());
  EXPECT_THAT(errorOf(m->run(one(std::move(*ints)))),
              HasSubstr("got int32 [2, 3]"));
  StatusOr<HostTensor> rank3 = HostTensor::create(DType::F32, {2, 3, 1});
  ASSERT_TRUE(rank3.ok());
  EXPECT_THAT(errorOf(m->run(one(std::move(*rank3)))),
              HasSubstr("expected float32 [N, 3], got float32 [2, 3, 1]"));
}

TEST(CompiledModel, InputsMustShareTheBatch) {
  resetFake();
  const dlc_tensor_desc twoInputs[] = {kX, {"z", DLC_DTYPE_F32, 2, kShape4x3, 0}};
  gDesc.num_inputs = 2;
  gDesc.inputs = twoInputs;
  StatusOr<std::unique_ptr<CompiledModel>> m =
      CompiledModel::fromFunctions(describeFake, inferFake, nullptr, "two");
  ASSERT_TRUE(m.ok()) << errorOf(m);
  std::vector<HostTensor> in;
  in.push_back(rows(5));
  in.push_back(rows(3));
  EXPECT_EQ(errorOf((*m)->run(in)),
            "two: input 1 'z' has batch 3, but input 0 has batch 5");
}

TEST(CompiledModel, InferFailure) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  gReturnCode = 7;
  EXPECT_EQ(errorOf(m->run(one(rows(6)))),
            "fake: dlc_model_infer failed with code 7 on rows 0..3");
}

TEST(CompiledModel, RejectsBadDescriptions) {
  auto error = [](void (*edit)(dlc_model_desc &)) {
    resetFake();
    edit(gDesc);
    return errorOf(
        CompiledModel::fromFunctions(describeFake, inferFake, nullptr, "bad"));
  };
  EXPECT_THAT(
      error([](dlc_model_desc &d) { d.abi_version = DLC_ABI_VERSION + 1; }),
      HasSubstr("bad: the model uses ABI version " +
                std::to_string(DLC_ABI_VERSION + 1) +
                ", but this runtime supports version " +
                std::to_string(DLC_ABI_VERSION)));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.batch_size = 0; }),
              HasSubstr("invalid model description: batch size 0"));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.num_outputs = -1; }),
              HasSubstr("1 inputs and -1 outputs"));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.num_inputs = -1; }),
              HasSubstr("-1 inputs and 1 outputs"));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.inputs = nullptr; }),
              HasSubstr("invalid model description"));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.workspace_bytes = -1; }),
              HasSubstr("workspace of -1 bytes"));
  EXPECT_THAT(error([](dlc_model_desc &d) { d.batch_size = 2; }),
              HasSubstr("input 0 'x' has batch dim 4, but the model's batch "
                        "size is 2"));
  EXPECT_FALSE(CompiledModel::fromFunctions(nullptr, inferFake, nullptr).ok());
}

// The model of resetFake() with its output transposed to [3, 4]: dim 0 is
// not the batch (flagged DLC_TENSOR_UNBATCHED), so run() cannot cut the
// batch into chunks and calls the model once, at [4, 3].
const int64_t kShape3x4[] = {3, 4};
const dlc_tensor_desc kYt = {"y_t", DLC_DTYPE_F32, 2, kShape3x4,
                             DLC_TENSOR_UNBATCHED};

int32_t inferTransposedFake(void *const *inputs, void *const *outputs,
                            void *, const dlc_parallel *) {
  ++gCalls;
  const float *x = static_cast<const float *>(inputs[0]);
  float *y = static_cast<float *>(outputs[0]);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 3; ++c)
      y[c * 4 + r] = 2.0f * x[r * 3 + c] + 1.0f;
  return gReturnCode;
}

// A model whose second input is a scalar, held as one element [1] (an
// ONNX graph's scalar input); a 0-d tensor is taken for it, as ONNX Runtime
// takes one.
const int64_t kShape1[] = {1};
const dlc_tensor_desc kScalarInputs[] = {
    {"x", DLC_DTYPE_F32, 2, kShape4x3, 0},
    {"s", DLC_DTYPE_F32, 1, kShape1, DLC_TENSOR_UNBATCHED}};

int32_t inferScaledFake(void *const *inputs, void *const *outputs, void *,
                        const dlc_parallel *) {
  const float *x = static_cast<const float *>(inputs[0]);
  float s = *static_cast<const float *>(inputs[1]);
  float *y = static_cast<float *>(outputs[0]);
  for (int i = 0; i < 12; ++i)
    y[i] = s * x[i];
  return 0;
}

TEST(CompiledModel, TakesAZeroDimensionalScalarForAOneElementInput) {
  resetFake();
  gDesc.num_inputs = 2;
  gDesc.inputs = kScalarInputs;
  auto m = CompiledModel::fromFunctions(describeFake, inferScaledFake,
                                        nullptr, "scaled");
  ASSERT_TRUE(m.ok()) << errorOf(m);
  for (std::vector<int64_t> shape : {std::vector<int64_t>{},
                                     std::vector<int64_t>{1}}) {
    auto s = HostTensor::create(DType::F32, shape);
    ASSERT_TRUE(s.ok());
    s->data<float>()[0] = 3.0f;
    std::vector<HostTensor> in;
    in.push_back(rows(8));
    in.push_back(std::move(*s));
    auto out = (*m)->run(in);
    ASSERT_TRUE(out.ok()) << errorOf(out);
    ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{8, 3}));
    for (int i = 0; i < 24; ++i)
      EXPECT_EQ((*out)[0].data<float>()[i], 3.0f * float(i + 1));
  }
  resetFake();
}

TEST(CompiledModel, RunsWholeWithAnUnbatchedOutput) {
  resetFake();
  gDesc.outputs = &kYt;
  StatusOr<std::unique_ptr<CompiledModel>> m = CompiledModel::fromFunctions(
      describeFake, inferTransposedFake, nullptr, "transposed");
  ASSERT_TRUE(m.ok()) << errorOf(m);
  EXPECT_TRUE((*m)->runsWhole());
  for (int threads : {1, 2}) {
    gCalls = 0;
    RunOptions options;
    options.threads = threads;
    StatusOr<std::vector<HostTensor>> out = (*m)->run(one(rows(4)), options);
    ASSERT_TRUE(out.ok()) << errorOf(out);
    const HostTensor &y = (*out)[0];
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{3, 4}));
    // y[c][r] = 2 * x[r][c] + 1 with x[r][c] = 3r + c + 1.
    for (int r = 0; r < 4; ++r)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(y.data<float>()[c * 4 + r],
                  2.0f * float(3 * r + c + 1) + 1.0f)
            << r << ", " << c;
    EXPECT_EQ(gCalls, 1) << threads << " threads";
  }
  // Only the compiled shape is accepted; other batches cannot be split.
  EXPECT_EQ(errorOf((*m)->run(one(rows(5)))),
            "transposed: input 0 'x': expected float32 [4, 3], got float32 "
            "[5, 3] (output 0 'y_t' has no batch dimension, so it runs "
            "whole, at its compiled shapes)");
  EXPECT_THAT(errorOf((*m)->run(one(rows(4, 2)))),
              HasSubstr("expected float32 [4, 3], got float32 [4, 2]"));
  gReturnCode = 3;
  EXPECT_EQ(errorOf((*m)->run(one(rows(4)))),
            "transposed: dlc_model_infer failed with code 3");
}

// A model without inputs: y = [1, 2, 3] from its weights alone.
const int64_t kShape3[] = {3};
const dlc_tensor_desc kConst = {"const", DLC_DTYPE_F32, 1, kShape3,
                                DLC_TENSOR_UNBATCHED};

int32_t inferConstantFake(void *const *, void *const *outputs, void *ws,
                          const dlc_parallel *) {
  ++gCalls;
  if (ws)
    gWorkspaceOk = false; // The description asks for no workspace.
  float *y = static_cast<float *>(outputs[0]);
  for (int i = 0; i < 3; ++i)
    y[i] = float(i + 1);
  return 0;
}

TEST(CompiledModel, RunsWholeWithoutInputs) {
  resetFake();
  gDesc.num_inputs = 0;
  gDesc.inputs = nullptr;
  gDesc.outputs = &kConst;
  gDesc.workspace_bytes = 0;
  StatusOr<std::unique_ptr<CompiledModel>> m = CompiledModel::fromFunctions(
      describeFake, inferConstantFake, nullptr, "constant");
  ASSERT_TRUE(m.ok()) << errorOf(m);
  EXPECT_TRUE((*m)->runsWhole());
  RunOptions two;
  two.threads = 2;
  StatusOr<std::vector<HostTensor>> out = (*m)->run({}, two);
  ASSERT_TRUE(out.ok()) << errorOf(out);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{3}));
  EXPECT_EQ(std::vector<float>((*out)[0].data<float>(),
                               (*out)[0].data<float>() + 3),
            (std::vector<float>{1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(gCalls, 1);
  EXPECT_TRUE(gWorkspaceOk);
  EXPECT_EQ(errorOf((*m)->run(one(rows(1)))),
            "constant: the model takes 0 inputs, but 1 were given");
}

TEST(CompiledModel, ChunkedModelsDoNotRunWhole) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->runsWhole());
}

TEST(CompiledModel, KeepAliveLivesAsLongAsTheModel) {
  resetFake();
  auto token = std::make_shared<int>(1);
  std::weak_ptr<int> watch = token;
  StatusOr<std::unique_ptr<CompiledModel>> m = CompiledModel::fromFunctions(
      describeFake, inferFake, std::move(token), "jit");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(watch.expired());
  m->reset();
  EXPECT_TRUE(watch.expired());
}

TEST(CompiledModel, ConcurrentRuns) {
  std::unique_ptr<CompiledModel> m = makeFake();
  ASSERT_TRUE(m);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int iter = 0; iter < 50; ++iter) {
        int64_t n = 1 + (t * 7 + iter) % 11;
        StatusOr<std::vector<HostTensor>> out = m->run(one(rows(n)));
        if (!out.ok()) {
          ++failures;
          continue;
        }
        for (int64_t i = 0; i < n * 3; ++i)
          if ((*out)[0].data<float>()[i] != 2.0f * float(i + 1) + 1.0f)
            ++failures;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
}

TEST(CompiledModel, LoadSharedLibrary) {
  StatusOr<std::unique_ptr<CompiledModel>> m =
      CompiledModel::loadSharedLibrary(DLC_FAKE_MODEL_GOOD);
  ASSERT_TRUE(m.ok()) << errorOf(m);
  EXPECT_STREQ((*m)->desc().name, "fake");
  StatusOr<std::vector<HostTensor>> out = (*m)->run(one(rows(3)));
  ASSERT_TRUE(out.ok()) << errorOf(out);
  EXPECT_EQ((*out)[0].data<float>()[8], 18.0f);

  EXPECT_THAT(errorOf(CompiledModel::loadSharedLibrary(DLC_FAKE_MODEL_BAD_ABI)),
              HasSubstr("uses ABI version 99"));
  EXPECT_THAT(
      errorOf(CompiledModel::loadSharedLibrary(DLC_FAKE_MODEL_NO_INFER)),
      HasSubstr(std::string(DLC_FAKE_MODEL_NO_INFER) +
                ": not a dlc compiled model: it does not export "
                "dlc_model_infer"));
  test::TempDir dir;
  std::string missing = dir.file("missing.so");
  EXPECT_THAT(errorOf(CompiledModel::loadSharedLibrary(missing)),
              HasSubstr(missing + ": cannot load the compiled model: "));
  std::string junk = dir.file("junk.so");
  test::writeBytes(junk, {'n', 'o', 't', ' ', 'E', 'L', 'F'});
  EXPECT_THAT(errorOf(CompiledModel::loadSharedLibrary(junk)),
              HasSubstr(junk + ": cannot load the compiled model: "));
}

TEST(CompiledModel, ChunkBatchForGivesEachThreadSeveralChunks) {
  // One thread: the whole batch in one call.
  EXPECT_EQ(chunkBatchFor(64, 1), 64);
  EXPECT_EQ(chunkBatchFor(1, 2), 1);
  // About four chunks per thread...
  EXPECT_EQ(chunkBatchFor(64, 2), 8);
  EXPECT_EQ(chunkBatchFor(256, 2), 32);
  EXPECT_EQ(chunkBatchFor(1000, 4), 63);
  // ... but not below 8 images, unless a thread's share is smaller.
  EXPECT_EQ(chunkBatchFor(32, 2), 8);
  EXPECT_EQ(chunkBatchFor(8, 2), 4);
  EXPECT_EQ(chunkBatchFor(3, 2), 2);
  for (int64_t batch : {1, 2, 7, 64, 1000})
    for (int threads : {1, 2, 3, 8}) {
      int64_t chunk = chunkBatchFor(batch, threads);
      EXPECT_GE(chunk, 1);
      EXPECT_LE(chunk, batch);
    }
}

} // namespace
} // namespace dlc
