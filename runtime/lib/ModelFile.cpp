// Opening, verifying and accessing model files.
#include "dlc/runtime/ModelFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc {
namespace {

/// Smallest possible FlatBuffer with an identifier: root offset + "DLCM".
constexpr size_t kMinModelBytes = 8;
/// FlatBuffers uses 32-bit signed offsets; the verifier asserts on anything
/// larger, so larger files must be refused before it runs.
constexpr uint64_t kMaxModelBytes = FLATBUFFERS_MAX_BUFFER_SIZE - 1;

std::string printableIdentifier(const uint8_t *id) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    if (id[i] >= 0x20 && id[i] < 0x7f) {
      s += char(id[i]);
    } else {
      static const char hex[] = "0123456789abcdef";
      s += "\\x";
      s += hex[id[i] >> 4];
      s += hex[id[i] & 15];
    }
  }
  return s;
}

Status checkSize(uint64_t size, const std::string &name) {
  if (size < kMinModelBytes)
    return Status::error(name + ": not a dlc model: the file is only " +
                         std::to_string(size) + " bytes long");
  if (size > kMaxModelBytes)
    return Status::error(name + ": the file is " + std::to_string(size) +
                         " bytes, larger than the 2 GiB limit of the "
                         "FlatBuffers format");
  return Status::success();
}

} // namespace

ModelFile::~ModelFile() {
  if (mapping_)
    ::munmap(mapping_, size_);
}

StatusOr<std::unique_ptr<ModelFile>> ModelFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  int statResult = ::fstat(fd, &st);
  int statErrno = errno;
  if (statResult != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(
        path + ": " +
        (statResult != 0 ? std::strerror(statErrno) : "not a regular file"));
  }
  Status sized = checkSize(uint64_t(st.st_size), path);
  if (!sized.ok()) {
    ::close(fd);
    return sized;
  }
  size_t size = size_t(st.st_size);
  // MAP_PRIVATE + PROT_READ: nothing we do can write back to the file.
  void *mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int mapErrno = errno;
  ::close(fd); // The mapping keeps the file referenced.
  if (mapping == MAP_FAILED)
    return Status::error(path +
                         ": cannot map the file: " + std::strerror(mapErrno));
  std::unique_ptr<ModelFile> file(new ModelFile());
  file->path_ = path;
  file->mapping_ = mapping;
  file->data_ = static_cast<const uint8_t *>(mapping);
  file->size_ = size;
  return finishOpen(std::move(file));
}

StatusOr<std::unique_ptr<ModelFile>>
ModelFile::fromBuffer(std::vector<uint8_t> bytes, const std::string &name) {
  DLC_RETURN_IF_ERROR(checkSize(bytes.size(), name));
  std::unique_ptr<ModelFile> file(new ModelFile());
  file->path_ = name;
  file->owned_ = allocateAligned(bytes.size(), /*zeroFill=*/false);
  if (!file->owned_)
    return Status::error(name + ": cannot allocate " +
                         std::to_string(bytes.size()) + " bytes");
  std::memcpy(file->owned_.get(), bytes.data(), bytes.size());
  file->data_ = file->owned_.get();
  file->size_ = bytes.size();
  return finishOpen(std::move(file));
}

StatusOr<std::unique_ptr<ModelFile>>
ModelFile::fromMemory(const uint8_t *data, size_t size,
                      std::shared_ptr<const void> owner,
                      const std::string &name) {
  DLC_RETURN_IF_ERROR(checkSize(size, name));
  if (reinterpret_cast<uintptr_t>(data) % 64 != 0)
    return Status::error(name + ": model image is not 64-byte aligned");
  std::unique_ptr<ModelFile> file(new ModelFile());
  file->path_ = name;
  file->external_ = std::move(owner);
  file->data_ = data;
  file->size_ = size;
  return finishOpen(std::move(file));
}

StatusOr<std::unique_ptr<ModelFile>>
ModelFile::finishOpen(std::unique_ptr<ModelFile> file) {
  const std::string &name = file->path_;
  if (!fb::ModelBufferHasIdentifier(file->data_))
    return Status::error(
        name + ": not a dlc model: the file identifier is '" +
        printableIdentifier(file->data_ + sizeof(flatbuffers::uoffset_t)) +
        "', expected '" + fb::ModelIdentifier() + "'");

  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 1000000;
  options.check_alignment = true;
  flatbuffers::Verifier verifier(file->data_, file->size_, options);
  if (!fb::VerifyModelBuffer(verifier))
    return Status::error(name + ": the file is corrupt or truncated (the "
                                "FlatBuffers verifier rejected it)");
  file->model_ = fb::GetModel(file->data_);

  DLC_RETURN_IF_ERROR(validateModel(*file->model_, name));

  // dlc's writers place buffers at 64-byte offsets so that weights can be
  // used in place with aligned vector loads. Other writers (flatc from JSON
  // caps alignment at 32) are accepted as long as every element is naturally
  // aligned; the compiler copies weights it cannot use in place.
  if (const auto *buffers = file->model_->buffers()) {
    for (uint32_t b = 0; b < buffers->size(); ++b) {
      const auto *data = buffers->Get(b)->data();
      if (!data || data->size() == 0)
        continue;
      size_t offset = size_t(data->data() - file->data_);
      if (offset % kMinBufferAlignment != 0)
        return Status::error(name + ": buffer " + std::to_string(b) +
                             " starts at file offset " +
                             std::to_string(offset) +
                             ", which is not aligned to its elements");
    }
  }
  return file;
}

BufferView ModelFile::bufferData(uint32_t index) const {
  const auto *buffers = model_->buffers();
  if (index == 0 || !buffers || index >= buffers->size())
    return {};
  const auto *data = buffers->Get(index)->data();
  if (!data)
    return {};
  return {data->data(), data->size()};
}

BufferView ModelFile::tensorData(int32_t tensorIndex) const {
  const auto *tensors = graph()->tensors();
  if (tensorIndex < 0 || !tensors || uint32_t(tensorIndex) >= tensors->size())
    return {};
  return bufferData(tensors->Get(tensorIndex)->buffer());
}

} // namespace dlc
