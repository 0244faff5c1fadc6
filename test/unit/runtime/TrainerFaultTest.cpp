// Numeric faults in training: a NaN or infinite gradient that does not show
// in the loss must stop the run, name the step (and, through fit(), the
// epoch), and leave the last checkpoint on disk as it was.
//
// The training step here is a fake behind the real C ABI (no compiler): it
// reports a finite loss and applies "gradients" the test chooses, so a
// poisoned gradient reaches the parameters while the loss stays finite.
#include "dlc/runtime/Fit.h"
#include "dlc/runtime/Trainer.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

constexpr int64_t kBatch = 2;
constexpr float kGradient = 0.01f;

// The fake step's description: data [2, 2, 2, 1], one-hot labels [2, 3],
// the hyper-parameters, the tiny model's two parameters (updated in place),
// then the loss and the softmax output [2, 3].
int64_t gImageShape[] = {kBatch, 2, 2, 1}, gLabelShape[] = {kBatch, 3},
        gHyperShape[] = {3}, gKernelShape[] = {4, 3}, gBiasShape[] = {3},
        gOutShape[] = {kBatch, 3};
constexpr int32_t kParam =
    DLC_TENSOR_PARAMETER | DLC_TENSOR_UPDATED | DLC_TENSOR_UNBATCHED;
dlc_tensor_desc gInputs[] = {
    {"input", DLC_DTYPE_F32, 4, gImageShape, 0},
    {"labels", DLC_DTYPE_F32, 2, gLabelShape, 0},
    {"hyper", DLC_DTYPE_F32, 1, gHyperShape, DLC_TENSOR_UNBATCHED},
    {"dense/kernel", DLC_DTYPE_F32, 2, gKernelShape, kParam},
    {"dense/bias", DLC_DTYPE_F32, 1, gBiasShape, kParam}};
dlc_tensor_desc gOutputs[] = {
    {"loss", DLC_DTYPE_F32, 0, nullptr, DLC_TENSOR_UNBATCHED},
    {"softmax", DLC_DTYPE_F32, 2, gOutShape, 0}};
dlc_model_desc gDesc = {DLC_ABI_VERSION, "fake_step", kBatch, 5, 2,
                        gInputs,         gOutputs,    0};

int gCalls = 0;
/// The call (1-based) whose bias gradient element 1 is gPoison; 0: never.
int gPoisonCall = 0;
float gPoison = 0;

const dlc_model_desc *describeStep() { return &gDesc; }

int32_t fakeStep(void *const *inputs, void *const *outputs, void *,
                 const dlc_parallel *) {
  ++gCalls;
  const float *hyper = static_cast<const float *>(inputs[2]);
  float *kernel = static_cast<float *>(inputs[3]);
  float *bias = static_cast<float *>(inputs[4]);
  for (int i = 0; i < 12; ++i)
    kernel[i] -= hyper[0] * kGradient;
  for (int i = 0; i < 3; ++i) {
    float g = gCalls == gPoisonCall && i == 1 ? gPoison : kGradient;
    bias[i] -= hyper[0] * g;
  }
  *static_cast<float *>(outputs[0]) = 0.5f; // The loss stays finite.
  float *out = static_cast<float *>(outputs[1]);
  for (int i = 0; i < kBatch * 3; ++i)
    out[i] = 1.0f / 3.0f;
  return 0;
}

StepCompiler fakeCompiler() {
  return [](int64_t batch,
            StepKind kind) -> StatusOr<std::unique_ptr<CompiledModel>> {
    if (batch != kBatch || kind != StepKind::TrainStep)
      return Status::error("the fake only has a train step at batch 2");
    return CompiledModel::fromFunctions(describeStep, fakeStep, nullptr,
                                        "fake_step");
  };
}

class TrainerFaults : public ::testing::Test {
protected:
  void SetUp() override {
    gCalls = 0;
    gPoisonCall = 0;
    std::vector<uint8_t> bytes = test::makeTinyModel().finish();
    StatusOr<std::unique_ptr<ModelFile>> file =
        ModelFile::fromBuffer(bytes, "tiny.fb");
    ASSERT_TRUE(file.ok()) << errorOf(file);
    file_ = std::move(*file);
    options_ = TrainerOptions::fromModel(*file_->model());
    options_.optimizer = fb::Optimizer::SGD;
    options_.learningRate = 0.5f;
    options_.batchSize = kBatch;
    StatusOr<std::unique_ptr<Trainer>> trainer =
        Trainer::create(*file_, options_, fakeCompiler());
    ASSERT_TRUE(trainer.ok()) << errorOf(trainer);
    trainer_ = std::move(*trainer);
  }

