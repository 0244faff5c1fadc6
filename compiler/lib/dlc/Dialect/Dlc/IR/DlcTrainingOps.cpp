//===- DlcTrainingOps.cpp - verifiers of gradient, loss, update ops -------===//
//
// Gradient ops spell out their result type; each verifier re-derives the
// forward op's shapes from it and checks they match the operands, so a
// gradient that does not belong to its forward op cannot be built.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "InferenceUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace dlc;

namespace {

ShapedType shapedOf(Value v) { return cast<ShapedType>(v.getType()); }

/// Checks that a convolution of `input` by `filter` yields `outputGrad`.
LogicalResult verifyConvGrad(Operation *op, ShapedType input,
                             ShapedType filter, ShapedType outputGrad,
                             ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> dilations,
                             ArrayRef<int64_t> padding, bool depthwise) {
  FailureOr<SmallVector<int64_t>> shape = inferConvShape(
      op->getLoc(), input, filter, strides, dilations, padding, depthwise);
  if (failed(shape))
    return failure();
  if (ArrayRef<int64_t>(*shape) != outputGrad.getShape())
    return op->emitOpError("the forward convolution of ")
           << input << " by " << filter << " gives "
           << RankedTensorType::get(*shape, input.getElementType())
           << ", not the output gradient's " << outputGrad;
  return success();
}

} // namespace

LogicalResult Conv2DInputGradOp::verify() {
  return verifyConvGrad(*this, getType(), shapedOf(getFilter()),
                        shapedOf(getOutputGrad()), getStrides(),
                        getDilations(), getPadding(), /*depthwise=*/false);
}

LogicalResult Conv2DFilterGradOp::verify() {
  return verifyConvGrad(*this, shapedOf(getInput()), getType(),
                        shapedOf(getOutputGrad()), getStrides(),
                        getDilations(), getPadding(), /*depthwise=*/false);
}

LogicalResult DepthwiseConv2DInputGradOp::verify() {
  return verifyConvGrad(*this, getType(), shapedOf(getFilter()),
                        shapedOf(getOutputGrad()), getStrides(),
                        getDilations(), getPadding(), /*depthwise=*/true);
}

LogicalResult DepthwiseConv2DFilterGradOp::verify() {
  return verifyConvGrad(*this, shapedOf(getInput()), getType(),
                        shapedOf(getOutputGrad()), getStrides(),
                        getDilations(), getPadding(), /*depthwise=*/true);
}

LogicalResult Pool2DGradOp::verify() {
  if (getKind() == PoolKind::None)
    return emitOpError("needs a max or avg pool kind");
  if (getActivation() == Activation::Erf)
    return emitOpError("cannot differentiate erf from its output");
  ShapedType input = getType();
  if (input.getRank() != 4)
    return emitOpError("expects a rank-4 NHWC input");
  ArrayRef<int64_t> window = getWindow(), strides = getStrides(),
                    padding = getPadding();
  SmallVector<int64_t> pooled{input.getDimSize(0)};
  for (int i = 0; i < 2; ++i) {
    if (window[i] <= 0 || strides[i] <= 0 || padding[2 * i] < 0 ||
        padding[2 * i + 1] < 0 || padding[2 * i] >= window[i] ||
        padding[2 * i + 1] >= window[i])
      return emitOpError("expects windows and strides >= 1 and "
                         "0 <= padding < window");
    pooled.push_back(windowOutputSize(input.getDimSize(1 + i), window[i],
                                      strides[i], 1, padding[2 * i],
                                      padding[2 * i + 1]));
  }
  pooled.push_back(input.getDimSize(3));
  if (ArrayRef<int64_t>(pooled) != shapedOf(getOutputGrad()).getShape())
    return emitOpError("the forward pool of ")
           << input << " gives "
           << RankedTensorType::get(pooled, input.getElementType())
           << ", not the output gradient's " << getOutputGrad().getType();
  return success();
}

