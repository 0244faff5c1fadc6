//===- LossPatterns.cpp - training losses and their gradients -------------===//
//
// The formulas of docs/TRAINING.md, in f32. A loss is one reduction generic
// over the prediction into a rank-0 sum, then a rank-0 generic that scales
// it to the mean; the categorical losses from logits first compute each
// row's logsumexp stably (max, then sum of exp(z - max)). Sparse labels
// (class indices [N]) are never expanded into a one-hot tensor: the bodies
// compare the class loop index with the row's label.
//
// Probabilities are clipped to [1e-7, 1 - 1e-7] before a log or a division,
// as Keras does; the clip's derivative is 0 outside that range, so the
// gradient is 0 where p was clipped.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;

namespace dlc {
namespace {

constexpr float kClipLow = 1e-7f;
constexpr float kClipHigh = 1.0f - 1e-7f;

bool isSparse(LossKind kind) {
  return kind == LossKind::SparseCategoricalCrossentropy;
}

/// What every loss body sees of one element: the prediction, the label as a
/// float (one-hot from the class index for sparse labels) and, for the
/// categorical losses, the row's extra operand (logsumexp or label sum).
struct LossOperands {
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
};

/// Prediction, labels and `rowValues` (a [N] tensor, may be null) with
/// their maps over the prediction's loops.
LossOperands lossOperands(MLIRContext *ctx, Value prediction, Value labels,
                          LossKind kind, Value rowValues) {
  int64_t rank = cast<ShapedType>(prediction.getType()).getRank();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap row = AffineMap::get(rank, 0, getAffineDimExpr(0, ctx));
  LossOperands result{{prediction, labels},
                      {identity, isSparse(kind) ? row : identity}};
  if (rowValues) {
    result.ins.push_back(rowValues);
    result.maps.push_back(row);
  }
  return result;
}

/// The label of the element at the current loop indices as an f32: the
/// label itself, or (sparse) whether the class index equals the row's label.
Value labelValue(OpBuilder &b, Location loc, Value label, LossKind kind) {
  if (!isSparse(kind))
    return label;
  Value cls = linalg::IndexOp::create(b, loc, 1);
  Value target = arith::IndexCastOp::create(b, loc, b.getIndexType(), label);
  Value hit =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, cls, target);
  return arith::SelectOp::create(b, loc, hit, createF32(b, loc, 1.0f),
                                 createF32(b, loc, 0.0f));
}

Value clip(OpBuilder &b, Location loc, Value p) {
  Value low = arith::MaxNumFOp::create(b, loc, p, createF32(b, loc, kClipLow));
  return arith::MinNumFOp::create(b, loc, low, createF32(b, loc, kClipHigh));
}

/// Whether p lies in the closed clip interval (the clip's derivative is 1).
Value inClipRange(OpBuilder &b, Location loc, Value p) {
  Value ge = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, p,
                                   createF32(b, loc, kClipLow));
  Value le = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, p,
                                   createF32(b, loc, kClipHigh));
  return arith::AndIOp::create(b, loc, ge, le);
}

/// One value per row of a [N, C] tensor: a reduction generic over C with
/// `body(args..., acc)` from `init`.
Value reduceRows(OpBuilder &b, Location loc, ValueRange ins,
                 ArrayRef<AffineMap> inMaps, float init, ScalarBodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(ins[0].getType());
  auto rowType = RankedTensorType::get({type.getDimSize(0)}, b.getF32Type());
  SmallVector<AffineMap> maps(inMaps);
  maps.push_back(AffineMap::get(2, 0, getAffineDimExpr(0, ctx)));
  return createGeneric(
      b, loc, createFilled(b, loc, rowType, init), ins, maps,
      {utils::IteratorType::parallel, utils::IteratorType::reduction}, body);
}

