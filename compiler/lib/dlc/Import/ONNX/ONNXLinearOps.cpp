//===- ONNXLinearOps.cpp - Gemm and MatMul --------------------------------===//
//
// Both become dlc's dense op ([N, K] x [K, M] + bias), except a MatMul
// whose B has batch dims, which becomes BATCH_MATMUL. A weight known at
// import is transposed and scaled by alpha once, here, and a bias that is a
// row vector becomes dense's bias; anything else (weights given as graph
// inputs, matrix or scalar biases) is computed with transposes and
// broadcasting elementwise ops around the dense op.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include "dlc/runtime/OpSchema.h"

#include <algorithm>

namespace dlc::onnx_import {

namespace {
/// The dlc tensor of A and, when A is a Flatten result left in NHWC column
/// order, that order (empty otherwise).
StatusOr<int32_t> matrixA(Converter &c, const Value &a, const Perm &perm,
                          const std::vector<int64_t> *&order) {
  order = nullptr;
  if (a.columnOrder.empty())
    return c.tensorIn(a, perm);
  order = &a.columnOrder;
  return a.tensor;
}

/// Rows of the row-major [K, N] matrix `w` in A's column order.
std::vector<float> reorderRows(const std::vector<float> &w, int64_t N,
                               const std::vector<int64_t> &order) {
  std::vector<float> out(w.size());
  for (size_t j = 0; j < order.size(); ++j)
    std::copy(w.begin() + order[j] * N, w.begin() + (order[j] + 1) * N,
              out.begin() + static_cast<int64_t>(j) * N);
  return out;
}
} // namespace

Status convertGemm(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 3));
  DLC_RETURN_IF_ERROR(c.checkAttributes(
      {"alpha", "beta", "transA", "transB", "broadcast"}));
  auto alpha = c.attrFloat("alpha", 1.0f);
  auto beta = c.attrFloat("beta", 1.0f);
  auto transA = c.attrInt("transA", 0);
  auto transB = c.attrInt("transB", 0);
  for (const Status &s :
       {alpha.status(), beta.status(), transA.status(), transB.status()})
    if (!s.ok())
      return s;
  auto a = c.input(0);
  if (!a.ok())
    return a.status();
  auto b = c.input(1);
  if (!b.ok())
    return b.status();
  const std::vector<int64_t> &as = (*a)->shape, &bs = (*b)->shape;
  if (as.size() != 2 || bs.size() != 2)
    return c.error("A " + shapeString(as) + " and B " + shapeString(bs) +
                   " must be matrices");
  int64_t M = *transA ? as[1] : as[0], K = *transA ? as[0] : as[1];
  int64_t KB = *transB ? bs[1] : bs[0], N = *transB ? bs[0] : bs[1];
  if (K != KB)
    return c.error("A " + shapeString(as) + " and B " + shapeString(bs) +
                   " do not multiply (transA " + std::to_string(*transA) +
                   ", transB " + std::to_string(*transB) + ")");
  DLC_RETURN_IF_ERROR(c.checkBatchKept(**a, *transA == 0));
  Perm swap = {1, 0};
  const std::vector<int64_t> *order;
  auto at = matrixA(c, **a, *transA ? swap : Perm{}, order);
  if (!at.ok())
    return at.status();
  bool folded = (*b)->constant;
  if (order && (!folded || (*b)->isInt))
    return c.error("internal: a reordered A needs a constant B");
  int32_t weight;
  if (folded) {
    std::vector<float> w = permuteData((*b)->floats, bs, *transB ? swap : Perm{});
    for (float &x : w)
      x *= *alpha;
    if (order)
      w = reorderRows(w, N, *order);
    weight = c.builder().addWeight(c.uniqueName("weight"), {K, N}, std::move(w));
  } else {
    auto bt = c.tensorIn(**b, *transB ? swap : Perm{});
    if (!bt.ok())
      return bt.status();
    weight = *bt;
  }
  bool scaleAfter = !folded && *alpha != 1.0f;
  const Value *bias = nullptr;
  if (c.hasInput(2)) {
    auto v = c.input(2);
    if (!v.ok())
      return v.status();
    bias = *v;
  }
  bool hasBias = bias && *beta != 0.0f;
  // A constant row-vector bias goes into the dense op itself.
  bool denseBias = hasBias && !scaleAfter && bias->constant &&
                   numElements(bias->shape) == N &&
                   (bias->shape == std::vector<int64_t>{N} ||
                    bias->shape == std::vector<int64_t>{1, N});
  int32_t biasTensor = -1;
  if (denseBias) {
    std::vector<float> data = bias->floats;
    for (float &x : data)
      x *= *beta;
    biasTensor = c.builder().addWeight(c.uniqueName("bias"), {N}, std::move(data));
  }
  bool last = !scaleAfter && (!hasBias || denseBias);
  int32_t y = c.builder().dense(last ? c.opName() : c.uniqueName("matmul"),
                                *at, weight, biasTensor);
  Value out = c.dynamicValue(y, {M, N}, {});
  if (scaleAfter) {
    bool lastOp = !hasBias;
    auto s = binaryValues(c, fb::OpType::MUL, out,
                          scalarConstant(c.uniqueName("alpha"), *alpha),
                          lastOp ? c.opName() : c.uniqueName("scaled"));
    if (!s.ok())
      return s.status();
    out = std::move(*s);
  }
  if (hasBias && !denseBias) {
    Value cv = *bias;
    if (cv.constant) {
      if (cv.isInt)
        return c.error("an integer bias is not supported");
      for (float &x : cv.floats)
        x *= *beta;
      cv.name = c.uniqueName("bias");
    } else if (*beta != 1.0f) {
      auto s = binaryValues(c, fb::OpType::MUL, cv,
                            scalarConstant(c.uniqueName("beta"), *beta),
                            c.uniqueName("bias"));
      if (!s.ok())
        return s.status();
      cv = std::move(*s);
    }
    auto s = binaryValues(c, fb::OpType::ADD, out, cv, c.opName());
    if (!s.ok())
      return s.status();
    if (s->shape != std::vector<int64_t>{M, N})
      return c.error("bias " + shapeString(bias->shape) +
                     " does not broadcast to [" + std::to_string(M) + "," +
                     std::to_string(N) + "]");
    out = std::move(*s);
  }
  return c.setOutput(0, std::move(out));
}

