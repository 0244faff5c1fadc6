#include "dlc/reference/shape_ops.h"

#include <string>

namespace dlc::ref {

std::vector<int64_t> resolveReshape(const std::vector<int64_t> &newShape,
                                    int64_t count) {
  std::vector<int64_t> shape = newShape;
  int64_t inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferred >= 0)
        throw RefError("reshape: more than one -1 in " +
                       shapeToString(newShape));
      inferred = static_cast<int64_t>(i);
    } else if (shape[i] < 0) {
      throw RefError("reshape: invalid entry in " + shapeToString(newShape));
    } else {
      // 0 is a literal 0 (an empty result).
      known *= shape[i];
    }
  }
  if (inferred >= 0) {
    // Beside a 0, any value of the -1 would fit.
    if (known == 0)
      throw RefError("reshape: cannot infer -1 in " + shapeToString(newShape) +
                     " beside a 0");
    if (count % known != 0)
      throw RefError("reshape: cannot infer -1 in " + shapeToString(newShape) +
                     " for " + std::to_string(count) + " elements");
    shape[inferred] = count / known;
  } else if (known != count) {
    throw RefError("reshape: " + shapeToString(newShape) + " does not hold " +
                   std::to_string(count) + " elements");
  }
  return shape;
}

RefTensor reshape(const RefTensor &input,
                  const std::vector<int64_t> &newShape) {
  checkConsistent(input, "reshape");
  // Row-major data is unchanged by a reshape; only the shape changes.
  return RefTensor{resolveReshape(newShape, numElements(input.shape)),
                   input.data};
}

RefTensor flatten(const RefTensor &input) {
  checkConsistent(input, "flatten");
  if (input.shape.empty())
    throw RefError("flatten: input must have a batch dim");
  int64_t rest = 1;
  for (size_t i = 1; i < input.shape.size(); ++i)
    rest *= input.shape[i];
  return RefTensor{{input.shape[0], rest}, input.data};
}

RefTensor transpose(const RefTensor &input, const std::vector<int64_t> &perm) {
  checkConsistent(input, "transpose");
  const size_t rank = input.shape.size();
  std::vector<int64_t> p = perm;
  if (p.empty())
    for (size_t i = 0; i < rank; ++i)
      p.push_back(static_cast<int64_t>(rank - 1 - i));
  if (p.size() != rank)
    throw RefError("transpose: perm has " + std::to_string(p.size()) +
                   " entries for rank " + std::to_string(rank));
  std::vector<bool> seen(rank, false);
  for (int64_t d : p) {
    if (d < 0 || d >= static_cast<int64_t>(rank) || seen[d])
      throw RefError("transpose: " + shapeToString(p) +
                     " is not a permutation");
    seen[d] = true;
  }

  std::vector<int64_t> outShape(rank);
  for (size_t i = 0; i < rank; ++i)
    outShape[i] = input.shape[p[i]];
  RefTensor out = zeros(outShape);
  const std::vector<int64_t> inStrides = rowMajorStrides(input.shape);
  std::vector<int64_t> idx(rank, 0); // index into the output
  for (size_t flat = 0; flat < out.data.size(); ++flat) {
    // Output dim i walks input dim p[i].
    int64_t src = 0;
    for (size_t i = 0; i < rank; ++i)
      src += idx[i] * inStrides[p[i]];
    out.data[flat] = input.data[src];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < outShape[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

RefTensor concat(const std::vector<RefTensor> &inputs, int64_t axis) {
  if (inputs.empty())
    throw RefError("concat: no inputs");
  const std::vector<int64_t> &first = inputs[0].shape;
  const int64_t rank = static_cast<int64_t>(first.size());
  const int64_t a = normalizeAxis(axis, rank);
  std::vector<int64_t> outShape = first;
  outShape[a] = 0;
  for (const RefTensor &t : inputs) {
    checkConsistent(t, "concat");
    bool ok = static_cast<int64_t>(t.shape.size()) == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == a || t.shape[d] == first[d];
    if (!ok)
      throw RefError("concat: shape " + shapeToString(t.shape) +
                     " does not match " + shapeToString(first) + " off axis " +
                     std::to_string(a));
    outShape[a] += t.shape[a];
  }

  // View every tensor as [outer, shape[a] * inner]; output rows are the
  // inputs' rows laid side by side.
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a; ++d)
    outer *= first[d];
  for (int64_t d = a + 1; d < rank; ++d)
    inner *= first[d];
  RefTensor out;
  out.shape = outShape;
  out.data.reserve(static_cast<size_t>(numElements(outShape)));
  for (int64_t o = 0; o < outer; ++o)
    for (const RefTensor &t : inputs) {
      const int64_t row = t.shape[a] * inner;
      for (int64_t i = 0; i < row; ++i)
        out.data.push_back(t.data[o * row + i]);
    }
  return out;
}

RefTensor pad(const RefTensor &input, const std::vector<int64_t> &paddings,
              float value) {
  checkConsistent(input, "pad");
  const size_t rank = input.shape.size();
  if (paddings.size() != 2 * rank)
    throw RefError("pad: need " + std::to_string(2 * rank) +
                   " paddings for rank " + std::to_string(rank) + ", got " +
                   std::to_string(paddings.size()));
  std::vector<int64_t> outShape(rank);
  for (size_t d = 0; d < rank; ++d) {
    if (paddings[2 * d] < 0 || paddings[2 * d + 1] < 0)
      throw RefError("pad: negative padding " + shapeToString(paddings));
    outShape[d] = paddings[2 * d] + input.shape[d] + paddings[2 * d + 1];
  }

  RefTensor out = filled(outShape, value);
  const std::vector<int64_t> outStrides = rowMajorStrides(outShape);
  std::vector<int64_t> idx(rank, 0); // index into the input
  for (size_t flat = 0; flat < input.data.size(); ++flat) {
    int64_t dst = 0;
    for (size_t d = 0; d < rank; ++d)
      dst += (idx[d] + paddings[2 * d]) * outStrides[d];
    out.data[dst] = input.data[flat];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < input.shape[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

} // namespace dlc::ref
