//===- ConvPatterns.cpp - convolutions, dense, batch_matmul ---------------===//
//
// Convolutions accumulate into an init that already holds the bias (or
// zeros), so the bias costs no extra pass over the output. The activation
// follows as one elementwise generic. Padding is materialized with
// `tensor.pad` because the linalg convolutions have no padding attribute;
// the code generator can fuse the pad into the conv's tiles.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "dlc/Conversion/DlcToLinalg/DlcToLinalg.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// Output type of a 2-D NHWC convolution with `filterType`'s window
/// ([KH, KW, ...]) and `channels` output channels.
RankedTensorType convResultType(RankedTensorType inputType,
                                RankedTensorType filterType, int64_t channels,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> dilations,
                                ArrayRef<int64_t> padding) {
  SmallVector<int64_t> shape{inputType.getDimSize(0)};
  for (int i = 0; i < 2; ++i)
    shape.push_back(windowOutputSize(
        inputType.getDimSize(1 + i), filterType.getDimSize(i), strides[i],
        dilations[i], padding[2 * i], padding[2 * i + 1]));
  shape.push_back(channels);
  return RankedTensorType::get(shape, inputType.getElementType());
}

/// Zero padding, bias init and `linalg.conv_2d_nhwc_hwcf`; no activation.
Value buildConv2D(OpBuilder &b, Location loc, Value input, Value filter,
                  Value bias, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations, ArrayRef<int64_t> padding) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  RankedTensorType type =
      convResultType(inputType, filterType, filterType.getDimSize(3), strides,
                     dilations, padding);
  Value padded = padSpatial(b, loc, input, padding, 0.0f);
  Value init = createBiasInit(b, loc, type, bias);
  return linalg::Conv2DNhwcHwcfOp::create(
             b, loc, TypeRange{type}, ValueRange{padded, filter},
             ValueRange{init}, createI64TensorAttr(b, strides),
             createI64TensorAttr(b, dilations))
      .getResult(0);
}

struct Conv2DLowering : OpConversionPattern<Conv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Conv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value conv = buildConv2D(
        rewriter, loc, adaptor.getInput(), adaptor.getFilter(),
        adaptor.getBias(), op.getStrides(), op.getDilations(), op.getPadding());
    Value result = applyActivation(rewriter, loc, conv, op.getActivation(),
                                   op.getLeakyAlpha().convertToFloat());
    // A conv without a pool is still tiled and vectorized like a fused one:
    // its chain (bias init, conv, activation) ends at the root.
    result.getDefiningOp()->setAttr(kFusionRootAttrName,
                                    rewriter.getUnitAttr());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Multiplier 1 (the MobileNet case) uses `depthwise_conv_2d_nhwc_hwc` on
/// the filter collapsed to [KH, KW, C]: it yields NHWC directly, and it is
/// the variant linalg can decompose into 1-D depthwise convs for
/// vectorization. Other multipliers go through the [N, H, W, C, M] form of
/// `depthwise_conv_2d_nhwc_hwcm`, collapsed to [N, H, W, C*M] afterwards
/// (channel c*M + m, the dlc layout).
struct DepthwiseConv2DLowering : OpConversionPattern<DepthwiseConv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DepthwiseConv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = op.getType();
    auto filterType = cast<RankedTensorType>(adaptor.getFilter().getType());
    int64_t channels = filterType.getDimSize(2);
    int64_t multiplier = filterType.getDimSize(3);
    Value input =
        padSpatial(rewriter, loc, adaptor.getInput(), op.getPadding(), 0.0f);
    DenseIntElementsAttr strides =
        createI64TensorAttr(rewriter, op.getStrides());
    DenseIntElementsAttr dilations =
        createI64TensorAttr(rewriter, op.getDilations());

    Value conv;
    if (multiplier == 1) {
      SmallVector<ReassociationIndices> dropMultiplier{{0}, {1}, {2, 3}};
      Value filter = tensor::CollapseShapeOp::create(
          rewriter, loc, adaptor.getFilter(), dropMultiplier);
      Value init = createBiasInit(rewriter, loc, resultType, adaptor.getBias());
      conv =
          linalg::DepthwiseConv2DNhwcHwcOp::create(
              rewriter, loc, TypeRange{resultType}, ValueRange{input, filter},
              ValueRange{init}, strides, dilations)
              .getResult(0);
    } else {
      SmallVector<int64_t> shape5(resultType.getShape().drop_back());
      shape5.append({channels, multiplier});
      auto type5 = RankedTensorType::get(shape5, resultType.getElementType());
      Value bias = adaptor.getBias();
      if (bias) {
        auto biasType = RankedTensorType::get({channels, multiplier},
                                              resultType.getElementType());
        bias = tensor::ExpandShapeOp::create(
            rewriter, loc, biasType, bias,
            SmallVector<ReassociationIndices>{{0, 1}});
      }
      Value init = createBiasInit(rewriter, loc, type5, bias);
      Value conv5 = linalg::DepthwiseConv2DNhwcHwcmOp::create(
                        rewriter, loc, TypeRange{type5},
                        ValueRange{input, adaptor.getFilter()},
                        ValueRange{init}, strides, dilations)
                        .getResult(0);
      SmallVector<ReassociationIndices> mergeChannels{{0}, {1}, {2}, {3, 4}};
      conv = tensor::CollapseShapeOp::create(rewriter, loc, resultType, conv5,
                                             mergeChannels);
    }
    Value result = applyActivation(rewriter, loc, conv, op.getActivation(),
                                   op.getLeakyAlpha().convertToFloat());
    // Tiled like a conv chain. Left unmarked, the depthwise conv was fused
    // into its consumer's tiles: recomputed for every tile of the next
    // layer's output channels, on all its channels at once. The multiplier
    // form ends in a reshape, which tiling cannot start from.
    if (multiplier == 1)
      result.getDefiningOp()->setAttr(kFusionRootAttrName,
                                      rewriter.getUnitAttr());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Lowers to one straight chain ending in the op marked `dlc.fusion_root`:
