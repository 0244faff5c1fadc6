//===- CompileCache.h - persistent cache of compiled code -------*- C++ -*-===//
//
// Compiling a model takes seconds; running it again with the same inputs to
// the compiler should not. The cache keeps the results of earlier compiles
// on disk, one file per key:
//
//   std::string key = dlc::CacheKeyBuilder()
//                         .add("model", modelBytes.data(), modelBytes.size())
//                         .add("options", optionsText)
//                         .add("cpu", cpuNameAndFeatures)
//                         .add("version", dlcVersion)
//                         .hex();
//   dlc::CompileCache cache{dlc::CacheOptions()};
//   std::string problem;
//   if (auto entry = cache.lookup(key, &problem)) {
//     // use entry->find("object.0"), entry->find("weights"), ...
//   } else {
//     if (!problem.empty())
//       warn(problem);                      // the bad file is already gone
//     ... compile ...
//     if (Status s = cache.store(key, sections); !s.ok())
//       warn(s.message());                  // never fails the compile
//   }
//
// Entry file format (version 1). One file `<key>.dlcc` per entry; every
// integer is little-endian so a cache directory can be shared between hosts:
//
//   offset  size    field
//        0     8    magic "DLCCACHE"
//        8     8    format version (1)
//       16     8    checksum: xxh3_64 of every byte from offset 24 to the end
//       24     8    file size in bytes
//       32    32    key (32 lowercase hex digits)
//       64     8    number of sections N
//       72  N*32    section table, per section:
//                     name offset, name size, data offset, data size
//                     (offsets from the start of the file)
//        .     .    section names (bytes, no terminator)
//        .     .    section data, each at a 64-byte aligned offset; the
//                   gaps between them are zero
//
// Magic and version sit before the checksum, outside what it covers, so
// that a reader can tell "another format" apart from "corrupt" before it
// knows how that format is checksummed.
//
// Failure modes. lookup() never returns an entry it has not fully verified:
// a file that is empty, truncated, not a cache entry, of another format
// version, corrupt (checksum), stored under another key (renamed or copied
// in from elsewhere) or whose table points outside the file is deleted, and
// the one-line `problem` says which file and what was wrong. Verification
// reads the file only through offsets and sizes checked against the file's
// size first, so no file contents can make it read out of bounds. A missing
// or unreadable file (or directory) is a plain miss.
//
// Keys are 128-bit xxh3 hashes: accidental collisions are out of reach, but
// the keys are not a defence against inputs crafted to collide (a
// cryptographic hash of a large model would cost more than the cache saves).
// The cache directory is trusted like the user's other files.
//
// Concurrency. Entry files are never modified in place: store() writes a
// unique temporary file, fsyncs it and renames it over the entry, so any
// number of CompileCache objects on one directory, in different threads or
// processes, can look up and store concurrently (also the same key: one
// complete file wins). A CompileCache has no mutable state, so one object
// may also be shared between threads. A loaded CacheEntry stays valid while
// other processes replace, evict or delete its file (the mapping keeps the
// old file alive); only truncating the file in place, which this code never
// does, would break it.
//
// Size cap. After each store, least-recently-used entries (by modification
// time, which a hit refreshes) are deleted until the entries' file sizes add
// up to at most the capacity. Files in the directory that are not entries
// are neither counted nor deleted, except temporaries older than an hour,
// which a killed writer left behind.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_COMPILER_COMPILECACHE_H
#define DLC_COMPILER_COMPILECACHE_H

#include "dlc/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dlc {

/// $DLC_CACHE_DIR if set and non-empty, else $XDG_CACHE_HOME/dlc (when it
/// is an absolute path, as the XDG spec requires), else $HOME/.cache/dlc;
/// "" if none can be formed.
std::string defaultCacheDirectory();

/// Writes "dlc: warning: PROBLEM; CONSEQUENCE" to stderr, once per process
/// for each problem: a damaged entry or an unwritable directory is worth
/// one line, not one per model a process compiles.
void warnCacheProblemOnce(const std::string &problem,
                          const char *consequence);

