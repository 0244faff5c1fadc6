// .npy reader and writer. The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// parsed here by a tiny recursive-descent parser that accepts exactly the
// forms NumPy produces (and a few harmless variations: either quote style,
// extra whitespace, a missing trailing comma, Python 2 'L' suffixes).
#include "dlc/runtime/Npy.h"

#include "dlc/runtime/FileIO.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct NpyHeader {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t dataOffset = 0;
  uint64_t dataBytes = 0;
};

/// Parser over the header text; every read is bounds-checked against `end`.
class DictParser {
public:
  DictParser(const char *begin, const char *end)
      : p_(begin), begin_(begin), end_(end) {}

  Status parse(NpyHeader &h) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    std::string descr;
    bool fortran = false;
    skipSpace();
    if (!consume('{'))
      return fail("expected '{' at the start of the header dict");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      DLC_RETURN_IF_ERROR(parseString(key));
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr)
          return fail("duplicate key 'descr'");
        haveDescr = true;
        DLC_RETURN_IF_ERROR(parseString(descr));
      } else if (key == "fortran_order") {
        if (haveOrder)
          return fail("duplicate key 'fortran_order'");
        haveOrder = true;
        DLC_RETURN_IF_ERROR(parseBool(fortran));
      } else if (key == "shape") {
        if (haveShape)
          return fail("duplicate key 'shape'");
        haveShape = true;
        DLC_RETURN_IF_ERROR(parseShape(h.shape));
      } else {
        return fail("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return fail("expected ',' or '}' after the value of '" + key + "'");
    }
    skipSpace();
    if (p_ != end_)
      return fail("unexpected characters after the header dict");
    if (!haveDescr || !haveOrder || !haveShape)
      return Status::error(std::string("header dict lacks key '") +
                           (!haveDescr   ? "descr"
                            : !haveOrder ? "fortran_order"
                                         : "shape") +
                           "'");
    if (fortran)
      return Status::error("array is stored in Fortran order, which is not "
                           "supported; save it with "
                           "np.save(f, np.ascontiguousarray(a))");
    return parseDescr(descr, h.dtype);
  }

private:
  Status fail(const std::string &what) const {
    return Status::error("malformed .npy header: " + what +
                         " (at header offset " + std::to_string(p_ - begin_) +
                         ")");
  }
  bool atEnd() const { return p_ >= end_; }
  void skipSpace() {
    while (!atEnd() &&
           (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
      ++p_;
  }
  bool consume(char c) {
    if (atEnd() || *p_ != c)
      return false;
    ++p_;
    return true;
  }
  bool consumeWord(const char *word) {
    size_t n = std::strlen(word);
    if (size_t(end_ - p_) < n || std::memcmp(p_, word, n) != 0)
      return false;
    p_ += n;
    return true;
  }

  Status parseString(std::string &out) {
    if (atEnd() || (*p_ != '\'' && *p_ != '"'))
      return fail("expected a quoted string");
    char quote = *p_++;
    const char *start = p_;
    while (!atEnd() && *p_ != quote) {
      if (*p_ == '\\')
        return fail("escape sequences in strings are not supported");
      if (static_cast<unsigned char>(*p_) < 0x20)
        return fail("control character in a string");
      ++p_;
    }
    if (atEnd())
      return fail("unterminated string");
    out.assign(start, p_);
    ++p_;
    if (out.size() > 64)
      return fail("string is too long");
    return Status::success();
  }

  Status parseBool(bool &out) {
    if (consumeWord("True"))
      out = true;
    else if (consumeWord("False"))
      out = false;
    else
      return fail("expected True or False");
    return Status::success();
  }

  Status parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return fail("expected '(' to start the shape tuple");
    while (true) {
      skipSpace();
      if (consume(')'))
        return Status::success();
      if (atEnd() || *p_ < '0' || *p_ > '9') {
        if (!atEnd() && *p_ == '-')
          return fail("negative dimension in shape");
        return fail("expected a dimension or ')' in the shape tuple");
      }
      int64_t value = 0;
      while (!atEnd() && *p_ >= '0' && *p_ <= '9') {
        // 2^62 bounds any meaningful dim; later checks bound the product.
        if (value > ((int64_t(1) << 62) - 9) / 10)
          return fail("dimension is too large");
        value = value * 10 + (*p_ - '0');
        ++p_;
      }
      consume('L');
      if (shape.size() >= size_t(kMaxTensorRank))
        return fail("shape has more than " + std::to_string(kMaxTensorRank) +
                    " dimensions");
      shape.push_back(value);
      skipSpace();
      if (consume(','))
        continue;
      if (consume(')'))
        return Status::success();
      return fail("expected ',' or ')' in the shape tuple");
    }
  }

  static Status parseDescr(const std::string &descr, DType &dtype) {
    if (descr == "<f4")
      dtype = DType::F32;
    else if (descr == "<i4")
      dtype = DType::I32;
    else if (descr == "<i8")
      dtype = DType::I64;
    else if (descr == "|u1" || descr == "<u1" || descr == "=u1")
      dtype = DType::U8;
    else if (!descr.empty() && descr[0] == '>')
      return Status::error("dtype '" + descr +
                           "' is big-endian; only "
                           "little-endian data is supported");
    else
      return Status::error("unsupported dtype '" + descr +
                           "' (supported: <f4, <i4, <i8, |u1)");
    return Status::success();
  }

  const char *p_;
  const char *begin_;
  const char *end_;
};

uint32_t readLE(const uint8_t *p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= uint32_t(p[i]) << (8 * i);
  return v;
}

