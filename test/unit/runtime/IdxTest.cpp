// readIdx / parseIdx: round trips, gzip, and every malformed header.
#include "dlc/runtime/Idx.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <zlib.h>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

HostTensor images(int64_t n, int64_t h, int64_t w) {
  StatusOr<HostTensor> t = HostTensor::create(DType::U8, {n, h, w});
  EXPECT_TRUE(t.ok());
  for (int64_t i = 0; i < t->numElements(); ++i)
    t->data<uint8_t>()[i] = uint8_t(i * 7);
  return std::move(*t);
}

void writeGzip(const std::string &path, const std::vector<uint8_t> &bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

TEST(Idx, RoundTripPlainAndGzipped) {
  test::TempDir dir;
  HostTensor t = images(3, 4, 5);
  std::vector<uint8_t> bytes = encodeIdx(t);
  ASSERT_EQ(bytes.size(), 4 + 3 * 4 + 60u);
  test::writeBytes(dir.file("x.idx"), bytes);
  writeGzip(dir.file("x.idx.gz"), bytes);
  for (const char *name : {"x.idx", "x.idx.gz"}) {
    StatusOr<HostTensor> got = readIdx(dir.file(name));
    ASSERT_TRUE(got.ok()) << errorOf(got);
    EXPECT_EQ(got->dtype(), DType::U8);
    EXPECT_EQ(got->shape(), (std::vector<int64_t>{3, 4, 5}));
    for (int64_t i = 0; i < 60; ++i)
      ASSERT_EQ(got->data<uint8_t>()[i], uint8_t(i * 7));
  }
  // Labels: rank 1.
  StatusOr<HostTensor> labels = HostTensor::create(DType::U8, {4});
  ASSERT_TRUE(labels.ok());
  StatusOr<HostTensor> back = parseIdx(encodeIdx(*labels).data(),
                                       encodeIdx(*labels).size(), "l.idx");
  ASSERT_TRUE(back.ok()) << errorOf(back);
  EXPECT_EQ(back->shape(), (std::vector<int64_t>{4}));
}

TEST(Idx, MalformedHeadersAreErrors) {
  std::vector<uint8_t> good = encodeIdx(images(2, 2, 2));
  auto err = [](std::vector<uint8_t> b) {
    return errorOf(parseIdx(b.data(), b.size(), "f.idx"));
  };
  EXPECT_EQ(err({0, 0}), "f.idx: too short for an IDX header (2 bytes)");
  std::vector<uint8_t> b = good;
  b[0] = 1;
  EXPECT_EQ(err(b), "f.idx: not an IDX file (bad magic)");
  b = good;
  b[2] = 0x0d; // float32: not supported
  EXPECT_THAT(err(b), HasSubstr("IDX element type 0x0d is not supported"));
  b = good;
  b[3] = 0;
  EXPECT_THAT(err(b), HasSubstr("IDX rank 0 is out of range"));
  b = good;
  b[3] = 9;
  EXPECT_THAT(err(b), HasSubstr("IDX rank 9 is out of range"));
  EXPECT_EQ(err({0, 0, 8, 3, 0, 0, 0, 2}), "f.idx: truncated IDX header");
  // Data shorter and longer than the shape says.
  b = good;
  b.pop_back();
  EXPECT_EQ(err(b), "f.idx: IDX shape [2, 2, 2] needs 8 bytes of data, the "
                    "file has 7");
  b = good;
  b.push_back(0);
  EXPECT_THAT(err(b), HasSubstr("needs 8 bytes of data, the file has 9"));
  // A huge shape is refused before anything is allocated.
  b = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
       0xff, 0xff, 0xff, 0xff};
  EXPECT_THAT(err(b), HasSubstr("f.idx: IDX header"));
}

TEST(Idx, FileErrors) {
  test::TempDir dir;
  EXPECT_THAT(errorOf(readIdx(dir.file("missing.idx"))),
              HasSubstr("missing.idx: cannot open"));
  // A truncated gzip stream.
  std::vector<uint8_t> bytes = encodeIdx(images(8, 28, 28));
  writeGzip(dir.file("t.gz"), bytes);
  std::vector<uint8_t> gz = test::readBytes(dir.file("t.gz"));
  gz.resize(gz.size() / 2);
  test::writeBytes(dir.file("t.gz"), gz);
  EXPECT_THAT(errorOf(readIdx(dir.file("t.gz"))),
              HasSubstr("t.gz: corrupt or truncated gzip data"));
  // A file that decompresses past the limit is refused while reading.
  writeGzip(dir.file("big.gz"), bytes);
  EXPECT_THAT(errorOf(readIdx(dir.file("big.gz"), 1000)),
              HasSubstr("big.gz: larger than 1000 bytes"));
}

} // namespace
} // namespace dlc

namespace dlc {
namespace {

// The real data set, installed by scripts/install-deps.sh from Debian's
// dataset-fashion-mnist package.
TEST(Idx, ReadsFashionMnist) {
  std::string dir = DLC_FASHION_MNIST_DIR;
  StatusOr<HostTensor> images = readIdx(dir + "/t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(images.ok()) << errorOf(images);
  EXPECT_EQ(images->shape(), (std::vector<int64_t>{10000, 28, 28}));
  StatusOr<HostTensor> labels = readIdx(dir + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_TRUE(labels.ok()) << errorOf(labels);
  ASSERT_EQ(labels->shape(), (std::vector<int64_t>{10000}));
  std::vector<int> perClass(10, 0);
  for (int64_t i = 0; i < 10000; ++i) {
    uint8_t label = labels->data<uint8_t>()[i];
    ASSERT_LT(label, 10);
    ++perClass[label];
  }
  // The test set is balanced: 1000 images per class.
  for (int count : perClass)
    EXPECT_EQ(count, 1000);
}

} // namespace
} // namespace dlc
