//===- ONNXConverterImpl.h - state of one ONNX conversion -------*- C++ -*-===//
//
// Shared by the driver (ONNXConverter.cpp), the value and layout helpers
// (ONNXValues.cpp) and the op converters (one file per op family).
//
// Every ONNX value is tracked with its ONNX ("logical") shape and, once it
// exists in the dlc model, the dlc tensor holding it and that tensor's
// physical layout: a permutation `perm` where physical dim i holds logical
// dim perm[i]. An NCHW activation kept as NHWC has perm [0,2,3,1]. Values
// known at import (initializers, Constant nodes, folded shape arithmetic)
// stay host data until an op needs them as a tensor, and are then added as
// weights directly in the layout that op wants.
//
//===----------------------------------------------------------------------===//
#ifndef DLC_LIB_IMPORT_ONNX_ONNXCONVERTERIMPL_H
#define DLC_LIB_IMPORT_ONNX_ONNXCONVERTERIMPL_H

#include "dlc/Import/ONNXConverter.h"
#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/Status.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace dlc::onnx_import {

/// Physical dim i holds logical dim perm[i]; empty means the identity.
using Perm = std::vector<int>;

/// Largest dim and element count the converter accepts (dlc's own limits
/// are checked again when the result is validated and imported).
constexpr int64_t kMaxDim = int64_t(1) << 31;
constexpr int64_t kMaxElements = int64_t(1) << 32;
/// Largest value the converter computes itself at import (folded shape
/// arithmetic, ConstantOfShape, Range, Expand, elementwise ops on
/// constants): a hostile size is refused before anything is allocated.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 24;

struct Value {
  std::string name;           // ONNX's name of the value.
  std::vector<int64_t> shape; // ONNX's shape of the value.
  int32_t tensor = -1;        // dlc tensor; -1 for a constant not yet added.
  Perm perm;                  // Layout of `tensor`.
  bool constant = false;      // Known at import: data below.
  /// Constant integer data (shapes, axes, indices, and booleans as 0/1):
  /// integer values exist only at import and never become dlc tensors.
  bool isInt = false;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  /// A Flatten result kept in its input's (NHWC) element order: column j of
  /// `tensor` is ONNX column columnOrder[j]. Only the weight-side ops that
  /// absorb the order into their weight rows (Gemm, MatMul) accept it.
  std::vector<int64_t> columnOrder;
};

Perm identityPerm(size_t rank);
/// NCHW -> NHWC for rank >= 3: [0, 2, 3, ..., 1].
Perm channelsLastPerm(size_t rank);
bool isIdentity(const Perm &perm);
std::vector<int64_t> permuteShape(const std::vector<int64_t> &shape,
                                  const Perm &perm);
/// Transposes row-major `data` of logical `shape` into layout `perm`.
std::vector<float> permuteData(const std::vector<float> &data,
                               const std::vector<int64_t> &shape,
                               const Perm &perm);
int64_t numElements(const std::vector<int64_t> &shape);
/// Whether every dim is in [0, kMaxDim] and the element count at most
/// kMaxElements. A zero dim makes the tensor empty whatever the others are;
/// then the product of the others only has to fit in int64. Each step is
/// checked by division by a nonzero dim.
bool shapeFits(const std::vector<int64_t> &shape);
/// "[1,2,3]", for messages.
std::string shapeString(const std::vector<int64_t> &shape);

/// Constants of the import-time world; `data` has numElements(shape)
/// entries.
Value intConstant(std::vector<int64_t> shape, std::vector<int64_t> data);
Value floatConstant(std::vector<int64_t> shape, std::vector<float> data);
/// The constant whose element i is element source[i] of constant `v`
/// (same kind, integer or float), with shape `shape`: every data movement
/// on constants (Gather, Slice, Transpose, Expand, ...) is an index map.
Value gatherConstant(const Value &v, std::vector<int64_t> shape,
                     const std::vector<int64_t> &source);
/// Row-major strides of `shape`.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape);
/// NumPy's broadcast of two shapes; false if they do not broadcast.
bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b, std::vector<int64_t> &out);
/// For each element of `shape`, the index of the element of `from` that
/// NumPy broadcasting reads (`from` broadcasts to `shape`).
std::vector<int64_t> broadcastSource(const std::vector<int64_t> &from,
                                     const std::vector<int64_t> &shape);

