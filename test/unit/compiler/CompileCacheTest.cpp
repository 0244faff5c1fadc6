//===- CompileCacheTest.cpp - the persistent compile cache ----------------===//

#include "dlc/Compiler/CompileCache.h"

#include "TestUtil.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/xxhash.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace dlc {
namespace {

using llvm::support::endian::write64le;
using ::testing::HasSubstr;

using test::listDir;
using test::TempDir;

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

uint64_t fileSize(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
}

/// Sets the modification time (the cache's recency) `secondsAgo` back.
void setAge(const std::string &path, long secondsAgo) {
  struct timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= secondsAgo;
  times[1] = times[0];
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

time_t mtimeOf(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_mtime : 0;
}

std::string keyOf(const std::string &text) {
  return CacheKeyBuilder().add("test", text).hex();
}

CacheOptions optionsFor(const std::string &dir, uint64_t capacity = uint64_t(1)
                                                                    << 30) {
  CacheOptions options;
  options.directory = dir;
  options.capacityBytes = capacity;
  return options;
}

std::string entryFile(const CompileCache &cache, const std::string &key) {
  return cache.directory() + "/" + key + ".dlcc";
}

/// Sections viewing the data of `texts`, which must outlive the store.
std::vector<CacheSection>
sectionsOf(const std::vector<std::pair<std::string, std::string_view>> &texts) {
  std::vector<CacheSection> sections;
  for (const auto &[name, data] : texts)
    sections.push_back({name, data.data(), data.size()});
  return sections;
}

/// An entry file with a valid checksum but whatever header and table the
/// test wants, to check that verification does not trust either.
std::vector<uint8_t>
craftEntry(const std::string &key, uint64_t version, uint64_t count,
           const std::vector<std::array<uint64_t, 4>> &rows, size_t size,
           uint64_t recordedSize) {
  std::vector<uint8_t> bytes(size, 0);
  std::memcpy(bytes.data(), "DLCCACHE", 8);
  write64le(bytes.data() + 8, version);
  write64le(bytes.data() + 24, recordedSize);
  std::memcpy(bytes.data() + 32, key.data(), 32);
  write64le(bytes.data() + 64, count);
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < 4; ++j)
      write64le(bytes.data() + 72 + 32 * i + 8 * j, rows[i][j]);
  write64le(bytes.data() + 16,
            llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(bytes).drop_front(24)));
  return bytes;
}

/// Sets or unsets an environment variable for the scope of a test.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value) : name_(name) {
    if (const char *old = std::getenv(name))
      old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

private:
  const char *name_;
  std::optional<std::string> old_;
};

TEST(CompileCache, StoreThenLookupReturnsTheSectionsAligned) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string big(100000, '\0');
  for (size_t i = 0; i < big.size(); ++i)
    big[i] = char(i * 131 + 7);
  std::vector<std::pair<std::string, std::string>> owned = {
      {"signature", "f32[1,4] -> f32[1,3]"},
      {"object.0", std::string(63, 'a')},
      {"empty", ""},
      {"object.1", std::string(65, 'b')},
      {"weights", big},
      {"", "unnamed"}};
  std::vector<std::pair<std::string, std::string_view>> texts(owned.begin(),
                                                              owned.end());
  std::string key = keyOf("model");
  ASSERT_TRUE(cache.store(key, sectionsOf(texts)).ok());
  EXPECT_EQ(listDir(dir.path()), std::set<std::string>{key + ".dlcc"});

  std::string problem = "stale";
  std::unique_ptr<CacheEntry> entry = cache.lookup(key, &problem);
  ASSERT_NE(entry, nullptr) << problem;
  EXPECT_EQ(problem, "");
  ASSERT_EQ(entry->numSections(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(entry->name(i), texts[i].first);
    EXPECT_EQ(entry->data(i), texts[i].second) << texts[i].first;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(entry->data(i).data()) % 64, 0u)
        << texts[i].first;
  }
  EXPECT_EQ(entry->find("weights"), std::optional<std::string_view>(big));
  EXPECT_EQ(entry->find("absent"), std::nullopt);

  // The data stays where it is when the entry is moved.
  const char *weights = entry->data(4).data();
  CacheEntry moved = std::move(*entry);
  entry.reset();
  EXPECT_EQ(moved.data(4).data(), weights);
  EXPECT_EQ(moved.data(4), big);
}

