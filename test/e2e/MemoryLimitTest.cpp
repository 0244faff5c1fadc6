// CompileOptions::maxMemoryBytes through the real compiler: the estimate
// made right after import refuses before any pass runs, the check after
// memory planning uses the planner's exact workspace, and tensors too large
// to count are refused with the model's op named.
#include "E2ETestUtil.h"

#include "dlc/Compiler/Training.h"
#include "dlc/runtime/MemoryLimit.h"

#include <gmock/gmock.h>

using namespace dlc;
using namespace dlc::e2e;
using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {

const char *kModelPath = DLC_EXAMPLES_DIR "/mnist_cnn.fb";

/// The "(N bytes)" figure that follows `what` in a refusal message.
uint64_t figureAfter(const std::string &message, const std::string &what) {
  size_t at = message.find(what);
  if (at == std::string::npos)
    return 0;
  size_t open = message.find('(', at + what.size());
  return open == std::string::npos ? 0
                                   : std::stoull(message.substr(open + 1));
}

class MemoryLimitE2E : public ::testing::Test {
protected:
  void SetUp() override {
    auto file = ModelFile::open(kModelPath);
    ASSERT_TRUE(file.ok()) << file.status().message();
    file_ = std::move(*file);
  }
  std::string compileError(int64_t batch, uint64_t limit) {
    CompileOptions options;
    options.batchSize = batch;
    options.maxMemoryBytes = limit;
    auto model = jitCompile(*file_, options);
    return model.ok() ? "<ok>" : model.status().message();
  }
  std::unique_ptr<ModelFile> file_;
};

TEST_F(MemoryLimitE2E, EstimateRefusesBeforeCompiling) {
  std::string error = compileError(64, uint64_t(1) << 20);
  EXPECT_THAT(error, StartsWith(std::string(kModelPath) +
                                ": estimated memory "));
  EXPECT_THAT(error, HasSubstr(" at batch 64 (weights 364.54 KiB (373288 "
                               "bytes), inputs and outputs "));
  EXPECT_THAT(error, HasSubstr("exceeds the memory limit of 1.00 MiB "
                               "(1048576 bytes) (--max-memory or "
                               "DLC_MAX_MEMORY)"));
  // Inputs and outputs at batch 64: 64 x (784 + 10) floats.
  EXPECT_EQ(figureAfter(error, "inputs and outputs"), 64u * 794 * 4);
}

TEST_F(MemoryLimitE2E, PlannedMemoryIsCheckedWithTheExactWorkspace) {
  // The estimate, from the refusal at a limit of one byte.
  uint64_t estimate = figureAfter(compileError(64, 1), "estimated memory");
  ASSERT_GT(estimate, 0u);
  // The planned figure: weights, inputs and outputs, exact workspace.
  CompileOptions options;
  options.batchSize = 64;
  auto model = jitCompile(*file_, options);
  ASSERT_TRUE(model.ok()) << model.status().message();
  MemoryEstimate io = compiledModelMemory((*model)->desc(), 1);
  uint64_t planned = 373288 + io.total();
  ASSERT_GT((*model)->desc().workspace_bytes, 0);

  EXPECT_EQ(compileError(64, std::max(estimate, planned)), "<ok>");
  EXPECT_NE(compileError(64, planned - 1), "<ok>");
  if (estimate < planned) {
    std::string error = compileError(64, estimate);
    EXPECT_THAT(error, StartsWith(std::string(kModelPath) +
                                  ": planned memory "));
    EXPECT_EQ(figureAfter(error, "planned memory"), planned);
  } else {
    std::string error = compileError(64, planned);
    EXPECT_THAT(error, HasSubstr(": estimated memory "));
  }
}

TEST_F(MemoryLimitE2E, TensorsTooLargeToCountNameTheOp) {
  // 26 x 26 x 32 floats per image: past 2^36 bytes at 10^6 images.
  EXPECT_THAT(compileError(1000000, 0),
              StartsWith("mnist_cnn.fb: operator 0 'conv2d': at batch "
                         "1000000: shape [1000000, 26, 26, 32] is too large"));
}

TEST_F(MemoryLimitE2E, TrainingEstimateCountsStateAndActivations) {
  TrainerOptions options = TrainerOptions::fromModel(*file_->model());
  options.batchSize = 32;
  options.optimizer = fb::Optimizer::ADAM;
  options.threads = 1;
  CompileOptions compile;
  compile.maxMemoryBytes = uint64_t(1) << 20;
  auto trainer = createTrainer(*file_, options, compile);
  ASSERT_FALSE(trainer.ok());
  // Adam: each weight, its gradient and two slots.
  EXPECT_EQ(figureAfter(trainer.status().message(), "(weights"),
            4u * 373288);
  EXPECT_THAT(trainer.status().message(), HasSubstr(" at batch 32 "));
}

} // namespace
