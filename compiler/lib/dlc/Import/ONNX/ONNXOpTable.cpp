//===- ONNXOpTable.cpp - the supported ONNX ops ---------------------------===//
//
// One table drives both the converter's dispatch and `dlc import
// --list-ops` (from which docs/SUPPORTED_OPS.md is generated), so the
// documentation cannot claim an op the converter does not handle.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

namespace dlc::onnx_import {

namespace {
struct Entry {
  const char *opType;
  int minOpset, maxOpset;
  ConvertFn fn;
  const char *notes;
};

// Alphabetical. Opset ranges are those of the default domain the converter
// accepts; a row covers every version of the op in its range. Most rows
// start at 6, where the legacy attributes (consumed_inputs, ...) of the
// first versions were gone; an op unchanged since opset 1 starts at 1.
const Entry kOps[] = {
    {"Abs", 6, 17, convertNegAbsReciprocal, "as relu(x) + relu(-x)"},
    {"Add", 6, 17, convertBinary,
     "NumPy broadcasting; fp32; integer and float constants evaluated at "
     "import"},
    {"AveragePool", 6, 17, convertAveragePool,
     "2-D; pads, auto_pad, strides, ceil_mode, count_include_pad"},
    {"BatchNormalization", 6, 17, convertBatchNorm,
     "inference (training_mode 0, spatial 1); any rank >= 2"},
    {"Cast", 6, 17, convertCast,
     "to FLOAT (the identity on computed values); FLOAT, INT32, INT64 and "
     "BOOL on values known at import"},
    {"Clip", 6, 17, convertClip,
     "min/max as attributes, constants or graph inputs"},
    {"Concat", 6, 17, convertConcat,
     "any axis; in the inputs' layout; constants (integer too) evaluated at "
     "import"},
    {"Constant", 6, 17, convertConstant,
     "value (float/int32/int64), value_float(s), value_int(s)"},
    {"ConstantOfShape", 9, 17, convertConstantOfShape,
     "evaluated at import (shape known at import)"},
    {"Conv", 6, 17, convertConv,
     "2-D; groups (depthwise; other groups need an initializer filter), "
     "dilations, strides, pads, auto_pad"},
    {"Div", 6, 17, convertBinary,
     "NumPy broadcasting; fp32; integer and float constants evaluated at "
     "import"},
    {"Dropout", 6, 17, convertDropout,
     "inference: the identity; no mask output"},
    {"Equal", 7, 17, convertEqual, "evaluated at import (constant operands)"},
    {"Erf", 9, 17, convertUnary, ""},
    {"Exp", 6, 17, convertUnary, ""},
    {"Expand", 8, 17, convertExpand,
     "target shape known at import; evaluated at import on constants, as a "
     "broadcasting Mul by ones on computed values"},
    {"Flatten", 6, 17, convertFlatten, "any axis"},
    {"Gather", 1, 17, convertGather,
     "constant indices (any rank, negative); on computed data as one-hot "
     "depthwise selections (one per run of evenly spaced indices), "
     "concatenated"},
    {"Gemm", 6, 17, convertGemm,
     "alpha, beta, transA, transB; bias of any broadcastable shape"},
    {"GlobalAveragePool", 1, 17, convertGlobalAveragePool, "2-D"},
    {"HardSigmoid", 6, 17, convertHardSigmoid,
     "alpha, beta; as Mul, Add and Clip"},
    {"HardSwish", 14, 17, convertHardSigmoid, "as x * HardSigmoid(x)"},
    {"Identity", 6, 17, convertIdentity, "tensors"},
    {"LeakyRelu", 6, 17, convertUnary, "alpha"},
    {"Log", 6, 17, convertUnary, ""},
    {"LogSoftmax", 6, 17, convertSoftmax,
     "any axis (2-D coercion before opset 13)"},
    {"MatMul", 6, 17, convertMatMul,
     "rank >= 2 operands, batch dims broadcast (no 1-D operand)"},
    {"Max", 8, 17, convertVariadic,
     "any number of inputs, NumPy broadcasting; as a + relu(b - a)"},
    {"MaxPool", 6, 17, convertMaxPool,
     "2-D; pads, auto_pad, strides, ceil_mode, dilations; no Indices"},
    {"Mean", 8, 17, convertVariadic,
     "any number of inputs, NumPy broadcasting; as Sum x 1/n"},
    {"Min", 8, 17, convertVariadic,
     "any number of inputs, NumPy broadcasting; as a - relu(a - b)"},
    {"Mul", 6, 17, convertBinary,
     "NumPy broadcasting; fp32; integer and float constants evaluated at "
     "import"},
    {"Neg", 6, 17, convertNegAbsReciprocal, "as x * -1"},
    {"Pad", 6, 17, convertPad,
     "constant mode; pads and value known at import; no negative pads"},
    {"Pow", 7, 17, convertPow,
     "constant scalar exponent: 0.5 as Sqrt, integers from -16 to 16 (not "
     "0) as Muls (and 1 / x^n), others as exp(p * log(x)); evaluated at "
     "import on constants"},
    {"PRelu", 6, 17, convertPRelu,
     "slope broadcast to x (unidirectional); as relu(x) - slope * relu(-x)"},
    {"Range", 11, 17, convertRange, "evaluated at import (constant inputs)"},
    {"Reciprocal", 6, 17, convertNegAbsReciprocal, "as 1 / x"},
    {"ReduceMean", 6, 17, convertReduceMean,
     "any axes but the batch, keepdims; over [2, 3] of a rank-4 tensor a "
     "global average pool, else a product with a constant 1/K column"},
    {"Relu", 6, 17, convertUnary, ""},
    {"Reshape", 6, 17, convertReshape,
     "target shape known at import (constant or computed from static "
     "shapes); 0 and -1 entries, allowzero"},
    {"Shape", 1, 17, convertShape,
     "evaluated at import (static shapes); start, end (opset 15)"},
    {"Sigmoid", 6, 17, convertUnary, ""},
    {"Slice", 1, 17, convertSlice,
     "starts, ends, axes, steps known at import; on computed data as a "
     "one-hot dilated depthwise convolution per axis (positive steps)"},
    {"Softmax", 6, 17, convertSoftmax,
     "any axis (2-D coercion before opset 13)"},
    {"Softplus", 1, 17, convertSoftplus, "as relu(x) + log(1 + exp(-abs(x)))"},
    {"Split", 2, 17, convertSplit,
     "split sizes known at import, or equal parts; as Slice"},
    {"Sqrt", 6, 17, convertUnary, ""},
    {"Squeeze", 1, 17, convertSqueeze, "axes known at import; a reshape"},
    {"Sub", 6, 17, convertBinary,
     "NumPy broadcasting; fp32; integer and float constants evaluated at "
     "import"},
    {"Sum", 8, 17, convertVariadic,
     "any number of inputs, NumPy broadcasting"},
    {"Tanh", 6, 17, convertUnary, ""},
    {"Transpose", 6, 17, convertTranspose,
     "free: composed into the value's layout"},
    {"Unsqueeze", 1, 17, convertUnsqueeze, "axes known at import; a reshape"},
    {"Where", 9, 17, convertWhere, "evaluated at import (constant inputs)"},
};
} // namespace

ConvertFn findConverter(const std::string &opType, int64_t opset) {
  for (const Entry &e : kOps)
    if (opType == e.opType && opset >= e.minOpset && opset <= e.maxOpset)
      return e.fn;
  return nullptr;
}

} // namespace dlc::onnx_import

std::vector<dlc::ONNXOpSupport> dlc::supportedONNXOps() {
  std::vector<ONNXOpSupport> rows;
  for (const onnx_import::Entry &e : onnx_import::kOps)
    rows.push_back({e.opType, e.minOpset, e.maxOpset, e.notes});
  return rows;
}
