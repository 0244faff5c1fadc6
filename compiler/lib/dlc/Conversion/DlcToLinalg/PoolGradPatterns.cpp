//===- PoolGradPatterns.cpp - gradient of max/avg pooling -----------------===//
//
// Routes dy (on the pooled grid) back to the input: a max pool gives each
// window's gradient to the first position holding the window's maximum in
// row-major window order, recomputed from the input (strict `>` while
// scanning the window in order, so a tie never moves it and never
// duplicates the gradient; padding is -inf and never wins); an average pool
// gives every position dy divided by the forward's divisor. A fused
// activation's derivative, computed from the input (the activation's
// output), multiplies the result in the same generic.
//
// Two strategies, both elementwise generics with the channels innermost,
// where every operand is contiguous, so the loops vectorize:
//
// - Disjoint windows (stride >= window, e.g. the common 2x2 stride 2): each
//   input position belongs to at most one window, so the gradient is a
//   gather: one generic over the input writes every position once, reading
//   dy at (h floordiv stride, w floordiv stride) and, for max, the window's
//   values, from which it recomputes the window's argmax. One pass, no
//   intermediate tensor.
//
// - Overlapping windows: linalg cannot scatter, so the work is unrolled over
//   the window offsets (ky, kx): the positions at offset (ky, kx) of all
//   windows form a strided view of the padded input, and one generic per
//   offset adds what that view receives into the same strided view of a
//   zero buffer (extract_slice / insert_slice pairs, which bufferize in
//   place). Max pooling first stores each window's argmax offset, computed
//   once from the KH*KW views.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <algorithm>
#include <limits>

using namespace mlir;

namespace dlc {
namespace {

/// What both strategies read of the op.
struct PoolGrad {
  RankedTensorType type;        // the input's and the result's
  Value input;                  // padded: -inf (max) or 0 (avg)
  Value dy;
  Value counts;                 // [OH, OW, 1] divisors (avg, padded) or null
  ArrayRef<int64_t> window, strides, padding;
  bool isMax;
  Activation act;
  float alpha;
  int64_t n, c, oh, ow, hp, wp;
  int64_t numOffsets() const { return window[0] * window[1]; }
};

/// Window divisors as the forward avg pool divides by: real (unpadded)
/// input positions per window, an [OH, OW, 1] constant.
Value realPositionCounts(OpBuilder &b, Location loc, const PoolGrad &p) {
  auto counts = [&](int i) {
    int64_t size = p.type.getDimSize(1 + i), out = i == 0 ? p.oh : p.ow;
    SmallVector<int64_t> result;
    for (int64_t o = 0; o < out; ++o) {
      int64_t begin = o * p.strides[i] - p.padding[2 * i];
      result.push_back(std::min(begin + p.window[i], size) -
                       std::max(begin, int64_t{0}));
    }
    return result;
  };
  SmallVector<float> values;
  for (int64_t r : counts(0))
    for (int64_t c : counts(1))
      values.push_back(static_cast<float>(r * c));
  auto type = RankedTensorType::get({p.oh, p.ow, 1}, b.getF32Type());
  return arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef(values)));
}

/// The gradient one position receives from one window: dy where `wins`
/// (max), dy / divisor (avg); times the activation's derivative at `y`.
/// `count` is null when the divisor is the window area.
Value routedGradient(OpBuilder &b, Location l, const PoolGrad &p, Value dy,
                     Value wins, Value count, Value y) {
  Value g = dy;
  if (p.isMax && wins)
    g = arith::SelectOp::create(b, l, wins, g, createF32(b, l, 0.0f));
  if (!p.isMax)
    g = arith::DivFOp::create(
        b, l, g,
        count ? count : createF32(b, l, static_cast<float>(p.numOffsets())));
  if (p.act != Activation::None)
    g = arith::MulFOp::create(
        b, l, g, createActivationDerivative(b, l, y, p.act, p.alpha));
  return g;
}

/// Position of the first maximum of `values` (in order), as an i32: 32-bit
/// lanes, like the f32 values the selects run beside when vectorized.
Value firstArgmax(OpBuilder &b, Location l, ValueRange values) {
  Value best = values[0];
  Value index = arith::ConstantOp::create(b, l, b.getI32IntegerAttr(0));
  for (size_t k = 1; k < values.size(); ++k) {
    Value greater = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                          values[k], best);
    best = arith::SelectOp::create(b, l, greater, values[k], best);
    index = arith::SelectOp::create(
        b, l, greater,
        arith::ConstantOp::create(b, l, b.getI32IntegerAttr(int32_t(k))),
        index);
  }
  return index;
}

