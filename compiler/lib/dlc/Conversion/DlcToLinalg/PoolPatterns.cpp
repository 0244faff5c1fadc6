//===- PoolPatterns.cpp - max/avg/global average pooling ------------------===//
//
// Pools pad their input explicitly (linalg pooling ops have no padding) with
// the identity of the reduction: -inf for max, 0 for sum. Dilations map to
// the linalg ops' own `dilations`. The dlc verifier guarantees that every
// (dilated) window has a tap on a real input, so -inf never reaches the
// output and no average divides by zero.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "dlc/Conversion/DlcToLinalg/DlcToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace dlc {
namespace {

/// Number of taps of each window of one spatial dim that land on [0, size):
/// tap `k` of window `o` reads input position o*stride - padBefore +
/// k*dilation. Counted tap by tap because a dilated window has holes.
SmallVector<int64_t> realPositionsPerWindow(int64_t size, int64_t window,
                                            int64_t stride, int64_t dilation,
                                            int64_t padBefore,
                                            int64_t outSize) {
  SmallVector<int64_t> counts;
  for (int64_t o = 0; o < outSize; ++o) {
    int64_t count = 0;
    for (int64_t k = 0; k < window; ++k) {
      int64_t pos = o * stride - padBefore + k * dilation;
      count += pos >= 0 && pos < size;
    }
    counts.push_back(count);
  }
  return counts;
}

struct MaxPool2DLowering : OpConversionPattern<MaxPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaxPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const float negInf = -std::numeric_limits<float>::infinity();
    Value input =
        padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), negInf);
    Value pool = createPool(rewriter, loc, PoolKind::Max, input, op.getType(),
                            op.getWindow(), op.getStrides(), op.getDilations());
    // A pool on its own is tiled and vectorized like a fused chain.
    pool.getDefiningOp()->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());
    rewriter.replaceOp(op, pool);
    return success();
  }
};

/// Sum pool, then a division by the number of elements each window
/// averages: the window area when padding counts (or there is none),
/// otherwise the number of real input positions in the window, which only
/// depends on the output position and is computed here as a constant
/// [OH, OW, 1] tensor broadcast over N and C.
struct AvgPool2DLowering : OpConversionPattern<AvgPool2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AvgPool2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> window = op.getWindow();
    ArrayRef<int64_t> strides = op.getStrides();
    ArrayRef<int64_t> padding = op.getPadding();
    ArrayRef<int64_t> dilations = op.getDilations();
    Value input = padSpatial(rewriter, loc, adaptor.getInput(), padding, 0.0f);
    Value sum = createPool(rewriter, loc, PoolKind::Avg, input, type, window,
                           strides, dilations);
    sum.getDefiningOp()->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());

    bool padded = llvm::any_of(padding, [](int64_t p) { return p != 0; });
    if (!padded || op.getCountIncludePad()) {
      float area = static_cast<float>(window[0] * window[1]);
      rewriter.replaceOp(
          op, createElementwise(rewriter, loc, type, sum,
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return arith::DivFOp::create(
                                      b, l, args[0], createF32(b, l, area));
                                }));
      return success();
    }

    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t outH = type.getDimSize(1), outW = type.getDimSize(2);
    SmallVector<int64_t> rows =
        realPositionsPerWindow(inputType.getDimSize(1), window[0], strides[0],
                               dilations[0], padding[0], outH);
    SmallVector<int64_t> cols =
        realPositionsPerWindow(inputType.getDimSize(2), window[1], strides[1],
                               dilations[1], padding[2], outW);
    SmallVector<float> counts;
    for (int64_t r : rows)
      for (int64_t c : cols)
        counts.push_back(static_cast<float>(r * c));
    auto countType =
        RankedTensorType::get({outH, outW, 1}, type.getElementType());
    Value countTensor = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(countType, ArrayRef(counts)));
    rewriter.replaceOp(
        op, createElementwise(rewriter, loc, type, ValueRange{sum, countTensor},
                              [](OpBuilder &b, Location l, ValueRange args) {
                                return arith::DivFOp::create(b, l, args[0],
                                                             args[1]);
                              }));
    return success();
  }
};

/// A sum pool whose window is the whole image, as a fusion root of its own
/// ([N, H, W, C] -> [N, 1, 1, C]), then a multiplication by 1 / (H*W) that
/// also drops the unit dims. As a root the pool is tiled over channels like
/// any other: lowered as a plain reduction it was fused into its reader (a
/// classifier's matmul or a squeeze-excitation conv) and computed whole,
/// again in every tile of that reader, as vectors of all the channels
/// (2048 floats for ResNet-50's, 43% of the model's code).
struct GlobalAvgPoolLowering : OpConversionPattern<GlobalAvgPoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GlobalAvgPoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t batch = inputType.getDimSize(0), height = inputType.getDimSize(1),
            width = inputType.getDimSize(2), channels = inputType.getDimSize(3);
    auto pooledType = RankedTensorType::get({batch, 1, 1, channels},
                                            inputType.getElementType());
    Value sum = createPool(rewriter, loc, PoolKind::Avg, adaptor.getInput(),
                           pooledType, {height, width}, {1, 1}, {});
    sum.getDefiningOp()->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());

    MLIRContext *ctx = rewriter.getContext();
    AffineExpr n = getAffineDimExpr(0, ctx), c = getAffineDimExpr(1, ctx);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    SmallVector<AffineMap> maps{
        AffineMap::get(2, 0, {n, zero, zero, c}, ctx),
        AffineMap::getMultiDimIdentityMap(2, ctx)};
    SmallVector<utils::IteratorType> iterators(2,
                                               utils::IteratorType::parallel);
    float scale = 1.0f / static_cast<float>(height * width);
    auto mean = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{sum},
        ValueRange{createEmpty(rewriter, loc, type)}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value scaled =
              arith::MulFOp::create(b, l, args[0], createF32(b, l, scale));
          linalg::YieldOp::create(b, l, scaled);
        });
    rewriter.replaceOp(op, mean.getResult(0));
    return success();
  }
};

} // namespace

void populatePoolPatterns(RewritePatternSet &patterns) {
  patterns.add<MaxPool2DLowering, AvgPool2DLowering, GlobalAvgPoolLowering>(
      patterns.getContext());
}

} // namespace dlc
