//===- CompileCache.cpp - persistent cache of compiled code ---------------===//
//
// POSIX implementation of CompileCache.h. The file format and the failure
// handling are described there; this file keeps every read of an entry
// behind a bounds check and every write behind a temporary file.
//
//===----------------------------------------------------------------------===//

#include "dlc/Compiler/CompileCache.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <mutex>
#include <set>
#include <tuple>
#include <unistd.h>
#include <utility>

using llvm::support::endian::read64le;
using llvm::support::endian::write64le;

namespace dlc {
namespace {

constexpr char kMagic[8] = {'D', 'L', 'C', 'C', 'A', 'C', 'H', 'E'};
constexpr uint64_t kFormatVersion = 1;
constexpr uint64_t kChecksumOffset = 16;
constexpr uint64_t kChecksummedFrom = 24;
constexpr uint64_t kFileSizeOffset = 24;
constexpr uint64_t kKeyOffset = 32;
constexpr uint64_t kKeySize = 32;
constexpr uint64_t kCountOffset = 64;
constexpr uint64_t kHeaderSize = 72;
constexpr uint64_t kTableEntrySize = 32;
constexpr uint64_t kAlignment = 64;
constexpr uint64_t kDefaultCapacity = uint64_t(2) << 30;
constexpr const char *kEntrySuffix = ".dlcc";
// Temporaries start with a dot so that they can never be taken for an entry
// (`<key>.dlcc`) nor show up in a casual listing.
constexpr const char *kTempPrefix = ".tmp-";
// A temporary this old belongs to a writer that was killed: a live one
// finishes within seconds.
constexpr time_t kStaleTempSeconds = 3600;

std::string errnoText() { return std::strerror(errno); }

/// Closes a descriptor on scope exit. closeNow() reports close()'s result,
/// which is where some file systems (NFS) report write errors.
struct FdGuard {
  int fd;
  ~FdGuard() { closeNow(); }
  int closeNow() { return fd < 0 ? 0 : ::close(std::exchange(fd, -1)); }
};

bool checkedAdd(uint64_t a, uint64_t b, uint64_t &sum) {
  return !__builtin_add_overflow(a, b, &sum);
}

bool alignUp(uint64_t value, uint64_t &aligned) {
  if (!checkedAdd(value, kAlignment - 1, aligned))
    return false;
  aligned &= ~(kAlignment - 1);
  return true;
}

/// True if [offset, offset + size) lies within a file of `fileSize` bytes;
/// written so that no sum can overflow.
bool fits(uint64_t offset, uint64_t size, uint64_t fileSize) {
  return offset <= fileSize && size <= fileSize - offset;
}

bool isEntryFileName(const std::string &name) {
  size_t suffix = std::strlen(kEntrySuffix);
  return name.size() == kKeySize + suffix &&
         name.compare(kKeySize, suffix, kEntrySuffix) == 0 &&
         isValidCacheKey(std::string_view(name).substr(0, kKeySize));
}

/// Sets the file's modification time, the recency eviction sorts by, to
/// now. An explicit fine-grained time keeps the order of stores and hits
/// within one clock tick; without ownership of the file only "now" (which
/// needs write access) can be set. Failure just leaves the old recency.
void markRecentlyUsed(int fd) {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  ::clock_gettime(CLOCK_REALTIME, &times[1]);
  if (::futimens(fd, times) != 0)
    (void)::futimens(fd, nullptr);
}

/// Why the `size` bytes at `p` (a whole entry file) are not a valid entry
/// for `key`, or "" if they are; on success `sections` describes them.
std::string verifyEntry(const uint8_t *p, uint64_t size, std::string_view key,
                        CacheEntry::Sections &sections) {
  if (size == 0)
    return "is empty";
  if (std::memcmp(p, kMagic, std::min<uint64_t>(size, sizeof(kMagic))) != 0)
    return "is not a dlc cache entry (bad magic)";
  if (size < kHeaderSize)
    return "is truncated (" + std::to_string(size) +
           " bytes, shorter than the header)";
  uint64_t version = read64le(p + sizeof(kMagic));
  if (version != kFormatVersion)
    return "has format version " + std::to_string(version) +
           ", this dlc reads version " + std::to_string(kFormatVersion);
  uint64_t recorded = read64le(p + kFileSizeOffset);
  if (recorded > size)
    return "is truncated (" + std::to_string(size) + " of " +
           std::to_string(recorded) + " bytes)";
  if (recorded < size)
    return "has " + std::to_string(size) + " bytes, its header says " +
           std::to_string(recorded);
  uint64_t sum = llvm::xxh3_64bits(
      llvm::ArrayRef<uint8_t>(p + kChecksummedFrom, size - kChecksummedFrom));
  if (sum != read64le(p + kChecksumOffset))
    return "is corrupt (checksum mismatch)";
  std::string_view stored(reinterpret_cast<const char *>(p + kKeyOffset),
                          kKeySize);
  if (stored != key)
    return "holds the entry of another key (" +
           (isValidCacheKey(stored) ? std::string(stored) : "invalid") +
           "): a renamed or foreign file";
  uint64_t count = read64le(p + kCountOffset);
  // Dividing instead of multiplying keeps a huge count from overflowing.
  if (count > (size - kHeaderSize) / kTableEntrySize)
    return "has a section table larger than the file";
  sections.clear();
  for (uint64_t i = 0; i < count; ++i) {
    const uint8_t *row = p + kHeaderSize + i * kTableEntrySize;
    uint64_t nameOffset = read64le(row), nameSize = read64le(row + 8);
    uint64_t dataOffset = read64le(row + 16), dataSize = read64le(row + 24);
    if (!fits(nameOffset, nameSize, size) || !fits(dataOffset, dataSize, size))
      return "has section " + std::to_string(i) + " outside the file";
    if (dataOffset % kAlignment != 0)
      return "has section " + std::to_string(i) + " at an unaligned offset";
    auto text = [&](uint64_t offset, uint64_t length) {
      return std::string_view(reinterpret_cast<const char *>(p + offset),
                              length);
    };
    sections.emplace_back(text(nameOffset, nameSize),
                          text(dataOffset, dataSize));
  }
  return "";
}

/// Deletes `path` if it is still the file `opened` (a concurrent writer may
/// have renamed a good entry over the bad one since it was opened; that
/// one must stay). Returns what happened, for the problem line.
std::string removeBadEntry(const std::string &path, const struct stat &opened) {
  struct stat now;
  if (::stat(path.c_str(), &now) != 0 || now.st_dev != opened.st_dev ||
      now.st_ino != opened.st_ino)
    return "another writer has replaced it since";
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return "could not delete it: " + errnoText();
  return "deleted it";
}

Status writeAllAt(int fd, const void *data, uint64_t size, uint64_t offset) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  while (size > 0) {
    // Large writes may be split by the kernel; cap each call at 1 GiB.
    size_t chunk = size_t(std::min<uint64_t>(size, uint64_t(1) << 30));
    ssize_t n = ::pwrite(fd, p, chunk, off_t(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return Status::error("write failed: " + errnoText());
    p += n;
    size -= uint64_t(n);
    offset += uint64_t(n);
  }
  return Status::success();
}

/// Where each section goes, and the header, table and names as bytes (with
/// a zero checksum, filled in once the whole file is written).
struct Layout {
  std::vector<uint8_t> head;
  std::vector<uint64_t> dataOffsets;
  uint64_t fileSize = 0;
};

StatusOr<Layout> layOut(const std::string &key,
                        const std::vector<CacheSection> &sections) {
  Layout layout;
  uint64_t cursor = kHeaderSize + sections.size() * kTableEntrySize;
  std::vector<uint64_t> nameOffsets;
  for (const CacheSection &s : sections) {
    if (s.size > 0 && !s.data)
      return Status::error("section '" + s.name + "' has no data");
    nameOffsets.push_back(cursor);
    if (!checkedAdd(cursor, s.name.size(), cursor))
      return Status::error("entry is too large");
  }
  uint64_t namesEnd = cursor;
  for (const CacheSection &s : sections) {
    if (!alignUp(cursor, cursor))
      return Status::error("entry is too large");
    layout.dataOffsets.push_back(cursor);
    if (!checkedAdd(cursor, s.size, cursor))
      return Status::error("entry is too large");
  }
  layout.fileSize = cursor;

  std::vector<uint8_t> &head = layout.head;
  head.assign(size_t(namesEnd), 0);
  std::memcpy(head.data(), kMagic, sizeof(kMagic));
  write64le(head.data() + sizeof(kMagic), kFormatVersion);
  write64le(head.data() + kFileSizeOffset, layout.fileSize);
  std::memcpy(head.data() + kKeyOffset, key.data(), kKeySize);
  write64le(head.data() + kCountOffset, sections.size());
  for (size_t i = 0; i < sections.size(); ++i) {
    uint8_t *row = head.data() + kHeaderSize + i * kTableEntrySize;
    write64le(row, nameOffsets[i]);
    write64le(row + 8, sections[i].name.size());
    write64le(row + 16, layout.dataOffsets[i]);
    write64le(row + 24, sections[i].size);
    std::memcpy(head.data() + nameOffsets[i], sections[i].name.data(),
                sections[i].name.size());
  }
  return layout;
}

/// Writes the whole entry into `fd` and then its checksum. The checksum is
/// computed over the written file (through a mapping) rather than over a
/// copy in memory: sections such as weights can be large.
Status writeEntry(int fd, const Layout &layout,
                  const std::vector<CacheSection> &sections) {
  DLC_RETURN_IF_ERROR(
      writeAllAt(fd, layout.head.data(), layout.head.size(), 0));
  for (size_t i = 0; i < sections.size(); ++i)
    DLC_RETURN_IF_ERROR(writeAllAt(fd, sections[i].data, sections[i].size,
                                   layout.dataOffsets[i]));
  // The alignment gaps (and a trailing empty section) read back as zeros.
  if (::ftruncate(fd, off_t(layout.fileSize)) != 0)
    return Status::error("cannot set the file size: " + errnoText());
  void *map =
      ::mmap(nullptr, size_t(layout.fileSize), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED)
    return Status::error("cannot map the file to checksum it: " + errnoText());
  uint64_t sum = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
      static_cast<const uint8_t *>(map) + kChecksummedFrom,
      size_t(layout.fileSize - kChecksummedFrom)));
  ::munmap(map, size_t(layout.fileSize));
  uint8_t bytes[8];
  write64le(bytes, sum);
  return writeAllAt(fd, bytes, sizeof(bytes), kChecksumOffset);
}

/// Parses "<digits>[K|M|G]" (either case); nullopt for anything else.
std::optional<uint64_t> parseByteSize(const char *text) {
  uint64_t value = 0;
  const char *p = text;
  for (; *p >= '0' && *p <= '9'; ++p)
    if (__builtin_mul_overflow(value, uint64_t(10), &value) ||
        !checkedAdd(value, uint64_t(*p - '0'), value))
      return std::nullopt;
  if (p == text)
    return std::nullopt;
  int shift = 0;
  if (*p != '\0') {
    size_t unit = std::string_view("kmg").find(
        char(std::tolower(static_cast<unsigned char>(*p++))));
    if (unit == std::string_view::npos || *p != '\0')
      return std::nullopt;
    shift = 10 * int(unit + 1);
  }
  if (value > (UINT64_MAX >> shift))
    return std::nullopt;
  return value << shift;
}

} // namespace