TEST(CompileCache, EntryWithoutSectionsRoundTrips) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  ASSERT_TRUE(cache.store(keyOf("none"), {}).ok());
  auto entry = cache.lookup(keyOf("none"));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->numSections(), 0u);
}

TEST(CompileCache, AnotherKeyIsAMiss) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  ASSERT_TRUE(cache.store(keyOf("a"), sectionsOf({{"x", "1"}})).ok());
  std::string problem = "stale";
  EXPECT_EQ(cache.lookup(keyOf("b"), &problem), nullptr);
  EXPECT_EQ(problem, "");
  EXPECT_NE(cache.lookup(keyOf("a")), nullptr);
}

TEST(CompileCache, MissingDirectoryIsAMissAndStoreCreatesIt) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path() + "/a/b/cache"));
  std::string problem;
  EXPECT_EQ(cache.lookup(keyOf("a"), &problem), nullptr);
  EXPECT_EQ(problem, "");
  ASSERT_TRUE(cache.store(keyOf("a"), sectionsOf({{"x", "1"}})).ok());
  EXPECT_NE(cache.lookup(keyOf("a")), nullptr);
}

TEST(CompileCache, StoreReplacesAnEntry) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string key = keyOf("model");
  ASSERT_TRUE(cache.store(key, sectionsOf({{"x", "old"}})).ok());
  ASSERT_TRUE(cache.store(key, sectionsOf({{"x", "newer"}})).ok());
  auto entry = cache.lookup(key);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->find("x"), std::optional<std::string_view>("newer"));
  EXPECT_EQ(listDir(dir.path()).size(), 1u);
}

TEST(CompileCache, InvalidKeysAreRefused) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  for (std::string key : {std::string("../../etc/passwd"), std::string(""),
                          std::string(32, 'A'), std::string(31, 'a')}) {
    Status stored = cache.store(key, sectionsOf({{"x", "1"}}));
    EXPECT_FALSE(stored.ok()) << key;
    EXPECT_THAT(stored.message(), HasSubstr("invalid cache key"));
    std::string problem;
    EXPECT_EQ(cache.lookup(key, &problem), nullptr);
    EXPECT_THAT(problem, HasSubstr("invalid cache key"));
  }
  EXPECT_TRUE(listDir(dir.path()).empty());
}

TEST(CompileCache, NoDirectoryMeansMissesAndFailedStores) {
  CompileCache cache(optionsFor(""));
  EXPECT_EQ(cache.lookup(keyOf("a")), nullptr);
  EXPECT_FALSE(cache.store(keyOf("a"), sectionsOf({{"x", "1"}})).ok());
}

TEST(CompileCache, StoreFailuresAreErrorsNamingTheDirectory) {
  TempDir dir;
  std::string notADirectory = dir.path() + "/file";
  writeBytes(notADirectory, {1});
  CompileCache cache(optionsFor(notADirectory + "/cache"));
  Status stored = cache.store(keyOf("a"), sectionsOf({{"x", "1"}}));
  EXPECT_FALSE(stored.ok());
  EXPECT_THAT(stored.message(), HasSubstr(notADirectory + "/cache"));
  EXPECT_EQ(cache.lookup(keyOf("a")), nullptr);
}

TEST(CacheKeyBuilder, KeysDependOnEveryPartAndItsBoundaries) {
  std::string model = "\x01\x02\x00\x03model bytes";
  model.push_back('\0');
  auto make = [&] {
    return CacheKeyBuilder()
        .add("model", model.data(), model.size())
        .add("options", "-O3")
        .add("cpu", "znver4+avx512f")
        .add("version", "1.2.3")
        .hex();
  };
  std::string key = make();
  EXPECT_TRUE(isValidCacheKey(key)) << key;
  EXPECT_EQ(key, make());
  // Stable across runs, processes and hosts: a changed value would
  // silently invalidate every cache.
  EXPECT_EQ(CacheKeyBuilder().add("a", "b").hex(),
            "c347b305edfaf7447d79b283a3dd448b");

  std::set<std::string> keys = {
      key,
      CacheKeyBuilder().hex(),
      CacheKeyBuilder().add("options", "").hex(),
      CacheKeyBuilder().add("", "").hex(),
      CacheKeyBuilder().add("", "").add("", "").hex(),
      CacheKeyBuilder().add("ab", "c").hex(),
      CacheKeyBuilder().add("a", "bc").hex(),
      CacheKeyBuilder().add("x", "ab").add("y", "c").hex(),
      CacheKeyBuilder().add("x", "a").add("y", "bc").hex(),
      CacheKeyBuilder().add("x", "abc").add("y", "").hex(),
      CacheKeyBuilder().add("y", "c").add("x", "ab").hex(),
      CacheKeyBuilder().add("x", "ab").add("z", "c").hex(),
      CacheKeyBuilder().add("x", "ab").add("y", "d").hex(),
      CacheKeyBuilder().add("xy", "abc").hex(),
      CacheKeyBuilder().add("x", "yabc").hex(),
  };
  EXPECT_EQ(keys.size(), 15u);
}

