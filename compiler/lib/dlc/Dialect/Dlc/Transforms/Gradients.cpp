//===- Gradients.cpp - reverse-mode differentiation of dlc ops ------------===//
//
// One rule per forward op. Gradient ops get the forward op's location, so an
// error in the backward pass names the model's op that caused it.
//
//===----------------------------------------------------------------------===//

#include "Gradients.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace dlc;

ReverseModeBuilder::ReverseModeBuilder(OpBuilder &builder, ValueRange sources)
    : b(builder) {
  for (Value v : sources)
    dependsOnSource.insert(v);
}

void ReverseModeBuilder::seed(Value value, Value grad) {
  Value &slot = gradients[value];
  slot = slot ? AddOp::create(b, grad.getLoc(), slot, grad).getResult() : grad;
}

void ReverseModeBuilder::seedPreActivation(Operation *op, Value grad) {
  preActivation[op] = grad;
}

Value ReverseModeBuilder::scalar(Location loc, float value) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return ConstantOp::create(b, loc, type,
                            DenseElementsAttr::get(type, value));
}

Value ReverseModeBuilder::reduceTo(Location loc, Value grad, Type type) {
  if (grad.getType() == type)
    return grad;
  return ReduceToShapeOp::create(b, loc, type, grad);
}

LogicalResult ReverseModeBuilder::run(ArrayRef<Operation *> forwardOps) {
  for (Operation *op : forwardOps)
    if (llvm::any_of(op->getOperands(),
                     [&](Value v) { return needsGradient(v); }))
      for (Value r : op->getResults())
        dependsOnSource.insert(r);
  for (Operation *op : llvm::reverse(forwardOps)) {
    if (skipped.contains(op))
      continue;
    bool reached = preActivation.count(op) ||
                   llvm::any_of(op->getResults(), [&](Value r) {
                     return gradients.count(r) != 0;
                   });
    if (reached && failed(differentiate(op)))
      return failure();
  }
  return success();
}

Value ReverseModeBuilder::preActivationGradient(Operation *op,
                                                Activation activation,
                                                float alpha) {
  if (Value seeded = preActivation.lookup(op))
    return seeded;
  Value y = op->getResult(0);
  Value dy = gradients.lookup(y);
  if (!dy || activation == Activation::None)
    return dy;
  return ActivationGradOp::create(b, op->getLoc(), y, dy, activation,
                                  APFloat(alpha));
}

/// A pool whose input is a conv's activated output used by nothing else:
/// one op routes the gradient through both (see Pool2DGradOp).
LogicalResult ReverseModeBuilder::poolGradient(Operation *pool, Value dy) {
  Value input = pool->getOperand(0);
  if (!needsGradient(input))
    return success();
  bool isMax = isa<MaxPool2DOp>(pool);
  auto window = pool->getAttrOfType<DenseI64ArrayAttr>("window");
  auto strides = pool->getAttrOfType<DenseI64ArrayAttr>("strides");
  auto padding = pool->getAttrOfType<DenseI64ArrayAttr>("padding");
  auto countPad = pool->getAttrOfType<BoolAttr>("count_include_pad");
  Activation activation = Activation::None;
  float alpha = 0.2f;
  Operation *producer = input.getDefiningOp();
  if (producer && input.hasOneUse() &&
      isa<Conv2DOp, DepthwiseConv2DOp>(producer) &&
      !preActivation.count(producer)) {
    auto act = producer->getAttrOfType<ActivationAttr>("activation");
    activation = act ? act.getValue() : Activation::None;
    if (auto a = producer->getAttrOfType<FloatAttr>("leaky_alpha"))
      alpha = a.getValueAsDouble();
  }
  // erf' is not a function of erf's output: leave the producer to refuse.
  if (activation == Activation::Erf)
    activation = Activation::None;
  Value dx = Pool2DGradOp::create(
      b, pool->getLoc(), input.getType(), input, dy,
      isMax ? PoolKind::Max : PoolKind::Avg, window.asArrayRef(),
      strides.asArrayRef(), padding.asArrayRef(),
      countPad && countPad.getValue(), activation, APFloat(alpha));
  if (activation != Activation::None)
    seedPreActivation(producer, dx);
  else
    seed(input, dx);
  return success();
}