namespace {
/// `v` (rank <= the rank of `shape`) as a dlc tensor of exactly `shape`
/// (batch dims, then its two matrix dims), in ONNX's layout. Missing
/// leading dims are added by a reshape; size-1 batch dims that the other
/// operand makes larger are materialized by adding zeros of the broadcast
/// batch shape (dlc's add broadcasts like NumPy; batch_matmul does not).
StatusOr<int32_t> batchedOperand(Converter &c, const Value &v,
                                 const std::vector<int64_t> &shape,
                                 const std::string &which) {
  if (v.shape == shape)
    return c.tensorIn(v, {});
  std::vector<int64_t> extended(shape.size() - v.shape.size(), 1);
  extended.insert(extended.end(), v.shape.begin(), v.shape.end());
  if (extended == shape) {
    auto t = c.tensorIn(v, {});
    if (!t.ok())
      return t.status();
    return c.reshape(c.uniqueName(which + "_rank"), *t, shape, false);
  }
  Value zeros;
  zeros.name = c.uniqueName(which + "_zeros");
  zeros.constant = true;
  zeros.shape = shape;
  zeros.shape[shape.size() - 2] = zeros.shape[shape.size() - 1] = 1;
  zeros.floats.assign(numElements(zeros.shape), 0.0f);
  auto sum = binaryValues(c, fb::OpType::ADD, v, zeros,
                          c.uniqueName(which + "_broadcast"));
  if (!sum.ok())
    return sum.status();
  return c.tensorIn(*sum, {});
}

/// numpy.matmul with batch dims on B (and maybe A): the batch dims
/// broadcast, then one BATCH_MATMUL multiplies matrix by matrix.
Status convertBatchedMatMul(Converter &c, const Value &a, const Value &b) {
  const std::vector<int64_t> &as = a.shape, &bs = b.shape;
  size_t rank = std::max(as.size(), bs.size());
  if (rank > size_t(kMaxModelRank))
    return c.error("batched MatMul of rank " + std::to_string(rank) +
                   " exceeds dlc's rank limit " +
                   std::to_string(kMaxModelRank));
  std::vector<int64_t> batch(rank - 2);
  for (size_t i = 0; i < rank - 2; ++i) {
    auto dim = [&](const std::vector<int64_t> &s) {
      size_t lead = rank - s.size();
      return i < lead ? int64_t(1) : s[i - lead];
    };
    int64_t da = dim(as), db = dim(bs);
    if (da != db && da != 1 && db != 1)
      return c.error("A " + shapeString(as) + " and B " + shapeString(bs) +
                     ": batch dims do not broadcast");
    batch[i] = da == 1 ? db : da;
  }
  // With a symbolic batch, dim 0 of a computed value is the batch, known
  // only at compile time: it must line up on both sides with no broadcast,
  // which would be decided here with the batch taken as 1.
  bool sameBatch = as.size() == bs.size() && !a.constant && !b.constant &&
                   std::equal(as.begin(), as.end() - 2, bs.begin());
  if (!sameBatch && !c.checkBatchKept(a.constant ? b : a, false).ok())
    return c.error("A " + shapeString(as) + " x B " + shapeString(bs) +
                   ": with a symbolic batch, both operands must be computed "
                   "values with equal batch dims; export the model with a "
                   "fixed batch size");
  int64_t M = as[as.size() - 2], K = as.back(), N = bs.back();
  std::vector<int64_t> aShape = batch, bShape = batch, outShape = batch;
  aShape.insert(aShape.end(), {M, K});
  bShape.insert(bShape.end(), {K, N});
  outShape.insert(outShape.end(), {M, N});
  auto at = batchedOperand(c, a, aShape, "a");
  if (!at.ok())
    return at.status();
  auto bt = batchedOperand(c, b, bShape, "b");
  if (!bt.ok())
    return bt.status();
  int32_t y = c.builder().addTensor(c.opName());
  c.builder().addOp(fb::OpType::BATCH_MATMUL, c.opName(), {*at, *bt}, {y});
  return c.setOutput(0, c.dynamicValue(y, outShape, {}));
}
} // namespace

