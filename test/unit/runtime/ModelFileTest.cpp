// ModelFile: opening files, and the FlatBuffers-level checks on truncated,
// mislabeled, misaligned and randomly corrupted models.
#include "dlc/runtime/ModelFile.h"
#include "dlc/runtime/ModelBuilder.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

std::vector<uint8_t> tinyBytes() { return test::makeTinyModel().finish(); }

/// 64-byte-aligned zeroed storage of at least `size` bytes, shared like a
/// mapped cache entry (aligned_alloc wants a multiple of the alignment).
std::shared_ptr<uint8_t[]> alignedImage(size_t size) {
  size_t rounded = (size + 63) / 64 * 64;
  auto *p = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
  std::memset(p, 0, rounded);
  return std::shared_ptr<uint8_t[]>(p, [](uint8_t *q) { std::free(q); });
}

TEST(ModelFile, TruncatedFile) {
  std::vector<uint8_t> full = tinyBytes();
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    StatusOr<std::unique_ptr<ModelFile>> f =
        ModelFile::fromBuffer(cut, "cut.fb");
    if (f.ok()) {
      // Only the alignment padding after the last string may go missing
      // unnoticed: nothing in the file refers to it.
      EXPECT_GE(n + 4, full.size()) << "a prefix of " << n << " bytes";
      for (size_t i = n; i < full.size(); ++i)
        EXPECT_EQ(full[i], 0) << "a prefix of " << n << " bytes";
      continue;
    }
    EXPECT_EQ(f.status().message().rfind("cut.fb: ", 0), 0u);
  }
  EXPECT_THAT(errorOf(ModelFile::fromBuffer({1, 2}, "x.fb")),
              HasSubstr("x.fb: not a dlc model: the file is only 2 bytes"));
}

TEST(ModelFile, FromMemoryUsesTheImageInPlaceAndKeepsItsOwner) {
  std::vector<uint8_t> bytes = tinyBytes();
  std::shared_ptr<uint8_t[]> image = alignedImage(bytes.size() + 64);
  std::memcpy(image.get(), bytes.data(), bytes.size());
  std::weak_ptr<uint8_t[]> alive = image;
  {
    auto f = ModelFile::fromMemory(image.get(), bytes.size(), image, "m.fb");
    ASSERT_TRUE(f.ok()) << errorOf(f);
    EXPECT_EQ((*f)->data(), image.get()); // no copy
    image.reset();
    EXPECT_FALSE(alive.expired()); // the ModelFile holds the owner
    EXPECT_NE((*f)->graph(), nullptr);
  }
  EXPECT_TRUE(alive.expired());
}

TEST(ModelFile, FromMemoryRefusesMisalignedAndCorruptImages) {
  std::vector<uint8_t> bytes = tinyBytes();
  std::shared_ptr<uint8_t[]> image = alignedImage(bytes.size() + 64);
  std::memcpy(image.get() + 4, bytes.data(), bytes.size());
  EXPECT_THAT(errorOf(ModelFile::fromMemory(image.get() + 4, bytes.size(),
                                            image, "m.fb")),
              HasSubstr("m.fb: model image is not 64-byte aligned"));
  std::memcpy(image.get(), bytes.data(), bytes.size());
  image[5] = 'X';
  EXPECT_THAT(errorOf(ModelFile::fromMemory(image.get(), bytes.size(), image,
                                            "m.fb")),
              HasSubstr("m.fb: not a dlc model"));
}

TEST(ModelFile, WrongIdentifier) {
  std::vector<uint8_t> bytes = tinyBytes();
  bytes[4] = 'T';
  bytes[5] = 'F';
  bytes[6] = 'L';
  bytes[7] = 3;
  EXPECT_EQ(errorOf(ModelFile::fromBuffer(bytes, "m.tflite")),
            "m.tflite: not a dlc model: the file identifier is 'TFL\\x03', "
            "expected 'DLCM'");
}

TEST(ModelFile, RandomCorruptionNeverCrashes) {
  const std::vector<uint8_t> good = tinyBytes();
  std::mt19937 rng(42);
  int rejected = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> bytes = good;
    int flips = 1 + int(rng() % 8);
    for (int k = 0; k < flips; ++k)
      bytes[8 + rng() % (bytes.size() - 8)] = uint8_t(rng());
    StatusOr<std::unique_ptr<ModelFile>> f =
        ModelFile::fromBuffer(bytes, "fuzz.fb");
    if (!f.ok()) {
      ++rejected;
      EXPECT_EQ(f.status().message().rfind("fuzz.fb: ", 0), 0u);
      continue;
    }
    // Whatever passed must be safe to walk.
    const fb::Graph *g = (*f)->graph();
    for (const fb::Operator *o : *g->operators())
      for (int32_t t : *o->inputs())
        if (t >= 0)
          (void)(*f)->tensorData(t);
  }
  EXPECT_GT(rejected, 1000);
}

