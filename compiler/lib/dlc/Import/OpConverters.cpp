//===- OpConverters.cpp - one model operator -> dlc ops -------------------===//
//
// Each converter reads the operator's options (schema defaults when the table
// is absent), resolves framework conventions (SAME padding, pool stride 0,
// reshape -1) and builds the dlc op. Result types come from the dialect's
// shape inference, called directly: the generated inferring builders abort
// the process when inference fails, while a bad model must only produce a
// diagnostic.
//
//===----------------------------------------------------------------------===//

#include "ConverterUtils.h"

#include "dlc/Import/ImportUtils.h"

using namespace mlir;
using namespace dlc;
using namespace dlc::fbimport;
using fb::OpType;

StringRef fbimport::opTypeName(OpType type) { return fb::EnumNameOpType(type); }

std::optional<OpArity> fbimport::getOpArity(OpType type) {
  switch (type) {
  case OpType::CONV_2D:
  case OpType::DEPTHWISE_CONV_2D:
  case OpType::DENSE:
    return OpArity{2, 3, 0b100};
  case OpType::BATCH_NORM:
    return OpArity{5, 5, 0b110};
  case OpType::ADD:
  case OpType::SUB:
  case OpType::MUL:
  case OpType::DIV:
  case OpType::BATCH_MATMUL:
    return OpArity{2, 2, 0};
  case OpType::CONCAT:
    return OpArity{1, -1, 0};
  case OpType::MAX_POOL_2D:
  case OpType::AVG_POOL_2D:
  case OpType::GLOBAL_AVG_POOL:
  case OpType::RESHAPE:
  case OpType::FLATTEN:
  case OpType::TRANSPOSE:
  case OpType::PAD:
  case OpType::RELU:
  case OpType::RELU6:
  case OpType::LEAKY_RELU:
  case OpType::SIGMOID:
  case OpType::TANH:
  case OpType::SQRT:
  case OpType::ERF:
  case OpType::EXP:
  case OpType::LOG:
  case OpType::SOFTMAX:
  case OpType::LOG_SOFTMAX:
  case OpType::DROPOUT:
  case OpType::CLIP:
    return OpArity{1, 1, 0};
  }
  return std::nullopt;
}

namespace {

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

FailureOr<Value> convertReshape(OpInfo &info) {
  if (info.op.options_type() != fb::OpOptions::ReshapeOptions)
    return info.emitError() << "needs ReshapeOptions with new_shape";
  auto o = getOptions<fb::ReshapeOptions>(info);
  if (failed(o))
    return failure();
  RankedTensorType inType = typeOf(info.inputs[0]);
  auto shape = resolveReshape(o->new_shape, inType.getNumElements());
  if (!shape) {
    auto diag = info.emitError() << "new_shape [";
    llvm::interleaveComma(o->new_shape, diag);
    return diag << "] does not fit the " << inType.getNumElements()
                << " elements of " << inType
                << " (entries must be >= 1, with at most one -1)";
  }
  return ReshapeOp::create(
             info.builder, info.loc,
             RankedTensorType::get(*shape, inType.getElementType()),
             info.inputs[0])
      .getResult();
}

/// Keras' Flatten: [N, d1, ..., dk] -> [N, d1 * ... * dk].
FailureOr<Value> convertFlatten(OpInfo &info) {
  if (failed(expectNoOptions(info)))
    return failure();
  RankedTensorType inType = typeOf(info.inputs[0]);
  if (inType.getRank() < 1)
    return info.emitError()
           << "expects an input with a batch dim, got " << inType;
  // The product of the other dims, not elements / batch: the batch of an
  // empty tensor may be 0.
  int64_t batch = inType.getDimSize(0), columns = 1;
  for (int64_t size : inType.getShape().drop_front())
    columns *= size;
  int64_t type[] = {batch, columns};
  return ReshapeOp::create(info.builder, info.loc,
                           RankedTensorType::get(type, inType.getElementType()),
                           info.inputs[0])
      .getResult();
}

FailureOr<Value> convertTranspose(OpInfo &info) {
  auto o = getOptions<fb::TransposeOptions>(info);
  if (failed(o))
    return failure();
  SmallVector<int64_t> perm(o->perm.begin(), o->perm.end());
  // No perm reverses the dimensions, as numpy.transpose does.
  if (perm.empty())
    for (int64_t d = typeOf(info.inputs[0]).getRank() - 1; d >= 0; --d)
      perm.push_back(d);
  return buildInferred<TransposeOp>(info, info.inputs[0],
                                    ArrayRef<int64_t>(perm));
}

FailureOr<Value> convertConcat(OpInfo &info) {
  auto o = getOptions<fb::ConcatOptions>(info);
  if (failed(o))
    return failure();
  return buildInferred<ConcatOp>(info, ValueRange(info.inputs),
                                 info.builder.getI64IntegerAttr(o->axis));
}

FailureOr<Value> convertPad(OpInfo &info) {
  auto o = getOptions<fb::PadOptions>(info);
  if (failed(o))
    return failure();
  return buildInferred<PadOp>(
      info, info.inputs[0], ArrayRef<int64_t>(o->paddings), APFloat(o->value));
}

//===----------------------------------------------------------------------===//
// Elementwise, normalization
//===----------------------------------------------------------------------===//

template <typename OpTy> FailureOr<Value> convertUnary(OpInfo &info) {
  if (failed(expectNoOptions(info)))
    return failure();
  return buildInferred<OpTy>(info, info.inputs[0]);
}

template <typename OpTy> FailureOr<Value> convertBinary(OpInfo &info) {
  if (failed(expectNoOptions(info)))
    return failure();
  return buildInferred<OpTy>(info, info.inputs[0], info.inputs[1]);
}

template <typename OpTy> FailureOr<Value> convertSoftmax(OpInfo &info) {
  auto o = getOptions<fb::SoftmaxOptions>(info);
  if (failed(o))
    return failure();
  return buildInferred<OpTy>(info, info.inputs[0],
                             info.builder.getI64IntegerAttr(o->axis));
}

FailureOr<Value> convertBatchNorm(OpInfo &info) {
  auto o = getOptions<fb::BatchNormOptions>(info);
  if (failed(o))
    return failure();
  RankedTensorType inType = typeOf(info.inputs[0]);
  if (inType.getRank() < 1)
    return info.emitError() << "expects an input of rank >= 1, got " << inType;
  // Keras' scale=False / center=False leave out gamma / beta (-1 inputs):
  // they mean a scale of 1 and an offset of 0.
  auto statType = RankedTensorType::get({inType.getShape().back()},
                                        info.builder.getF32Type());
  // Marked dlc.implicit: not a model tensor, so training must not lift it
  // as a parameter (the model has no tensor to read or save it in).
  auto fill = [&](Value v, float value) -> Value {
    if (v)
      return v;
    auto constant =
        ConstantOp::create(info.builder, info.loc, statType,
                           DenseElementsAttr::get(statType, value));
    constant->setAttr("dlc.implicit", info.builder.getUnitAttr());
    return constant;
  };
  return buildInferred<BatchNormOp>(info, info.inputs[0],
                                    fill(info.inputs[1], 1.0f),
                                    fill(info.inputs[2], 0.0f), info.inputs[3],
                                    info.inputs[4], APFloat(o->epsilon),
                                    APFloat(o->momentum));
}

} // namespace