std::string defaultCacheDirectory() {
  const char *dlc = std::getenv("DLC_CACHE_DIR");
  if (dlc && *dlc)
    return dlc;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and is ignored.
  const char *xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/')
    return std::string(xdg) + "/dlc";
  const char *home = std::getenv("HOME");
  if (home && *home)
    return std::string(home) + "/.cache/dlc";
  return "";
}

void warnCacheProblemOnce(const std::string &problem,
                          const char *consequence) {
  static std::mutex mutex;
  static std::set<std::string> reported;
  std::lock_guard<std::mutex> lock(mutex);
  if (reported.insert(problem).second)
    std::fprintf(stderr, "dlc: warning: %s; %s\n", problem.c_str(),
                 consequence);
}

uint64_t defaultCacheCapacity() {
  const char *text = std::getenv("DLC_CACHE_MAX_SIZE");
  if (!text)
    return kDefaultCapacity;
  return parseByteSize(text).value_or(kDefaultCapacity);
}

bool isValidCacheKey(std::string_view key) {
  return key.size() == kKeySize &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

CacheKeyBuilder &CacheKeyBuilder::add(std::string_view name, const void *data,
                                      size_t size) {
  auto bytes =
      llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), size);
  llvm::XXH128_hash_t hash = llvm::xxh3_128bits(bytes);
  uint8_t fixed[8];
  write64le(fixed, name.size());
  digest_.append(reinterpret_cast<const char *>(fixed), 8);
  digest_.append(name);
  for (uint64_t word : {uint64_t(size), hash.low64, hash.high64}) {
    write64le(fixed, word);
    digest_.append(reinterpret_cast<const char *>(fixed), 8);
  }
  return *this;
}