LogicalResult ActivationGradOp::verify() {
  // Every other activation's derivative is a function of its output.
  if (getActivation() == Activation::Erf)
    return emitOpError("cannot differentiate erf from its output");
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and broadcasts
//===----------------------------------------------------------------------===//

/// Whether `small` broadcasts to `large` under NumPy's rules.
static bool broadcastsTo(ArrayRef<int64_t> small, ArrayRef<int64_t> large) {
  if (small.size() > large.size())
    return false;
  size_t lead = large.size() - small.size();
  for (size_t i = 0; i < small.size(); ++i)
    if (small[i] != 1 && small[i] != large[lead + i])
      return false;
  return true;
}

LogicalResult ReduceToShapeOp::verify() {
  if (!broadcastsTo(getType().getShape(), shapedOf(getInput()).getShape()))
    return emitOpError("result shape ")
           << getType() << " does not broadcast to the input's "
           << getInput().getType();
  return success();
}

OpFoldResult ReduceToShapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult BroadcastToOp::verify() {
  if (!broadcastsTo(shapedOf(getInput()).getShape(), getType().getShape()))
    return emitOpError("input ") << getInput().getType()
                                 << " does not broadcast to " << getType();
  return success();
}

OpFoldResult BroadcastToOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *ctx,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto lhs = cast<ShapedType>(adaptor.getLhs().getType());
  auto rhs = cast<ShapedType>(adaptor.getRhs().getType());
  if (lhs.getRank() != 2 || rhs.getRank() != 2)
    return inferError(loc, "expects rank-2 operands");
  bool ta = adaptor.getTransposeA(), tb = adaptor.getTransposeB();
  int64_t m = lhs.getDimSize(ta ? 1 : 0), k = lhs.getDimSize(ta ? 0 : 1);
  int64_t k2 = rhs.getDimSize(tb ? 1 : 0), n = rhs.getDimSize(tb ? 0 : 1);
  if (k != k2)
    return inferError(loc, "contraction sizes differ: " + Twine(k) + " vs " +
                               Twine(k2));
  types.push_back(RankedTensorType::get({m, n}, Float32Type::get(ctx)));
  return success();
}

