// Backward of the data-movement ops: each routes every gradient element back
// to the one input element it was copied from.
#include <string>

#include "dlc/reference/grad.h"
#include "dlc/reference/shape_ops.h"

namespace dlc::ref {

RefTensor reshapeBackward(const RefTensor &dy,
                          const std::vector<int64_t> &inputShape) {
  checkConsistent(dy, "reshapeBackward");
  if (numElements(inputShape) != static_cast<int64_t>(dy.data.size()))
    throw RefError("reshapeBackward: gradient " + shapeToString(dy.shape) +
                   " does not fit input " + shapeToString(inputShape));
  return RefTensor{inputShape, dy.data};
}

RefTensor transposeBackward(const RefTensor &dy,
                            const std::vector<int64_t> &perm) {
  const size_t rank = dy.shape.size();
  std::vector<int64_t> p = perm;
  if (p.empty())
    for (size_t i = 0; i < rank; ++i)
      p.push_back(static_cast<int64_t>(rank - 1 - i));
  // Output dim i came from input dim p[i]; the inverse sends it back.
  std::vector<int64_t> inverse(p.size(), 0);
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] < 0 || p[i] >= static_cast<int64_t>(p.size()))
      throw RefError("transposeBackward: " + shapeToString(p) +
                     " is not a permutation");
    inverse[p[i]] = static_cast<int64_t>(i);
  }
  // transpose() validates the rank and that this is a permutation.
  return transpose(dy, inverse);
}

std::vector<RefTensor>
concatBackward(const RefTensor &dy,
               const std::vector<std::vector<int64_t>> &inputShapes,
               int64_t axis) {
  checkConsistent(dy, "concatBackward");
  if (inputShapes.empty())
    throw RefError("concatBackward: no inputs");
  const int64_t rank = static_cast<int64_t>(dy.shape.size());
  const int64_t a = normalizeAxis(axis, rank);
  int64_t total = 0;
  for (const auto &s : inputShapes) {
    bool ok = static_cast<int64_t>(s.size()) == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == a || s[d] == dy.shape[d];
    if (!ok)
      throw RefError("concatBackward: input " + shapeToString(s) +
                     " does not match gradient " + shapeToString(dy.shape));
    total += s[a];
  }
  if (total != dy.shape[a])
    throw RefError("concatBackward: inputs do not add up to " +
                   shapeToString(dy.shape) + " along axis " +
                   std::to_string(a));

  // As in concat(): view everything as [outer, shape[a] * inner] and walk
  // the gradient's rows, handing each input its part.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a; ++d)
    outer *= dy.shape[d];
  for (int64_t d = a + 1; d < rank; ++d)
    inner *= dy.shape[d];
  std::vector<RefTensor> grads;
  for (const auto &s : inputShapes)
    grads.push_back(RefTensor{s, {}});
  size_t src = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (RefTensor &g : grads) {
      const int64_t row = g.shape[a] * inner;
      for (int64_t i = 0; i < row; ++i)
        g.data.push_back(dy.data[src++]);
    }
  return grads;
}

RefTensor padBackward(const RefTensor &dy,
                      const std::vector<int64_t> &inputShape,
                      const std::vector<int64_t> &paddings) {
  checkConsistent(dy, "padBackward");
  const size_t rank = inputShape.size();
  if (paddings.size() != 2 * rank || dy.shape.size() != rank)
    throw RefError("padBackward: paddings " + shapeToString(paddings) +
                   " and gradient " + shapeToString(dy.shape) +
                   " do not fit input " + shapeToString(inputShape));
  for (size_t d = 0; d < rank; ++d)
    if (paddings[2 * d] < 0 || paddings[2 * d + 1] < 0 ||
        paddings[2 * d] + inputShape[d] + paddings[2 * d + 1] != dy.shape[d])
      throw RefError("padBackward: gradient " + shapeToString(dy.shape) +
                     " is not input " + shapeToString(inputShape) +
                     " padded by " + shapeToString(paddings));

  RefTensor dx = zeros(inputShape);
  const std::vector<int64_t> dyStrides = rowMajorStrides(dy.shape);
  std::vector<int64_t> idx(rank, 0); // index into the input
  for (size_t flat = 0; flat < dx.data.size(); ++flat) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d)
      src += (idx[d] + paddings[2 * d]) * dyStrides[d];
    dx.data[flat] = dy.data[src];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < inputShape[d])
        break;
      idx[d] = 0;
    }
  }
  return dx;
}

} // namespace dlc::ref