FailureOr<Value> fbimport::convertOperator(OpInfo &info) {
  OpBuilder &b = info.builder;
  switch (info.op.type()) {
  case OpType::CONV_2D:
    return convertConv2D(info);
  case OpType::DEPTHWISE_CONV_2D:
    return convertDepthwiseConv2D(info);
  case OpType::DENSE:
    return convertDense(info);
  case OpType::MAX_POOL_2D:
    return convertMaxPool2D(info);
  case OpType::AVG_POOL_2D:
    return convertAvgPool2D(info);
  case OpType::GLOBAL_AVG_POOL:
    return convertUnary<GlobalAvgPoolOp>(info);
  case OpType::RESHAPE:
    return convertReshape(info);
  case OpType::FLATTEN:
    return convertFlatten(info);
  case OpType::TRANSPOSE:
    return convertTranspose(info);
  case OpType::CONCAT:
    return convertConcat(info);
  case OpType::PAD:
    return convertPad(info);
  case OpType::ADD:
    return convertBinary<AddOp>(info);
  case OpType::SUB:
    return convertBinary<SubOp>(info);
  case OpType::MUL:
    return convertBinary<MulOp>(info);
  case OpType::DIV:
    return convertBinary<DivOp>(info);
  case OpType::BATCH_MATMUL:
    return convertBinary<BatchMatmulOp>(info);
  case OpType::RELU:
    return convertUnary<ReluOp>(info);
  case OpType::RELU6:
    return convertUnary<Relu6Op>(info);
  case OpType::SIGMOID:
    return convertUnary<SigmoidOp>(info);
  case OpType::TANH:
    return convertUnary<TanhOp>(info);
  case OpType::SQRT:
    return convertUnary<SqrtOp>(info);
  case OpType::ERF:
    return convertUnary<ErfOp>(info);
  case OpType::EXP:
    return convertUnary<ExpOp>(info);
  case OpType::LOG:
    return convertUnary<LogOp>(info);
  case OpType::LEAKY_RELU: {
    auto o = getOptions<fb::LeakyReluOptions>(info);
    if (failed(o))
      return failure();
    return buildInferred<LeakyReluOp>(info, info.inputs[0],
                                      b.getF32FloatAttr(o->alpha));
  }
  case OpType::SOFTMAX:
    return convertSoftmax<SoftmaxOp>(info);
  case OpType::LOG_SOFTMAX:
    return convertSoftmax<LogSoftmaxOp>(info);
  case OpType::BATCH_NORM:
    return convertBatchNorm(info);
  case OpType::DROPOUT: {
    auto o = getOptions<fb::DropoutOptions>(info);
    if (failed(o))
      return failure();
    return buildInferred<DropoutOp>(info, info.inputs[0],
                                    b.getF32FloatAttr(o->rate),
                                    b.getI64IntegerAttr(o->seed));
  }
  case OpType::CLIP: {
    auto o = getOptions<fb::ClipOptions>(info);
    if (failed(o))
      return failure();
    return buildInferred<ClipOp>(info, info.inputs[0],
                                 b.getF32FloatAttr(o->min),
                                 b.getF32FloatAttr(o->max));
  }
  }
  return info.emitError() << "unknown op type "
                          << static_cast<int>(info.op.type());
}
