//===- DepthwiseGradPatterns.cpp - gradients of depthwise_conv2d ----------===//
//
// Each gradient is one reduction `linalg.generic` over the forward's index
// space with the output gradient viewed as [N, OH, OW, C, M] (output
// channel c*M + m, the dlc layout). They are not tiled: depthwise layers
// carry a small share of a network's work, and correctness is what matters
// here; LLVM vectorizes the innermost channel loop.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// dy [N, OH, OW, C*M] as [N, OH, OW, C, M] (a view).
Value splitChannels(OpBuilder &b, Location loc, Value dy, int64_t channels,
                    int64_t multiplier) {
  auto type = cast<RankedTensorType>(dy.getType());
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.append({channels, multiplier});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), dy,
      SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
}

Value multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  return arith::AddFOp::create(b, loc, args[2], product);
}

/// dx[n, h, w, c] = sum_{ky, kx, m} buf[n, h + (KH-1-ky)*dh,
/// w + (KW-1-kx)*dw, c, m] * filter[ky, kx, c, m], where buf is dy dilated
/// and padded as for a regular conv's input gradient; reading buf at the
/// mirrored window position instead of flipping the filter keeps every
/// loop a plain dimension of some operand (linalg infers loop bounds from
/// those).
struct DepthwiseInputGradLowering
    : OpConversionPattern<DepthwiseConv2DInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DepthwiseConv2DInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1);
    ArrayRef<int64_t> dil = op.getDilations();
    Value dy5 = splitChannels(rewriter, loc, adaptor.getOutputGrad(),
                              filterType.getDimSize(2),
                              filterType.getDimSize(3));
    Value buffer = dilateForTransposedConv(
        rewriter, loc, dy5, {type.getDimSize(1), type.getDimSize(2)},
        {kh, kw}, op.getStrides(), dil, op.getPadding());

    // Loops (n, h, w, ky, kx, m, c): channels innermost, where every
    // operand is contiguous (or strided by M) once lowered to loops.
    AffineExpr n, h, w, ky, kx, m, c;
    bindDims(ctx, n, h, w, ky, kx, m, c);
    SmallVector<AffineMap> maps{
        AffineMap::get(7, 0,
                       {n, h + (kh - 1 - ky) * dil[0],
                        w + (kw - 1 - kx) * dil[1], c, m},
                       ctx),
        AffineMap::get(7, 0, {ky, kx, c, m}, ctx),
        AffineMap::get(7, 0, {n, h, w, c}, ctx)};
    SmallVector<utils::IteratorType> iterators(3,
                                               utils::IteratorType::parallel);
    iterators.append(3, utils::IteratorType::reduction);
    iterators.push_back(utils::IteratorType::parallel);
    rewriter.replaceOp(
        op, createGeneric(rewriter, loc, createFilled(rewriter, loc, type, 0),
                          ValueRange{buffer, adaptor.getFilter()}, maps,
                          iterators, multiplyAccumulate));
    return success();
  }
};

/// dfilter[ky, kx, c, m] = sum_{n, y, x} xp[n, y*sh + ky*dh, x*sw + kx*dw,
/// c] * dy[n, y, x, c, m].
struct DepthwiseFilterGradLowering
    : OpConversionPattern<DepthwiseConv2DFilterGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DepthwiseConv2DFilterGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    ArrayRef<int64_t> str = op.getStrides(), dil = op.getDilations();
    Value input =
        padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), 0.0f);
    Value dy5 = splitChannels(rewriter, loc, adaptor.getOutputGrad(),
                              type.getDimSize(2), type.getDimSize(3));

    // Loops (n, y, x, ky, kx, c, m): the reductions outermost, so the
    // innermost loops run along the contiguous channel dims.
    AffineExpr n, y, x, ky, kx, c, m;
    bindDims(ctx, n, y, x, ky, kx, c, m);
    SmallVector<AffineMap> maps{
        AffineMap::get(7, 0,
                       {n, y * str[0] + ky * dil[0], x * str[1] + kx * dil[1],
                        c},
                       ctx),
        AffineMap::get(7, 0, {n, y, x, c, m}, ctx),
        AffineMap::get(7, 0, {ky, kx, c, m}, ctx)};
    SmallVector<utils::IteratorType> iterators(3,
                                               utils::IteratorType::reduction);
    iterators.append(4, utils::IteratorType::parallel);
    rewriter.replaceOp(
        op, createGeneric(rewriter, loc, createFilled(rewriter, loc, type, 0),
                          ValueRange{input, dy5}, maps, iterators,
                          multiplyAccumulate));
    return success();
  }
};

} // namespace

void populateDepthwiseGradPatterns(RewritePatternSet &patterns) {
  patterns.add<DepthwiseInputGradLowering, DepthwiseFilterGradLowering>(
      patterns.getContext());
}

} // namespace dlc
