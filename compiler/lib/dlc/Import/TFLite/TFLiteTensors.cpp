//===- TFLiteTensors.cpp - reading TFLite constant tensors ----------------===//
//
// Constant data comes out of untrusted buffers: every read checks the
// buffer index, the element count against the shape, and copies with memcpy
// (TFLite buffers need not be aligned for the element type).
//
//===----------------------------------------------------------------------===//

#include "TFLiteConverterImpl.h"

#include <cstring>

namespace dlc::tflite_import {

namespace {
// Caps the element count of any tensor (and so the size of any weight):
// a dlc buffer, like every FlatBuffer vector, must stay below 2 GiB.
constexpr int64_t kMaxElements = int64_t(1) << 29;

// IEEE half to float, exact for every value (subnormals, inf, NaN).
float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalize into a float exponent.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::optional<int64_t> elementCount(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxElements / d))
      return std::nullopt;
    n *= d;
  }
  return n;
}
} // namespace

StatusOr<std::vector<uint8_t>> Converter::bufferBytes(int32_t tensor) const {
  DLC_RETURN_IF_ERROR(checkTensorIndex(tensor, "operand"));
  uint32_t b = graph_.tensors()->Get(tensor)->buffer();
  if (b == 0)
    return std::vector<uint8_t>();
  if (!model_.buffers() || b >= model_.buffers()->size())
    return Status::error("tensor " + std::to_string(tensor) +
                         " refers to buffer " + std::to_string(b) +
                         ", but the model has " +
                         std::to_string(model_.buffers()
                                            ? model_.buffers()->size()
                                            : 0) +
                         " buffers");
  const tflite::Buffer *buffer = model_.buffers()->Get(b);
  if (buffer->offset() != 0 || buffer->size() != 0)
    return Status::error("buffer " + std::to_string(b) +
                         " is stored outside the FlatBuffer (models over "
                         "2 GiB are not supported)");
  if (!buffer->data())
    return std::vector<uint8_t>();
  return std::vector<uint8_t>(buffer->data()->begin(), buffer->data()->end());
}

bool Converter::isConstant(int32_t tensor) const {
  if (folded_.count(tensor))
    return true;
  auto bytes = bufferBytes(tensor);
  return bytes.ok() && !bytes->empty();
}

namespace {
// Checks that `bytes` holds exactly the elements of `shape`.
Status checkDataSize(int32_t tensor, const std::vector<int64_t> &shape,
                     size_t bytes, size_t elementSize) {
  std::optional<int64_t> n = elementCount(shape);
  if (!n)
    return Status::error("tensor " + std::to_string(tensor) +
                         " has an invalid or too large shape");
  if (static_cast<uint64_t>(*n) * elementSize != bytes)
    return Status::error("tensor " + std::to_string(tensor) + " has " +
                         std::to_string(*n) + " elements but its buffer " +
                         "holds " + std::to_string(bytes) + " bytes");
  return Status::success();
}
} // namespace

StatusOr<std::vector<float>> Converter::floatData(int32_t tensor) const {
  auto it = folded_.find(tensor);
  if (it != folded_.end()) {
    // Folded from a DEQUANTIZE whose input may have had another element
    // count than this tensor's declared shape; callers index by the shape.
    DLC_RETURN_IF_ERROR(checkDataSize(tensor, shapeOf(tensor),
                                      it->second.size() * sizeof(float),
                                      sizeof(float)));
    return it->second;
  }
  auto bytes = bufferBytes(tensor);
  if (!bytes.ok())
    return bytes.status();
  if (bytes->empty())
    return Status::error("tensor " + std::to_string(tensor) +
                         " must be a constant");
  if (graph_.tensors()->Get(tensor)->type() != tflite::TensorType::FLOAT32)
    return Status::error("tensor " + std::to_string(tensor) +
                         " must be a FLOAT32 constant");
  DLC_RETURN_IF_ERROR(
      checkDataSize(tensor, shapeOf(tensor), bytes->size(), sizeof(float)));
  std::vector<float> data(bytes->size() / sizeof(float));
  std::memcpy(data.data(), bytes->data(), bytes->size());
  return data;
}

StatusOr<std::vector<int64_t>> Converter::intData(int32_t tensor) const {
  auto bytes = bufferBytes(tensor);
  if (!bytes.ok())
    return bytes.status();
  tflite::TensorType type = graph_.tensors()->Get(tensor)->type();
  if (bytes->empty() || (type != tflite::TensorType::INT32 &&
                         type != tflite::TensorType::INT64))
    return Status::error("tensor " + std::to_string(tensor) +
                         " must be an INT32 or INT64 constant");
  size_t size = type == tflite::TensorType::INT32 ? 4 : 8;
  DLC_RETURN_IF_ERROR(checkDataSize(tensor, shapeOf(tensor), bytes->size(), size));
  std::vector<int64_t> values;
  for (size_t i = 0; i < bytes->size(); i += size) {
    if (size == 4) {
      int32_t v;
      std::memcpy(&v, bytes->data() + i, 4);
      values.push_back(v);
    } else {
      int64_t v;
      std::memcpy(&v, bytes->data() + i, 8);
      values.push_back(v);
    }
  }
  return values;
}

StatusOr<std::vector<float>> Converter::halfData(int32_t tensor) const {
  auto bytes = bufferBytes(tensor);
  if (!bytes.ok())
    return bytes.status();
  if (bytes->empty() ||
      graph_.tensors()->Get(tensor)->type() != tflite::TensorType::FLOAT16)
    return Status::error("tensor " + std::to_string(tensor) +
                         " must be a FLOAT16 constant");
  DLC_RETURN_IF_ERROR(checkDataSize(tensor, shapeOf(tensor), bytes->size(), 2));
  std::vector<float> data(bytes->size() / 2);
  for (size_t i = 0; i < data.size(); ++i) {
    uint16_t h;
    std::memcpy(&h, bytes->data() + 2 * i, 2);
    data[i] = halfToFloat(h);
  }
  return data;
}

} // namespace dlc::tflite_import