TEST(CompileCache, TruncatedEntriesAreRefusedAndRemoved) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string key = keyOf("model");
  std::string payload(5000, 'p');
  ASSERT_TRUE(cache.store(key, sectionsOf({{"weights", payload}})).ok());
  std::string path = entryFile(cache, key);
  std::vector<uint8_t> full = readBytes(path);
  ASSERT_GT(full.size(), payload.size());

  size_t payloadStart = full.size() - payload.size();
  for (size_t cut : {size_t(0), size_t(1), size_t(7), size_t(8), size_t(20),
                     size_t(64), size_t(71), size_t(72), size_t(100),
                     payloadStart, payloadStart + 10, full.size() - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    writeBytes(path, std::vector<uint8_t>(full.begin(), full.begin() + cut));
    std::string problem;
    EXPECT_EQ(cache.lookup(key, &problem), nullptr);
    EXPECT_THAT(problem, HasSubstr(path));
    EXPECT_THAT(problem, HasSubstr(cut == 0 ? "is empty" : "truncated"));
    EXPECT_THAT(problem, HasSubstr("deleted it"));
    EXPECT_FALSE(exists(path));
  }

  // The cache keeps working afterwards.
  ASSERT_TRUE(cache.store(key, sectionsOf({{"weights", payload}})).ok());
  auto entry = cache.lookup(key);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->find("weights"), std::optional<std::string_view>(payload));
}

TEST(CompileCache, FlippedBytesAreDetected) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string key = keyOf("model");
  std::string payload(3000, 'p');
  std::vector<CacheSection> sections =
      sectionsOf({{"signature", "sig"}, {"weights", payload}});
  ASSERT_TRUE(cache.store(key, sections).ok());
  std::string path = entryFile(cache, key);
  std::vector<uint8_t> good = readBytes(path);

  struct Case {
    size_t offset;
    const char *expected;
  };
  for (Case c :
       {Case{good.size() - 1, "checksum"}, Case{good.size() - 1500, "checksum"},
        Case{0, "bad magic"}, Case{8, "format version"}, Case{17, "checksum"},
        Case{40, "checksum"},  // the key
        Case{64, "checksum"},  // the section count
        Case{90, "checksum"},  // the table
        Case{140, "checksum"}, // names or padding
        Case{24, "bytes"}}) {  // the recorded size
    SCOPED_TRACE("flip at " + std::to_string(c.offset));
    std::vector<uint8_t> bad = good;
    bad[c.offset] ^= 0x20;
    writeBytes(path, bad);
    std::string problem;
    EXPECT_EQ(cache.lookup(key, &problem), nullptr);
    EXPECT_THAT(problem, HasSubstr(path));
    EXPECT_THAT(problem, HasSubstr(c.expected));
    EXPECT_FALSE(exists(path));
  }
}

TEST(CompileCache, EntryRenamedToAnotherKeyIsRefusedAsForeign) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string a = keyOf("a"), b = keyOf("b");
  ASSERT_TRUE(cache.store(a, sectionsOf({{"x", "from a"}})).ok());
  ASSERT_EQ(::rename(entryFile(cache, a).c_str(), entryFile(cache, b).c_str()),
            0);
  std::string problem;
  EXPECT_EQ(cache.lookup(b, &problem), nullptr);
  EXPECT_THAT(problem, HasSubstr(entryFile(cache, b)));
  EXPECT_THAT(problem, HasSubstr("another key (" + a + ")"));
  EXPECT_FALSE(exists(entryFile(cache, b)));
  EXPECT_EQ(cache.lookup(a), nullptr);
}

