#include "dlc/reference/tensor.h"

#include <cmath>
#include <sstream>

namespace dlc::ref {

int64_t numElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      throw RefError("negative dimension in shape " + shapeToString(shape));
    n *= d;
  }
  return n;
}

std::vector<int64_t> rowMajorStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;)
    strides[i - 1] = strides[i] * shape[i];
  return strides;
}

RefTensor filled(const std::vector<int64_t> &shape, float value) {
  RefTensor t;
  t.shape = shape;
  t.data.assign(static_cast<size_t>(numElements(shape)), value);
  return t;
}

RefTensor makeTensor(std::vector<int64_t> shape, std::vector<float> data) {
  RefTensor t{std::move(shape), std::move(data)};
  checkConsistent(t, "makeTensor");
  return t;
}

void checkConsistent(const RefTensor &t, const char *what) {
  if (static_cast<int64_t>(t.data.size()) != numElements(t.shape)) {
    std::ostringstream os;
    os << what << ": shape " << shapeToString(t.shape) << " needs "
       << numElements(t.shape) << " elements but data has " << t.data.size();
    throw RefError(os.str());
  }
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw RefError("axis " + std::to_string(axis) + " out of range for rank " +
                   std::to_string(rank));
  return a;
}

double maxAbsDiff(const RefTensor &a, const RefTensor &b) {
  if (a.shape != b.shape)
    throw RefError("maxAbsDiff: shapes differ: " + shapeToString(a.shape) +
                   " vs " + shapeToString(b.shape));
  checkConsistent(a, "maxAbsDiff");
  checkConsistent(b, "maxAbsDiff");
  double worst = 0.0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    double d = std::fabs(static_cast<double>(a.data[i]) - b.data[i]);
    // Any NaN makes the tensors "infinitely" different, never equal.
    if (std::isnan(d))
      return std::nan("");
    if (d > worst)
      worst = d;
  }
  return worst;
}

} // namespace dlc::ref
