//===- BuildTrainStep.cpp - forward, loss, backward, update in one func ---===//
//
// The whole training step is one function so that the compiler sees it all:
// the backward ops are tiled and fused like the forward ones, the memory
// planner places the activations the backward keeps in the same workspace,
// and the update writes the parameters in place (`dlc.in_place` results,
// honoured by the destination-style entry) without a round trip through the
// host.
//
//===----------------------------------------------------------------------===//

#include "Gradients.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "llvm/ADT/BitVector.h"

namespace dlc {
#define GEN_PASS_DEF_DLCBUILDTRAINSTEP
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// Slot names of each optimizer's state, in the update op's operand order.
SmallVector<StringRef> stateSlots(StringRef optimizer, float momentum) {
  if (optimizer == "adam")
    return {"m", "v"};
  if (optimizer == "adagrad")
    return {"accumulator"};
  if (optimizer == "rmsprop")
    return {"mean_square"};
  if (momentum != 0.0f)
    return {"velocity"};
  return {};
}

struct BuildTrainStepPass
    : public dlc::impl::DlcBuildTrainStepBase<BuildTrainStepPass> {
  using DlcBuildTrainStepBase::DlcBuildTrainStepBase;

  void runOnOperation() override;

  /// Builds the loss on the model output `prediction` and seeds the
  /// backward pass; returns the scalar loss.
  Value buildLoss(OpBuilder &b, ReverseModeBuilder &reverse, Value prediction,
                  Value labels, LossKind kind);
  /// Replaces each batch_norm by batch_norm_train; returns, per lifted
  /// moving statistic, the argument and its value after this step.
  SmallVector<std::pair<BlockArgument, Value>>
  trainBatchNorms(OpBuilder &b, func::FuncOp step);
  /// Emits the update of `param`; returns the new parameter then state.
  SmallVector<Value> buildUpdate(OpBuilder &b, Location loc, Value param,
                                 Value grad, Value hyper, ValueRange state);
};

Value BuildTrainStepPass::buildLoss(OpBuilder &b, ReverseModeBuilder &reverse,
                                    Value prediction, Value labels,
                                    LossKind kind) {
  Location loc = prediction.getLoc();
  Operation *last = prediction.getDefiningOp();
  bool categorical = kind == LossKind::CategoricalCrossentropy ||
                     kind == LossKind::SparseCategoricalCrossentropy;
  bool binary = kind == LossKind::BinaryCrossentropy;
  auto seedWithLogits = [&](Value logits) {
    reverse.skip(last);
    reverse.seed(logits, LossGradOp::create(b, loc, prediction.getType(),
                                            prediction, labels, kind,
                                            /*from_logits=*/true));
    return LossOp::create(b, loc, RankedTensorType::get({}, b.getF32Type()),
                          logits, labels, kind, /*from_logits=*/true)
        .getResult();
  };
  // The stable form computes log(softmax(z)) from z directly, and its
  // gradient with respect to z needs no division by p.
  if (auto softmax = dyn_cast_if_present<SoftmaxOp>(last);
      softmax && categorical &&
      (int64_t(softmax.getAxis()) == -1 ||
       int64_t(softmax.getAxis()) == softmax.getType().getRank() - 1))
    return seedWithLogits(softmax.getInput());
  if (auto sigmoid = dyn_cast_if_present<SigmoidOp>(last); sigmoid && binary)
    return seedWithLogits(sigmoid.getInput());
  // A sigmoid fused into the last layer has no logits value to read, but
  // its pre-activation gradient is still the stable (p - y) / count.
  if (last && binary && isa<DenseOp, Conv2DOp, DepthwiseConv2DOp>(last) &&
      last->getAttrOfType<ActivationAttr>("activation").getValue() ==
          Activation::Sigmoid) {
    reverse.seedPreActivation(
        last, LossGradOp::create(b, loc, prediction.getType(), prediction,
                                 labels, kind, /*from_logits=*/true));
  } else {
    reverse.seed(prediction,
                 LossGradOp::create(b, loc, prediction.getType(), prediction,
                                    labels, kind, /*from_logits=*/false));
  }
  return LossOp::create(b, loc, RankedTensorType::get({}, b.getF32Type()),
                        prediction, labels, kind, /*from_logits=*/false);
}

SmallVector<Value> BuildTrainStepPass::buildUpdate(OpBuilder &b, Location loc,
                                                   Value param, Value grad,
                                                   Value hyper,
                                                   ValueRange state) {
  FloatAttr wd = b.getF32FloatAttr(weightDecay),
            eps = b.getF32FloatAttr(epsilon);
  Operation *update;
  if (optimizer == "adam")
    update = AdamUpdateOp::create(
        b, loc, TypeRange{param.getType(), param.getType(), param.getType()},
        param, grad, hyper, state[0], state[1], b.getF32FloatAttr(beta1),
        b.getF32FloatAttr(beta2), eps, wd);
  else if (optimizer == "adagrad")
    update = AdagradUpdateOp::create(
        b, loc, TypeRange{param.getType(), param.getType()}, param, grad,
        hyper, state[0], eps, wd);
  else if (optimizer == "rmsprop")
    update = RmspropUpdateOp::create(
        b, loc, TypeRange{param.getType(), param.getType()}, param, grad,
        hyper, state[0], b.getF32FloatAttr(rho), eps, wd);
  else
    update = SgdUpdateOp::create(
        b, loc,
        state.empty() ? TypeRange{param.getType()}
                      : TypeRange{param.getType(), param.getType()},
        param, grad, hyper, state.empty() ? Value() : state[0],
        b.getF32FloatAttr(momentum), b.getBoolAttr(nesterov), wd);
  return SmallVector<Value>(update->getResults());
}

SmallVector<std::pair<BlockArgument, Value>>
BuildTrainStepPass::trainBatchNorms(OpBuilder &b, func::FuncOp step) {
  SmallVector<std::pair<BlockArgument, Value>> moving;
  SmallVector<BatchNormOp> norms;
  step.walk([&](BatchNormOp op) { norms.push_back(op); });
  for (BatchNormOp bn : norms) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(bn);
    Location loc = bn.getLoc();
    auto train = BatchNormTrainOp::create(
        b, loc,
        TypeRange{bn.getType(), bn.getMean().getType(),
                  bn.getVariance().getType()},
        bn.getInput(), bn.getScale(), bn.getOffset(), bn.getEpsilonAttr());
    // moving = momentum * moving + (1 - momentum) * batch (Keras), for the
    // statistics that are state; others (computed values) have nothing to
    // update.
    float momentum = bn.getMomentum().convertToFloat();
    auto scalarOf = [&](float v) {
      auto type = RankedTensorType::get({}, b.getF32Type());
      return ConstantOp::create(b, loc, type, DenseElementsAttr::get(type, v))
          .getResult();
    };
    for (auto [stat, batch] :
         {std::pair(bn.getMean(), train.getMean()),
          std::pair(bn.getVariance(), train.getVariance())}) {
      auto arg = dyn_cast<BlockArgument>(stat);
      if (!arg || arg.getOwner() != &step.getBody().front() ||
          !step.getArgAttr(arg.getArgNumber(), "dlc.not_trainable"))
        continue;
      Value kept = MulOp::create(b, loc, stat, scalarOf(momentum));
      Value fresh = MulOp::create(b, loc, batch, scalarOf(1.0f - momentum));
      moving.emplace_back(arg, AddOp::create(b, loc, kept, fresh).getResult());
    }
    bn.getOutput().replaceAllUsesWith(train.getOutput());
    bn.erase();
  }
  return moving;
}

void BuildTrainStepPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = &getContext();
  auto forward = module.lookupSymbol<func::FuncOp>(entryName);
  if (!forward) {
    module.emitError("no entry function @") << entryName;
    return signalPassFailure();
  }
  std::optional<LossKind> kind = symbolizeLossKind(loss);
  if (!kind) {
    module.emitError("unknown loss '") << loss << "'";
    return signalPassFailure();
  }
  if (!llvm::is_contained({"step", "gradients", "apply"}, StringRef(mode))) {
    module.emitError("unknown mode '") << mode << "'";
    return signalPassFailure();
  }
  if (!llvm::is_contained({"sgd", "adam", "adagrad", "rmsprop"},
                          StringRef(optimizer))) {
    module.emitError("unknown optimizer '") << optimizer << "'";
    return signalPassFailure();
  }
  auto ret = cast<func::ReturnOp>(forward.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1) {
    forward.emitError("training needs a model with one output, this one has ")
        << ret.getNumOperands();
    return signalPassFailure();
  }

  // The train step is the forward function grown in place: arguments
  // [inputs..., labels, hyper, parameters..., state...].
  func::FuncOp step = forward;
  step.setSymName(mode == "gradients" ? std::string("gradients")
                  : mode == "apply"   ? std::string("apply_gradients")
                                      : std::string(trainName));
  Block &body = step.getBody().front();
  unsigned numInputs = 0;
  SmallVector<BlockArgument> params;
  bool sawParameter = false;
  for (BlockArgument arg : body.getArguments()) {
    if (step.getArgAttr(arg.getArgNumber(), "dlc.parameter")) {
      sawParameter = true;
      // Not-trainable parameters (batch norm's moving statistics) get no
      // gradient and no optimizer update; trainBatchNorms updates them.
      if (!step.getArgAttr(arg.getArgNumber(), "dlc.not_trainable"))
        params.push_back(arg);
    } else if (!sawParameter)
      ++numInputs;
    else {
      step.emitError("model inputs must come before the parameters");
      return signalPassFailure();
    }
  }
  if (params.empty()) {
    step.emitError("the model has no trainable parameters");
    return signalPassFailure();
  }
  // A model without inputs computes the same output for every example, so
  // there is nothing to fit to the labels.
  if (numInputs == 0) {
    step.emitError("the model has no inputs; training needs the data as a "
                   "graph input");
    return signalPassFailure();
  }
  const bool gradientsOnly = mode == "gradients";
  const bool applyOnly = mode == "apply";
  OpBuilder b(ret);
  // Before reading the prediction: the model's output may be a batch norm.
  SmallVector<std::pair<BlockArgument, Value>> moving;
  if (!applyOnly)
    moving = trainBatchNorms(b, step);
  Value prediction = ret.getOperand(0);
  auto predType = cast<RankedTensorType>(prediction.getType());
  Type labelType =
      *kind == LossKind::SparseCategoricalCrossentropy
          ? RankedTensorType::get({predType.getDimSize(0)},
                                  IntegerType::get(ctx, 32))
          : Type(predType);
  auto named = [&](StringRef name) {
    return DictionaryAttr::get(
        ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.name"),
                             StringAttr::get(ctx, name))});
  };
  Location loc = step.getLoc();
  auto hyperAttrs = DictionaryAttr::get(
      ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.name"),
                           StringAttr::get(ctx, "hyper")),
            NamedAttribute(StringAttr::get(ctx, "dlc.unbatched"),
                           UnitAttr::get(ctx))});
  // hyper = [learning rate, step size, step number]. `gradients` has no
  // update, so it takes hyper only when a dropout needs the step number.
  SmallVector<DropoutOp> dropouts;
  if (!applyOnly)
    step.walk([&](DropoutOp op) { dropouts.push_back(op); });
  bool withHyper = !gradientsOnly || !dropouts.empty();
  if (failed(step.insertArgument(numInputs, labelType, named("labels"), loc)) ||
      (withHyper &&
       failed(step.insertArgument(
           numInputs + 1, RankedTensorType::get({3}, Float32Type::get(ctx)),
           hyperAttrs, loc))))
    return signalPassFailure();
  Value labels = step.getArgument(numInputs);
  Value hyper = withHyper ? step.getArgument(numInputs + 1) : Value();
  for (DropoutOp op : dropouts) {
    Value replacement = op.getInput();
    // Rate 0 is the identity in training too (as in the reference).
    if (op.getRate().convertToFloat() != 0.0f) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(op);
      replacement =
          DropoutTrainOp::create(b, op.getLoc(), op.getType(), op.getInput(),
                                 hyper, op.getRateAttr(), op.getSeedAttr());
    }
    op.getResult().replaceAllUsesWith(replacement);
    op.erase();
  }
  // The model's output may have been one of them.
  prediction = ret.getOperand(0);

  SmallVector<Operation *> forwardOps;
  for (Operation &op : body.without_terminator())
    forwardOps.push_back(&op);
  SmallVector<Operation *> forwardOpsSnapshot = forwardOps;

  ReverseModeBuilder reverse(b, ValueRange(SmallVector<Value>(params.begin(),
                                                              params.end())));
  Value lossValue;
  if (!applyOnly) {
    lossValue = buildLoss(b, reverse, prediction, labels, *kind);
    if (failed(reverse.run(forwardOps)))
      return signalPassFailure();
  }

  SmallVector<Value> results{lossValue, prediction};
  SmallVector<DictionaryAttr> resultAttrs{named("loss"), named("output")};
  SmallVector<StringRef> slots = stateSlots(optimizer, momentum);
  auto unbatched = [&](const std::string &name) {
    return DictionaryAttr::get(
        ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.name"),
                             StringAttr::get(ctx, name)),
              NamedAttribute(StringAttr::get(ctx, "dlc.unbatched"),
                             UnitAttr::get(ctx))});
  };
  if (applyOnly) {
    // Only the updates: the gradients come in as arguments (computed by
    // `gradients` functions on parts of a batch and summed by the host).
    results.clear();
    resultAttrs.clear();
  }
  for (BlockArgument param : params) {
    // A parameter that does not reach the loss has a zero gradient (weight
    // decay and momentum still apply), as in the reference.
    Value grad = reverse.gradientOf(param);
    std::string name =
        step.getArgAttrOfType<StringAttr>(param.getArgNumber(), "dlc.name")
            .str();
    if (applyOnly) {
      unsigned index = step.getNumArguments();
      if (failed(step.insertArgument(index, param.getType(),
                                     unbatched(name + "/grad"),
                                     param.getLoc())))
        return signalPassFailure();
      grad = step.getArgument(index);
    } else if (!grad) {
      auto type = cast<RankedTensorType>(param.getType());
      grad = ConstantOp::create(b, param.getLoc(), type,
                                DenseElementsAttr::get(type, 0.0f));
    }
    if (gradientsOnly) {
      results.push_back(grad);
      resultAttrs.push_back(unbatched(name + "/grad"));
      continue;
    }
    SmallVector<Value> state;
    SmallVector<unsigned> stateIndices;
    for (StringRef slot : slots) {
      unsigned index = step.getNumArguments();
      auto attrs = DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.name"),
                               StringAttr::get(ctx, name + "/" + slot.str())),
                NamedAttribute(StringAttr::get(ctx, "dlc.optimizer_state"),
                               UnitAttr::get(ctx))});
      if (failed(step.insertArgument(index, param.getType(), attrs,
                                     param.getLoc())))
        return signalPassFailure();
      state.push_back(step.getArgument(index));
      stateIndices.push_back(index);
    }
    SmallVector<Value> updated =
        buildUpdate(b, param.getLoc(), param, grad, hyper, state);
    auto inPlace = [&](unsigned argIndex) {
      return DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.in_place"),
                               b.getI64IntegerAttr(argIndex))});
    };
    results.push_back(updated[0]);
    resultAttrs.push_back(inPlace(param.getArgNumber()));
    for (auto [value, index] : llvm::zip(ArrayRef(updated).drop_front(),
                                         stateIndices)) {
      results.push_back(value);
      resultAttrs.push_back(inPlace(index));
    }
  }
  // The new moving statistics overwrite the old in place, like optimizer
  // state; `gradients` leaves them alone (see Trainer::create).
  if (!gradientsOnly)
    for (auto [arg, value] : moving) {
      results.push_back(value);
      resultAttrs.push_back(DictionaryAttr::get(
          ctx, {NamedAttribute(StringAttr::get(ctx, "dlc.in_place"),
                               b.getI64IntegerAttr(arg.getArgNumber()))}));
    }
  ret->setOperands(results);
  step.setType(FunctionType::get(ctx, step.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  step.setAllResultAttrs(resultAttrs);
  if (applyOnly) {
    // Drop the forward and backward ops and the data arguments: what is
    // left reads only hyper, parameters, gradients and state.
    for (Operation *op : llvm::reverse(forwardOpsSnapshot))
      op->erase();
    llvm::BitVector dead(step.getNumArguments());
    for (unsigned i = 0; i <= numInputs; ++i)
      dead.set(i);
    if (failed(step.eraseArguments(dead)))
      return signalPassFailure();
    // The in-place targets moved down with the erased arguments.
    for (unsigned i = 0; i < step.getNumResults(); ++i) {
      auto target = step.getResultAttrOfType<IntegerAttr>(i, "dlc.in_place");
      step.setResultAttr(i, "dlc.in_place",
                         b.getI64IntegerAttr(target.getInt() - numInputs - 1));
    }
  }
}

} // namespace
