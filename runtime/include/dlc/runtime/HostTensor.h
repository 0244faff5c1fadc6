// HostTensor: a dense, row-major tensor in host memory that owns its data.
//
// This is the currency of the runtime: .npy files are read into it, compiled
// models consume and produce it. Storage is 64-byte aligned (one cache line,
// the widest AVX-512 vector) so that generated code may use aligned vector
// loads on it. Tensors are move-only: a copy of a large activation should be
// visible in the code, hence clone().
#ifndef DLC_RUNTIME_HOSTTENSOR_H
#define DLC_RUNTIME_HOSTTENSOR_H

#include "dlc/runtime/Status.h"
#include "dlc/runtime/dlc_abi.h"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dlc {

/// Element type. The values are those of the C ABI (dlc_abi.h) and of the
/// model schema's DType, so conversions are plain casts.
enum class DType : int32_t {
  F32 = DLC_DTYPE_F32,
  I32 = DLC_DTYPE_I32,
  I64 = DLC_DTYPE_I64,
  U8 = DLC_DTYPE_U8,
};

/// Whether `value` is one of the DType enumerators (for untrusted input).
bool isValidDType(int64_t value);
/// Size of one element in bytes; 0 for an invalid DType.
size_t dtypeSize(DType dtype);
/// Short name as NumPy spells it: "float32", "int32", "int64", "uint8".
const char *dtypeName(DType dtype);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> {
  static constexpr DType value = DType::F32;
};
template <> struct DTypeOf<int32_t> {
  static constexpr DType value = DType::I32;
};
template <> struct DTypeOf<int64_t> {
  static constexpr DType value = DType::I64;
};
template <> struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::U8;
};

/// Limits that keep arithmetic on untrusted shapes far from overflow: any
/// tensor that passes them has a byte size that fits easily in int64 and
/// size_t. 2^36 bytes (64 GiB) is beyond what this project ever allocates.
constexpr int64_t kMaxTensorRank = 32;
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 36;

/// Formats a shape like `[64, 28, 28, 1]` (and `[]` for a scalar).
std::string shapeToString(const std::vector<int64_t> &shape);
std::string shapeToString(const int64_t *dims, size_t rank);

/// Product of the dims with overflow checks; every dim must be >= 0 and the
/// product times `elementSize` must not exceed kMaxTensorBytes. The error
/// says which dim is wrong.
StatusOr<int64_t> checkedNumElements(const std::vector<int64_t> &shape,
                                     size_t elementSize);

/// 64-byte-aligned heap memory (std::aligned_alloc / free).
struct AlignedFree {
  void operator()(void *p) const;
};
using AlignedBuffer = std::unique_ptr<uint8_t[], AlignedFree>;
constexpr size_t kTensorAlignment = 64;
/// Returns null if the allocation fails; never returns null for size 0 (a
/// small block is allocated so that data pointers are always valid).
AlignedBuffer allocateAligned(size_t bytes, bool zeroFill);

class HostTensor {
public:
  /// An empty float32 tensor of shape [0].
  HostTensor();

  /// A zero-filled tensor. Fails on negative dims, rank > kMaxTensorRank,
  /// overflow, more than kMaxTensorBytes, or allocation failure.
  static StatusOr<HostTensor> create(DType dtype, std::vector<int64_t> shape);

  /// A tensor holding a copy of `values` (whose size must match the shape).
  template <class T>
  static StatusOr<HostTensor> fromVector(std::vector<int64_t> shape,
                                         const std::vector<T> &values);

  HostTensor(HostTensor &&) = default;
  HostTensor &operator=(HostTensor &&) = default;
  HostTensor(const HostTensor &) = delete;
  HostTensor &operator=(const HostTensor &) = delete;

  StatusOr<HostTensor> clone() const;

  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_[i]; }
  int64_t numElements() const { return numElements_; }
  size_t byteSize() const { return size_t(numElements_) * dtypeSize(dtype_); }

  void *rawData() { return storage_.get(); }
  const void *rawData() const { return storage_.get(); }

  /// Typed access; T must match dtype() (checked by assert).
  template <class T> T *data() {
    assert(DTypeOf<T>::value == dtype_ && "HostTensor::data<T>: wrong type");
    return reinterpret_cast<T *>(storage_.get());
  }
  template <class T> const T *data() const {
    assert(DTypeOf<T>::value == dtype_ && "HostTensor::data<T>: wrong type");
    return reinterpret_cast<const T *>(storage_.get());
  }

  /// "float32 [64, 28, 28, 1]", for messages.
  std::string describe() const;

private:
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
  int64_t numElements_ = 0;
  AlignedBuffer storage_;
};

template <class T>
StatusOr<HostTensor> HostTensor::fromVector(std::vector<int64_t> shape,
                                            const std::vector<T> &values) {
  StatusOr<HostTensor> t = create(DTypeOf<T>::value, std::move(shape));
  if (!t.ok())
    return t.status();
  if (size_t(t->numElements()) != values.size())
    return Status::error("HostTensor::fromVector: shape " +
                         shapeToString(t->shape()) + " has " +
                         std::to_string(t->numElements()) + " elements, but " +
                         std::to_string(values.size()) + " values were given");
  T *out = t->template data<T>();
  for (size_t i = 0; i < values.size(); ++i)
    out[i] = values[i];
  return t;
}

} // namespace dlc

#endif // DLC_RUNTIME_HOSTTENSOR_H
