// POSIX implementation of FileIO.h.
#include "dlc/runtime/FileIO.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc {
namespace {

std::string errnoText() { return std::strerror(errno); }

/// Closes a descriptor on scope exit unless released.
class FdGuard {
public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  FdGuard(const FdGuard &) = delete;
  FdGuard &operator=(const FdGuard &) = delete;
  int get() const { return fd_; }
  /// Closes now and reports the result: close() is where some file systems
  /// (NFS) report write errors, so it must be checked when writing.
  int closeNow() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd);
  }

private:
  int fd_;
};

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

std::string baseNameOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Removes temporaries `NAME.tmp.PID.XXXXXX` next to `path` whose writer is
/// gone: a save killed between creating its temporary and renaming it
/// leaves one behind, and a training run killed repeatedly would otherwise
/// pile them up beside its checkpoint. A temporary of a live process (a
/// concurrent save) is never touched. Best effort: errors are ignored.
void removeDeadWritersTemporaries(const std::string &path) {
  std::string dir = directoryOf(path);
  std::string prefix = baseNameOf(path) + ".tmp.";
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return;
  while (struct dirent *entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0)
      continue;
    // The writer's pid, then '.', then mkostemp's six characters.
    const char *digits = name.c_str() + prefix.size();
    char *end = nullptr;
    errno = 0;
    long pid = std::strtol(digits, &end, 10);
    if (errno != 0 || end == digits || *end != '.' || pid <= 0 ||
        std::strlen(end + 1) != 6)
      continue;
    if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH)
      continue;
    ::unlink((dir + "/" + name).c_str());
  }
  ::closedir(d);
}

Status writeAll(int fd, const uint8_t *p, size_t size) {
  while (size > 0) {
    // Large writes may be split by the kernel; cap each call at 1 GiB.
    size_t chunk = size < (size_t(1) << 30) ? size : (size_t(1) << 30);
    ssize_t n = ::write(fd, p, chunk);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return Status::error(errnoText());
    }
    p += n;
    size -= size_t(n);
  }
  return Status::success();
}

} // namespace

StatusOr<std::vector<uint8_t>> readFile(const std::string &path,
                                        uint64_t maxBytes) {
  FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0)
    return Status::error(path + ": cannot open: " + errnoText());
  struct stat st;
  if (::fstat(fd.get(), &st) != 0)
    return Status::error(path + ": cannot stat: " + errnoText());
  if (!S_ISREG(st.st_mode))
    return Status::error(path + ": not a regular file");
  if (uint64_t(st.st_size) > maxBytes)
    return Status::error(path + ": file is too large (" +
                         std::to_string(st.st_size) + " bytes, limit " +
                         std::to_string(maxBytes) + ")");
  std::vector<uint8_t> bytes(size_t(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return Status::error(path + ": read error: " + errnoText());
    if (n == 0) // The file shrank while we read it.
      break;
    done += size_t(n);
  }
  bytes.resize(done);
  return bytes;
}

Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size) {
  if (path.empty())
    return Status::error("cannot save: empty file name");
  std::string dir = directoryOf(path);
  mode_t mode = 0644;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return Status::error(path + ": cannot save: is a directory");
    mode = st.st_mode & 07777;
  }

  // The writer's pid in the name lets a later save tell a temporary left by
  // a killed writer from one a concurrent save is still writing.
  std::string tmp =
      path + ".tmp." + std::to_string(long(::getpid())) + ".XXXXXX";
  std::vector<char> tmpName(tmp.begin(), tmp.end());
  tmpName.push_back('\0');
  FdGuard fd(::mkostemp(tmpName.data(), O_CLOEXEC));
  if (fd.get() < 0)
    return Status::error(path + ": cannot create a temporary file in '" + dir +
                         "': " + errnoText());
  tmp = tmpName.data();
  // From here on, every failure must remove the temporary file.
  auto fail = [&](const std::string &step) {
    std::string why = errnoText();
    if (fd.get() >= 0)
      fd.closeNow();
    ::unlink(tmp.c_str());
    return Status::error(path + ": cannot save: " + step + ": " + why);
  };

  Status written = writeAll(fd.get(), static_cast<const uint8_t *>(data), size);
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return Status::error(path + ": cannot save: write to '" + tmp +
                         "' failed: " + written.message());
  }
  if (::fchmod(fd.get(), mode) != 0)
    return fail("chmod");
  if (::fsync(fd.get()) != 0)
    return fail("fsync");
  if (fd.closeNow() != 0)
    return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("rename");

  // The rename itself lives in the directory; without this fsync a power
  // loss could bring back the old file (or no file at all).
  FdGuard dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirFd.get() < 0 || ::fsync(dirFd.get()) != 0)
    return Status::error(path + ": saved, but syncing directory '" + dir +
                         "' failed: " + errnoText());
  removeDeadWritersTemporaries(path);
  return Status::success();
}

} // namespace dlc