/// Parses the preamble and header found in the first `avail` bytes of a
/// file whose total size is `totalSize`. Does not touch the data.
StatusOr<NpyHeader> parseHeader(const uint8_t *data, size_t avail,
                                uint64_t totalSize) {
  if (avail < kMagicSize + 4)
    return Status::error("file is truncated: " + std::to_string(totalSize) +
                         " bytes is too short for a .npy header");
  if (std::memcmp(data, kMagic, kMagicSize) != 0)
    return Status::error("not a .npy file (the magic string \\x93NUMPY is "
                         "missing)");
  unsigned major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    return Status::error("unsupported .npy format version " +
                         std::to_string(major) + "." + std::to_string(minor) +
                         " (supported: 1.0, 2.0, 3.0)");
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t preamble = kMagicSize + 2 + lenBytes;
  if (avail < preamble)
    return Status::error("file is truncated inside the .npy preamble");
  uint32_t headerLen = readLE(data + 8, lenBytes);
  if (headerLen > kMaxNpyHeaderBytes)
    return Status::error("header length " + std::to_string(headerLen) +
                         " exceeds the limit of " +
                         std::to_string(kMaxNpyHeaderBytes) + " bytes");
  if (avail - preamble < headerLen)
    return Status::error("file is truncated: the header needs " +
                         std::to_string(preamble + headerLen) +
                         " bytes, but the file has " +
                         std::to_string(totalSize));
  const char *text = reinterpret_cast<const char *>(data + preamble);
  NpyHeader h;
  DLC_RETURN_IF_ERROR(DictParser(text, text + headerLen).parse(h));
  StatusOr<int64_t> n = checkedNumElements(h.shape, dtypeSize(h.dtype));
  if (!n.ok())
    return n.status();
  h.dataOffset = preamble + headerLen;
  h.dataBytes = uint64_t(*n) * dtypeSize(h.dtype);
  uint64_t have = totalSize - h.dataOffset;
  if (have < h.dataBytes)
    return Status::error(
        "file is truncated: shape " + shapeToString(h.shape) + " of " +
        dtypeName(h.dtype) + " needs " + std::to_string(h.dataBytes) +
        " bytes of data, but only " + std::to_string(have) + " are present");
  if (have > h.dataBytes)
    return Status::error("file has " + std::to_string(have - h.dataBytes) +
                         " unexpected bytes after the data of shape " +
                         shapeToString(h.shape) + " (" + dtypeName(h.dtype) +
                         ")");
  return h;
}

const char *descrOf(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "<f4";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::U8:
    return "|u1";
  }
  return "?";
}

} // namespace

StatusOr<HostTensor> readNpyFromMemory(const uint8_t *data, size_t size,
                                       const std::string &name) {
  StatusOr<NpyHeader> h = parseHeader(data, size, size);
  if (!h.ok())
    return h.status().withPrefix(name);
  StatusOr<HostTensor> t = HostTensor::create(h->dtype, h->shape);
  if (!t.ok())
    return t.status().withPrefix(name);
  if (h->dataBytes)
    std::memcpy(t->rawData(), data + h->dataOffset, h->dataBytes);
  return t;
}

StatusOr<HostTensor> readNpy(const std::string &path) {
  // Read only the preamble and header first, so that the data can go
  // straight into the tensor's aligned storage.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return Status::error(path + ": not a readable regular file");
  uint64_t total = uint64_t(st.st_size);
  size_t want = size_t(std::min<uint64_t>(total, 12 + kMaxNpyHeaderBytes));
  std::vector<uint8_t> head(want);
  auto readAt = [&](uint8_t *dst, size_t n, uint64_t offset) -> bool {
    while (n > 0) {
      ssize_t got = ::pread(fd, dst, n, off_t(offset));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0)
        return false; // Error, or the file shrank under us.
      dst += got;
      n -= size_t(got);
      offset += uint64_t(got);
    }
    return true;
  };
  if (!readAt(head.data(), want, 0))
    return Status::error(path + ": read error while reading the header");
  StatusOr<NpyHeader> h = parseHeader(head.data(), want, total);
  if (!h.ok())
    return h.status().withPrefix(path);
  StatusOr<HostTensor> t = HostTensor::create(h->dtype, h->shape);
  if (!t.ok())
    return t.status().withPrefix(path);
  if (!readAt(static_cast<uint8_t *>(t->rawData()), size_t(h->dataBytes),
              h->dataOffset))
    return Status::error(path + ": read error while reading the data");
  return t;
}

std::vector<uint8_t> encodeNpy(const HostTensor &tensor) {
  std::string dict = std::string("{'descr': '") + descrOf(tensor.dtype()) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < tensor.rank(); ++i)
    dict += std::to_string(tensor.dim(i)) + (tensor.rank() == 1 ? "," : "") +
            (i + 1 < tensor.rank() ? ", " : "");
  dict += "), }";
  // Pad with spaces and a final newline so the data is 64-byte aligned.
  size_t preamble = 10;
  if (dict.size() + 1 + preamble + 63 > 0xffff)
    preamble = 12;
  size_t total = preamble + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';

  std::vector<uint8_t> out(kMagic, kMagic + kMagicSize);
  out.push_back(preamble == 10 ? 1 : 2);
  out.push_back(0);
  for (size_t i = 0; i < preamble - 8; ++i)
    out.push_back(uint8_t(dict.size() >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  const uint8_t *p = static_cast<const uint8_t *>(tensor.rawData());
  out.insert(out.end(), p, p + tensor.byteSize());
  return out;
}

Status writeNpy(const std::string &path, const HostTensor &tensor) {
  std::vector<uint8_t> bytes = encodeNpy(tensor);
  return writeFileAtomically(path, bytes.data(), bytes.size());
}

} // namespace dlc
