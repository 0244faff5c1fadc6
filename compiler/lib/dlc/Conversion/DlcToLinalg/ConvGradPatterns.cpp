//===- ConvGradPatterns.cpp - gradients of conv2d -------------------------===//
//
// Both gradients of a convolution are convolutions themselves, so they lower
// to `linalg.conv_2d_nhwc_hwcf` marked `dlc.fusion_root` and go through the
// same tiling, register tiling and vectorization as a forward conv. What the
// forward conv reads directly has to be re-laid out for them (a flipped
// filter, transposed activations): those copies are made once, as whole
// tensors, and marked `dlc.materialize` so that tile-and-fuse does not
// recompute them inside every tile.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "dlc/Conversion/DlcToLinalg/DlcToLinalg.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// `filter[KH, KW, C, F]` -> `flipped[ky, kx, f, c] = filter[KH-1-ky,
/// KW-1-kx, c, f]`: the filter of the transposed convolution, its window
/// reversed and its channel dims swapped.
Value flipAndTransposeFilter(OpBuilder &b, Location loc, Value filter) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(filter.getType());
  int64_t kh = type.getDimSize(0), kw = type.getDimSize(1);
  auto resultType = RankedTensorType::get(
      {kh, kw, type.getDimSize(3), type.getDimSize(2)}, type.getElementType());
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  AffineMap read = AffineMap::get(4, 0, {kh - 1 - d0, kw - 1 - d1, d3, d2}, ctx);
  AffineMap write = AffineMap::getMultiDimIdentityMap(4, ctx);
  SmallVector<utils::IteratorType> parallel(4, utils::IteratorType::parallel);
  Value flipped =
      createGeneric(b, loc, createEmpty(b, loc, resultType), filter,
                    {read, write}, parallel,
                    [](OpBuilder &, Location, ValueRange args) {
                      return args[0];
                    });
  flipped.getDefiningOp()->setAttr(kMaterializeAttrName, b.getUnitAttr());
  return flipped;
}

/// dx = conv(dilate_and_pad(dy), flip(filter)) at stride 1 and the forward
/// dilations: the transposed convolution. dy is scattered into a zero
/// buffer (every stride-th row and column) once; the conv then reads it
/// like a forward conv reads its padded input.
struct Conv2DInputGradLowering : OpConversionPattern<Conv2DInputGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DInputGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    SmallVector<int64_t> kernel{filterType.getDimSize(0),
                                filterType.getDimSize(1)};
    Value dilated = dilateForTransposedConv(
        rewriter, loc, adaptor.getOutputGrad(),
        {type.getDimSize(1), type.getDimSize(2)}, kernel, op.getStrides(),
        op.getDilations(), op.getPadding());
    Value filter = flipAndTransposeFilter(rewriter, loc, adaptor.getFilter());
    Value init = createFilled(rewriter, loc, type, 0.0f);
    auto conv = linalg::Conv2DNhwcHwcfOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{dilated, filter},
        ValueRange{init}, createI64TensorAttr(rewriter, {1, 1}),
        createI64TensorAttr(rewriter, op.getDilations()));
    conv->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());
    rewriter.replaceOp(op, conv.getResult(0));
    return success();
  }
};

/// dfilter[ky, kx, c, f] = sum_{n, y, x} xp[n, y*s + ky*d, x*s + kx*d, c] *
/// dy[n, y, x, f] is a convolution in which C plays the batch, N the input
/// channels, (KH, KW) the output window and dy the filter:
///   out[c, ky, kx, f] = sum xt[c, ky*d + y*s, kx*d + x*s, n] * dyt[y, x, n, f]
/// with xt = xp transposed to [C, Hp, Wp, N], dyt = dy transposed to
/// [OH, OW, N, F], conv strides = forward dilations and conv dilations =
/// forward strides. The [C, KH, KW, F] result is transposed to HWCF.
struct Conv2DFilterGradLowering : OpConversionPattern<Conv2DFilterGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DFilterGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    ArrayRef<int64_t> padding = op.getPadding();
    int64_t n = inputType.getDimSize(0), h = inputType.getDimSize(1),
            w = inputType.getDimSize(2), c = inputType.getDimSize(3);
    int64_t hp = h + padding[0] + padding[1], wp = w + padding[2] + padding[3];

    // The transposed input, padded: the transpose writes straight into the
    // interior of a zero buffer (in place after bufferization), so padding
    // costs no second copy.
    SmallVector<int64_t> perm{3, 1, 2, 0};
    Value xt;
    if (hp == h && wp == w) {
      xt = createMaterializedTranspose(rewriter, loc, input, perm);
    } else {
      auto elem = inputType.getElementType();
      Value buffer = createFilled(
          rewriter, loc, RankedTensorType::get({c, hp, wp, n}, elem), 0.0f);
      SmallVector<int64_t> offsets{0, padding[0], padding[2], 0};
      SmallVector<int64_t> sizes{c, h, w, n}, unit(4, 1);
      Value interior = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get(sizes, elem), buffer,
          ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, unit);
      auto transpose =
          linalg::TransposeOp::create(rewriter, loc, input, interior, perm);
      transpose->setAttr(kMaterializeAttrName, rewriter.getUnitAttr());
      xt = tensor::InsertSliceOp::create(
          rewriter, loc, transpose.getResult()[0], buffer, ValueRange{},
          ValueRange{}, ValueRange{}, offsets, sizes, unit);
    }
    Value dyt = createMaterializedTranspose(rewriter, loc,
                                            adaptor.getOutputGrad(),
                                            {1, 2, 0, 3});

    auto convType = RankedTensorType::get(
        {c, type.getDimSize(0), type.getDimSize(1), type.getDimSize(3)},
        type.getElementType());
    Value init = createFilled(rewriter, loc, convType, 0.0f);
    auto conv = linalg::Conv2DNhwcHwcfOp::create(
        rewriter, loc, TypeRange{convType}, ValueRange{xt, dyt},
        ValueRange{init}, createI64TensorAttr(rewriter, op.getDilations()),
        createI64TensorAttr(rewriter, op.getStrides()));
    conv->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());
    Value result = createEmpty(rewriter, loc, type);
    rewriter.replaceOp(op, linalg::TransposeOp::create(
                               rewriter, loc, conv.getResult(0), result,
                               ArrayRef<int64_t>{1, 2, 0, 3})
                               .getResult()[0]);
    return success();
  }
};

} // namespace

void populateConvGradPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DInputGradLowering, Conv2DFilterGradLowering>(
      patterns.getContext());
}

} // namespace dlc
