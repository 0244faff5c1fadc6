//===- DlcOps.cpp - dlc op verifiers, shape inference, folders ------------===//
//
// Shape inference lives in each op's inferReturnTypes: it is the one place
// that knows how an op's attributes shape its result. Verifiers check what
// inference assumes (ranks, matching channels, positive strides), so that
// inference can run on verified IR without further checks; inference itself
// reports problems through the optional location as well, since the builder
// calls it before the verifier ever runs.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "InferenceUtils.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace dlc;

int64_t dlc::windowOutputSize(int64_t in, int64_t window, int64_t stride,
                              int64_t dilation, int64_t padBefore,
                              int64_t padAfter) {
  if (ShapedType::isDynamic(in))
    return ShapedType::kDynamic;
  int64_t effective = (window - 1) * dilation + 1;
  int64_t span = in + padBefore + padAfter - effective;
  if (span < 0 || stride <= 0)
    return -1;
  return span / stride + 1;
}

std::optional<SmallVector<int64_t>>
dlc::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the trailing dimension, as NumPy does.
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1)
      result[i] = da;
    else if (da == 1)
      result[i] = db;
    else if (ShapedType::isDynamic(da) || ShapedType::isDynamic(db))
      result[i] = ShapedType::kDynamic;
    else
      return std::nullopt;
  }
  return result;
}

namespace {
RankedTensorType f32Tensor(MLIRContext *ctx, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, Float32Type::get(ctx));
}
} // namespace

FailureOr<SmallVector<int64_t>>
dlc::inferConvShape(std::optional<Location> loc, ShapedType input, ShapedType filter,
               ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
               ArrayRef<int64_t> padding, bool depthwise) {
  if (input.getRank() != 4 || filter.getRank() != 4)
    return inferError(loc, "expects a rank-4 NHWC input and a rank-4 filter");
  if (strides.size() != 2 || dilations.size() != 2 || padding.size() != 4)
    return inferError(loc, "expects 2 strides, 2 dilations and 4 paddings");
  for (int i = 0; i < 2; ++i)
    if (strides[i] <= 0 || dilations[i] <= 0)
      return inferError(loc, "expects strides and dilations >= 1");
  for (int64_t p : padding)
    if (p < 0)
      return inferError(loc, "expects non-negative padding");
  int64_t channels = input.getDimSize(3);
  if (!ShapedType::isDynamic(channels) && channels != filter.getDimSize(2))
    return inferError(loc, "input has " + Twine(channels) +
                               " channels but the filter expects " +
                               Twine(filter.getDimSize(2)));
  SmallVector<int64_t> shape{input.getDimSize(0)};
  for (int i = 0; i < 2; ++i) {
    int64_t size = windowOutputSize(input.getDimSize(1 + i),
                                    filter.getDimSize(i), strides[i],
                                    dilations[i], padding[2 * i],
                                    padding[2 * i + 1]);
    if (size == -1 || size == 0)
      return inferError(loc, "the filter window does not fit the padded input");
    shape.push_back(size);
  }
  shape.push_back(depthwise ? filter.getDimSize(2) * filter.getDimSize(3)
                            : filter.getDimSize(3));
  return shape;
}

namespace {
LogicalResult verifyBias(Operation *op, Value bias, int64_t channels) {
  if (!bias)
    return success();
  auto type = cast<ShapedType>(bias.getType());
  if (type.getRank() != 1 || type.getDimSize(0) != channels)
    return op->emitOpError("expects a bias of shape [")
           << channels << "], got " << type;
  return success();
}
} // namespace

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// Convolutions, dense
//===----------------------------------------------------------------------===//

#define DLC_CONV_INFER(OpTy, depthwise)                                        \
  LogicalResult OpTy::inferReturnTypes(MLIRContext *ctx,                       \
                                       std::optional<Location> loc,            \
                                       Adaptor adaptor,                        \
                                       SmallVectorImpl<Type> &types) {         \
    auto shape = inferConvShape(                                               \
        loc, cast<ShapedType>(adaptor.getInput().getType()),                   \
        cast<ShapedType>(adaptor.getFilter().getType()), adaptor.getStrides(), \
        adaptor.getDilations(), adaptor.getPadding(), depthwise);              \
    if (failed(shape))                                                         \
      return failure();                                                        \
    types.push_back(f32Tensor(ctx, *shape));                                   \
    return success();                                                          \
  }                                                                            \
  LogicalResult OpTy::verify() {                                               \
    return verifyBias(*this, getBias(), getType().getDimSize(3));              \
  }