TEST(CompileCache, GarbageAndEmptyFilesAreRefused) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::vector<uint8_t> garbage(4096);
  for (size_t i = 0; i < garbage.size(); ++i)
    garbage[i] = uint8_t(i * 7919 >> 3);
  struct Case {
    std::vector<uint8_t> bytes;
    const char *expected;
  };
  for (const Case &c :
       {Case{garbage, "bad magic"}, Case{{}, "is empty"},
        Case{{'h', 'i'}, "bad magic"}, Case{{'D', 'L', 'C'}, "truncated"}}) {
    std::string path = entryFile(cache, keyOf("a"));
    writeBytes(path, c.bytes);
    std::string problem;
    EXPECT_EQ(cache.lookup(keyOf("a"), &problem), nullptr);
    EXPECT_THAT(problem, HasSubstr(path));
    EXPECT_THAT(problem, HasSubstr(c.expected));
    EXPECT_FALSE(exists(path));
  }
  // Not a regular file: refused, but left alone.
  std::string path = entryFile(cache, keyOf("d"));
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  std::string problem;
  EXPECT_EQ(cache.lookup(keyOf("d"), &problem), nullptr);
  EXPECT_THAT(problem, HasSubstr("not a regular file"));
}

TEST(CompileCache, HostileHeadersAreRefusedWithoutReadingOutOfBounds) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string key = keyOf("a");
  std::string path = entryFile(cache, key);
  const uint64_t max = ~uint64_t(0);
  struct Case {
    uint64_t version, count;
    std::vector<std::array<uint64_t, 4>> rows;
    size_t size;
    uint64_t recorded;
    const char *expected;
  };
  std::vector<Case> cases = {
      {2, 0, {}, 72, 72, "format version 2"},
      {max, 0, {}, 72, 72, "format version"},
      {1, 0, {}, 200, max, "truncated"},
      {1, 0, {}, 200, 100, "header says 100"},
      {1, max, {}, 200, 200, "section table larger than the file"},
      {1, uint64_t(1) << 59, {}, 200, 200, "section table"},
      {1, 2, {}, 130, 130, "section table"},
      {1, 1, {{max - 3, 10, 128, 0}}, 200, 200, "outside the file"},
      {1, 1, {{110, max, 128, 0}}, 200, 200, "outside the file"},
      {1, 1, {{110, 1, 128, max - 127}}, 200, 200, "outside the file"},
      {1, 1, {{110, 1, max - 63, 64}}, 200, 200, "outside the file"},
      {1, 1, {{110, 1, 192, 9}}, 200, 200, "outside the file"},
      {1, 1, {{110, 1, 130, 1}}, 200, 200, "unaligned"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.expected);
    writeBytes(path,
               craftEntry(key, c.version, c.count, c.rows, c.size, c.recorded));
    std::string problem;
    EXPECT_EQ(cache.lookup(key, &problem), nullptr);
    EXPECT_THAT(problem, HasSubstr(c.expected));
    EXPECT_FALSE(exists(path));
  }
  // The edges themselves are fine: a section ending exactly at the end of
  // the file, and an empty one starting there.
  writeBytes(path, craftEntry(key, 1, 2, {{104, 1, 192, 64}, {105, 0, 256, 0}},
                              256, 256));
  std::string problem;
  auto entry = cache.lookup(key, &problem);
  ASSERT_NE(entry, nullptr) << problem;
  EXPECT_EQ(entry->data(0).size(), 64u);
  EXPECT_EQ(entry->data(1).size(), 0u);
}