CacheKeyBuilder &CacheKeyBuilder::add(std::string_view name,
                                      std::string_view text) {
  return add(name, text.data(), text.size());
}

std::string CacheKeyBuilder::hex() const {
  // The tag keeps keys of this scheme apart from any later one.
  std::string all = "dlc-cache-key-1" + digest_;
  llvm::XXH128_hash_t hash = llvm::xxh3_128bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(all.data()), all.size()));
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (uint64_t word : {hash.high64, hash.low64})
    for (int shift = 60; shift >= 0; shift -= 4)
      out.push_back(digits[(word >> shift) & 0xf]);
  return out;
}

void CacheEntry::Unmapper::operator()(void *mapping) const {
  ::munmap(mapping, size);
}

std::string_view CacheEntry::name(size_t i) const {
  assert(i < sections_.size() && "section index out of range");
  return sections_[i].first;
}

std::string_view CacheEntry::data(size_t i) const {
  assert(i < sections_.size() && "section index out of range");
  return sections_[i].second;
}

std::optional<std::string_view> CacheEntry::find(std::string_view name) const {
  for (const auto &[sectionName, data] : sections_)
    if (sectionName == name)
      return data;
  return std::nullopt;
}

CompileCache::CompileCache(CacheOptions options)
    : options_(std::move(options)) {}