DLC_CONV_INFER(Conv2DOp, false)
DLC_CONV_INFER(DepthwiseConv2DOp, true)
#undef DLC_CONV_INFER

LogicalResult FusedConv2DOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  auto shape = inferConvShape(
      loc, cast<ShapedType>(adaptor.getInput().getType()),
      cast<ShapedType>(adaptor.getFilter().getType()), adaptor.getStrides(),
      adaptor.getDilations(), adaptor.getPadding(), /*depthwise=*/false);
  if (failed(shape))
    return failure();
  if (adaptor.getPool() != PoolKind::None) {
    ArrayRef<int64_t> window = adaptor.getPoolWindow();
    ArrayRef<int64_t> strides = adaptor.getPoolStrides();
    for (int i = 0; i < 2; ++i) {
      if (window[i] <= 0 || strides[i] <= 0)
        return inferError(loc, "expects pool windows and strides >= 1");
      int64_t size =
          windowOutputSize((*shape)[1 + i], window[i], strides[i], 1, 0, 0);
      if (size <= 0 && !ShapedType::isDynamic(size))
        return inferError(loc, "the pool window does not fit the conv output");
      (*shape)[1 + i] = size;
    }
  }
  types.push_back(f32Tensor(ctx, *shape));
  return success();
}

LogicalResult FusedConv2DOp::verify() {
  auto filter = cast<ShapedType>(getFilter().getType());
  return verifyBias(*this, getBias(), filter.getDimSize(3));
}

LogicalResult DenseOp::inferReturnTypes(MLIRContext *ctx,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &types) {
  auto input = cast<ShapedType>(adaptor.getInput().getType());
  auto weight = cast<ShapedType>(adaptor.getWeight().getType());
  if (input.getRank() != 2 || weight.getRank() != 2)
    return inferError(loc, "expects a rank-2 input [N, K] and weight [K, M]");
  if (!ShapedType::isDynamic(input.getDimSize(1)) &&
      !ShapedType::isDynamic(weight.getDimSize(0)) &&
      input.getDimSize(1) != weight.getDimSize(0))
    return inferError(loc, "input has " + Twine(input.getDimSize(1)) +
                               " features but the weight expects " +
                               Twine(weight.getDimSize(0)));
  types.push_back(
      f32Tensor(ctx, {input.getDimSize(0), weight.getDimSize(1)}));
  return success();
}

LogicalResult DenseOp::verify() {
  return verifyBias(*this, getBias(), getType().getDimSize(1));
}

/// Ranks, batch dims and K are all this op's verifier checks: the inferred
/// type is compared with the declared one by InferTypeOpAdaptor.
LogicalResult BatchMatmulOp::inferReturnTypes(MLIRContext *ctx,
                                              std::optional<Location> loc,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &types) {
  auto lhs = cast<ShapedType>(adaptor.getLhs().getType());
  auto rhs = cast<ShapedType>(adaptor.getRhs().getType());
  if (lhs.getRank() < 3 || lhs.getRank() != rhs.getRank())
    return inferError(loc, "expects operands of the same rank >= 3, got " +
                               Twine(lhs.getRank()) + " and " +
                               Twine(rhs.getRank()));
  int64_t rank = lhs.getRank();
  auto known = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b);
  };
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank - 2; ++d) {
    int64_t a = lhs.getDimSize(d), b = rhs.getDimSize(d);
    if (known(a, b) && a != b)
      return inferError(loc, "batch dim " + Twine(d) + " differs: " +
                                 Twine(a) + " vs " + Twine(b) +
                                 " (broadcast it before)");
    shape.push_back(ShapedType::isDynamic(a) ? b : a);
  }
  int64_t k = lhs.getDimSize(rank - 1), k2 = rhs.getDimSize(rank - 2);
  if (known(k, k2) && k != k2)
    return inferError(loc, "contraction sizes differ: lhs has K = " +
                               Twine(k) + ", rhs " + Twine(k2));
  shape.push_back(lhs.getDimSize(rank - 2));
  shape.push_back(rhs.getDimSize(rank - 1));
  types.push_back(f32Tensor(ctx, shape));
  return success();
}