TEST(CompileCache, EvictsTheLeastRecentlyUsedEntry) {
  TempDir dir;
  std::string payload(1000, 'x');
  std::string a = keyOf("a"), b = keyOf("b"), c = keyOf("c");
  // Every entry has the same size; measure it.
  CompileCache measure(optionsFor(dir.path()));
  ASSERT_TRUE(measure.store(a, sectionsOf({{"p", payload}})).ok());
  uint64_t entrySize = fileSize(entryFile(measure, a));
  ASSERT_GT(entrySize, payload.size());
  ::unlink(entryFile(measure, a).c_str());
  // Files that are not entries are neither counted nor evicted.
  writeBytes(dir.path() + "/notes.txt", std::vector<uint8_t>(10 * entrySize));

  CompileCache cache(optionsFor(dir.path(), 2 * entrySize + entrySize / 2));
  ASSERT_TRUE(cache.store(a, sectionsOf({{"p", payload}})).ok());
  setAge(entryFile(cache, a), 300);
  ASSERT_TRUE(cache.store(b, sectionsOf({{"p", payload}})).ok());
  setAge(entryFile(cache, b), 200);
  // A hit makes `a` the most recently used.
  ASSERT_NE(cache.lookup(a), nullptr);
  EXPECT_GE(mtimeOf(entryFile(cache, a)), ::time(nullptr) - 60);
  ASSERT_TRUE(cache.store(c, sectionsOf({{"p", payload}})).ok());
  EXPECT_EQ(listDir(dir.path()),
            (std::set<std::string>{a + ".dlcc", c + ".dlcc", "notes.txt"}));

  // Without a hit, the oldest goes.
  setAge(entryFile(cache, a), 100);
  ASSERT_TRUE(cache.store(b, sectionsOf({{"p", payload}})).ok());
  EXPECT_EQ(listDir(dir.path()),
            (std::set<std::string>{b + ".dlcc", c + ".dlcc", "notes.txt"}));
}

TEST(CompileCache, NewEntryIsKeptEvenIfOlderOnesMustAllGo) {
  TempDir dir;
  std::string small(100, 's'), large(1000, 'l');
  CompileCache cache(optionsFor(dir.path(), 1300));
  ASSERT_TRUE(cache.store(keyOf("a"), sectionsOf({{"p", small}})).ok());
  ASSERT_TRUE(cache.store(keyOf("b"), sectionsOf({{"p", small}})).ok());
  ASSERT_TRUE(cache.store(keyOf("c"), sectionsOf({{"p", large}})).ok());
  EXPECT_NE(cache.lookup(keyOf("c")), nullptr);
  EXPECT_LE(fileSize(entryFile(cache, keyOf("c"))), 1300u);
}

TEST(CompileCache, EntryLargerThanTheCapacityIsNotKept) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path(), 1000));
  ASSERT_TRUE(cache.store(keyOf("small"), sectionsOf({{"p", "tiny"}})).ok());
  std::string large(1000, 'l');
  Status stored = cache.store(keyOf("large"), sectionsOf({{"p", large}}));
  EXPECT_FALSE(stored.ok());
  EXPECT_THAT(stored.message(), HasSubstr("larger than the cache capacity"));
  EXPECT_EQ(cache.lookup(keyOf("large")), nullptr);
  // Nothing else was evicted for it, and no temporary is left.
  EXPECT_NE(cache.lookup(keyOf("small")), nullptr);
  EXPECT_EQ(listDir(dir.path()),
            std::set<std::string>{keyOf("small") + ".dlcc"});
}

TEST(CompileCache, StaleTemporariesAreRemovedOnStore) {
  TempDir dir;
  CompileCache cache(optionsFor(dir.path()));
  std::string stale = ".tmp-" + keyOf("a") + "-abcdef";
  std::string live = ".tmp-" + keyOf("b") + "-ghijkl";
  writeBytes(dir.path() + "/" + stale, {1, 2, 3});
  writeBytes(dir.path() + "/" + live, {1, 2, 3});
  setAge(dir.path() + "/" + stale, 2 * 3600);
  ASSERT_TRUE(cache.store(keyOf("c"), sectionsOf({{"x", "1"}})).ok());
  EXPECT_EQ(listDir(dir.path()),
            (std::set<std::string>{live, keyOf("c") + ".dlcc"}));
}

/// Each writer stores the same key with its own byte everywhere, so a
/// reader can tell a complete entry from a mix of two.
std::vector<CacheSection> writerSections(const std::string &id,
                                         const std::string &payload) {
  return sectionsOf({{"writer", id}, {"payload", payload}});
}

void expectOneWritersEntry(const CacheEntry &entry) {
  ASSERT_EQ(entry.numSections(), 2u);
  ASSERT_EQ(entry.name(0), "writer");
  ASSERT_EQ(entry.data(0).size(), 1u);
  char id = entry.data(0)[0];
  std::string_view payload = entry.data(1);
  ASSERT_EQ(payload.size(), 200000u);
  EXPECT_TRUE(std::all_of(payload.begin(), payload.end(), [&](char c) {
    return c == id;
  })) << "mixed entry";
}