/// stride >= window: one gather generic over the rows and columns the
/// windows cover, [N, HC, WC, C] of the padded input.
Value buildDisjoint(OpBuilder &b, Location loc, const PoolGrad &p) {
  MLIRContext *ctx = b.getContext();
  int64_t sh = p.strides[0], sw = p.strides[1];
  int64_t hc = std::min(p.oh * sh, p.hp), wc = std::min(p.ow * sw, p.wp);
  AffineExpr n, h, w, c;
  bindDims(ctx, n, h, w, c);
  AffineExpr oy = h.floorDiv(sh), ox = w.floorDiv(sw);
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(4, 0, exprs, ctx);
  };
  SmallVector<Value> ins{p.dy};
  SmallVector<AffineMap> maps{map({n, oy, ox, c})};
  if (p.isMax && p.numOffsets() > 1)
    for (int64_t ky = 0; ky < p.window[0]; ++ky)
      for (int64_t kx = 0; kx < p.window[1]; ++kx) {
        ins.push_back(p.input);
        maps.push_back(map({n, oy * sh + ky, ox * sw + kx, c}));
      }
  int64_t countPos = -1, yPos = -1;
  if (p.counts) {
    countPos = ins.size();
    ins.push_back(p.counts);
    maps.push_back(map({oy, ox, getAffineConstantExpr(0, ctx)}));
  }
  auto coveredType =
      RankedTensorType::get({p.n, hc, wc, p.c}, p.type.getElementType());
  SmallVector<int64_t> zeros(4, 0), unit(4, 1);
  SmallVector<int64_t> covered(coveredType.getShape());
  if (p.act != Activation::None) {
    // Sliced to the covered rows: linalg takes the loop bounds from it.
    Value y = p.input;
    if (hc != p.hp || wc != p.wp)
      y = tensor::ExtractSliceOp::create(b, loc, coveredType, y, ValueRange{},
                                         ValueRange{}, ValueRange{}, zeros,
                                         covered, unit);
    yPos = ins.size();
    ins.push_back(y);
    maps.push_back(map({n, h, w, c}));
  }
  maps.push_back(map({n, h, w, c}));

  // Rows and columns no window covers (a floor-mode pool's last ones, or a
  // stride's gaps past the last window) receive zeros.
  auto bufferType =
      RankedTensorType::get({p.n, p.hp, p.wp, p.c}, p.type.getElementType());
  bool exact = hc == p.hp && wc == p.wp;
  Value buffer = exact ? createEmpty(b, loc, bufferType)
                       : createFilled(b, loc, bufferType, 0.0f);
  Value init = buffer;
  if (!exact)
    init = tensor::ExtractSliceOp::create(b, loc, coveredType, buffer,
                                          ValueRange{}, ValueRange{},
                                          ValueRange{}, zeros, covered, unit);
  bool gaps = sh > p.window[0] || sw > p.window[1];
  SmallVector<utils::IteratorType> parallel(4, utils::IteratorType::parallel);
  Value grad = createGeneric(
      b, loc, init, ins, maps, parallel,
      [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
        // The position's offset inside its window (when needed).
        bool routesByArgmax = p.isMax && p.numOffsets() > 1;
        Value ky, kx;
        if (routesByArgmax || gaps) {
          ky = arith::RemUIOp::create(
              nb, l, linalg::IndexOp::create(nb, l, 1),
              arith::ConstantIndexOp::create(nb, l, sh));
          kx = arith::RemUIOp::create(
              nb, l, linalg::IndexOp::create(nb, l, 2),
              arith::ConstantIndexOp::create(nb, l, sw));
        }
        Value wins;
        if (routesByArgmax) {
          Value first = firstArgmax(nb, l, args.slice(1, p.numOffsets()));
          Value mine = arith::AddIOp::create(
              nb, l,
              arith::MulIOp::create(
                  nb, l, ky,
                  arith::ConstantIndexOp::create(nb, l, p.window[1])),
              kx);
          mine = arith::IndexCastOp::create(nb, l, nb.getI32Type(), mine);
          wins = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                       first, mine);
        }
        Value g = routedGradient(nb, l, p, args[0], wins,
                                 countPos >= 0 ? args[countPos] : Value(),
                                 yPos >= 0 ? args[yPos] : Value());
        if (!gaps)
          return g;
        auto below = [&](Value v, int64_t bound) {
          return arith::CmpIOp::create(
              nb, l, arith::CmpIPredicate::ult, v,
              arith::ConstantIndexOp::create(nb, l, bound));
        };
        Value inside = arith::AndIOp::create(nb, l, below(ky, p.window[0]),
                                             below(kx, p.window[1]));
        return arith::SelectOp::create(nb, l, inside, g,
                                       createF32(nb, l, 0.0f));
      });
  if (exact)
    return grad;
  return tensor::InsertSliceOp::create(b, loc, grad, buffer, ValueRange{},
                                       ValueRange{}, ValueRange{}, zeros,
                                       covered, unit);
}