std::string CompileCache::entryPath(const std::string &key) const {
  return options_.directory + "/" + key + kEntrySuffix;
}

std::unique_ptr<CacheEntry> CompileCache::lookup(const std::string &key,
                                                 std::string *problem) {
  std::string ignored;
  std::string &why = problem ? *problem : ignored;
  why.clear();
  if (!isValidCacheKey(key)) {
    why = "invalid cache key '" + key + "' (expected 32 lowercase hex digits)";
    return nullptr;
  }
  if (options_.directory.empty())
    return nullptr;
  std::string path = entryPath(key);
  // O_NONBLOCK: a FIFO planted under an entry's name must not hang us.
  FdGuard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  struct stat st;
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0)
    return nullptr;
  if (!S_ISREG(st.st_mode)) {
    why = "cache entry '" + path + "' is not a regular file; ignored it";
    return nullptr;
  }
  uint64_t size = uint64_t(st.st_size);
  void *map = nullptr;
  if (size > 0) {
    map = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, fd.fd, 0);
    if (map == MAP_FAILED)
      return nullptr;
  }
  CacheEntry::Sections sections;
  std::string wrong =
      verifyEntry(static_cast<const uint8_t *>(map), size, key, sections);
  if (!wrong.empty()) {
    if (map)
      ::munmap(map, size_t(size));
    why =
        "cache entry '" + path + "' " + wrong + "; " + removeBadEntry(path, st);
    return nullptr;
  }
  markRecentlyUsed(fd.fd);
  return std::unique_ptr<CacheEntry>(
      new CacheEntry(map, size_t(size), std::move(sections)));
}