/// Reads a TensorProto (raw_data or typed fields) into `out`. Only float,
/// int32 and int64 data are read; external data is refused.
Status readTensorProto(const onnx::TensorProto &t, Value &out);

class Converter {
public:
  Converter(const onnx::ModelProto &model, std::string name,
            const ONNXConvertOptions &options);

  Status run();
  ModelBuilder &builder() { return builder_; }

  // --- The node being converted -------------------------------------------
  const onnx::NodeProto &node() const { return *node_; }
  /// The opset of the default domain.
  int64_t opset() const { return opset_; }
  /// "model.onnx: node 3 (Conv 'conv1'): message".
  Status error(const std::string &message) const;
  /// Fails on attributes the converter does not know (so none is ignored
  /// silently).
  Status checkAttributes(std::initializer_list<const char *> known) const;
  const onnx::AttributeProto *attr(const std::string &name) const;
  StatusOr<int64_t> attrInt(const std::string &name, int64_t fallback) const;
  StatusOr<float> attrFloat(const std::string &name, float fallback) const;
  /// Empty when absent.
  StatusOr<std::vector<int64_t>> attrInts(const std::string &name) const;
  StatusOr<std::string> attrString(const std::string &name,
                                   const std::string &fallback) const;

  /// Node input i is present (listed and not the empty name).
  bool hasInput(size_t i) const;
  StatusOr<const Value *> input(size_t i) const;
  /// A node input that must be known at import (shapes, clip bounds).
  StatusOr<const Value *> constantInput(size_t i, const char *what) const;
  /// A constant integer input of rank 0 or 1 (axes, starts, a shape), as a
  /// list.
  StatusOr<std::vector<int64_t>> constantInts(size_t i,
                                              const char *what) const;
  /// `axis` (negative counts from the end) as an index in [0, rank).
  StatusOr<int64_t> normalizeAxis(int64_t axis, int64_t rank) const;
  /// The node's "axis" attribute (`fallback` when absent), normalized.
  StatusOr<int64_t> axisAttribute(int64_t fallback, int64_t rank) const;
  /// Fails unless the node has between min and max inputs and every output
  /// past `maxOutputs` is unused (empty name).
  Status checkArity(size_t minInputs, size_t maxInputs,
                    size_t maxOutputs = 1) const;
  /// Name for dlc tensors made for this node: its first output's name, with
  /// "/suffix" when non-empty.
  std::string opName(const std::string &suffix = "") const;

  /// The dlc tensor of `v` in layout `perm` (identity when empty), adding a
  /// weight, a transpose or a reshape as needed. Results are cached, so a
  /// value converted twice to the same layout costs one op.
  StatusOr<int32_t> tensorIn(const Value &v, const Perm &perm);
  /// Sets the declared (physical) shape of dlc tensor `t`; the importer
  /// checks it against what the op computes.
  void declareShape(int32_t t, const std::vector<int64_t> &shape);
  /// Output i of the node is `v`.
  Status setOutput(size_t i, Value v);
  /// A reshape of dlc tensor `in` to physical `shape`. `keepsBatch`: dim 0
  /// of the result is dim 0 of the input, so a symbolic batch stays
  /// symbolic (written as -1).
  int32_t reshape(const std::string &name, int32_t in,
                  const std::vector<int64_t> &shape, bool keepsBatch);
  /// With a symbolic batch, dim 0 of every activation is the batch, which
  /// dlc chunks over: an op that would move it elsewhere (`kept` false) on
  /// a computed value is refused rather than compiled with a wrong batch.
  Status checkBatchKept(const Value &v, bool kept) const;
  /// A name for a helper tensor of the current node, unique in the model.
  std::string uniqueName(const std::string &suffix);
  /// True if every use of value `name` is input A of a Gemm (transA 0) or
  /// MatMul whose B is an initializer or Constant, and it is no graph
  /// output: such a Flatten can leave its columns in NHWC order.
  bool onlyFeedsConstantMatrices(const std::string &name) const;
  /// A dynamic value in layout `perm`, made by `tensor`.
  Value dynamicValue(int32_t tensor, std::vector<int64_t> shape, Perm perm);
  /// Some graph input's dim 0 is symbolic: every activation's dim 0 is
  /// the batch, tracked as 1, so it is not a static size to fold.
  bool symbolicBatch() const { return symbolicBatch_; }

private:
  Status addGraphInputs();
  Status convertNode();
  Status markOutputs();
  std::string valueName(const std::string &onnxName) const;