TEST(CompileCache, ConcurrentWritersOfOneKeyAndReaders) {
  TempDir dir;
  std::string key = keyOf("shared");
  std::atomic<int> writersLeft{8};
  std::atomic<int> failures{0}, hits{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w)
    threads.emplace_back([&, w] {
      CompileCache cache(optionsFor(dir.path()));
      std::string id(1, char('A' + w)), payload(200000, char('A' + w));
      for (int i = 0; i < 10; ++i)
        if (!cache.store(key, writerSections(id, payload)).ok())
          ++failures;
      --writersLeft;
    });
  for (int r = 0; r < 4; ++r)
    threads.emplace_back([&] {
      CompileCache cache(optionsFor(dir.path()));
      while (writersLeft > 0) {
        std::string problem;
        if (auto entry = cache.lookup(key, &problem)) {
          ++hits;
          expectOneWritersEntry(*entry);
        }
        EXPECT_EQ(problem, "");
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(listDir(dir.path()), std::set<std::string>{key + ".dlcc"});
  CompileCache cache(optionsFor(dir.path()));
  auto entry = cache.lookup(key);
  ASSERT_NE(entry, nullptr);
  expectOneWritersEntry(*entry);
}

TEST(CompileCache, ConcurrentWritersInOtherProcesses) {
  TempDir dir;
  std::string key = keyOf("shared");
  std::vector<pid_t> children;
  for (int w = 0; w < 4; ++w) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      CompileCache cache(optionsFor(dir.path()));
      std::string id(1, char('a' + w)), payload(200000, char('a' + w));
      int bad = 0;
      for (int i = 0; i < 10; ++i) {
        bad += !cache.store(key, writerSections(id, payload)).ok();
        std::string problem;
        cache.lookup(key, &problem);
        bad += !problem.empty();
      }
      ::_exit(bad);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(listDir(dir.path()), std::set<std::string>{key + ".dlcc"});
  auto entry = CompileCache(optionsFor(dir.path())).lookup(key);
  ASSERT_NE(entry, nullptr);
  expectOneWritersEntry(*entry);
}

TEST(CompileCacheDefaults, DirectoryFollowsTheEnvironment) {
  ScopedEnv dlc("DLC_CACHE_DIR", "/x/dlc-cache");
  ScopedEnv xdg("XDG_CACHE_HOME", "/x/xdg");
  ScopedEnv home("HOME", "/x/home");
  EXPECT_EQ(defaultCacheDirectory(), "/x/dlc-cache");
  EXPECT_EQ(CacheOptions().directory, "/x/dlc-cache");
  {
    ScopedEnv empty("DLC_CACHE_DIR", "");
    EXPECT_EQ(defaultCacheDirectory(), "/x/xdg/dlc");
  }
  ScopedEnv noDlc("DLC_CACHE_DIR", nullptr);
  EXPECT_EQ(defaultCacheDirectory(), "/x/xdg/dlc");
  {
    ScopedEnv relative("XDG_CACHE_HOME", "relative/xdg");
    EXPECT_EQ(defaultCacheDirectory(), "/x/home/.cache/dlc");
  }
  ScopedEnv noXdg("XDG_CACHE_HOME", nullptr);
  EXPECT_EQ(defaultCacheDirectory(), "/x/home/.cache/dlc");
  ScopedEnv noHome("HOME", nullptr);
  EXPECT_EQ(defaultCacheDirectory(), "");
}

TEST(CompileCacheDefaults, CapacityFollowsTheEnvironment) {
  const uint64_t def = uint64_t(2) << 30;
  struct Case {
    const char *text;
    uint64_t expected;
  };
  for (Case c :
       {Case{nullptr, def}, Case{"1000", 1000}, Case{"0", 0},
        Case{"64K", 64 << 10}, Case{"64k", 64 << 10}, Case{"3M", 3 << 20},
        Case{"5G", uint64_t(5) << 30},
        Case{"18446744073709551615", ~uint64_t(0)},
        Case{"18446744073709551616", def}, Case{"17179869184G", def},
        Case{"", def}, Case{"abc", def}, Case{"12X", def}, Case{"12KB", def},
        Case{" 12", def}, Case{"-1", def}, Case{"K", def}, Case{"1.5G", def}}) {
    ScopedEnv env("DLC_CACHE_MAX_SIZE", c.text);
    EXPECT_EQ(defaultCacheCapacity(), c.expected)
        << (c.text ? c.text : "(unset)");
  }
}

} // namespace
} // namespace dlc
