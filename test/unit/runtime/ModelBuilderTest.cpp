// ModelBuilder -> bytes -> ModelFile round trips, editing, atomic saves.
#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/ModelFile.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <sys/resource.h>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

std::unique_ptr<ModelFile> load(const ModelBuilder &b) {
  StatusOr<std::unique_ptr<ModelFile>> f =
      ModelFile::fromBuffer(b.finish(), "model.fb");
  EXPECT_TRUE(f.ok()) << errorOf(f);
  return f.ok() ? std::move(*f) : nullptr;
}

TEST(ModelBuilder, RoundTrip) {
  ModelBuilder b = test::makeTinyModel();
  b.addMetadata("source", "test");
  b.setDescription("tiny model");
  fb::TrainingT training;
  training.label_input = "labels";
  training.batch_size = 32;
  b.setTraining(training);

  std::vector<uint8_t> bytes = b.finish();
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(std::string(bytes.begin() + 4, bytes.begin() + 8), "DLCM");
  EXPECT_EQ(b.finish(), bytes) << "serialization must be deterministic";

  std::unique_ptr<ModelFile> f = load(b);
  ASSERT_TRUE(f);
  const fb::Model *m = f->model();
  EXPECT_EQ(m->version(), 1u);
  EXPECT_EQ(m->description()->str(), "tiny model");
  const fb::Graph *g = f->graph();
  EXPECT_EQ(g->name()->str(), "tiny");
  ASSERT_EQ(g->tensors()->size(), 5u);
  EXPECT_EQ(g->tensors()->Get(1)->name()->str(), "dense/kernel");
  EXPECT_EQ(g->inputs()->size(), 1u);
  EXPECT_EQ(g->outputs()->Get(0), 4);
  ASSERT_EQ(g->operators()->size(), 2u);
  const fb::Operator *dense = g->operators()->Get(0);
  EXPECT_EQ(dense->type(), fb::OpType::DENSE);
  ASSERT_NE(dense->options_as_DenseOptions(), nullptr);
  EXPECT_EQ(dense->options_as_DenseOptions()->activation(),
            fb::Activation::RELU);
  EXPECT_STREQ(opTypeName(g->operators()->Get(1)->type()), "SOFTMAX");
  EXPECT_EQ(m->metadata()->Get(0)->value()->str(), "test");
  EXPECT_EQ(m->training()->label_input()->str(), "labels");
  EXPECT_EQ(m->training()->batch_size(), 32);

  BufferView bias = f->tensorData(2);
  ASSERT_EQ(bias.size, 12u);
  float values[3];
  std::memcpy(values, bias.data, 12);
  EXPECT_EQ(values[0], 0.5f);
  EXPECT_EQ(values[1], -0.5f);
  EXPECT_EQ(f->bufferData(0).size, 0u);
  EXPECT_EQ(f->tensorData(0).data, nullptr); // A graph input: no data.
  EXPECT_EQ(f->tensorData(77).data, nullptr);
}

TEST(ModelBuilder, WeightBuffersAre64ByteAligned) {
  ModelBuilder b = test::makeTinyModel();
  // Odd sizes so that a missing alignment would show.
  b.addWeight("odd1", {3}, {1, 2, 3});
  b.addConstant("odd2", fb::DType::UINT8, {5}, {1, 2, 3, 4, 5});
  b.addWeight("odd3", {7}, std::vector<float>(7, 1.0f));
  std::vector<uint8_t> bytes = b.finish();
  EXPECT_EQ(bytes.size() % 64, 0u);
  const fb::Model *m = fb::GetModel(bytes.data());
  int checked = 0;
  for (const fb::Buffer *buf : *m->buffers()) {
    if (!buf->data() || buf->data()->size() == 0)
      continue;
    EXPECT_EQ((buf->data()->data() - bytes.data()) % 64, 0);
    ++checked;
  }
  EXPECT_EQ(checked, 5);

  // Once mapped from disk the pointers themselves are aligned.
  test::TempDir dir;
  ASSERT_TRUE(b.save(dir.file("m.fb")).ok());
  StatusOr<std::unique_ptr<ModelFile>> f = ModelFile::open(dir.file("m.fb"));
  ASSERT_TRUE(f.ok()) << errorOf(f);
  for (uint32_t i = 1; i < (*f)->model()->buffers()->size(); ++i)
    EXPECT_EQ(reinterpret_cast<uintptr_t>((*f)->bufferData(i).data) % 64, 0u);
}

