//===- TrainingUtils.cpp - builders shared by the gradient lowerings ------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace dlc {

Value createActivationDerivative(OpBuilder &b, Location loc, Value y,
                                 Activation act, float alpha) {
  Value zero = createF32(b, loc, 0.0f);
  Value one = createF32(b, loc, 1.0f);
  auto positive = [&] {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, y, zero);
  };
  switch (act) {
  case Activation::None:
    return one;
  case Activation::Relu:
    // relu'(0) = 0 (TensorFlow's convention): a zero output had a
    // non-positive input.
    return arith::SelectOp::create(b, loc, positive(), one, zero);
  case Activation::Relu6: {
    Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y,
                                        createF32(b, loc, 6.0f));
    Value inside = arith::AndIOp::create(b, loc, positive(), below);
    return arith::SelectOp::create(b, loc, inside, one, zero);
  }
  case Activation::LeakyRelu:
    return arith::SelectOp::create(b, loc, positive(), one,
                                   createF32(b, loc, alpha));
  case Activation::Sigmoid: {
    Value complement = arith::SubFOp::create(b, loc, one, y);
    return arith::MulFOp::create(b, loc, y, complement);
  }
  case Activation::Tanh: {
    Value square = arith::MulFOp::create(b, loc, y, y);
    return arith::SubFOp::create(b, loc, one, square);
  }
  case Activation::Sqrt:
    // 1 / (2 sqrt(x)); +inf at x = 0, like the derivative.
    return arith::DivFOp::create(b, loc, createF32(b, loc, 0.5f), y);
  case Activation::Exp:
    return y;
  case Activation::Log:
    // 1 / x = e^-log(x).
    return math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, y));
  case Activation::Erf:
    // Refused by the verifiers of the ops that call this.
    llvm_unreachable("erf's derivative is not a function of its output");
  }
  llvm_unreachable("unknown activation");
}

Value createMaterializedTranspose(OpBuilder &b, Location loc, Value input,
                                  ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = createEmpty(
      b, loc, RankedTensorType::get(shape, type.getElementType()));
  auto transpose = linalg::TransposeOp::create(b, loc, input, init, perm);
  transpose->setAttr(kMaterializeAttrName, b.getUnitAttr());
  return transpose.getResult()[0];
}

namespace {
int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
int64_t ceilDiv(int64_t a, int64_t b) { return -floorDiv(-a, b); }
} // namespace

// Derivation, per spatial dim: the forward reads padded row
// `o*s + k*d`, i.e. input row `h = o*s + k*d - padBefore`. With the filter
// flipped (k' = K-1-k), `dx[h] = sum_k' buf[h + k'*d] * w[K-1-k']` when
// `buf[o*s + L] = dy[o]` for `L = (K-1)*d - padBefore`. The buffer has
// `H + (K-1)*d` rows so the correlation yields H rows. Output rows that
// would land before row 0 (L < 0: padding larger than the dilated kernel
// extent) or past the end (trailing padding that large) read only padding
// in the forward: they contribute nothing and are left out.
TransposedConvRows transposedConvRows(int64_t inputSize, int64_t outputSize,
                                      int64_t kernel, int64_t stride,
                                      int64_t dilation, int64_t padBefore) {
  int64_t extent = (kernel - 1) * dilation;
  int64_t lead = extent - padBefore;
  int64_t rows = inputSize + extent;
  int64_t first = lead >= 0 ? 0 : ceilDiv(-lead, stride);
  int64_t end = std::min(outputSize, floorDiv(rows - 1 - lead, stride) + 1);
  return {first, end, first * stride + lead, rows};
}

Value dilateForTransposedConv(OpBuilder &b, Location loc, Value dy,
                              ArrayRef<int64_t> inputSpatial,
                              ArrayRef<int64_t> kernel,
                              ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations,
                              ArrayRef<int64_t> padding) {
  auto dyType = cast<RankedTensorType>(dy.getType());
  int64_t rank = dyType.getRank();
  SmallVector<int64_t> bufShape(dyType.getShape());
  SmallVector<int64_t> srcOffsets(rank, 0), sizes(dyType.getShape());
  SmallVector<int64_t> dstOffsets(rank, 0), dstStrides(rank, 1);
  bool empty = false;
  for (int i = 0; i < 2; ++i) {
    TransposedConvRows r = transposedConvRows(
        inputSpatial[i], dyType.getDimSize(1 + i), kernel[i], strides[i],
        dilations[i], padding[2 * i]);
    bufShape[1 + i] = r.bufferRows;
    srcOffsets[1 + i] = r.first;
    sizes[1 + i] = r.end - r.first;
    dstOffsets[1 + i] = r.begin;
    dstStrides[1 + i] = strides[i];
    empty |= r.end <= r.first;
  }
  auto bufType = RankedTensorType::get(bufShape, dyType.getElementType());
  if (empty)
    return createFilled(b, loc, bufType, 0.0f);
  SmallVector<int64_t> unit(rank, 1);
  Value source = dy;
  if (ArrayRef<int64_t>(sizes) != dyType.getShape())
    source = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(sizes, dyType.getElementType()), dy,
        ValueRange{}, ValueRange{}, ValueRange{}, srcOffsets, sizes, unit);
  // dy already has the buffer's layout (stride 1, no border: a 1x1 kernel
  // without padding, or padding that the kernel's extent cancels).
  if (sizes == bufShape && dstStrides == unit)
    return source;
  Value buffer = createFilled(b, loc, bufType, 0.0f);
  return tensor::InsertSliceOp::create(b, loc, source, buffer, ValueRange{},
                                       ValueRange{}, ValueRange{}, dstOffsets,
                                       sizes, dstStrides);
}

} // namespace dlc