/// Overlapping windows: per window offset, a generic over the pooled grid
/// accumulating into a strided view of a zero buffer.
Value buildOverlapping(OpBuilder &b, Location loc, const PoolGrad &p) {
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> viewSizes{p.n, p.oh, p.ow, p.c};
  SmallVector<int64_t> viewStrides{1, p.strides[0], p.strides[1], 1};
  auto viewType = RankedTensorType::get(viewSizes, p.type.getElementType());
  auto viewAt = [&](Value source, int64_t ky, int64_t kx) -> Value {
    SmallVector<int64_t> offsets{0, ky, kx, 0};
    return tensor::ExtractSliceOp::create(b, loc, viewType, source,
                                          ValueRange{}, ValueRange{},
                                          ValueRange{}, offsets, viewSizes,
                                          viewStrides);
  };
  SmallVector<Value> views;
  if (p.input)
    for (int64_t ky = 0; ky < p.window[0]; ++ky)
      for (int64_t kx = 0; kx < p.window[1]; ++kx)
        views.push_back(viewAt(p.input, ky, kx));

  // Max: each window's argmax offset k = ky*KW + kx, computed once.
  Value argmax;
  if (p.isMax && p.numOffsets() > 1)
    argmax = createElementwise(
        b, loc, RankedTensorType::get(viewSizes, b.getI32Type()), views,
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return firstArgmax(nb, l, args);
        });

  AffineMap identity = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap countMap = AffineMap::get(
      4, 0,
      {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx),
       getAffineConstantExpr(0, ctx)},
      ctx);
  SmallVector<utils::IteratorType> parallel(4, utils::IteratorType::parallel);
  Value buffer = createFilled(
      b, loc,
      RankedTensorType::get({p.n, p.hp, p.wp, p.c}, p.type.getElementType()),
      0.0f);
  for (int64_t k = 0; k < p.numOffsets(); ++k) {
    int64_t ky = k / p.window[1], kx = k % p.window[1];
    SmallVector<Value> ins{p.dy};
    SmallVector<AffineMap> maps{identity};
    int argmaxPos = -1, countPos = -1, yPos = -1;
    auto add = [&](Value v, AffineMap m) {
      ins.push_back(v);
      maps.push_back(m);
      return static_cast<int>(ins.size()) - 1;
    };
    if (argmax)
      argmaxPos = add(argmax, identity);
    if (p.counts)
      countPos = add(p.counts, countMap);
    if (p.act != Activation::None)
      yPos = add(views[k], identity);
    maps.push_back(identity);
    Value contribution = createGeneric(
        b, loc, viewAt(buffer, ky, kx), ins, maps, parallel,
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value wins;
          if (argmaxPos >= 0)
            wins = arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::eq, args[argmaxPos],
                arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(k)));
          Value g = routedGradient(nb, l, p, args[0], wins,
                                   countPos >= 0 ? args[countPos] : Value(),
                                   yPos >= 0 ? args[yPos] : Value());
          return arith::AddFOp::create(nb, l, args.back(), g);
        });
    SmallVector<int64_t> offsets{0, ky, kx, 0};
    buffer = tensor::InsertSliceOp::create(b, loc, contribution, buffer,
                                           ValueRange{}, ValueRange{},
                                           ValueRange{}, offsets, viewSizes,
                                           viewStrides);
  }
  return buffer;
}

struct Pool2DGradLowering : OpConversionPattern<Pool2DGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Pool2DGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    PoolGrad p;
    p.type = op.getType();
    p.dy = adaptor.getOutputGrad();
    p.window = op.getWindow();
    p.strides = op.getStrides();
    p.padding = op.getPadding();
    p.isMax = op.getKind() == PoolKind::Max;
    p.act = op.getActivation();
    p.alpha = op.getLeakyAlpha().convertToFloat();
    auto pooledType = cast<RankedTensorType>(p.dy.getType());
    p.n = p.type.getDimSize(0);
    p.c = p.type.getDimSize(3);
    p.oh = pooledType.getDimSize(1);
    p.ow = pooledType.getDimSize(2);
    p.hp = p.type.getDimSize(1) + p.padding[0] + p.padding[1];
    p.wp = p.type.getDimSize(2) + p.padding[2] + p.padding[3];
    bool padded = llvm::any_of(p.padding, [](int64_t v) { return v != 0; });

    // The input is read for the argmax and for the activation's derivative.
    // With -inf padding a sigmoid or tanh derivative is NaN at padded
    // positions; those are cropped and never read.
    if ((p.isMax && p.numOffsets() > 1) || p.act != Activation::None)
      p.input = padSpatial(
          rewriter, loc, adaptor.getInput(), p.padding,
          p.isMax ? -std::numeric_limits<float>::infinity() : 0.0f);
    if (!p.isMax && padded && !op.getCountIncludePad())
      p.counts = realPositionCounts(rewriter, loc, p);

    bool disjoint =
        p.strides[0] >= p.window[0] && p.strides[1] >= p.window[1];
    Value result = disjoint ? buildDisjoint(rewriter, loc, p)
                            : buildOverlapping(rewriter, loc, p);
    if (padded) {
      SmallVector<int64_t> offsets{0, p.padding[0], p.padding[2], 0};
      SmallVector<int64_t> unit(4, 1);
      result = tensor::ExtractSliceOp::create(
          rewriter, loc, p.type, result, ValueRange{}, ValueRange{},
          ValueRange{}, offsets, p.type.getShape(), unit);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populatePoolGradPatterns(RewritePatternSet &patterns) {
  patterns.add<Pool2DGradLowering>(patterns.getContext());
}

} // namespace dlc