  /// Four examples of three classes.
  static Dataset data() {
    StatusOr<HostTensor> x = HostTensor::create(DType::F32, {4, 2, 2, 1});
    StatusOr<HostTensor> y = HostTensor::create(DType::I32, {4});
    EXPECT_TRUE(x.ok() && y.ok());
    for (int i = 0; i < 16; ++i)
      x->data<float>()[i] = 0.1f * float(i);
    for (int i = 0; i < 4; ++i)
      y->data<int32_t>()[i] = i % 3;
    StatusOr<Dataset> d = makeDataset(std::move(*x), std::move(*y), "x", "y");
    EXPECT_TRUE(d.ok()) << errorOf(d);
    return std::move(*d);
  }

  StatusOr<float> step() {
    Dataset d = data();
    StatusOr<Batcher> b = Batcher::create(d, kBatch, 0, false);
    EXPECT_TRUE(b.ok());
    StatusOr<HostTensor> x = b->makeImageBuffer(kBatch);
    StatusOr<HostTensor> y = b->makeLabelBuffer(kBatch, LabelFormat::OneHot);
    EXPECT_TRUE(b->fillBatch(0, *x, *y).ok());
    return trainer_->step(*x, *y);
  }

  std::unique_ptr<ModelFile> file_;
  TrainerOptions options_;
  std::unique_ptr<Trainer> trainer_;
};

TEST_F(TrainerFaults, NanGradientStopsTheStepThoughTheLossIsFinite) {
  ASSERT_TRUE(step().ok());
  ASSERT_TRUE(step().ok());
  gPoisonCall = 3;
  gPoison = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(errorOf(step()),
            "step 3 made parameter 'dense/bias' NaN at element 1 (a gradient "
            "was not finite); the parameters are no longer usable (lower the "
            "learning rate, or check the data)");
  EXPECT_EQ(trainer_->stepsTaken(), 2);
}

TEST_F(TrainerFaults, InfiniteGradientStopsTheStep) {
  gPoisonCall = 1;
  gPoison = -std::numeric_limits<float>::infinity();
  EXPECT_THAT(errorOf(step()),
              HasSubstr("step 1 made parameter 'dense/bias' infinite at "
                        "element 1"));
  EXPECT_EQ(trainer_->stepsTaken(), 0);
}

TEST_F(TrainerFaults, FitStopsAndKeepsTheLastGoodCheckpoint) {
  test::TempDir dir;
  std::string path = dir.file("out.fb");
  FitOptions fit;
  fit.epochs = 5;
  fit.shuffle = false;
  fit.checkpointPath = path;
  // Two steps per epoch: call 5 is epoch 3's first batch.
  gPoisonCall = 5;
  gPoison = std::numeric_limits<float>::quiet_NaN();
  Dataset d = data();
  StatusOr<std::vector<EpochRecord>> records =
      dlc::fit(*trainer_, d, nullptr, fit);
  EXPECT_EQ(errorOf(records),
            "epoch 3, batch 1: step 5 made parameter 'dense/bias' NaN at "
            "element 1 (a gradient was not finite); the parameters are no "
            "longer usable (lower the learning rate, or check the data); " +
                path + " keeps the model of epoch 2");

  // The checkpoint is epoch 2's: four steps, every value finite and equal
  // to the tiny model's bias minus four SGD updates.
  StatusOr<std::unique_ptr<ModelFile>> saved = ModelFile::open(path);
  ASSERT_TRUE(saved.ok()) << errorOf(saved);
  const fb::Training *t = (*saved)->model()->training();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->epoch(), 2);
  EXPECT_EQ(t->step(), 4);
  int32_t biasIndex = -1;
  for (uint32_t i = 0; i < (*saved)->graph()->tensors()->size(); ++i)
    if ((*saved)->graph()->tensors()->Get(i)->name()->str() == "dense/bias")
      biasIndex = int32_t(i);
  BufferView bias = (*saved)->tensorData(biasIndex);
  ASSERT_EQ(bias.size, 3 * sizeof(float));
  const float initial[] = {0.5f, -0.5f, 0.0f};
  for (int i = 0; i < 3; ++i) {
    float v;
    std::memcpy(&v, bias.data + i * sizeof(float), sizeof v);
    EXPECT_NEAR(v, initial[i] - 4 * 0.5f * kGradient, 1e-6f) << i;
  }
  // No temporary file is left beside the checkpoint.
  EXPECT_EQ(dir.files().size(), 1u);
}

} // namespace
} // namespace dlc
