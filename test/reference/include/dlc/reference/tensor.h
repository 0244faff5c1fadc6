// RefTensor: the reference implementation's only tensor type.
//
// Deliberately minimal: a row-major fp32 array plus its shape. The reference
// ops are the test oracle for the compiler, so they favour obvious code over
// speed and share nothing with the compiler's lowering.
#ifndef DLC_REFERENCE_TENSOR_H
#define DLC_REFERENCE_TENSOR_H

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace dlc::ref {

/// Thrown by the ops on invalid shapes or attributes. The interpreter turns
/// it into an error string that names the op.
class RefError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct RefTensor {
  std::vector<int64_t> shape;
  std::vector<float> data; // row-major (C order)
};

/// Product of the dimensions (1 for a scalar); throws on a negative dim.
int64_t numElements(const std::vector<int64_t> &shape);

/// Row-major strides in elements: strides[i] = product of shape[i+1..].
std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape);

/// A tensor of the given shape filled with `value`.
RefTensor filled(const std::vector<int64_t> &shape, float value);
inline RefTensor zeros(const std::vector<int64_t> &shape) {
  return filled(shape, 0.0f);
}

/// Wraps `data`; throws RefError if its size does not match the shape.
RefTensor makeTensor(std::vector<int64_t> shape, std::vector<float> data);

/// Throws RefError if t.data.size() does not match t.shape.
void checkConsistent(const RefTensor &t, const char *what);

/// "[2, 3, 4]" for messages.
std::string shapeToString(const std::vector<int64_t> &shape);

/// Maps a possibly negative axis into [0, rank); throws when out of range.
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// Largest |a[i] - b[i]|; throws RefError if the shapes differ. For tests.
double maxAbsDiff(const RefTensor &a, const RefTensor &b);

} // namespace dlc::ref

#endif // DLC_REFERENCE_TENSOR_H