TEST(ModelBuilder, EveryHelperMakesAValidModel) {
  ModelBuilder b;
  int32_t x = b.addInput("image", {-1, 8, 8, 2});
  int32_t w = b.addWeight("w", {3, 3, 2, 4}, std::vector<float>(72, 0.1f));
  int32_t bias = b.addWeight("bias", {4}, std::vector<float>(4, 0.0f));
  fb::Conv2DOptionsT conv;
  conv.padding = fb::Padding::SAME;
  int32_t c = b.conv2d("conv", x, w, bias, conv);
  int32_t dw = b.addWeight("dw", {3, 3, 4, 1}, std::vector<float>(36, 0.1f));
  int32_t d = b.depthwiseConv2d("dwconv", c, dw, -1, {});
  fb::Pool2DOptionsT pool;
  int32_t mp = b.maxPool2d("maxpool", d, pool);
  int32_t ap = b.avgPool2d("avgpool", d, pool);
  int32_t cat = b.concat("concat", {mp, ap}, 3);
  int32_t padded = b.pad("pad", cat, {0, 0, 1, 1, 1, 1, 0, 0});
  int32_t t = b.transpose("transpose", padded, {0, 3, 1, 2});
  int32_t r = b.reshape("reshape", t, {-1, 8, 6, 6});
  int32_t gamma = b.addWeight("gamma", {8}, std::vector<float>(8, 1.0f));
  int32_t beta = b.addWeight("beta", {8}, std::vector<float>(8, 0.0f));
  int32_t bn = b.batchNorm("bn", padded, gamma, beta, beta, gamma, 1e-3f);
  int32_t relu = b.unary(fb::OpType::RELU, "relu", bn);
  int32_t lr = b.leakyRelu("leaky", relu, 0.1f);
  int32_t cl = b.clip("clip", lr, 0.0f, 6.0f);
  int32_t drop = b.dropout("dropout", cl, 0.25f, 7);
  int32_t sum = b.binary(fb::OpType::ADD, "add", drop, bn);
  int32_t gap = b.globalAvgPool("gap", sum);
  int32_t flat = b.flatten("flatten", r);
  int32_t dk = b.addWeight("dk", {288, 8}, std::vector<float>(288 * 8, 0.f));
  int32_t dense = b.dense("dense", flat, dk, -1);
  int32_t mul = b.binary(fb::OpType::MUL, "mul", dense, gap);
  int32_t sm = b.softmax("softmax", mul);
  int32_t lsm = b.logSoftmax("log_softmax", mul, 1);
  b.markOutput(sm);
  b.markOutput(lsm);
  Status s = b.validate("helpers.fb");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(b.model().graph->operators.size(), 20u);
  EXPECT_EQ(b.findTensor("transpose"), t);
  EXPECT_EQ(b.findTensor("nope"), -1);
  EXPECT_EQ(b.model().graph->operators[1]->inputs.size(), 2u) << "no bias";
}

TEST(ModelBuilder, FromModelEditAndSave) {
  test::TempDir dir;
  std::string path = dir.file("m.fb");
  ModelBuilder original = test::makeTinyModel();
  original.addMetadata("k", "v");
  ASSERT_TRUE(original.save(path).ok());

  StatusOr<std::unique_ptr<ModelFile>> f = ModelFile::open(path);
  ASSERT_TRUE(f.ok()) << errorOf(f);
  StatusOr<ModelBuilder> edit = ModelBuilder::fromModel((*f)->model());
  ASSERT_TRUE(edit.ok()) << errorOf(edit);
  int32_t kernel = edit->findTensor("dense/kernel");
  ASSERT_EQ(kernel, 1);
  std::vector<float> trained(12, 42.0f);
  ASSERT_TRUE(edit->setWeightData(kernel, trained).ok());
  f->reset(); // Unmap before replacing the file.
  ASSERT_TRUE(edit->save(path).ok());

  StatusOr<std::unique_ptr<ModelFile>> g = ModelFile::open(path);
  ASSERT_TRUE(g.ok()) << errorOf(g);
  BufferView w = (*g)->tensorData(kernel);
  ASSERT_EQ(w.size, 48u);
  float first;
  std::memcpy(&first, w.data, 4);
  EXPECT_EQ(first, 42.0f);
  EXPECT_EQ((*g)->model()->metadata()->Get(0)->key()->str(), "k");
  EXPECT_EQ((*g)->graph()->operators()->size(), 2u);
  EXPECT_EQ(dir.files().size(), 1u) << "no temporary files left behind";
}

