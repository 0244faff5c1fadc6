// Models that CompiledModel::run cannot split into chunks of the compiled
// batch, compiled for real and compared with the reference interpreter: a
// model without inputs (its outputs computed from weights alone) and a
// model with an output that has no batch dimension. Both run whole, in one
// call at their compiled shapes, through the JIT and a shared library.
#include "E2ETestUtil.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <gmock/gmock.h>

using namespace dlc;
using namespace dlc::e2e;

namespace {

/// Compiles `model` into a shared library in a fresh directory and loads
/// it; the files are removed when the object goes away (the library stays
/// mapped while loaded).
struct SharedLibrary {
  llvm::SmallString<128> dir;
  std::string path;
  std::unique_ptr<CompiledModel> model;

  ::testing::AssertionResult build(const ModelBuilder &builder,
                                   const CompileOptions &options) {
    if (llvm::sys::fs::createUniqueDirectory("dlc-e2e", dir))
      return ::testing::AssertionFailure() << "no temporary directory";
    path = (dir + "/model.so").str();
    auto file = ModelFile::fromBuffer(builder.finish(), "e2e.fb");
    if (!file.ok())
      return ::testing::AssertionFailure() << file.status().message();
    Status s = compileModel(**file, options, EmitKind::SharedLibrary, path);
    if (!s.ok())
      return ::testing::AssertionFailure() << s.message();
    auto loaded = CompiledModel::loadSharedLibrary(path);
    if (!loaded.ok())
      return ::testing::AssertionFailure() << loaded.status().message();
    model = std::move(*loaded);
    return ::testing::AssertionSuccess();
  }
  ~SharedLibrary() {
    if (!path.empty())
      llvm::sys::fs::remove(path);
    if (!dir.empty())
      llvm::sys::fs::remove(dir);
  }
};

/// A graph without inputs: constant [3, 5] -> dense [5, 4] + bias -> ReLU,
/// and the constant transposed as a second output.
ModelBuilder noInputsModel(Random &rng) {
  ModelBuilder b("no_inputs");
  int32_t table = addRandomWeight(b, rng, "table", {3, 5});
  int32_t w = addRandomWeight(b, rng, "w", {5, 4});
  int32_t bias = addRandomWeight(b, rng, "bias", {4});
  b.markOutput(b.unary(fb::OpType::RELU, "relu",
                       b.dense("dense", table, w, bias)));
  b.markOutput(b.transpose("table_t", table, {1, 0}));
  return b;
}

TEST(RunWhole, NoInputsThroughTheJit) {
  Random rng(testSeed());
  ModelBuilder b = noInputsModel(rng);
  ASSERT_TRUE(b.validate().ok()) << b.validate().message();
  CheckOptions check;
  check.family = "run_whole";
  EXPECT_TRUE(matchesReference(b, check, rng));

  Compiled compiled;
  ASSERT_TRUE(compile(b, check.compile, compiled));
  EXPECT_EQ(compiled.model->desc().num_inputs, 0);
  EXPECT_TRUE(compiled.model->runsWhole());
  // The same outputs on every call and on any thread count.
  RunOptions two;
  two.threads = 2;
  EXPECT_TRUE(compareRun("run_whole", *compiled.model, b.finish(), {},
                         kDefaultTolerance, two));
  std::vector<HostTensor> extra;
  extra.push_back(HostTensor());
  EXPECT_THAT(compiled.model->run(extra).status().message(),
              ::testing::HasSubstr("the model takes 0 inputs, but 1 were "
                                   "given"));
}

TEST(RunWhole, NoInputsThroughASharedLibrary) {
  Random rng(testSeed());
  ModelBuilder b = noInputsModel(rng);
  SharedLibrary lib;
  ASSERT_TRUE(lib.build(b, CompileOptions()));
  EXPECT_EQ(lib.model->desc().num_inputs, 0);
  EXPECT_EQ(lib.model->desc().num_outputs, 2);
  EXPECT_TRUE(compareRun("run_whole", *lib.model, b.finish(), {},
                         kDefaultTolerance));
}

/// A batch of [N, 3, 4] in; out: ReLU (batched) and the input transposed to
/// [4, 3, N] (no batch dimension: dim 0 is 4).
ModelBuilder batchLastModel() {
  ModelBuilder b("batch_last");
  int32_t x = b.addInput("x", {-1, 3, 4});
  b.markOutput(b.unary(fb::OpType::RELU, "relu", x));
  b.markOutput(b.transpose("batch_last", x, {2, 1, 0}));
  return b;
}

/// Inputs of `shape` in [-1, 1) for compareRun.
std::vector<ref::RefTensor> randomInput(Random &rng,
                                        std::vector<int64_t> shape) {
  ref::RefTensor t;
  t.shape = std::move(shape);
  t.data = rng.floats(size_t(ref::numElements(t.shape)));
  return {t};
}

TEST(RunWhole, UnbatchedOutputThroughTheJit) {
  Random rng(testSeed());
  ModelBuilder b = batchLastModel();
  CompileOptions options;
  options.batchSize = 2;
  Compiled compiled;
  ASSERT_TRUE(compile(b, options, compiled));
  const dlc_model_desc &desc = compiled.model->desc();
  ASSERT_EQ(desc.num_outputs, 2);
  EXPECT_EQ(desc.outputs[0].flags & DLC_TENSOR_UNBATCHED, 0);
  EXPECT_NE(desc.outputs[1].flags & DLC_TENSOR_UNBATCHED, 0);
  EXPECT_TRUE(compiled.model->runsWhole());
  std::vector<uint8_t> bytes = b.finish();
  for (int threads : {1, 2}) {
    RunOptions run;
    run.threads = threads;
    EXPECT_TRUE(compareRun("run_whole", *compiled.model, bytes,
                           randomInput(rng, {2, 3, 4}), kDefaultTolerance,
                           run))
        << threads << " threads";
  }
  // Any other batch is refused: it cannot be cut into chunks of 2.
  std::vector<HostTensor> three;
  three.push_back(toHost(randomInput(rng, {3, 3, 4})[0]));
  EXPECT_EQ(compiled.model->run(three).status().message(),
            "e2e.fb: input 0 'x': expected float32 [2, 3, 4], got float32 "
            "[3, 3, 4] (output 1 'batch_last' has no batch dimension, so it "
            "runs whole, at its compiled shapes)");
}

TEST(RunWhole, UnbatchedOutputThroughASharedLibrary) {
  Random rng(testSeed());
  ModelBuilder b = batchLastModel();
  CompileOptions options;
  options.batchSize = 3;
  SharedLibrary lib;
  ASSERT_TRUE(lib.build(b, options));
  EXPECT_TRUE(lib.model->runsWhole());
  EXPECT_TRUE(compareRun("run_whole", *lib.model, b.finish(),
                         randomInput(rng, {3, 3, 4}), kDefaultTolerance));
  std::vector<HostTensor> one;
  one.push_back(toHost(randomInput(rng, {1, 3, 4})[0]));
  EXPECT_THAT(lib.model->run(one).status().message(),
              ::testing::HasSubstr("input 0 'x': expected float32 [3, 3, 4], "
                                   "got float32 [1, 3, 4]"));
}

} // namespace