void ReverseModeBuilder::binaryGradient(Operation *op, Value dy) {
  Location loc = op->getLoc();
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  auto emit = [&](Value operand, Value grad) {
    if (needsGradient(operand))
      seed(operand, reduceTo(loc, grad, operand.getType()));
  };
  auto negate = [&](Value v) {
    return MulOp::create(b, loc, v, scalar(loc, -1.0f)).getResult();
  };
  if (isa<AddOp>(op)) {
    emit(lhs, dy);
    emit(rhs, dy);
  } else if (isa<SubOp>(op)) {
    emit(lhs, dy);
    if (needsGradient(rhs))
      emit(rhs, negate(dy));
  } else if (isa<MulOp>(op)) {
    if (needsGradient(lhs))
      emit(lhs, MulOp::create(b, loc, dy, rhs));
    if (needsGradient(rhs))
      emit(rhs, MulOp::create(b, loc, dy, lhs));
  } else { // DivOp: d(a/b) = da / b - db * (a/b) / b
    if (needsGradient(lhs))
      emit(lhs, DivOp::create(b, loc, dy, rhs));
    if (needsGradient(rhs)) {
      Value q = MulOp::create(b, loc, dy, op->getResult(0));
      emit(rhs, negate(DivOp::create(b, loc, q, rhs)));
    }
  }
}

