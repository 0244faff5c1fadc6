//===- TFLiteConverterImpl.h - state of one TFLite conversion ---*- C++ -*-===//
//
// Shared by TFLiteConverter.cpp (verification, tensors, the driver) and
// TFLiteOps.cpp (one function per supported builtin operator).
//
//===----------------------------------------------------------------------===//
#ifndef DLC_LIB_IMPORT_TFLITECONVERTERIMPL_H
#define DLC_LIB_IMPORT_TFLITECONVERTERIMPL_H

#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/Status.h"

#include "tflite_subset_generated.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlc::tflite_import {

/// The builtin code of an OperatorCode: newer writers put codes above 127
/// in builtin_code and a placeholder in the deprecated byte field, older
/// ones only fill the byte field, so the larger of the two is the code.
int32_t builtinCode(const tflite::OperatorCode &code);
/// "CONV_2D", or "builtin operator 123" for codes the subset does not name.
std::string builtinName(int32_t code);

class Converter {
public:
  Converter(const tflite::Model &model, const tflite::SubGraph &graph,
            std::string name);

  /// Converts the whole subgraph into builder().
  Status run();
  ModelBuilder &builder() { return builder_; }

  // --- Used by the op converters (state: the operator being converted) ---
  /// An error about the current operator.
  Status opError(const std::string &message) const;
  const tflite::Operator &op() const { return *op_; }
  /// Number of entries in the operator's input list.
  size_t numInputs() const;
  /// TFLite tensor index of input `i`, -1 when absent or out of the list.
  int32_t inputIndex(size_t i) const;
  /// Name for the ops created for the current operator (its first output
  /// tensor's name, made unique), with `suffix` appended when non-empty.
  std::string opName(const std::string &suffix = "") const;

  /// The tensor's static shape (TFLite stores batch 1 for the batch).
  std::vector<int64_t> shapeOf(int32_t tensor) const;
  /// True if the tensor has stored data or is a folded DEQUANTIZE result.
  bool isConstant(int32_t tensor) const;
  /// FLOAT32 data of a constant tensor (stored or folded).
  StatusOr<std::vector<float>> floatData(int32_t tensor) const;
  /// INT32 or INT64 data of a constant tensor, as int64.
  StatusOr<std::vector<int64_t>> intData(int32_t tensor) const;
  /// FLOAT16 data of a constant tensor, converted to float32.
  StatusOr<std::vector<float>> halfData(int32_t tensor) const;

  /// The dlc tensor for TFLite tensor `tensor` as an op operand: an already
  /// produced value, a graph input, or a constant added as a dlc weight in
  /// its TFLite layout.
  StatusOr<int32_t> operand(int32_t tensor);
  /// Input `i` of the current operator through operand(); fails if absent.
  StatusOr<int32_t> inputOperand(size_t i);
  /// Records that dlc tensor `value` holds output `i` of the current op.
  Status bindOutput(size_t i, int32_t value);
  /// Records folded constant data for output `i` (DEQUANTIZE of fp16).
  Status bindFoldedOutput(size_t i, std::vector<float> data);

  /// Appends the op(s) for a TFLite fused activation after `value` and
  /// returns the activated tensor (or `value` for NONE).
  StatusOr<int32_t>
  applyActivation(tflite::ActivationFunctionType act, int32_t value);
  /// Maps a fused activation to dlc's enum when dlc can fuse it.
  static std::optional<fb::Activation>
  fusedActivation(tflite::ActivationFunctionType act);

private:
  Status checkTensorIndex(int32_t tensor, const char *what) const;
  /// Raw bytes of the tensor's buffer (empty if none).
  StatusOr<std::vector<uint8_t>> bufferBytes(int32_t tensor) const;
  Status checkOperatorTensors() const;
  Status convertOperator();

  const tflite::Model &model_;
  const tflite::SubGraph &graph_;
  std::string name_;
  ModelBuilder builder_;
  size_t numTensors_ = 0;
  std::vector<int32_t> dlcTensor_; // TFLite tensor -> dlc tensor, -1 = none.
  std::map<int32_t, std::vector<float>> folded_;
  const tflite::Operator *op_ = nullptr;
  size_t opIndex_ = 0;
  int32_t opCode_ = -1;
};

/// "[1,2,3]", for messages.
std::string shapeString(const std::vector<int64_t> &shape);

// Converters of the window and matmul operators (TFLiteConvOps.cpp).
Status convertConv2D(Converter &c);
Status convertDepthwise(Converter &c);
Status convertFullyConnected(Converter &c);
Status convertPool(Converter &c, bool isMax);

/// Converts the current operator of `c` (dispatch on its builtin code).
Status convertBuiltin(Converter &c, int32_t code);

} // namespace dlc::tflite_import

#endif // DLC_LIB_IMPORT_TFLITECONVERTERIMPL_H