/// 2 GiB, or $DLC_CACHE_MAX_SIZE: a number of bytes, optionally followed by
/// K, M or G (powers of 1024, either case). Anything else (including
/// overflow) gives the default.
uint64_t defaultCacheCapacity();

struct CacheOptions {
  /// Created (with parents, mode 0700) by the first store.
  std::string directory = defaultCacheDirectory();
  uint64_t capacityBytes = defaultCacheCapacity();
};

/// Builds a key from named parts, in order. Each part contributes its
/// name's length, the name, its data's length and a 128-bit hash of the
/// data, so parts cannot run into each other ("ab"+"c" differs from
/// "a"+"bc") and large parts (a model) are hashed without being copied. The
/// result depends only on the parts: it is the same in every run, process
/// and host.
class CacheKeyBuilder {
public:
  CacheKeyBuilder &add(std::string_view name, const void *data, size_t size);
  CacheKeyBuilder &add(std::string_view name, std::string_view text);
  /// 32 lowercase hex digits.
  std::string hex() const;

private:
  std::string digest_;
};

/// True if `key` is 32 lowercase hex digits, the only keys the cache takes
/// (which also keeps a key from naming a file outside the directory).
bool isValidCacheKey(std::string_view key);

/// A loaded entry: named byte sections of a read-only memory mapping of the
/// entry file. Each section's data starts at a 64-byte aligned address and
/// stays valid as long as the entry lives.
class CacheEntry {
public:
  /// Movable, not copyable: the entry owns its mapping.
  CacheEntry(CacheEntry &&) noexcept = default;
  CacheEntry &operator=(CacheEntry &&) noexcept = default;

  size_t numSections() const { return sections_.size(); }
  std::string_view name(size_t i) const;
  std::string_view data(size_t i) const;
  /// The data of the first section called `name`.
  std::optional<std::string_view> find(std::string_view name) const;

  /// (name, data) of each section, pointing into the mapping.
  using Sections = std::vector<std::pair<std::string_view, std::string_view>>;

private:
  friend class CompileCache;
  /// Unmaps the whole file when the entry goes away.
  struct Unmapper {
    size_t size = 0;
    void operator()(void *mapping) const;
  };
  CacheEntry(void *mapping, size_t size, Sections sections)
      : mapping_(mapping, Unmapper{size}), sections_(std::move(sections)) {}

  std::unique_ptr<void, Unmapper> mapping_;
  Sections sections_;
};

/// One section to store; `data` is only read during store().
struct CacheSection {
  std::string name;
  const void *data = nullptr;
  size_t size = 0;
};

class CompileCache {
public:
  explicit CompileCache(CacheOptions options);

  /// A hit returns the mapped entry and refreshes its recency. A miss
  /// returns nullptr. An entry file that fails verification (see the file
  /// comment) is deleted, nullptr is returned and `*problem` (if non-null)
  /// gets one line naming the file and what was wrong; otherwise `*problem`
  /// is cleared. (An invalid key, or something other than a regular file
  /// under the entry's name, also gives a miss with a problem line, but
  /// nothing is deleted.)
  std::unique_ptr<CacheEntry> lookup(const std::string &key,
                                     std::string *problem = nullptr);

  /// Writes the entry atomically, then evicts least-recently-used entries
  /// until the cache fits its capacity (never the one just written). An
  /// entry larger than the whole capacity is not written, and an error says
  /// so. A failure removes the temporary file, leaves the cache as it was
  /// and returns an error naming the file; callers should only warn.
  Status store(const std::string &key,
               const std::vector<CacheSection> &sections);

  const std::string &directory() const { return options_.directory; }
  uint64_t capacityBytes() const { return options_.capacityBytes; }

private:
  std::string entryPath(const std::string &key) const;
  void evictAndSweep(const std::string &keep) const;

  CacheOptions options_;
};

} // namespace dlc

#endif // DLC_COMPILER_COMPILECACHE_H