LogicalResult ReverseModeBuilder::differentiate(Operation *op) {
  Location loc = op->getLoc();
  Value dy = op->getNumResults() ? gradients.lookup(op->getResult(0)) : Value();
  auto unsupported = [&](StringRef why) {
    return op->emitError("cannot train through '")
           << op->getName() << "': " << why;
  };
  // The gradient of a fused activation is computed from the op's output;
  // erf's derivative needs the input, which a fused op does not keep.
  if (auto act = op->getAttrOfType<ActivationAttr>("activation"))
    if (act.getValue() == Activation::Erf)
      return unsupported("a fused erf has no gradient rule; use dlc.erf");

  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    Value dz = preActivationGradient(op, conv.getActivation(),
                                     conv.getLeakyAlpha().convertToFloat());
    if (needsGradient(conv.getFilter()))
      seed(conv.getFilter(),
           Conv2DFilterGradOp::create(b, loc, conv.getFilter().getType(),
                                      conv.getInput(), dz, conv.getStrides(),
                                      conv.getDilations(), conv.getPadding()));
    if (conv.getBias() && needsGradient(conv.getBias()))
      seed(conv.getBias(), reduceTo(loc, dz, conv.getBias().getType()));
    if (needsGradient(conv.getInput()))
      seed(conv.getInput(),
           Conv2DInputGradOp::create(b, loc, conv.getInput().getType(), dz,
                                     conv.getFilter(), conv.getStrides(),
                                     conv.getDilations(), conv.getPadding()));
    return success();
  }
  if (auto conv = dyn_cast<DepthwiseConv2DOp>(op)) {
    Value dz = preActivationGradient(op, conv.getActivation(),
                                     conv.getLeakyAlpha().convertToFloat());
    if (needsGradient(conv.getFilter()))
      seed(conv.getFilter(),
           DepthwiseConv2DFilterGradOp::create(
               b, loc, conv.getFilter().getType(), conv.getInput(), dz,
               conv.getStrides(), conv.getDilations(), conv.getPadding()));
    if (conv.getBias() && needsGradient(conv.getBias()))
      seed(conv.getBias(), reduceTo(loc, dz, conv.getBias().getType()));
    if (needsGradient(conv.getInput()))
      seed(conv.getInput(),
           DepthwiseConv2DInputGradOp::create(
               b, loc, conv.getInput().getType(), dz, conv.getFilter(),
               conv.getStrides(), conv.getDilations(), conv.getPadding()));
    return success();
  }
  if (auto dense = dyn_cast<DenseOp>(op)) {
    Value dz = preActivationGradient(op, dense.getActivation(),
                                     dense.getLeakyAlpha().convertToFloat());
    if (needsGradient(dense.getWeight()))
      seed(dense.getWeight(),
           MatmulOp::create(b, loc, dense.getInput(), dz, /*transpose_a=*/true,
                            /*transpose_b=*/false));
    if (dense.getBias() && needsGradient(dense.getBias()))
      seed(dense.getBias(), reduceTo(loc, dz, dense.getBias().getType()));
    if (needsGradient(dense.getInput()))
      seed(dense.getInput(),
           MatmulOp::create(b, loc, dz, dense.getWeight(), false, true));
    return success();
  }
  if (auto mm = dyn_cast<BatchMatmulOp>(op)) {
    // d lhs = dy x rhs^T, d rhs = lhs^T x dy, matrix by matrix: the
    // transposes swap the two matrix dims and keep the batch dims.
    int64_t rank = mm.getType().getRank();
    SmallVector<int64_t> swap = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(swap[rank - 2], swap[rank - 1]);
    auto transposed = [&](Value v) -> Value {
      return TransposeOp::create(b, loc, v, ArrayRef<int64_t>(swap));
    };
    if (needsGradient(mm.getLhs()))
      seed(mm.getLhs(),
           BatchMatmulOp::create(b, loc, dy, transposed(mm.getRhs())));
    if (needsGradient(mm.getRhs()))
      seed(mm.getRhs(),
           BatchMatmulOp::create(b, loc, transposed(mm.getLhs()), dy));
    return success();
  }
  if (isa<MaxPool2DOp, AvgPool2DOp>(op)) {
    // pool2d_grad has no dilations: a dilated pool is fine only where no
    // gradient flows through it (e.g. on the model's input).
    auto dilations = op->getAttrOfType<DenseI64ArrayAttr>("dilations");
    if (dilations && needsGradient(op->getOperand(0)) &&
        llvm::any_of(dilations.asArrayRef(), [](int64_t d) { return d != 1; }))
      return unsupported("gradient of a dilated pool is not supported");
    return poolGradient(op, dy);
  }
  if (auto gap = dyn_cast<GlobalAvgPoolOp>(op)) {
    auto in = cast<RankedTensorType>(gap.getInput().getType());
    auto keep = RankedTensorType::get(
        {in.getDimSize(0), 1, 1, in.getDimSize(3)}, in.getElementType());
    Value scaled = MulOp::create(
        b, loc, ReshapeOp::create(b, loc, keep, dy),
        scalar(loc, 1.0f / float(in.getDimSize(1) * in.getDimSize(2))));
    seed(gap.getInput(), BroadcastToOp::create(b, loc, in, scaled));
    return success();
  }
  auto activationOf = [&](Operation *o) -> std::optional<Activation> {
    if (isa<ReluOp>(o))
      return Activation::Relu;
    if (isa<Relu6Op>(o))
      return Activation::Relu6;
    if (isa<LeakyReluOp>(o))
      return Activation::LeakyRelu;
    if (isa<SigmoidOp>(o))
      return Activation::Sigmoid;
    if (isa<TanhOp>(o))
      return Activation::Tanh;
    if (isa<SqrtOp>(o))
      return Activation::Sqrt;
    if (isa<ExpOp>(o))
      return Activation::Exp;
    if (isa<LogOp>(o))
      return Activation::Log;
    return std::nullopt;
  };
  if (std::optional<Activation> act = activationOf(op)) {
    float alpha = 0.2f;
    if (auto leaky = dyn_cast<LeakyReluOp>(op))
      alpha = leaky.getAlpha().convertToFloat();
    if (needsGradient(op->getOperand(0)))
      seed(op->getOperand(0),
           ActivationGradOp::create(b, loc, op->getResult(0), dy, *act,
                                    APFloat(alpha)));
    return success();
  }
  if (auto erf = dyn_cast<ErfOp>(op)) {
    // erf'(x) = 2/sqrt(pi) exp(-x^2), from the input (not a function of the
    // output, unlike the activations above).
    if (needsGradient(erf.getInput())) {
      Value x = erf.getInput();
      Value negSquare = MulOp::create(b, loc, MulOp::create(b, loc, x, x),
                                      scalar(loc, -1.0f));
      Value slope = MulOp::create(b, loc, ExpOp::create(b, loc, negSquare),
                                  scalar(loc, 1.1283791670955126f));
      seed(x, MulOp::create(b, loc, dy, slope));
    }
    return success();
  }
  if (auto clip = dyn_cast<ClipOp>(op)) {
    if (clip.getMin().convertToFloat() != 0.0f ||
        clip.getMax().convertToFloat() != 6.0f)
      return unsupported("only clip(0, 6), i.e. relu6, has a gradient rule");
    seed(clip.getInput(), ActivationGradOp::create(b, loc, clip, dy,
                                                   Activation::Relu6,
                                                   APFloat(0.2f)));
    return success();
  }
  if (isa<SoftmaxOp, LogSoftmaxOp>(op)) {
    auto axis = op->getAttrOfType<IntegerAttr>("axis").getInt();
    int64_t rank = cast<ShapedType>(op->getResult(0).getType()).getRank();
    if (axis != -1 && axis != rank - 1)
      return unsupported("only the last axis is supported");
    seed(op->getOperand(0),
         SoftmaxGradOp::create(b, loc, op->getResult(0), dy,
                               isa<LogSoftmaxOp>(op)));
    return success();
  }
  if (isa<AddOp, SubOp, MulOp, DivOp>(op)) {
    binaryGradient(op, dy);
    return success();
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    seed(reshape.getInput(),
         ReshapeOp::create(b, loc, reshape.getInput().getType(), dy));
    return success();
  }
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    ArrayRef<int64_t> perm = transpose.getPerm();
    SmallVector<int64_t> inverse(perm.size());
    for (auto [i, p] : llvm::enumerate(perm))
      inverse[p] = i;
    seed(transpose.getInput(), TransposeOp::create(b, loc, dy, inverse));
    return success();
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    int64_t rank = cast<ShapedType>(concat.getType()).getRank();
    // getAxis() is an I64Attr's uint64_t: cast before the sign test, or
    // axis -1 would index the shape at 2^64 - 1.
    int64_t axis = int64_t(concat.getAxis());
    if (axis < 0)
      axis += rank;
    int64_t offset = 0;
    for (Value input : concat.getInputs()) {
      auto type = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(rank, 0);
      offsets[axis] = offset;
      offset += type.getDimSize(axis);
      if (needsGradient(input))
        seed(input, SliceOp::create(b, loc, type, dy, offsets));
    }
    return success();
  }
  if (auto pad = dyn_cast<PadOp>(op)) {
    auto type = cast<RankedTensorType>(pad.getInput().getType());
    SmallVector<int64_t> offsets;
    for (int64_t i = 0; i < type.getRank(); ++i)
      offsets.push_back(pad.getPaddings()[2 * i]);
    seed(pad.getInput(), SliceOp::create(b, loc, type, dy, offsets));
    return success();
  }
  if (isa<ConstantOp>(op))
    return success();
  if (auto bn = dyn_cast<BatchNormTrainOp>(op)) {
    // Only the output reaches the loss; the batch statistics feed the
    // moving averages, which do not.
    if (!dy)
      return success();
    auto grad = BatchNormGradOp::create(
        b, loc,
        TypeRange{bn.getInput().getType(), bn.getScale().getType(),
                  bn.getOffset().getType()},
        dy, bn.getInput(), bn.getScale(), bn.getMean(), bn.getVariance(),
        bn.getEpsilonAttr());
    Value operands[] = {bn.getInput(), bn.getScale(), bn.getOffset()};
    for (auto [operand, g] : llvm::zip(operands, grad.getResults()))
      if (needsGradient(operand))
        seed(operand, g);
    return success();
  }
  if (isa<BatchNormOp>(op))
    return unsupported("inference batch normalization has no gradient "
                       "rule (training uses dlc.batch_norm_train)");
  if (auto dropout = dyn_cast<DropoutTrainOp>(op)) {
    // Linear in x with the same mask, which the op redraws from the same
    // (seed, step, index).
    seed(dropout.getInput(),
         DropoutTrainOp::create(b, loc, dy.getType(), dy, dropout.getHyper(),
                                dropout.getRateAttr(), dropout.getSeedAttr()));
    return success();
  }
  if (isa<DropoutOp>(op))
    return unsupported("inference dropout has no gradient rule (training "
                       "uses dlc.dropout_train)");
  return unsupported("no gradient rule");
}