LogicalResult SliceOp::verify() {
  ArrayRef<int64_t> in = shapedOf(getInput()).getShape();
  ArrayRef<int64_t> out = getType().getShape();
  ArrayRef<int64_t> offsets = getOffsets();
  if (in.size() != out.size() || offsets.size() != in.size())
    return emitOpError("expects one offset per dimension and equal ranks");
  for (size_t i = 0; i < in.size(); ++i)
    if (offsets[i] < 0 || out[i] < 0 || offsets[i] + out[i] > in[i])
      return emitOpError("slice of dimension ")
             << i << " (offset " << offsets[i] << ", size " << out[i]
             << ") is outside the input's " << in[i];
  return success();
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

static LogicalResult verifyLossOperands(Operation *op, Value prediction,
                                       Value labels, LossKind kind) {
  ShapedType pred = shapedOf(prediction), lab = shapedOf(labels);
  if (pred.getRank() < 1)
    return op->emitOpError("expects a prediction with a batch dimension");
  if (kind == LossKind::SparseCategoricalCrossentropy) {
    if (pred.getRank() != 2 || lab.getRank() != 1 ||
        !lab.getElementType().isInteger(32) ||
        lab.getDimSize(0) != pred.getDimSize(0))
      return op->emitOpError("sparse categorical cross-entropy expects a "
                             "[N, C] prediction and [N] i32 class indices");
    return success();
  }
  if (!lab.getElementType().isF32() || lab.getShape() != pred.getShape())
    return op->emitOpError("expects f32 labels of the prediction's shape ")
           << pred << ", got " << lab;
  if (kind == LossKind::CategoricalCrossentropy && pred.getRank() != 2)
    return op->emitOpError("categorical cross-entropy expects [N, C]");
  return success();
}

static LogicalResult verifyFromLogits(Operation *op, LossKind kind,
                                      bool fromLogits) {
  if (fromLogits && kind == LossKind::MeanSquaredError)
    return op->emitOpError("mean squared error has no logits form");
  return success();
}

LogicalResult LossOp::verify() {
  if (failed(verifyLossOperands(*this, getPrediction(), getLabels(),
                                getKind())))
    return failure();
  return verifyFromLogits(*this, getKind(), getFromLogits());
}

LogicalResult LossGradOp::verify() {
  if (failed(verifyLossOperands(*this, getPrediction(), getLabels(),
                                getKind())))
    return failure();
  return verifyFromLogits(*this, getKind(), getFromLogits());
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

/// Parameter, gradient, state and new values share one type; `hyper`
/// starts with the two step scalars (a train step's has a third, the step
/// number, that the updates do not read).
static LogicalResult verifyUpdate(Operation *op, Value param, Value grad,
                                  Value hyper, ValueRange state) {
  Type type = param.getType();
  if (grad.getType() != type)
    return op->emitOpError("gradient type ")
           << grad.getType() << " differs from the parameter's " << type;
  for (Value s : state)
    if (s.getType() != type)
      return op->emitOpError("state type ")
             << s.getType() << " differs from the parameter's " << type;
  for (Type t : op->getResultTypes())
    if (t != type)
      return op->emitOpError("results must have the parameter's type");
  ShapedType h = shapedOf(hyper);
  if (h.getRank() != 1 || h.getDimSize(0) < 2)
    return op->emitOpError("expects hyper-parameters of type tensor<Nxf32> "
                           "with N >= 2");
  return success();
}

LogicalResult SgdUpdateOp::verify() {
  SmallVector<Value> state;
  if (getVelocity())
    state.push_back(getVelocity());
  if ((getMomentum().convertToFloat() != 0.0f) != bool(getVelocity()))
    return emitOpError("has a velocity exactly when momentum is non-zero");
  if (bool(getNewVelocity()) != bool(getVelocity()))
    return emitOpError("returns a new velocity exactly when given one");
  return verifyUpdate(*this, getParam(), getGrad(), getHyper(), state);
}

LogicalResult AdamUpdateOp::verify() {
  return verifyUpdate(*this, getParam(), getGrad(), getHyper(),
                      {getM(), getV()});
}

LogicalResult AdagradUpdateOp::verify() {
  return verifyUpdate(*this, getParam(), getGrad(), getHyper(),
                      {getAccumulator()});
}

LogicalResult RmspropUpdateOp::verify() {
  return verifyUpdate(*this, getParam(), getGrad(), getHyper(),
                      {getMeanSquare()});
}

//===----------------------------------------------------------------------===//
// Batch norm in training mode
//===----------------------------------------------------------------------===//

/// `input` is f32 of rank >= 1 with C channels last; every value of
/// `stats` is [C] f32.
static LogicalResult verifyChannelStats(Operation *op, ShapedType input,
                                        ValueRange stats) {
  if (input.getRank() < 1)
    return op->emitOpError("expects an input of rank >= 1");
  auto expected = RankedTensorType::get({input.getShape().back()},
                                        input.getElementType());
  for (Value v : stats)
    if (v.getType() != expected)
      return op->emitOpError("expects per-channel tensors of type ")
             << expected << ", got " << v.getType();
  return success();
}

LogicalResult BatchNormTrainOp::verify() {
  ShapedType input = shapedOf(getInput());
  if (getOutput().getType() != getInput().getType())
    return emitOpError("result type ")
           << getOutput().getType() << " differs from the input's " << input;
  return verifyChannelStats(*this, input,
                            {getScale(), getOffset(), getMean(),
                             getVariance()});
}

LogicalResult BatchNormGradOp::verify() {
  Type input = getInput().getType();
  if (getOutputGrad().getType() != input || getInputGrad().getType() != input)
    return emitOpError("output gradient and input gradient must have the "
                       "input's type ")
           << input;
  return verifyChannelStats(*this, shapedOf(getInput()),
                            {getScale(), getMean(), getVariance(),
                             getScaleGrad(), getOffsetGrad()});
}

LogicalResult DropoutTrainOp::verify() {
  float rate = getRate().convertToFloat();
  if (!(rate > 0.0f && rate < 1.0f))
    return emitOpError("expects a rate in (0, 1), got ") << rate;
  ShapedType h = shapedOf(getHyper());
  if (h.getRank() != 1 || h.getDimSize(0) != 3)
    return emitOpError("expects the step's hyper-parameters, "
                       "tensor<3xf32>, got ")
           << getHyper().getType();
  return success();
}
