// HostTensor and the shape helpers shared by the whole runtime.
#include "dlc/runtime/HostTensor.h"

#include <cstdlib>
#include <cstring>

namespace dlc {

bool isValidDType(int64_t value) {
  return value >= DLC_DTYPE_F32 && value <= DLC_DTYPE_U8;
}

size_t dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::I64:
    return 8;
  case DType::U8:
    return 1;
  }
  return 0;
}

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "float32";
  case DType::I32:
    return "int32";
  case DType::I64:
    return "int64";
  case DType::U8:
    return "uint8";
  }
  return "invalid-dtype";
}

std::string shapeToString(const int64_t *dims, size_t rank) {
  std::string s = "[";
  for (size_t i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  return shapeToString(shape.data(), shape.size());
}

StatusOr<int64_t> checkedNumElements(const std::vector<int64_t> &shape,
                                     size_t elementSize) {
  if (shape.size() > size_t(kMaxTensorRank))
    return Status::error("shape " + shapeToString(shape) + " has rank " +
                         std::to_string(shape.size()) + ", more than " +
                         std::to_string(kMaxTensorRank));
  if (elementSize == 0)
    return Status::error("invalid element type");
  bool hasZero = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      return Status::error("shape " + shapeToString(shape) + ": dim " +
                           std::to_string(i) + " is negative");
    hasZero |= shape[i] == 0;
  }
  if (hasZero)
    return int64_t(0);
  // Track the byte count rather than the element count, and test each step
  // by division so that no product is ever formed that could overflow.
  uint64_t bytes = elementSize;
  for (int64_t d : shape) {
    if (uint64_t(d) > kMaxTensorBytes / bytes)
      return Status::error("shape " + shapeToString(shape) +
                           " is too large (more than " +
                           std::to_string(kMaxTensorBytes) + " bytes)");
    bytes *= uint64_t(d);
  }
  return int64_t(bytes / elementSize);
}

void AlignedFree::operator()(void *p) const { std::free(p); }

AlignedBuffer allocateAligned(size_t bytes, bool zeroFill) {
  // aligned_alloc wants a size that is a multiple of the alignment, and may
  // return null for 0; round up and keep at least one block.
  size_t rounded =
      (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (rounded == 0)
    rounded = kTensorAlignment;
  void *p = std::aligned_alloc(kTensorAlignment, rounded);
  if (p && zeroFill)
    std::memset(p, 0, rounded);
  return AlignedBuffer(static_cast<uint8_t *>(p));
}

HostTensor::HostTensor() : shape_{0}, storage_(allocateAligned(0, true)) {}

StatusOr<HostTensor> HostTensor::create(DType dtype,
                                        std::vector<int64_t> shape) {
  if (!isValidDType(int64_t(dtype)))
    return Status::error("HostTensor: invalid dtype " +
                         std::to_string(int64_t(dtype)));
  StatusOr<int64_t> n = checkedNumElements(shape, dtypeSize(dtype));
  if (!n.ok())
    return n.status().withPrefix("HostTensor");
  HostTensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.numElements_ = *n;
  t.storage_ = allocateAligned(t.byteSize(), /*zeroFill=*/true);
  if (!t.storage_)
    return Status::error("HostTensor: cannot allocate " +
                         std::to_string(t.byteSize()) + " bytes for " +
                         t.describe());
  return t;
}

StatusOr<HostTensor> HostTensor::clone() const {
  StatusOr<HostTensor> t = create(dtype_, shape_);
  if (!t.ok())
    return t.status();
  if (byteSize())
    std::memcpy(t->rawData(), rawData(), byteSize());
  return t;
}

std::string HostTensor::describe() const {
  return std::string(dtypeName(dtype_)) + " " + shapeToString(shape_);
}

} // namespace dlc
