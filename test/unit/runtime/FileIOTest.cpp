//===- FileIOTest.cpp - crash-safe saves ----------------------------------===//

#include "dlc/runtime/FileIO.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <dirent.h>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dlc {
namespace {

using ::testing::HasSubstr;

/// A fresh directory under the test's temporary directory.
std::string makeDir(const std::string &name) {
  std::string dir = ::testing::TempDir() + "/fileio_" + name + "_" +
                    std::to_string(long(::getpid()));
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

using test::listDir;

void touch(const std::string &path) { std::ofstream(path) << "partial"; }

std::string contents(const std::string &path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// The pid of a process that has exited and been reaped.
long deadPid() {
  pid_t child = ::fork();
  if (child == 0)
    ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return long(child);
}

TEST(FileIO, ReplacesTheFileAndKeepsItsMode) {
  std::string dir = makeDir("replace");
  std::string path = dir + "/model.fb";
  ASSERT_TRUE(writeFileAtomically(path, "old", 3).ok());
  ::chmod(path.c_str(), 0600);
  ASSERT_TRUE(writeFileAtomically(path, "newer", 5).ok());
  EXPECT_EQ(contents(path), "newer");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(listDir(dir), std::set<std::string>{"model.fb"});
}

TEST(FileIO, RefusesADirectoryAndAMissingFolder) {
  std::string dir = makeDir("refuse");
  EXPECT_THAT(test::errorOf(writeFileAtomically(dir, "x", 1)),
              HasSubstr("is a directory"));
  EXPECT_THAT(test::errorOf(writeFileAtomically(dir + "/no/such/f", "x", 1)),
              HasSubstr("cannot create a temporary file"));
}

TEST(FileIO, RemovesTemporariesOfDeadWritersOnly) {
  std::string dir = makeDir("stale");
  std::string path = dir + "/ckpt.fb";
  std::string dead = "ckpt.fb.tmp." + std::to_string(deadPid()) + ".a1B2c3";
  std::string live =
      "ckpt.fb.tmp." + std::to_string(long(::getppid())) + ".d4E5f6";
  // Names that only look similar are never removed.
  std::string other = "other.fb.tmp." + std::to_string(deadPid()) + ".g7H8i9";
  std::string noPid = "ckpt.fb.tmp.abcdef";
  for (const std::string &name : {dead, live, other, noPid})
    touch(dir + "/" + name);

  ASSERT_TRUE(writeFileAtomically(path, "saved", 5).ok());
  EXPECT_EQ(contents(path), "saved");
  EXPECT_EQ(listDir(dir),
            (std::set<std::string>{"ckpt.fb", live, other, noPid}));
}

} // namespace
} // namespace dlc
