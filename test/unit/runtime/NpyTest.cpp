// .npy reading and writing, including every malformed-file error.
#include "dlc/runtime/Npy.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;

/// A .npy image with the given version and raw header text (padded with
/// spaces and a newline like NumPy does) followed by `data`.
std::vector<uint8_t> npyImage(const std::string &dict,
                              const std::vector<uint8_t> &data, int major = 1) {
  std::string header = dict;
  size_t preamble = major == 1 ? 10 : 12;
  while ((preamble + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  for (size_t i = 0; i < preamble - 8; ++i)
    out.push_back(uint8_t(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> floats(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::string parseError(const std::vector<uint8_t> &bytes) {
  return errorOf(readNpyFromMemory(bytes, "t.npy"));
}

template <class T>
void expectRoundTrip(std::vector<int64_t> shape, std::vector<T> values) {
  StatusOr<HostTensor> t = HostTensor::fromVector<T>(shape, values);
  ASSERT_TRUE(t.ok()) << errorOf(t);
  std::vector<uint8_t> bytes = encodeNpy(*t);
  // NumPy >= 1.14 pads the header so the data starts 64-byte aligned.
  EXPECT_EQ((bytes.size() - t->byteSize()) % 64, 0u);
  StatusOr<HostTensor> back = readNpyFromMemory(bytes, "mem");
  ASSERT_TRUE(back.ok()) << errorOf(back);
  EXPECT_EQ(back->dtype(), t->dtype());
  EXPECT_EQ(back->shape(), shape);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(back->template data<T>()[i], values[i]);
}

TEST(Npy, RoundTripInMemory) {
  expectRoundTrip<float>({2, 3}, {1.5f, -2, 0, 3e10f, 1e-30f, -0.0f});
  expectRoundTrip<int32_t>({5}, {1, -2, 3, INT32_MAX, INT32_MIN});
  expectRoundTrip<int64_t>({2, 1, 2}, {1, -1, INT64_MAX, INT64_MIN});
  expectRoundTrip<uint8_t>({}, {255});
  expectRoundTrip<float>({0, 4}, {});
}

TEST(Npy, RoundTripFile) {
  test::TempDir dir;
  StatusOr<HostTensor> t =
      HostTensor::fromVector<float>({2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
  ASSERT_TRUE(t.ok());
  std::string path = dir.file("x.npy");
  ASSERT_TRUE(writeNpy(path, *t).ok());
  StatusOr<HostTensor> back = readNpy(path);
  ASSERT_TRUE(back.ok()) << errorOf(back);
  EXPECT_EQ(back->shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(back->data<float>()[3], 4.0f);
  // Exactly the header NumPy writes for this array.
  std::vector<uint8_t> bytes = test::readBytes(path);
  ASSERT_EQ(bytes.size(), 128u + 16u);
  std::string header(bytes.begin() + 10, bytes.begin() + 128);
  EXPECT_EQ(
      header.rfind(
          "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 0),
      0u);
  EXPECT_EQ(header.back(), '\n');
}

TEST(Npy, AcceptsNumPyVariants) {
  std::vector<uint8_t> data = floats({1, 2, 3});
  for (std::string dict :
       {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
        "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<f4\"}",
        "{'descr':'<f4','fortran_order':False,'shape':(3L,)}",
        "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 3 , ) }"}) {
    for (int major : {1, 2, 3}) {
      StatusOr<HostTensor> t =
          readNpyFromMemory(npyImage(dict, data, major), "v.npy");
      ASSERT_TRUE(t.ok()) << dict << " v" << major << ": " << errorOf(t);
      EXPECT_EQ(t->shape(), std::vector<int64_t>{3});
      EXPECT_EQ(t->data<float>()[2], 3.0f);
    }
  }
  StatusOr<HostTensor> u8 = readNpyFromMemory(
      npyImage("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1), }",
               {7, 9}),
      "u.npy");
  ASSERT_TRUE(u8.ok()) << errorOf(u8);
  EXPECT_EQ(u8->data<uint8_t>()[1], 9);
}

TEST(Npy, TruncatedAtEveryLength) {
  StatusOr<HostTensor> t = HostTensor::fromVector<float>({3}, {1, 2, 3});
  ASSERT_TRUE(t.ok());
  std::vector<uint8_t> full = encodeNpy(*t);
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    std::string e = parseError(cut);
    EXPECT_THAT(e, HasSubstr("t.npy: ")) << n;
    EXPECT_NE(e, "<ok>") << "prefix of " << n << " bytes accepted";
  }
  EXPECT_THAT(parseError({}), HasSubstr("truncated"));
  std::vector<uint8_t> noData(full.begin(), full.end() - 4);
  EXPECT_THAT(parseError(noData), HasSubstr("needs 12 bytes of data, but only "
                                            "8 are present"));
}

TEST(Npy, BadMagicAndVersion) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  std::vector<uint8_t> good = npyImage(dict, floats({1}));
  std::vector<uint8_t> bad = good;
  bad[1] = 'X';
  EXPECT_THAT(parseError(bad), HasSubstr("not a .npy file"));
  bad = good;
  bad[6] = 4;
  EXPECT_THAT(parseError(bad),
              HasSubstr("unsupported .npy format version 4.0"));
  bad = good;
  bad[7] = 1;
  EXPECT_THAT(parseError(bad), HasSubstr("version 1.1"));
  // Header length beyond the file, and beyond the sanity limit.
  bad = good;
  bad[8] = 0xff;
  bad[9] = 0xff;
  EXPECT_THAT(parseError(bad), HasSubstr("truncated"));
  bad = npyImage(dict, floats({1}), 2);
  bad[11] = 0x7f;
  EXPECT_THAT(parseError(bad), HasSubstr("exceeds the limit"));
}

TEST(Npy, BadDict) {
  std::vector<uint8_t> data = floats({1});
  struct Case {
    const char *dict;
    const char *error;
  } cases[] = {
      {"", "expected '{'"},
      {"'descr': '<f4'}", "expected '{'"},
      {"{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}",
       "expected ':' after key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False}", "lacks key 'shape'"},
      {"{'fortran_order': False, 'shape': (1,)}", "lacks key 'descr'"},
      {"{'descr': '<f4', 'shape': (1,)}", "lacks key 'fortran_order'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': "
       "(1,)}",
       "duplicate key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
       "unexpected key 'x'"},
      {"{'descr': <f4, 'fortran_order': False, 'shape': (1,)}",
       "expected a quoted string"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}",
       "expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}",
       "expected True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [1]}",
       "expected '('"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, x)}",
       "expected a dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
       "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}",
       "expected ',' or ')'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
       "unexpected characters after"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
       "expected ',' or '}'"},
      {"{'descr': 'a\\'b', 'fortran_order': False, 'shape': (1,)}",
       "escape sequences"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': "
       "(99999999999999999999999,)}",
       "dimension is too large"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}",
       "unsupported dtype '<f8'"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", "big-endian"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (1,)}",
       "Fortran order"},
  };
  for (const Case &c : cases) {
    std::string e = parseError(npyImage(c.dict, data));
    EXPECT_THAT(e, HasSubstr(c.error)) << c.dict;
    EXPECT_THAT(e, HasSubstr("t.npy: ")) << c.dict;
  }
}

TEST(Npy, ShapeSizeMismatch) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  EXPECT_THAT(parseError(npyImage(dict, floats({1, 2, 3}))),
              HasSubstr("needs 16 bytes of data, but only 12 are present"));
  EXPECT_THAT(parseError(npyImage(dict, floats({1, 2, 3, 4, 5}))),
              HasSubstr("4 unexpected bytes after the data"));
}

TEST(Npy, HugeShapeIsRefusedWithoutAllocating) {
  std::string e = parseError(npyImage(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, "
      "1099511627776), }",
      floats({1})));
  EXPECT_THAT(e, HasSubstr("too large"));
  std::string dims = "(";
  for (int i = 0; i < 40; ++i)
    dims += "1, ";
  e = parseError(npyImage(
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + dims + "), }",
      floats({1})));
  EXPECT_THAT(e, HasSubstr("more than 32 dimensions"));
}

TEST(Npy, RandomCorruptionNeverCrashes) {
  StatusOr<HostTensor> t =
      HostTensor::fromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  ASSERT_TRUE(t.ok());
  const std::vector<uint8_t> good = encodeNpy(*t);
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<uint8_t> bytes = good;
    int flips = 1 + int(rng() % 4);
    for (int f = 0; f < flips; ++f)
      bytes[rng() % bytes.size()] = uint8_t(rng());
    if (rng() % 4 == 0)
      bytes.resize(rng() % bytes.size());
    StatusOr<HostTensor> r = readNpyFromMemory(bytes, "fuzz.npy");
    if (r.ok())
      ++accepted; // e.g. a flip inside the data or the padding.
    else
      EXPECT_EQ(r.status().message().rfind("fuzz.npy: ", 0), 0u);
  }
  EXPECT_GT(accepted, 0);
}

TEST(Npy, FileErrorsNameThePath) {
  test::TempDir dir;
  std::string missing = dir.file("missing.npy");
  EXPECT_THAT(errorOf(readNpy(missing)), HasSubstr(missing + ": cannot open"));
  std::string bad = dir.file("bad.npy");
  test::writeBytes(bad, {1, 2, 3});
  EXPECT_THAT(errorOf(readNpy(bad)), HasSubstr(bad + ": "));
  EXPECT_THAT(errorOf(readNpy(dir.path())), HasSubstr("regular file"));
}

} // namespace
} // namespace dlc