TEST(ModelFile, OpenErrors) {
  test::TempDir dir;
  std::string missing = dir.file("missing.fb");
  EXPECT_THAT(errorOf(ModelFile::open(missing)),
              HasSubstr(missing + ": cannot open"));
  EXPECT_THAT(errorOf(ModelFile::open(dir.path())),
              HasSubstr("not a regular file"));
  std::string empty = dir.file("empty.fb");
  test::writeBytes(empty, {});
  EXPECT_THAT(errorOf(ModelFile::open(empty)),
              HasSubstr(empty + ": not a dlc model: the file is only 0 bytes"));
  std::string half = dir.file("half.fb");
  std::vector<uint8_t> bytes = tinyBytes();
  bytes.resize(bytes.size() / 2);
  test::writeBytes(half, bytes);
  EXPECT_THAT(errorOf(ModelFile::open(half)),
              HasSubstr(half + ": the file is corrupt or truncated"));
}

/// A model built by hand without forcing the buffer alignment; `skew`
/// unreferenced bytes placed next to the weights shift where they land.
std::vector<uint8_t> handBuiltModel(size_t skew, size_t &weightOffset,
                                    size_t forcedAlignment = 0) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<int64_t> inShape = {-1, 3}, wShape = {3};
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors = {
      fb::CreateTensorDirect(fbb, "x", fb::DType::FLOAT32, &inShape),
      fb::CreateTensorDirect(fbb, "w", fb::DType::FLOAT32, &wShape, 1),
      fb::CreateTensorDirect(fbb, "y")};
  std::vector<int32_t> ins = {0, 1}, outs = {2}, gin = {0}, gout = {2};
  std::vector<flatbuffers::Offset<fb::Operator>> ops = {
      fb::CreateOperatorDirect(fbb, fb::OpType::ADD, "add", &ins, &outs)};
  auto graph = fb::CreateGraphDirect(fbb, "g", &tensors, &ops, &gin, &gout);
  // Built back to front: a string made before the data lies after it in the
  // file and changes the padding in front of it; one made after the data
  // lies between the file's start and the data and shifts its offset.
  if (!forcedAlignment)
    fbb.CreateString(std::string(skew, 'p'));
  std::vector<uint8_t> weights(12, 0);
  if (forcedAlignment)
    fbb.ForceVectorAlignment(weights.size(), 1, forcedAlignment);
  auto data = fbb.CreateVector(weights);
  if (forcedAlignment)
    fbb.CreateString(std::string(skew, 'p'));
  fb::BufferBuilder bb(fbb);
  bb.add_data(data);
  auto weightBuffer = bb.Finish();
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(fbb),
                                                          weightBuffer};
  fb::FinishModelBuffer(
      fbb, fb::CreateModelDirect(fbb, 1, nullptr, graph, &buffers));
  std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                             fbb.GetBufferPointer() + fbb.GetSize());
  const fb::Model *m = fb::GetModel(bytes.data());
  weightOffset = size_t(m->buffers()->Get(1)->data()->data() - bytes.data());
  return bytes;
}

TEST(ModelFile, BufferAlignmentFollowsElements) {
  // Without forced alignment the weights land at offsets that are not even
  // 8-byte aligned: refused.
  int refused = 0;
  for (size_t skew = 0; skew < 64; skew += 4) {
    size_t offset = 0;
    std::vector<uint8_t> bytes = handBuiltModel(skew, offset);
    std::string e = errorOf(ModelFile::fromBuffer(bytes, "hand.fb"));
    if (offset % kMinBufferAlignment == 0) {
      EXPECT_EQ(e, "<ok>") << "offset " << offset;
      continue;
    }
    EXPECT_EQ(e, "hand.fb: buffer 1 starts at file offset " +
                     std::to_string(offset) +
                     ", which is not aligned to its elements");
    ++refused;
  }
  EXPECT_GT(refused, 0);

  // 32-byte alignment (what flatc makes from JSON) is accepted even where
  // it is not 64.
  int notAt64 = 0;
  for (size_t skew = 0; skew < 128; skew += 8) {
    size_t offset = 0;
    std::vector<uint8_t> bytes = handBuiltModel(skew, offset, 32);
    EXPECT_EQ(errorOf(ModelFile::fromBuffer(bytes, "hand.fb")), "<ok>")
        << "offset " << offset;
    notAt64 += offset % 64 != 0;
  }
  EXPECT_GT(notAt64, 0);
}

} // namespace
} // namespace dlc
