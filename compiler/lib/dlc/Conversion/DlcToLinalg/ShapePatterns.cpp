//===- ShapePatterns.cpp - reshape, transpose, concat, pad ----------------===//
//
// Reshapes become `tensor.collapse_shape` / `tensor.expand_shape`, which
// bufferize to views (no copy) of a row-major buffer; concatenation writes
// each operand into its slice of one destination.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;

namespace dlc {
namespace {

/// A pure collapse or expand maps directly to one op. Any other reshape of
/// a row-major tensor (e.g. [2, 3] -> [3, 2]) is a collapse to 1-D followed
/// by an expand: both are views, so it stays copy-free, unlike
/// `tensor.reshape`, whose bufferization may need a copy.
struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto srcType = cast<RankedTensorType>(input.getType());
    RankedTensorType dstType = op.getType();
    if (srcType == dstType) {
      rewriter.replaceOp(op, input);
      return success();
    }
    if (srcType.getRank() > dstType.getRank()) {
      if (auto reassociation = getReassociationIndicesForCollapse(
              srcType.getShape(), dstType.getShape())) {
        rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, dstType, input,
                                                             *reassociation);
        return success();
      }
    } else if (srcType.getRank() < dstType.getRank()) {
      if (auto reassociation = getReassociationIndicesForCollapse(
              dstType.getShape(), srcType.getShape())) {
        rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, dstType, input,
                                                           *reassociation);
        return success();
      }
    }
    // Both ranks are >= 1 here: a rank-0 tensor has one element, so any
    // reshape from or to it is a pure expand or collapse handled above.
    auto flatType = RankedTensorType::get({srcType.getNumElements()},
                                          srcType.getElementType());
    ReassociationIndices all;
    for (int64_t d = 0; d < srcType.getRank(); ++d)
      all.push_back(d);
    Value flat = tensor::CollapseShapeOp::create(
        rewriter, loc, flatType, input, SmallVector<ReassociationIndices>{all});
    all.clear();
    for (int64_t d = 0; d < dstType.getRank(); ++d)
      all.push_back(d);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, dstType, flat, SmallVector<ReassociationIndices>{all});
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value init = createEmpty(rewriter, loc, op.getType());
    Value result = linalg::TransposeOp::create(
                       rewriter, loc, adaptor.getInput(), init, op.getPerm())
                       .getResult()[0];
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `tensor.empty` then one `tensor.insert_slice` per operand at its running
/// offset along the axis; bufferization writes each operand in place into
/// the one result buffer.
struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += type.getRank();
    Value result = createEmpty(rewriter, loc, type);
    SmallVector<int64_t> offsets(type.getRank(), 0);
    SmallVector<int64_t> strides(type.getRank(), 1);
    for (Value input : adaptor.getInputs()) {
      ArrayRef<int64_t> sizes =
          cast<RankedTensorType>(input.getType()).getShape();
      result = tensor::InsertSliceOp::create(
          rewriter, loc, input, result, ValueRange{}, ValueRange{},
          ValueRange{}, offsets, sizes, strides);
      offsets[axis] += sizes[axis];
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ArrayRef<int64_t> paddings = op.getPaddings();
    SmallVector<OpFoldResult> low, high;
    for (size_t d = 0; d < paddings.size() / 2; ++d) {
      low.push_back(rewriter.getIndexAttr(paddings[2 * d]));
      high.push_back(rewriter.getIndexAttr(paddings[2 * d + 1]));
    }
    Value value = createF32(rewriter, loc, op.getValue().convertToFloat());
    rewriter.replaceOpWithNewOp<tensor::PadOp>(
        op, op.getType(), adaptor.getInput(), low, high, value);
    return success();
  }
};

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  patterns.add<ReshapeLowering, TransposeLowering, ConcatLowering, PadLowering>(
      patterns.getContext());
}

} // namespace dlc
