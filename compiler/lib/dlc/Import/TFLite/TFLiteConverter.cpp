//===- TFLiteConverter.cpp - TensorFlow Lite model to dlc model -----------===//
//
// The driver: verifies the FlatBuffer, walks subgraph 0 in operator order
// (TFLite stores operators topologically sorted, as dlc requires), and keeps
// the mapping from TFLite tensors to dlc tensors. Constants become dlc
// weights lazily, when an operator takes them as they are; operators that
// need another layout (conv filters, dense weights) read the data and add
// the converted weight themselves, so each weight is converted exactly once.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/TFLiteConverter.h"

#include "TFLiteConverterImpl.h"

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <limits>

namespace dlc {
namespace tflite_import {

namespace {
// TFLite's format version that this subset describes.
constexpr uint32_t kTFLiteVersion = 3;
} // namespace

int32_t builtinCode(const tflite::OperatorCode &code) {
  return std::max<int32_t>(code.deprecated_builtin_code(),
                           static_cast<int32_t>(code.builtin_code()));
}

std::string builtinName(int32_t code) {
  if (code >= static_cast<int32_t>(tflite::BuiltinOperator::MIN) &&
      code <= static_cast<int32_t>(tflite::BuiltinOperator::MAX))
    return tflite::EnumNameBuiltinOperator(
        static_cast<tflite::BuiltinOperator>(code));
  return "builtin operator " + std::to_string(code);
}

Converter::Converter(const tflite::Model &model,
                     const tflite::SubGraph &graph, std::string name)
    : model_(model), graph_(graph), name_(std::move(name)),
      builder_(graph.name() && graph.name()->size() ? graph.name()->str()
                                                    : "main") {
  numTensors_ = graph_.tensors() ? graph_.tensors()->size() : 0;
  dlcTensor_.assign(numTensors_, -1);
}

Status Converter::opError(const std::string &message) const {
  return Status::error(name_ + ": operator " + std::to_string(opIndex_) +
                       " (" + builtinName(opCode_) + "): " + message);
}

size_t Converter::numInputs() const {
  return op_->inputs() ? op_->inputs()->size() : 0;
}

int32_t Converter::inputIndex(size_t i) const {
  if (i >= numInputs())
    return -1;
  return op_->inputs()->Get(static_cast<flatbuffers::uoffset_t>(i));
}

std::string Converter::opName(const std::string &suffix) const {
  std::string base;
  if (op_->outputs() && op_->outputs()->size() > 0) {
    int32_t t = op_->outputs()->Get(0);
    if (t >= 0 && static_cast<size_t>(t) < numTensors_) {
      const tflite::Tensor *tensor = graph_.tensors()->Get(t);
      if (tensor->name())
        base = tensor->name()->str();
    }
  }
  if (base.empty())
    base = "op" + std::to_string(opIndex_);
  return suffix.empty() ? base : base + "/" + suffix;
}

Status Converter::checkTensorIndex(int32_t tensor, const char *what) const {
  if (tensor < 0 || static_cast<size_t>(tensor) >= numTensors_)
    return Status::error(std::string(what) + " is tensor " +
                         std::to_string(tensor) + ", but the subgraph has " +
                         std::to_string(numTensors_) + " tensors");
  return Status::success();
}

std::vector<int64_t> Converter::shapeOf(int32_t tensor) const {
  std::vector<int64_t> shape;
  if (tensor < 0 || static_cast<size_t>(tensor) >= numTensors_)
    return shape;
  if (const auto *s = graph_.tensors()->Get(tensor)->shape())
    for (int32_t d : *s)
      shape.push_back(d);
  return shape;
}

StatusOr<int32_t> Converter::operand(int32_t tensor) {
  DLC_RETURN_IF_ERROR(checkTensorIndex(tensor, "operand"));
  if (dlcTensor_[tensor] >= 0)
    return dlcTensor_[tensor];
  if (!isConstant(tensor))
    return Status::error("tensor " + std::to_string(tensor) +
                         " is used before any operator produces it");
  auto data = floatData(tensor);
  if (!data.ok())
    return data.status();
  const tflite::Tensor *t = graph_.tensors()->Get(tensor);
  std::string name = t->name() && t->name()->size()
                         ? t->name()->str()
                         : "const" + std::to_string(tensor);
  dlcTensor_[tensor] =
      builder_.addWeight(name, shapeOf(tensor), std::move(*data));
  return dlcTensor_[tensor];
}

StatusOr<int32_t> Converter::inputOperand(size_t i) {
  int32_t t = inputIndex(i);
  if (t < 0)
    return opError("input " + std::to_string(i) + " is missing");
  auto v = operand(t);
  if (!v.ok())
    return opError(v.status().message());
  return v;
}

Status Converter::bindOutput(size_t i, int32_t value) {
  if (!op_->outputs() || i >= op_->outputs()->size())
    return opError("output " + std::to_string(i) + " is missing");
  int32_t t = op_->outputs()->Get(static_cast<flatbuffers::uoffset_t>(i));
  Status s = checkTensorIndex(t, "output");
  if (!s.ok())
    return opError(s.message());
  if (dlcTensor_[t] >= 0 || folded_.count(t) || isConstant(t))
    return opError("output tensor " + std::to_string(t) +
                   " is already defined");
  dlcTensor_[t] = value;
  return Status::success();
}

Status Converter::bindFoldedOutput(size_t i, std::vector<float> data) {
  if (!op_->outputs() || i >= op_->outputs()->size())
    return opError("output " + std::to_string(i) + " is missing");
  int32_t t = op_->outputs()->Get(static_cast<flatbuffers::uoffset_t>(i));
  Status s = checkTensorIndex(t, "output");
  if (!s.ok())
    return opError(s.message());
  if (dlcTensor_[t] >= 0 || folded_.count(t))
    return opError("output tensor " + std::to_string(t) +
                   " is already defined");
  folded_[t] = std::move(data);
  return Status::success();
}

std::optional<fb::Activation>
Converter::fusedActivation(tflite::ActivationFunctionType act) {
  switch (act) {
  case tflite::ActivationFunctionType::NONE:
    return fb::Activation::NONE;
  case tflite::ActivationFunctionType::RELU:
    return fb::Activation::RELU;
  case tflite::ActivationFunctionType::RELU6:
    return fb::Activation::RELU6;
  case tflite::ActivationFunctionType::TANH:
    return fb::Activation::TANH;
  default:
    return std::nullopt;
  }
}

// The activation takes the TFLite output's name; the op before it carries a
// suffix (e.g. "conv1/conv"), so the dlc model's outputs keep TFLite's names.
StatusOr<int32_t>
Converter::applyActivation(tflite::ActivationFunctionType act, int32_t value) {
  switch (act) {
  case tflite::ActivationFunctionType::NONE:
    return value;
  case tflite::ActivationFunctionType::RELU:
    return builder_.unary(fb::OpType::RELU, opName(), value);
  case tflite::ActivationFunctionType::RELU6:
    return builder_.unary(fb::OpType::RELU6, opName(), value);
  case tflite::ActivationFunctionType::TANH:
    return builder_.unary(fb::OpType::TANH, opName(), value);
  case tflite::ActivationFunctionType::RELU_N1_TO_1:
    return builder_.clip(opName(), value, -1.0f, 1.0f);
  default:
    return opError("fused activation " +
                   std::to_string(static_cast<int>(act)) +
                   " is not supported");
  }
}

// Quantized tensors and non-float activations are refused up front, so the
// op converters only ever see float32 values (plus integer/fp16 constants).
Status Converter::checkOperatorTensors() const {
  for (const auto *list : {op_->inputs(), op_->outputs()}) {
    if (!list)
      continue;
    for (int32_t t : *list) {
      if (t == -1 && list == op_->inputs())
        continue; // An absent optional input.
      Status s = checkTensorIndex(t, "an operand");
      if (!s.ok())
        return opError(s.message());
      const tflite::Tensor *tensor = graph_.tensors()->Get(t);
      const tflite::QuantizationParameters *q = tensor->quantization();
      if (tensor->type() == tflite::TensorType::INT8 ||
          tensor->type() == tflite::TensorType::UINT8 ||
          (q && q->scale() && q->scale()->size() > 0))
        return opError("quantized (int8/uint8) models are not supported yet");
    }
  }
  return Status::success();
}

Status Converter::convertOperator() {
  const auto *codes = model_.operator_codes();
  uint32_t index = op_->opcode_index();
  if (!codes || index >= codes->size())
    return Status::error(name_ + ": operator " + std::to_string(opIndex_) +
                         ": opcode_index " + std::to_string(index) +
                         " is out of range (" +
                         std::to_string(codes ? codes->size() : 0) +
                         " operator codes)");
  opCode_ = builtinCode(*codes->Get(index));
  DLC_RETURN_IF_ERROR(checkOperatorTensors());
  return convertBuiltin(*this, opCode_);
}

Status Converter::run() {
  if (numTensors_ > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    return Status::error(name_ + ": too many tensors");
  // Graph inputs. TFLite stores the batch as 1; dlc marks it -1 so that the
  // batch size is chosen when compiling.
  if (graph_.inputs()) {
    for (int32_t t : *graph_.inputs()) {
      Status s = checkTensorIndex(t, "graph input");
      if (!s.ok())
        return Status::error(name_ + ": " + s.message());
      const tflite::Tensor *tensor = graph_.tensors()->Get(t);
      if (tensor->type() != tflite::TensorType::FLOAT32)
        return Status::error(
            name_ + ": graph input " + std::to_string(t) + " has type " +
            tflite::EnumNameTensorType(tensor->type()) +
            (tensor->type() == tflite::TensorType::INT8 ||
                     tensor->type() == tflite::TensorType::UINT8
                 ? " (quantized (int8/uint8) models are not supported yet)"
                 : "; only FLOAT32 is supported"));
      if (dlcTensor_[t] >= 0)
        continue;
      std::vector<int64_t> shape = shapeOf(t);
      if (!shape.empty() && shape[0] == 1)
        shape[0] = -1;
      std::string name = tensor->name() && tensor->name()->size()
                             ? tensor->name()->str()
                             : "input" + std::to_string(t);
      dlcTensor_[t] = builder_.addInput(name, std::move(shape));
    }
  }
  if (graph_.operators()) {
    for (opIndex_ = 0; opIndex_ < graph_.operators()->size(); ++opIndex_) {
      op_ = graph_.operators()->Get(static_cast<flatbuffers::uoffset_t>(opIndex_));
      DLC_RETURN_IF_ERROR(convertOperator());
    }
  }
  if (!graph_.outputs() || graph_.outputs()->size() == 0)
    return Status::error(name_ + ": the subgraph has no outputs");
  for (int32_t t : *graph_.outputs()) {
    Status s = checkTensorIndex(t, "graph output");
    if (!s.ok())
      return Status::error(name_ + ": " + s.message());
    if (dlcTensor_[t] < 0)
      return Status::error(name_ + ": graph output " + std::to_string(t) +
                           " is not produced by any operator");
    builder_.markOutput(dlcTensor_[t]);
  }
  return Status::success();
}

} // namespace tflite_import

bool hasTFLiteIdentifier(const uint8_t *data, size_t size) {
  return data && size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0;
}

StatusOr<std::vector<uint8_t>> convertTFLiteToDlc(const uint8_t *data,
                                                  size_t size,
                                                  const std::string &name) {
  if (!hasTFLiteIdentifier(data, size))
    return Status::error(name + ": not a TensorFlow Lite model (no \"TFL3\" "
                                "file identifier)");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return Status::error(name + ": file too large for a FlatBuffer");
  // The depth and table limits bound the verifier's own work on hostile
  // input; real models stay far below them.
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  options.max_tables = 1000000;
  flatbuffers::Verifier verifier(data, size, options);
  if (!tflite::VerifyModelBuffer(verifier))
    return Status::error(name + ": not a valid TensorFlow Lite model (the "
                                "FlatBuffer fails verification; truncated?)");
  const tflite::Model *model = tflite::GetModel(data);
  if (model->version() != tflite_import::kTFLiteVersion)
    return Status::error(name + ": TensorFlow Lite schema version " +
                         std::to_string(model->version()) +
                         " is not supported (expected 3)");
  if (!model->subgraphs() || model->subgraphs()->size() == 0)
    return Status::error(name + ": the model has no subgraph");
  tflite_import::Converter converter(*model, *model->subgraphs()->Get(0), name);
  DLC_RETURN_IF_ERROR(converter.run());
  if (model->description() && model->description()->size())
    converter.builder().setDescription(model->description()->str());
  // The result must be a valid dlc model: values the converter passes
  // through unchecked (e.g. a PAD amount of 800 million) are refused here,
  // by the same rules every dlc model meets, and reported against the
  // .tflite file.
  return converter.builder().serializeValidated(name);
}

} // namespace dlc
