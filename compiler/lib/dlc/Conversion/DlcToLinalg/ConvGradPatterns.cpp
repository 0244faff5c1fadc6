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

#include <algorithm>

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

/// A band of output rows [rowBegin, rowEnd) of the transposed convolution
/// whose rows all read the same filter rows [tapBegin, tapEnd) of real data.
struct RowBand {
  int64_t rowBegin, rowEnd, tapBegin, tapEnd;
};

/// With stride 1 and no dilation along H, output row h reads buffer rows
/// h .. h+K-1, of which only [begin, begin + count) hold dy: the first and
/// last K-1 rows see a border of zeros (up to 2/3 of a 3x3 conv's work on
/// its outermost rows; 15% of conv2's input gradient in the reference CNN,
/// 40% of conv3's). Three bands: the rows that meet every filter row, and
/// the rows above and below them, each with the filter rows any of its rows
/// meets. (One band per distinct set of filter rows would skip a little
/// more but compile a kernel per border row: +35% LLVM time for a train
/// step.) Empty: nothing to gain, one conv over everything.
SmallVector<RowBand> rowBands(int64_t rows, int64_t kernel,
                              const TransposedConvRows &data) {
  int64_t dataBegin = data.begin, dataEnd = data.begin + (data.end - data.first);
  // Rows whose window lies inside the data: dataBegin <= h, h+K <= dataEnd.
  int64_t fullBegin = std::max<int64_t>(dataBegin, 0);
  int64_t fullEnd = std::min(rows, dataEnd - kernel + 1);
  if (fullEnd <= fullBegin || (fullBegin == 0 && fullEnd == rows))
    return {};
  auto border = [&](int64_t begin, int64_t end) {
    int64_t lo = kernel, hi = 0;
    for (int64_t h = begin; h < end; ++h) {
      int64_t rowLo = std::clamp<int64_t>(dataBegin - h, 0, kernel);
      int64_t rowHi = std::clamp<int64_t>(dataEnd - h, 0, kernel);
      if (rowHi > rowLo) {
        lo = std::min(lo, rowLo);
        hi = std::max(hi, rowHi);
      }
    }
    return RowBand{begin, end, lo, std::max(lo, hi)};
  };
  SmallVector<RowBand> bands;
  if (fullBegin > 0)
    bands.push_back(border(0, fullBegin));
  bands.push_back({fullBegin, fullEnd, 0, kernel});
  if (fullEnd < rows)
    bands.push_back(border(fullEnd, rows));
  return bands;
}

Value slice4D(OpBuilder &b, Location loc, Value source, int64_t axis,
              int64_t offset, int64_t size) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<int64_t> offsets(4, 0), sizes(type.getShape()), unit(4, 1);
  offsets[axis] = offset;
  sizes[axis] = size;
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(sizes, type.getElementType()), source,
      ValueRange{}, ValueRange{}, ValueRange{}, offsets, sizes, unit);
}

/// dx = conv(dilate_and_pad(dy), flip(filter)) at stride 1 and the forward
/// dilations: the transposed convolution. dy is scattered into a zero
/// buffer (every stride-th row and column) once; the conv then reads it
/// like a forward conv reads its padded input. At stride 1 the output rows
/// are computed in bands (see rowBands), each a conv over only the filter
/// rows that meet data, so the zero rows of the border are never read.
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
    auto convOver = [&](Value input, Value window, RankedTensorType result) {
      Value init = createFilled(rewriter, loc, result, 0.0f);
      auto conv = linalg::Conv2DNhwcHwcfOp::create(
          rewriter, loc, TypeRange{result}, ValueRange{input, window},
          ValueRange{init}, createI64TensorAttr(rewriter, {1, 1}),
          createI64TensorAttr(rewriter, op.getDilations()));
      conv->setAttr(kFusionRootAttrName, rewriter.getUnitAttr());
      return conv.getResult(0);
    };

    SmallVector<RowBand> bands;
    if (op.getStrides()[0] == 1 && op.getDilations()[0] == 1) {
      auto dyType = cast<RankedTensorType>(adaptor.getOutputGrad().getType());
      TransposedConvRows data = transposedConvRows(
          type.getDimSize(1), dyType.getDimSize(1), kernel[0], 1, 1,
          op.getPadding()[0]);
      if (data.end > data.first)
        bands = rowBands(type.getDimSize(1), kernel[0], data);
    }
    if (bands.empty()) {
      rewriter.replaceOp(op, convOver(dilated, filter, type));
      return success();
    }
    // Each band writes its rows of dx in place (extract/insert pairs on
    // one buffer); a band that meets no data is zero.
    Value result = createEmpty(rewriter, loc, type);
    for (const RowBand &band : bands) {
      int64_t rows = band.rowEnd - band.rowBegin;
      SmallVector<int64_t> shape(type.getShape());
      shape[1] = rows;
      auto bandType = RankedTensorType::get(shape, type.getElementType());
      Value value;
      if (band.tapEnd <= band.tapBegin) {
        value = createFilled(rewriter, loc, bandType, 0.0f);
      } else {
        int64_t taps = band.tapEnd - band.tapBegin;
        Value input = slice4D(rewriter, loc, dilated, 1,
                              band.rowBegin + band.tapBegin, rows + taps - 1);
        Value window = slice4D(rewriter, loc, filter, 0, band.tapBegin, taps);
        value = convOver(input, window, bandType);
      }
      SmallVector<int64_t> offsets{0, band.rowBegin, 0, 0}, unit(4, 1);
      result = tensor::InsertSliceOp::create(
          rewriter, loc, value, result, ValueRange{}, ValueRange{},
          ValueRange{}, offsets, shape, unit);
    }
    rewriter.replaceOp(op, result);
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