Status CompileCache::store(const std::string &key,
                           const std::vector<CacheSection> &sections) {
  if (!isValidCacheKey(key))
    return Status::error("invalid cache key '" + key +
                         "' (expected 32 lowercase hex digits)");
  if (options_.directory.empty())
    return Status::error("no cache directory: set DLC_CACHE_DIR or HOME");
  std::string path = entryPath(key);
  StatusOr<Layout> layout = layOut(key, sections);
  if (!layout.ok())
    return layout.status().withPrefix(path);
  if (layout->fileSize > options_.capacityBytes)
    return Status::error(path + ": not cached: the entry (" +
                         std::to_string(layout->fileSize) +
                         " bytes) is larger than the cache capacity (" +
                         std::to_string(options_.capacityBytes) + " bytes)");
  if (std::error_code ec = llvm::sys::fs::create_directories(
          options_.directory, /*IgnoreExisting=*/true,
          llvm::sys::fs::owner_all))
    return Status::error("cannot create cache directory '" +
                         options_.directory + "': " + ec.message());

  std::string tmp = options_.directory + "/" + kTempPrefix + key + "-XXXXXX";
  std::vector<char> tmpName(tmp.begin(), tmp.end());
  tmpName.push_back('\0');
  FdGuard fd{::mkostemp(tmpName.data(), O_CLOEXEC)};
  if (fd.fd < 0)
    return Status::error(path +
                         ": cannot create a temporary file: " + errnoText());
  tmp = tmpName.data();
  Status written = writeEntry(fd.fd, *layout, sections);
  if (written.ok()) {
    markRecentlyUsed(fd.fd);
    if (::fsync(fd.fd) != 0)
      written = Status::error("fsync failed: " + errnoText());
  }
  if (written.ok() && fd.closeNow() != 0)
    written = Status::error("close failed: " + errnoText());
  if (written.ok() && ::rename(tmp.c_str(), path.c_str()) != 0)
    written = Status::error("rename failed: " + errnoText());
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written.withPrefix(path + ": cannot store '" + tmp + "'");
  }
  // Make the rename durable. Failing that only risks a miss after a power
  // loss, which is not worth failing the store for.
  FdGuard dirFd{
      ::open(options_.directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dirFd.fd >= 0)
    (void)::fsync(dirFd.fd);
  evictAndSweep(key + kEntrySuffix);
  return Status::success();
}

/// Deletes least-recently-used entries (other than `keep`) until the
/// entries fit the capacity, and temporaries of writers long gone. Best
/// effort: another process may be doing the same, so a file that vanished
/// meanwhile counts as deleted and errors are ignored.
void CompileCache::evictAndSweep(const std::string &keep) const {
  DIR *dir = ::opendir(options_.directory.c_str());
  if (!dir)
    return;
  struct Candidate {
    struct timespec mtime;
    uint64_t size;
    std::string name;
  };
  std::vector<Candidate> candidates;
  uint64_t total = 0;
  time_t now = ::time(nullptr);
  int dfd = ::dirfd(dir);
  while (struct dirent *e = ::readdir(dir)) {
    std::string name = e->d_name;
    bool entry = isEntryFileName(name);
    bool temp = name.compare(0, std::strlen(kTempPrefix), kTempPrefix) == 0;
    struct stat st;
    if ((!entry && !temp) ||
        ::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(st.st_mode))
      continue;
    if (temp) {
      if (now - st.st_mtim.tv_sec > kStaleTempSeconds)
        (void)::unlinkat(dfd, name.c_str(), 0);
      continue;
    }
    uint64_t size = uint64_t(st.st_size);
    total = total > UINT64_MAX - size ? UINT64_MAX : total + size;
    if (name != keep)
      candidates.push_back({st.st_mtim, size, name});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate &a, const Candidate &b) {
              return std::tie(a.mtime.tv_sec, a.mtime.tv_nsec, a.name) <
                     std::tie(b.mtime.tv_sec, b.mtime.tv_nsec, b.name);
            });
  for (const Candidate &c : candidates) {
    if (total <= options_.capacityBytes)
      break;
    if (::unlinkat(dfd, c.name.c_str(), 0) == 0 || errno == ENOENT)
      total -= c.size;
  }
  ::closedir(dir);
}

} // namespace dlc