/// logsumexp of each row of the logits `z` [N, C].
Value rowLogSumExp(OpBuilder &b, Location loc, Value z) {
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  Value max = reduceRows(
      b, loc, z, identity, -std::numeric_limits<float>::infinity(),
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::MaxNumFOp::create(nb, l, args[0], args[1]);
      });
  Value sum = reduceRows(
      b, loc, ValueRange{z, max}, {identity, row}, 0.0f,
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(nb, l, args[0], args[1]);
        return arith::AddFOp::create(nb, l, args[2],
                                     math::ExpOp::create(nb, l, shifted));
      });
  return createElementwise(
      b, loc, cast<RankedTensorType>(max.getType()), ValueRange{max, sum},
      [](OpBuilder &nb, Location l, ValueRange args) -> Value {
        return arith::AddFOp::create(nb, l, args[0],
                                     math::LogOp::create(nb, l, args[1]));
      });
}

/// loss = sign * sum(term) / count, with the term of each kind:
///   CCE logits   y (lse - z)               CCE   y log(clip p)   (sign -1)
///   BCE logits   max(z,0) - z y + log1p(exp(-|z|))
///   BCE          y log(clip p) + (1 - y) log(1 - clip p)        (sign -1)
///   MSE          (p - y)^2
/// count is N for the categorical losses, the element count otherwise.
struct LossLowering : OpConversionPattern<LossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    LossKind kind = op.getKind();
    bool logits = op.getFromLogits();
    bool categorical = kind == LossKind::CategoricalCrossentropy ||
                       isSparse(kind);
    Value prediction = adaptor.getPrediction();
    auto predType = cast<RankedTensorType>(prediction.getType());
    Value lse = categorical && logits
                    ? rowLogSumExp(rewriter, loc, prediction)
                    : Value();
    LossOperands operands =
        lossOperands(ctx, prediction, adaptor.getLabels(), kind, lse);
    operands.maps.push_back(AffineMap::get(predType.getRank(), 0, ctx));
    SmallVector<utils::IteratorType> iterators(predType.getRank(),
                                               utils::IteratorType::reduction);
    auto scalarType = RankedTensorType::get({}, rewriter.getF32Type());
    Value sum = createGeneric(
        rewriter, loc, createFilled(rewriter, loc, scalarType, 0.0f),
        operands.ins, operands.maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value p = args[0];
          Value y = labelValue(b, l, args[1], kind);
          Value term;
          if (categorical && logits) {
            term = arith::MulFOp::create(
                b, l, y, arith::SubFOp::create(b, l, args[2], p));
          } else if (categorical) {
            term = arith::MulFOp::create(
                b, l, y, math::LogOp::create(b, l, clip(b, l, p)));
          } else if (kind == LossKind::BinaryCrossentropy && logits) {
            Value relu = arith::MaxNumFOp::create(b, l, p, createF32(b, l, 0));
            Value zy = arith::MulFOp::create(b, l, p, y);
            Value negAbs =
                arith::NegFOp::create(b, l, math::AbsFOp::create(b, l, p));
            Value softplus = math::Log1pOp::create(
                b, l, math::ExpOp::create(b, l, negAbs));
            term = arith::AddFOp::create(
                b, l, arith::SubFOp::create(b, l, relu, zy), softplus);
          } else if (kind == LossKind::BinaryCrossentropy) {
            Value one = createF32(b, l, 1.0f);
            Value q = clip(b, l, p);
            Value pos =
                arith::MulFOp::create(b, l, y, math::LogOp::create(b, l, q));
            Value notY = arith::SubFOp::create(b, l, one, y);
            // clip(1 - p) rather than 1 - clip(p): equal in exact
            // arithmetic, but 1 - 1e-7 is not a float, and 1 - clip(p)
            // would give log(1.19e-7) for a saturated p instead of log(1e-7).
            Value notQ = clip(b, l, arith::SubFOp::create(b, l, one, p));
            Value neg = arith::MulFOp::create(b, l, notY,
                                              math::LogOp::create(b, l, notQ));
            term = arith::AddFOp::create(b, l, pos, neg);
          } else {
            Value d = arith::SubFOp::create(b, l, p, y);
            term = arith::MulFOp::create(b, l, d, d);
          }
          return arith::AddFOp::create(b, l, args.back(), term);
        });

    bool negate = !logits && kind != LossKind::MeanSquaredError;
    float count = static_cast<float>(categorical ? predType.getDimSize(0)
                                                 : predType.getNumElements());
    rewriter.replaceOp(
        op, createElementwise(
                rewriter, loc, scalarType, sum,
                [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                  Value total = args[0];
                  if (negate)
                    total = arith::NegFOp::create(b, l, total);
                  return arith::DivFOp::create(b, l, total,
                                               createF32(b, l, count));
                }));
    return success();
  }
};

