// Helpers shared by the runtime unit tests.
#ifndef DLC_TEST_UNIT_RUNTIME_TESTUTIL_H
#define DLC_TEST_UNIT_RUNTIME_TESTUTIL_H

#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/Status.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc::test {

/// Names of the entries in `dir` (without . and ..); empty if unreadable.
inline std::set<std::string> listDir(const std::string &dir) {
  std::set<std::string> names;
  if (DIR *d = ::opendir(dir.c_str())) {
    while (dirent *e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..")
        names.insert(n);
    }
    ::closedir(d);
  }
  return names;
}

/// A fresh directory under the GoogleTest temp dir, removed with everything
/// in it when the test ends (also after a test made it read-only).
class TempDir {
public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "dlc_test_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const char *made = ::mkdtemp(buf.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = made ? made : "";
  }
  ~TempDir() {
    if (path_.empty())
      return;
    ::chmod(path_.c_str(), 0700);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  /// Names of the entries in the directory (without . and ..).
  std::vector<std::string> files() const {
    std::set<std::string> names = listDir(path_);
    return std::vector<std::string>(names.begin(), names.end());
  }

private:
  std::string path_;
};

inline std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void writeBytes(const std::string &path,
                       const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
}

/// The error message of a failed Status / StatusOr, or "<ok>".
inline std::string errorOf(const Status &s) {
  return s.ok() ? "<ok>" : s.message();
}
template <class T> std::string errorOf(const StatusOr<T> &s) {
  return s.ok() ? "<ok>" : s.status().message();
}

/// input [-1, 4] -> dense(4x3, bias) + relu -> softmax. Tensors:
///   0 input, 1 dense/kernel, 2 dense/bias, 3 dense, 4 softmax.
inline ModelBuilder makeTinyModel() {
  ModelBuilder b("tiny");
  int32_t in = b.addInput("input", {-1, 4});
  std::vector<float> w(12);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = 0.25f * float(i) - 1.0f;
  int32_t kernel = b.addWeight("dense/kernel", {4, 3}, w);
  int32_t bias = b.addWeight("dense/bias", {3}, {0.5f, -0.5f, 0.0f});
  fb::DenseOptionsT o;
  o.activation = fb::Activation::RELU;
  int32_t d = b.dense("dense", in, kernel, bias, o);
  b.markOutput(b.softmax("softmax", d));
  return b;
}

} // namespace dlc::test

#endif // DLC_TEST_UNIT_RUNTIME_TESTUTIL_H
