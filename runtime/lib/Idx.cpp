//===- Idx.cpp - IDX files (the MNIST format), gzipped or not -------------===//

#include "dlc/runtime/Idx.h"

#include <zlib.h>

#include <cstring>

namespace dlc {

namespace {

constexpr uint8_t kTypeUnsignedByte = 0x08;
constexpr int kMaxIdxRank = 8;

uint32_t bigEndian32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
         uint32_t(p[3]);
}

/// Reads the whole file, inflating it when it starts with gzip's magic.
/// Stops with an error past `maxBytes` of output, so a compression bomb
/// cannot exhaust memory.
StatusOr<std::vector<uint8_t>> readMaybeGzipped(const std::string &path,
                                                uint64_t maxBytes) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t chunk[1 << 16];
  for (;;) {
    int n = gzread(file, chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      std::string why = gzerror(file, &code);
      gzclose(file);
      return Status::error(path + ": corrupt or truncated gzip data (" + why +
                           ")");
    }
    if (n == 0)
      break;
    if (bytes.size() + size_t(n) > maxBytes) {
      gzclose(file);
      return Status::error(path + ": larger than " + std::to_string(maxBytes) +
                           " bytes");
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
  }
  // gzread reports a truncated gzip stream only at close.
  if (gzclose(file) != Z_OK)
    return Status::error(path + ": corrupt or truncated gzip data");
  return bytes;
}

} // namespace

StatusOr<HostTensor> parseIdx(const uint8_t *data, size_t size,
                              const std::string &name) {
  if (size < 4)
    return Status::error(name + ": too short for an IDX header (" +
                         std::to_string(size) + " bytes)");
  if (data[0] != 0 || data[1] != 0)
    return Status::error(name + ": not an IDX file (bad magic)");
  if (data[2] != kTypeUnsignedByte)
    return Status::error(name + ": IDX element type 0x" +
                         std::string(1, "0123456789abcdef"[data[2] >> 4]) +
                         std::string(1, "0123456789abcdef"[data[2] & 15]) +
                         " is not supported (only unsigned bytes, 0x08)");
  int rank = data[3];
  if (rank < 1 || rank > kMaxIdxRank)
    return Status::error(name + ": IDX rank " + std::to_string(rank) +
                         " is out of range (1.." + std::to_string(kMaxIdxRank) +
                         ")");
  size_t header = 4 + 4 * size_t(rank);
  if (size < header)
    return Status::error(name + ": truncated IDX header");
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d)
    shape.push_back(int64_t(bigEndian32(data + 4 + 4 * d)));
  StatusOr<int64_t> count = checkedNumElements(shape, 1);
  if (!count.ok())
    return count.status().withPrefix(name + ": IDX header");
  if (uint64_t(size - header) != uint64_t(*count))
    return Status::error(name + ": IDX shape " + shapeToString(shape) +
                         " needs " + std::to_string(*count) +
                         " bytes of data, the file has " +
                         std::to_string(size - header));
  StatusOr<HostTensor> tensor = HostTensor::create(DType::U8, shape);
  if (!tensor.ok())
    return tensor.status().withPrefix(name);
  if (*count > 0)
    std::memcpy(tensor->data<uint8_t>(), data + header, size_t(*count));
  return tensor;
}

StatusOr<HostTensor> readIdx(const std::string &path, uint64_t maxBytes) {
  StatusOr<std::vector<uint8_t>> bytes = readMaybeGzipped(path, maxBytes);
  if (!bytes.ok())
    return bytes.status();
  return parseIdx(bytes->data(), bytes->size(), path);
}

std::vector<uint8_t> encodeIdx(const HostTensor &tensor) {
  std::vector<uint8_t> out = {0, 0, kTypeUnsignedByte,
                              uint8_t(tensor.rank())};
  for (int64_t dim : tensor.shape())
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(uint8_t(uint64_t(dim) >> shift));
  const uint8_t *data = static_cast<const uint8_t *>(tensor.rawData());
  out.insert(out.end(), data, data + tensor.byteSize());
  return out;
}

} // namespace dlc
