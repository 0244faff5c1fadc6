//===- DropoutTrainPatterns.cpp - dropout_train ---------------------------===//
//
// The mask is recomputed from (seed, step, element index) by a hash in the
// elementwise generic itself (see Dlc_DropoutTrainOp for the function),
// so it is never stored: the backward is the same op on the gradient and
// redraws it. Element indices come from linalg.index, which tiling offsets,
// so a tile computes the same mask bits as the whole tensor would.
//
//===----------------------------------------------------------------------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;

namespace dlc {
namespace {

Value u32(OpBuilder &b, Location loc, uint32_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(v)));
}

/// MurmurHash3's 32-bit finalizer.
Value fmix32(OpBuilder &b, Location loc, Value h) {
  auto shiftXor = [&](Value x, uint32_t s) {
    return arith::XOrIOp::create(b, loc, x,
                                 arith::ShRUIOp::create(b, loc, x, u32(b, loc, s)))
        .getResult();
  };
  h = shiftXor(h, 16);
  h = arith::MulIOp::create(b, loc, h, u32(b, loc, 0x85EBCA6Bu));
  h = shiftXor(h, 13);
  h = arith::MulIOp::create(b, loc, h, u32(b, loc, 0xC2B2AE35u));
  return shiftXor(h, 16);
}

struct DropoutTrainLowering : OpConversionPattern<DropoutTrainOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DropoutTrainOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    float rate = op.getRate().convertToFloat();
    uint64_t seed = uint64_t(op.getSeed());
    uint32_t seed32 = uint32_t(seed) ^ uint32_t(seed >> 32);
    uint32_t threshold = uint32_t(std::floor(double(rate) * 16777216.0));

    // The per-step key, once outside the generic: the step number is an
    // integer carried exactly in f32 (up to 2^24 steps).
    Value two = arith::ConstantIndexOp::create(rewriter, loc, 2);
    Value stepF = tensor::ExtractOp::create(rewriter, loc, adaptor.getHyper(),
                                            ValueRange{two});
    Value step = arith::FPToUIOp::create(rewriter, loc, rewriter.getI32Type(),
                                         stepF);
    Value key = fmix32(
        rewriter, loc,
        arith::AddIOp::create(
            rewriter, loc, u32(rewriter, loc, seed32),
            arith::MulIOp::create(rewriter, loc, step,
                                  u32(rewriter, loc, 0x9E3779B9u))));

    ArrayRef<int64_t> shape = type.getShape();
    Value result = createElementwise(
        rewriter, loc, type, ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          // Row-major linear index, wrapping in u32 like the definition.
          Value linear = u32(b, l, 0);
          for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
            Value i = arith::IndexCastOp::create(
                b, l, b.getI32Type(), linalg::IndexOp::create(b, l, d));
            linear = arith::AddIOp::create(
                b, l,
                arith::MulIOp::create(b, l, linear,
                                      u32(b, l, uint32_t(shape[d]))),
                i);
          }
          Value h = fmix32(
              b, l,
              arith::AddIOp::create(
                  b, l, key,
                  arith::MulIOp::create(b, l, linear,
                                        u32(b, l, 0x85EBCA6Bu))));
          Value bits = arith::ShRUIOp::create(b, l, h, u32(b, l, 8));
          Value keep = arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge,
                                             bits, u32(b, l, threshold));
          Value scaled = arith::MulFOp::create(
              b, l, args[0],
              createF32(b, l, float(1.0 / (1.0 - double(rate)))));
          return arith::SelectOp::create(b, l, keep, scaled,
                                         createF32(b, l, 0.0f));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDropoutTrainPatterns(RewritePatternSet &patterns) {
  patterns.add<DropoutTrainLowering>(patterns.getContext());
}

} // namespace dlc
