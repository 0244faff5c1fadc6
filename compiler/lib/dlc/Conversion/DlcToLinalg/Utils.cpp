//===- Utils.cpp - builders shared by the dlc-to-linalg patterns ----------===//

#include "Patterns.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;

namespace dlc {

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value createF32(OpBuilder &b, Location loc, float value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   float value) {
  Value init = createEmpty(b, loc, type);
  Value scalar = createF32(b, loc, value);
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{init})
      .getResult(0);
}

Value createBiasInit(OpBuilder &b, Location loc, RankedTensorType type,
                     Value bias) {
  if (!bias)
    return createFilled(b, loc, type, 0.0f);
  // The bias covers the trailing dims of the accumulator; every leading dim
  // is a broadcast dim. Starting the accumulation from the bias saves a
  // separate bias-add pass over the conv output.
  auto biasType = cast<RankedTensorType>(bias.getType());
  SmallVector<int64_t> dims = llvm::to_vector(
      llvm::seq<int64_t>(0, type.getRank() - biasType.getRank()));
  Value init = createEmpty(b, loc, type);
  return linalg::BroadcastOp::create(b, loc, bias, init, dims).getResult()[0];
}

Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> padding, float value) {
  if (llvm::all_of(padding, [](int64_t p) { return p == 0; }))
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> low{0, padding[0], padding[2], 0};
  SmallVector<int64_t> high{0, padding[1], padding[3], 0};
  SmallVector<int64_t> shape(type.getShape());
  for (int i = 1; i <= 2; ++i)
    shape[i] += low[i] + high[i];
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value padValue = createF32(b, loc, value);
  return tensor::PadOp::create(
      b, loc, resultType, input, getAsIndexOpFoldResult(b.getContext(), low),
      getAsIndexOpFoldResult(b.getContext(), high), padValue);
}

Value createPool(OpBuilder &b, Location loc, PoolKind kind, Value input,
                 RankedTensorType type, ArrayRef<int64_t> window,
                 ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations) {
  float identity =
      kind == PoolKind::Max ? -std::numeric_limits<float>::infinity() : 0.0f;
  Value init = createFilled(b, loc, type, identity);
  // The window operand conveys the window shape through its type only.
  Value windowShape =
      createEmpty(b, loc, RankedTensorType::get(window, type.getElementType()));
  SmallVector<Value> ins{input, windowShape};
  DenseIntElementsAttr strideAttr = createI64TensorAttr(b, strides);
  const int64_t undilated[] = {1, 1};
  DenseIntElementsAttr dilationAttr = createI64TensorAttr(
      b, dilations.empty() ? ArrayRef<int64_t>(undilated) : dilations);
  if (kind == PoolKind::Max)
    return linalg::PoolingNhwcMaxOp::create(b, loc, TypeRange{type}, ins,
                                            ValueRange{init}, strideAttr,
                                            dilationAttr)
        .getResult(0);
  return linalg::PoolingNhwcSumOp::create(b, loc, TypeRange{type}, ins,
                                          ValueRange{init}, strideAttr,
                                          dilationAttr)
      .getResult(0);
}

Value createActivationScalar(OpBuilder &b, Location loc, Value x,
                             Activation act, float alpha) {
  switch (act) {
  case Activation::None:
    return x;
  case Activation::Relu:
    // maxnumf rather than maximumf: maximumf must propagate NaN, which costs
    // a compare and a blend per vector on x86; maxnumf maps to one vmaxps.
    return arith::MaxNumFOp::create(b, loc, x, createF32(b, loc, 0.0f));
  case Activation::Relu6: {
    Value low = arith::MaxNumFOp::create(b, loc, x, createF32(b, loc, 0.0f));
    return arith::MinNumFOp::create(b, loc, low, createF32(b, loc, 6.0f));
  }
  case Activation::LeakyRelu: {
    Value zero = createF32(b, loc, 0.0f);
    Value isPositive =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, zero);
    Value scaled = arith::MulFOp::create(b, loc, x, createF32(b, loc, alpha));
    return arith::SelectOp::create(b, loc, isPositive, x, scaled);
  }
  case Activation::Sigmoid: {
    // 1 / (1 + exp(-x)): exp overflows to +inf for very negative x, which
    // still gives the right limit 0.
    Value neg = arith::NegFOp::create(b, loc, x);
    Value exp = math::ExpOp::create(b, loc, neg);
    Value one = createF32(b, loc, 1.0f);
    Value denom = arith::AddFOp::create(b, loc, one, exp);
    return arith::DivFOp::create(b, loc, one, denom);
  }
  case Activation::Tanh:
    return math::TanhOp::create(b, loc, x);
  case Activation::Sqrt:
    return math::SqrtOp::create(b, loc, x);
  case Activation::Erf:
    return math::ErfOp::create(b, loc, x);
  case Activation::Exp:
    return math::ExpOp::create(b, loc, x);
  case Activation::Log:
    return math::LogOp::create(b, loc, x);
  }
  llvm_unreachable("unknown activation");
}

Value applyActivation(OpBuilder &b, Location loc, Value input, Activation act,
                      float alpha, float scale) {
  if (act == Activation::None && scale == 1.0f)
    return input;
  auto type = cast<RankedTensorType>(input.getType());
  return createElementwise(
      b, loc, type, input, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value y = createActivationScalar(nb, nloc, args[0], act, alpha);
        if (scale != 1.0f)
          y = arith::MulFOp::create(nb, nloc, y, createF32(nb, nloc, scale));
        return y;
      });
}

Value createGeneric(OpBuilder &b, Location loc, Value init, ValueRange inputs,
                    ArrayRef<AffineMap> maps,
                    ArrayRef<utils::IteratorType> iterators,
                    ScalarBodyFn body) {
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

Value createElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                        ValueRange inputs, ScalarBodyFn body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    ArrayRef<int64_t> shape = cast<ShapedType>(input.getType()).getShape();
    int64_t lead = rank - static_cast<int64_t>(shape.size());
    SmallVector<AffineExpr> exprs;
    for (auto [d, size] : llvm::enumerate(shape)) {
      // A size-1 dim against a larger result dim is broadcast: always read
      // its only element.
      if (size == 1 && resultType.getDimSize(lead + d) != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(lead + d, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init = createEmpty(b, loc, resultType);
  return createGeneric(b, loc, init, inputs, maps, iterators,
                       [&](OpBuilder &nb, Location nloc, ValueRange args) {
                         // The last block argument is the (unused) init.
                         return body(nb, nloc, args.drop_back());
                       });
}

DenseIntElementsAttr createI64TensorAttr(OpBuilder &b,
                                         ArrayRef<int64_t> values) {
  return b.getI64TensorAttr(values);
}

} // namespace dlc