/// The gradient from the model's output p (docs/TRAINING.md):
///   CCE logits (p sum_c y - y) / N          CCE  -y / p / N   (0 if clipped)
///   BCE logits (p - y) / count              BCE  (p - y) / (p (1 - p)) / count
///   MSE        2 (p - y) / count                 (0 if clipped)
/// Sparse labels are one-hot, so their label sum is 1.
struct LossGradLowering : OpConversionPattern<LossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    LossKind kind = op.getKind();
    bool logits = op.getFromLogits();
    bool categorical = kind == LossKind::CategoricalCrossentropy ||
                       isSparse(kind);
    RankedTensorType type = op.getType();
    Value prediction = adaptor.getPrediction(), labels = adaptor.getLabels();
    float count = static_cast<float>(categorical ? type.getDimSize(0)
                                                 : type.getNumElements());

    Value labelSum;
    if (kind == LossKind::CategoricalCrossentropy && logits)
      labelSum = reduceRows(
          rewriter, loc, labels, AffineMap::getMultiDimIdentityMap(2, ctx),
          0.0f, [](OpBuilder &b, Location l, ValueRange args) -> Value {
            return arith::AddFOp::create(b, l, args[0], args[1]);
          });
    LossOperands operands =
        lossOperands(ctx, prediction, labels, kind, labelSum);
    operands.maps.push_back(AffineMap::getMultiDimIdentityMap(type.getRank(),
                                                              ctx));
    SmallVector<utils::IteratorType> parallel(type.getRank(),
                                              utils::IteratorType::parallel);
    rewriter.replaceOp(
        op,
        createGeneric(
            rewriter, loc, createEmpty(rewriter, loc, type), operands.ins,
            operands.maps, parallel,
            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
              Value p = args[0];
              Value y = labelValue(b, l, args[1], kind);
              Value g;
              if (categorical && logits) {
                Value scaled = labelSum ? arith::MulFOp::create(b, l, p, args[2])
                                              .getResult()
                                        : p;
                g = arith::SubFOp::create(b, l, scaled, y);
              } else if (categorical) {
                Value ratio = arith::DivFOp::create(b, l, y, p);
                g = arith::NegFOp::create(b, l, ratio);
              } else if (kind == LossKind::MeanSquaredError) {
                Value d = arith::SubFOp::create(b, l, p, y);
                g = arith::MulFOp::create(b, l, createF32(b, l, 2.0f), d);
              } else if (logits) {
                g = arith::SubFOp::create(b, l, p, y);
              } else {
                Value notP = arith::SubFOp::create(b, l, createF32(b, l, 1), p);
                Value denom = arith::MulFOp::create(b, l, p, notP);
                g = arith::DivFOp::create(
                    b, l, arith::SubFOp::create(b, l, p, y), denom);
              }
              g = arith::DivFOp::create(b, l, g, createF32(b, l, count));
              // Where p was clipped the division above may be by zero;
              // the select discards it.
              if (!logits && kind != LossKind::MeanSquaredError)
                g = arith::SelectOp::create(b, l, inClipRange(b, l, p), g,
                                            createF32(b, l, 0.0f));
              return g;
            }));
    return success();
  }
};

} // namespace

void populateLossPatterns(RewritePatternSet &patterns) {
  patterns.add<LossLowering, LossGradLowering>(patterns.getContext());
}

} // namespace dlc