  const onnx::ModelProto &model_;
  const onnx::GraphProto &graph_;
  std::string name_;
  const ONNXConvertOptions &options_;
  ModelBuilder builder_;
  int64_t opset_ = 0;
  std::map<std::string, Value> values_;
  /// (dlc tensor, layout) -> tensor, for tensorIn().
  std::map<std::pair<int32_t, Perm>, int32_t> relaid_;
  std::map<std::pair<const Value *, Perm>, int32_t> weights_;
  const onnx::NodeProto *node_ = nullptr;
  int nodeIndex_ = -1;
  int uniqueCounter_ = 0;
  /// Uses of each value: (node index, input slot).
  std::map<std::string, std::vector<std::pair<int, int>>> uses_;
  std::map<std::string, int> constantNodes_; // Constant outputs -> node.
  /// Some graph input has a symbolic dim 0 (tracked as 1 here).
  bool symbolicBatch_ = false;
};

/// a OP b (ADD, SUB, MUL, DIV) with NumPy broadcasting, in the layout of
/// the operand that has one; `name` names the result tensor.
StatusOr<Value> binaryValues(Converter &c, fb::OpType type, const Value &a,
                             const Value &b, const std::string &name);
/// A rank-0 constant holding `x`.
Value scalarConstant(const std::string &name, float x);
/// `count` elements start, start + step, ... along logical axis `axis` of
/// the computed value `x`, named `name`.
StatusOr<Value> sliceData(Converter &c, const Value &x, int64_t axis,
                          int64_t start, int64_t step, int64_t count,
                          const std::string &name);
/// Reshapes `x` (any layout; constants are folded) to ONNX shape `shape`
/// as output 0 of the node.
Status reshapeTo(Converter &c, const Value &x, std::vector<int64_t> shape);
/// Folds a OP b on constants of the same kind into output 0; false (and
/// nothing set) when the result would be too large to fold.
StatusOr<bool> foldBinary(Converter &c, const Value &a, const Value &b);

// Op converters (dispatch table in ONNXOpTable.cpp).
Status convertConv(Converter &c);
Status convertMaxPool(Converter &c);
Status convertAveragePool(Converter &c);
Status convertGlobalAveragePool(Converter &c);
Status convertGemm(Converter &c);
Status convertMatMul(Converter &c);
Status convertBinary(Converter &c);
Status convertUnary(Converter &c);
Status convertClip(Converter &c);
Status convertHardSigmoid(Converter &c);
Status convertReduceMean(Converter &c);
Status convertNegAbsReciprocal(Converter &c);
Status convertPRelu(Converter &c);
Status convertPow(Converter &c);
Status convertSoftplus(Converter &c);
Status convertVariadic(Converter &c);
Status convertSoftmax(Converter &c);
Status convertBatchNorm(Converter &c);
Status convertFlatten(Converter &c);
Status convertReshape(Converter &c);
Status convertTranspose(Converter &c);
Status convertConcat(Converter &c);
Status convertIdentity(Converter &c);
Status convertPad(Converter &c);
Status convertDropout(Converter &c);
Status convertConstant(Converter &c);
Status convertSqueeze(Converter &c);
Status convertUnsqueeze(Converter &c);
// Import-time shape arithmetic (ONNXConstantFolding.cpp).
Status convertShape(Converter &c);
Status convertConstantOfShape(Converter &c);
Status convertRange(Converter &c);
Status convertCast(Converter &c);
Status convertEqual(Converter &c);
Status convertWhere(Converter &c);
Status convertExpand(Converter &c);
// Selections along an axis (ONNXSliceOps.cpp).
Status convertSlice(Converter &c);
Status convertGather(Converter &c);
Status convertSplit(Converter &c);

using ConvertFn = Status (*)(Converter &);
/// The converter for `opType` at `opset`, or null when unsupported.
ConvertFn findConverter(const std::string &opType, int64_t opset);

} // namespace dlc::onnx_import

#endif // DLC_LIB_IMPORT_ONNX_ONNXCONVERTERIMPL_H