///   bias broadcast (or zero fill) -> conv -> activation generic
///   -> fill -> pooling.
/// Each op has exactly one user, the next one, which is what lets the code
/// generator tile the root and pull the whole chain into its tiles, so the
/// full-size conv output never exists.
///
/// Average pooling has no padding here, so every window holds exactly
/// KH*KW elements: the 1/(KH*KW) scale is folded into the activation
/// generic and the sum pool then yields the average directly. That keeps
/// the root the last op of the chain (a divide after the pool would be a
/// consumer outside the tiled loops).
struct FusedConv2DLowering : OpConversionPattern<FusedConv2DOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(FusedConv2DOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value conv = buildConv2D(
        rewriter, loc, adaptor.getInput(), adaptor.getFilter(),
        adaptor.getBias(), op.getStrides(), op.getDilations(), op.getPadding());
    PoolKind pool = op.getPool();
    ArrayRef<int64_t> window = op.getPoolWindow();
    float scale = 1.0f;
    if (pool == PoolKind::Avg)
      scale = 1.0f / static_cast<float>(window[0] * window[1]);
    Value result = applyActivation(rewriter, loc, conv, op.getActivation(),
                                   op.getLeakyAlpha().convertToFloat(), scale);

    if (pool != PoolKind::None)
      result = createPool(rewriter, loc, pool, result, op.getType(), window,
                          op.getPoolStrides());
    result.getDefiningOp()->setAttr(kFusionRootAttrName,
                                    rewriter.getUnitAttr());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `linalg.matmul` into the bias-initialized [N, M] accumulator.
struct DenseLowering : OpConversionPattern<DenseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DenseOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value init = createBiasInit(rewriter, loc, type, adaptor.getBias());
    Value matmul = linalg::MatmulOp::create(
                       rewriter, loc, TypeRange{type},
                       ValueRange{adaptor.getInput(), adaptor.getWeight()},
                       ValueRange{init})
                       .getResult(0);
    Value result = applyActivation(rewriter, loc, matmul, op.getActivation(),
                                   op.getLeakyAlpha().convertToFloat());
    // Tiled and vectorized by the code generator like a conv chain.
    result.getDefiningOp()->setAttr(kFusionRootAttrName,
                                    rewriter.getUnitAttr());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `linalg.batch_matmul` has one batch dim: the leading dims of a rank > 3
/// batch_matmul are collapsed into it (a reshape of contiguous dims, free
/// after bufferization) and expanded back on the result. It is not marked a
/// fusion root: the code generator lowers it to plain loops.
struct BatchMatmulLowering : OpConversionPattern<BatchMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    // Groups of the collapse: all batch dims, then M (or K), then the last.
    SmallVector<ReassociationIndices> groups(3);
    for (int64_t d = 0; d < rank - 2; ++d)
      groups[0].push_back(d);
    groups[1].push_back(rank - 2);
    groups[2].push_back(rank - 1);
    int64_t batch = 1;
    for (int64_t size : type.getShape().drop_back(2))
      batch *= size;
    auto collapse = [&](Value v) -> Value {
      if (rank == 3)
        return v;
      ArrayRef<int64_t> shape = cast<RankedTensorType>(v.getType()).getShape();
      auto flat = RankedTensorType::get(
          {batch, shape[rank - 2], shape[rank - 1]}, type.getElementType());
      return tensor::CollapseShapeOp::create(rewriter, loc, flat, v, groups);
    };
    Value lhs = collapse(adaptor.getLhs()), rhs = collapse(adaptor.getRhs());
    auto flatType = RankedTensorType::get(
        {batch, type.getDimSize(rank - 2), type.getDimSize(rank - 1)},
        type.getElementType());
    Value init = createFilled(rewriter, loc, flatType, 0.0f);
    Value result = linalg::BatchMatmulOp::create(rewriter, loc,
                                                 TypeRange{flatType},
                                                 ValueRange{lhs, rhs},
                                                 ValueRange{init})
                       .getResult(0);
    if (rank > 3)
      result = tensor::ExpandShapeOp::create(rewriter, loc, type, result,
                                             groups);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateConvPatterns(RewritePatternSet &patterns) {
  patterns.add<Conv2DLowering, DepthwiseConv2DLowering, FusedConv2DLowering,
               DenseLowering, BatchMatmulLowering>(patterns.getContext());
}

} // namespace dlc