Status convertMatMul(Converter &c) {
  DLC_RETURN_IF_ERROR(c.checkArity(2, 2));
  DLC_RETURN_IF_ERROR(c.checkAttributes({}));
  auto a = c.input(0);
  if (!a.ok())
    return a.status();
  auto b = c.input(1);
  if (!b.ok())
    return b.status();
  const std::vector<int64_t> &as = (*a)->shape, &bs = (*b)->shape;
  if (as.size() < 2 || bs.size() < 2)
    return c.error("A " + shapeString(as) + " x B " + shapeString(bs) +
                   ": a 1-D operand (vector MatMul) is not supported");
  int64_t K = as.back();
  if (bs[bs.size() - 2] != K)
    return c.error("A " + shapeString(as) + " and B " + shapeString(bs) +
                   " do not multiply");
  if (bs.size() > 2) {
    // A Flatten result left in NHWC column order only feeds a matrix B
    // (onlyFeedsConstantMatrices), so the batched path never sees one.
    if (!(*a)->columnOrder.empty())
      return c.error("internal: a reordered Flatten feeds a batched MatMul");
    return convertBatchedMatMul(c, **a, **b);
  }
  const std::vector<int64_t> *order;
  auto at = matrixA(c, **a, {}, order);
  if (!at.ok())
    return at.status();
  StatusOr<int32_t> bt = Status::error("");
  if (order) {
    if (!(*b)->constant || (*b)->isInt)
      return c.error("internal: a reordered A needs a constant B");
    bt = c.builder().addWeight(c.uniqueName("weight"), bs,
                               reorderRows((*b)->floats, bs[1], *order));
  } else {
    bt = c.tensorIn(**b, {});
  }
  if (!bt.ok())
    return bt.status();
  std::vector<int64_t> outShape = as;
  outShape.back() = bs[1];
  // Not numElements(as) / K: K may be 0 (an empty product).
  int64_t rows = numElements(std::vector<int64_t>(as.begin(), as.end() - 1));
  if (as.size() == 2) {
    int32_t y = c.builder().dense(c.opName(), *at, *bt, -1);
    return c.setOutput(0, c.dynamicValue(y, outShape, {}));
  }
  // Leading dims folded into rows and unfolded afterwards.
  int32_t x = c.reshape(c.uniqueName("rows"), *at, {rows, K}, true);
  int32_t y = c.builder().dense(c.uniqueName("matmul"), x, *bt, -1);
  c.declareShape(y, {rows, bs[1]});
  int32_t out = c.reshape(c.opName(), y, outShape, true);
  return c.setOutput(0, c.dynamicValue(out, outShape, {}));
}

} // namespace dlc::onnx_import