TEST(ModelBuilder, SetWeightDataErrors) {
  ModelBuilder b = test::makeTinyModel();
  EXPECT_THAT(errorOf(b.setWeightData(9, {})), HasSubstr("out of range"));
  EXPECT_THAT(errorOf(b.setWeightData(0, {})),
              HasSubstr("tensor 0 'input' has no data buffer"));
  EXPECT_THAT(errorOf(b.setWeightData(2, {1.0f})),
              HasSubstr("has shape [3] (3 elements), but 1 values"));
  int32_t u8 = b.addConstant("bytes", fb::DType::UINT8, {2}, {1, 2});
  EXPECT_THAT(errorOf(b.setWeightData(u8, {1, 2})), HasSubstr("not float32"));
}

TEST(ModelBuilder, FromModelRejectsNull) {
  EXPECT_FALSE(ModelBuilder::fromModel(nullptr).ok());
}

TEST(ModelBuilder, SaveFailureLeavesTargetIntact) {
  test::TempDir dir;
  std::string path = dir.file("model.fb");
  test::writeBytes(path, {'o', 'l', 'd'});
  ModelBuilder b = test::makeTinyModel();
  b.addWeight("big", {100000}, std::vector<float>(100000, 1.0f));

  // Simulate a full disk: cap the file size this process may write. Works
  // even as root, unlike a read-only directory.
  struct rlimit old;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = b.save(path);
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);

  EXPECT_FALSE(s.ok());
  EXPECT_THAT(errorOf(s), HasSubstr(path + ": cannot save"));
  EXPECT_EQ(test::readBytes(path), (std::vector<uint8_t>{'o', 'l', 'd'}));
  EXPECT_EQ(dir.files(), std::vector<std::string>{"model.fb"});
  // And a save without the cap succeeds.
  EXPECT_TRUE(b.save(path).ok());
  EXPECT_TRUE(ModelFile::open(path).ok());
}

TEST(ModelBuilder, SaveIntoUnwritableDirectory) {
  test::TempDir dir;
  std::string path = dir.file("model.fb");
  test::writeBytes(path, {'o', 'l', 'd'});
  ASSERT_EQ(chmod(dir.path().c_str(), 0555), 0);
  // Root ignores directory permissions, so as root the save runs in a child
  // process that drops to an unprivileged user first.
  std::string message;
  if (geteuid() != 0) {
    message = errorOf(test::makeTinyModel().save(path));
  } else {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      if (setgid(65534) != 0 || setuid(65534) != 0)
        _exit(2);
      std::string e = errorOf(test::makeTinyModel().save(path));
      ssize_t n = write(fds[1], e.data(), e.size());
      _exit(n == ssize_t(e.size()) ? 0 : 3);
    }
    close(fds[1]);
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
      message.append(buf, size_t(n));
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  chmod(dir.path().c_str(), 0700);
  EXPECT_THAT(message, HasSubstr("cannot create a temporary file"));
  EXPECT_EQ(test::readBytes(path), (std::vector<uint8_t>{'o', 'l', 'd'}));
}

TEST(ModelBuilder, SaveErrors) {
  test::TempDir dir;
  std::string missing = dir.file("no/such/dir/model.fb");
  EXPECT_THAT(errorOf(test::makeTinyModel().save(missing)),
              HasSubstr(missing + ": cannot create a temporary file"));
  EXPECT_THAT(errorOf(test::makeTinyModel().save(dir.path())),
              HasSubstr("is a directory"));
  EXPECT_FALSE(test::makeTinyModel().save("").ok());
}

TEST(ModelBuilder, KeepsModeOfExistingFile) {
  test::TempDir dir;
  std::string path = dir.file("model.fb");
  test::writeBytes(path, {'o', 'l', 'd'});
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  ASSERT_TRUE(test::makeTinyModel().save(path).ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

} // namespace
} // namespace dlc