//===----------------------------------------------------------------------===//
// Pools
//===----------------------------------------------------------------------===//

/// Whether every window along one static dim has a tap on the input: a
/// dilated window can step over a small input and see only padding, which
/// would leave a max without a candidate and an average without a divisor.
static bool everyWindowSeesInput(int64_t size, int64_t window, int64_t stride,
                                 int64_t dilation, int64_t padBefore,
                                 int64_t outSize) {
  for (int64_t o = 0; o < outSize; ++o) {
    bool seen = false;
    for (int64_t k = 0; k < window && !seen; ++k) {
      int64_t pos = o * stride - padBefore + k * dilation;
      seen = pos >= 0 && pos < size;
    }
    if (!seen)
      return false;
  }
  return true;
}

static LogicalResult inferPoolType(MLIRContext *ctx,
                                   std::optional<Location> loc, Value input,
                                   ArrayRef<int64_t> window,
                                   ArrayRef<int64_t> strides,
                                   ArrayRef<int64_t> padding,
                                   ArrayRef<int64_t> dilations,
                                   SmallVectorImpl<Type> &types) {
  auto type = cast<ShapedType>(input.getType());
  if (type.getRank() != 4)
    return inferError(loc, "expects a rank-4 NHWC input");
  SmallVector<int64_t> shape{type.getDimSize(0)};
  for (int i = 0; i < 2; ++i) {
    if (window[i] <= 0 || strides[i] <= 0 || dilations[i] <= 0)
      return inferError(loc, "expects windows, strides and dilations >= 1");
    // A window made only of padding would have no input to reduce.
    int64_t span = (window[i] - 1) * dilations[i] + 1;
    if (padding[2 * i] < 0 || padding[2 * i + 1] < 0 ||
        padding[2 * i] >= span || padding[2 * i + 1] >= span)
      return inferError(loc, "expects 0 <= padding < window span "
                             "((window - 1) * dilation + 1)");
    int64_t inSize = type.getDimSize(1 + i);
    int64_t size = windowOutputSize(inSize, window[i], strides[i],
                                    dilations[i], padding[2 * i],
                                    padding[2 * i + 1]);
    if (size == -1 || size == 0)
      return inferError(loc, "the pool window does not fit the padded input");
    if (!ShapedType::isDynamic(size) &&
        !everyWindowSeesInput(inSize, window[i], strides[i], dilations[i],
                              padding[2 * i], size))
      return inferError(loc, "a dilated pool window sees only padding");
    shape.push_back(size);
  }
  shape.push_back(type.getDimSize(3));
  types.push_back(f32Tensor(ctx, shape));
  return success();
}

#define DLC_POOL_INFER(OpTy)                                                   \
  LogicalResult OpTy::inferReturnTypes(MLIRContext *ctx,                       \
                                       std::optional<Location> loc,            \
                                       Adaptor adaptor,                        \
                                       SmallVectorImpl<Type> &types) {         \
    return inferPoolType(ctx, loc, adaptor.getInput(), adaptor.getWindow(),    \
                         adaptor.getStrides(), adaptor.getPadding(),           \
                         adaptor.getDilations(), types);                       \
  }                                                                            \
  LogicalResult OpTy::verify() { return success(); }
DLC_POOL_INFER(MaxPool2DOp)
DLC_POOL_INFER(AvgPool2DOp)
#undef DLC_POOL_INFER

LogicalResult GlobalAvgPoolOp::inferReturnTypes(MLIRContext *ctx,
                                                std::optional<Location> loc,
                                                Adaptor adaptor,
                                                SmallVectorImpl<Type> &types) {
  auto type = cast<ShapedType>(adaptor.getInput().getType());
  if (type.getRank() != 4)
    return inferError(loc, "expects a rank-4 NHWC input");
  types.push_back(f32Tensor(ctx, {type.getDimSize(0), type.getDimSize(3)}));
  return success();
}
LogicalResult GlobalAvgPoolOp::verify() { return success(); }

#define GET_OP_CLASSES
#include "dlc/Dialect/Dlc/IR/DlcOps.cpp.inc"
