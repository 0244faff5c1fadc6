//===- ONNXConverter.cpp - ONNX model to dlc model ------------------------===//
//
// The driver: parses the ModelProto, turns initializers into constants and
// the remaining graph inputs into dlc inputs (in ONNX's layout and order),
// converts the nodes in order (ONNX requires a topological order, as dlc
// does) and marks the graph outputs, converted back to ONNX's layout.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/ONNXConverter.h"

#include "ONNXConverterImpl.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <limits>

namespace dlc {
namespace onnx_import {

namespace {
// The opsets the converter was written against; ops whose definition
// changed before opset 6 are only accepted from 6 on (ONNXOpTable.cpp).
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 17;
} // namespace

Converter::Converter(const onnx::ModelProto &model, std::string name,
                     const ONNXConvertOptions &options)
    : model_(model), graph_(model.graph()), name_(std::move(name)),
      options_(options),
      builder_(model.graph().name().empty() ? "main" : model.graph().name()) {}

Status Converter::addGraphInputs() {
  for (const onnx::TensorProto &init : graph_.initializer()) {
    Value v;
    Status s = readTensorProto(init, v);
    if (!s.ok())
      return Status::error(name_ + ": initializer: " + s.message());
    v.name = init.name();
    values_[init.name()] = std::move(v);
  }
  std::vector<std::string> staticInputs;
  for (const onnx::ValueInfoProto &in : graph_.input()) {
    const std::string &n = in.name();
    // IR version 3 lists initializers as inputs too: they are weights.
    if (values_.count(n))
      continue;
    if (auto b = options_.bindings.find(n); b != options_.bindings.end()) {
      Value v;
      v.name = n;
      v.shape = b->second.shape;
      v.constant = v.isInt = true;
      v.ints = b->second.values;
      if (static_cast<int64_t>(v.ints.size()) != numElements(v.shape))
        return Status::error(name_ + ": binding for input '" + n +
                             "' has the wrong number of values");
      values_[n] = std::move(v);
      continue;
    }
    std::string where = name_ + ": graph input '" + n + "'";
    if (!in.type().has_tensor_type())
      return Status::error(where + " is not a tensor");
    const onnx::TypeProto::Tensor &tt = in.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      return Status::error(
          where + " has element type " +
          onnx::TensorProto::DataType_Name(
              static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
          "; only FLOAT inputs are supported");
    if (!tt.has_shape())
      return Status::error(where + " has no shape");
    std::vector<int64_t> shape, dlcShape;
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto &dim = tt.shape().dim(d);
      if (!dim.has_dim_value()) {
        // A symbolic dim is the batch, chosen when compiling; dlc allows it
        // in dim 0 only.
        if (d != 0)
          return Status::error(where + ": dim " + std::to_string(d) +
                               " is symbolic; only dim 0 (the batch) may be");
        shape.push_back(1);
        dlcShape.push_back(-1);
        symbolicBatch_ = true;
        continue;
      }
      // A 0 dim (an empty tensor) is accepted: the compiler folds empty
      // tensors before code generation (--dlc-fold-empty-tensors).
      if (dim.dim_value() < 0 || dim.dim_value() > kMaxDim)
        return Status::error(where + ": dim " + std::to_string(d) + " is " +
                             std::to_string(dim.dim_value()) +
                             " (must be in [0, 2^31])");
      shape.push_back(dim.dim_value());
      dlcShape.push_back(dim.dim_value());
    }
    if (!shapeFits(shape))
      return Status::error(where + " has too many elements");
    if (dlcShape.empty())
      dlcShape.push_back(1); // Scalars are [1] tensors in dlc.
    Value v;
    v.name = n;
    v.shape = shape;
    v.perm = identityPerm(shape.size());
    v.tensor = builder_.addInput(n, dlcShape);
    values_[n] = std::move(v);
    staticInputs.push_back(dlcShape[0] == -1 ? "" : n);
  }
  // The runtime splits batched inputs into chunks by dim 0; next to a
  // symbolic batch, a static dim 0 could be mistaken for it.
  for (const std::string &n : staticInputs)
    if (symbolicBatch_ && !n.empty())
      return Status::error(name_ + ": graph input '" + n +
                           "' has a static dim 0 while another input's is "
                           "symbolic (the batch); give all inputs the batch "
                           "or none");
  return Status::success();
}

Status Converter::convertNode() {
  if (!node_->domain().empty() && node_->domain() != "ai.onnx")
    return error("ops of domain '" + node_->domain() + "' are not supported");
  ConvertFn fn = findConverter(node_->op_type(), opset_);
  if (!fn)
    return error("op type " + node_->op_type() + " (opset " +
                 std::to_string(opset_) + ") is not supported");
  return fn(*this);
}

bool Converter::onlyFeedsConstantMatrices(const std::string &name) const {
  for (const onnx::ValueInfoProto &out : graph_.output())
    if (out.name() == name)
      return false;
  auto it = uses_.find(name);
  if (it == uses_.end())
    return false;
  for (auto [n, slot] : it->second) {
    const onnx::NodeProto &user = graph_.node(n);
    if (slot != 0 || user.input_size() < 2 ||
        (user.op_type() != "Gemm" && user.op_type() != "MatMul"))
      return false;
    for (const onnx::AttributeProto &a : user.attribute())
      if (a.name() == "transA" && a.i() != 0)
        return false;
    const std::string &b = user.input(1);
    // Only a matrix B: a batched MatMul has no weight rows to permute.
    bool isInit = false, isMatrix = false;
    for (const onnx::TensorProto &t : graph_.initializer())
      if (t.name() == b) {
        isInit = true;
        isMatrix = t.dims_size() == 2;
      }
    auto constant = constantNodes_.find(b);
    if (!isInit && (constant == constantNodes_.end() || constant->second > n))
      return false;
    if (!isInit)
      for (const onnx::AttributeProto &a :
           graph_.node(constant->second).attribute())
        if (a.name() == "value")
          isMatrix = a.t().dims_size() == 2;
    if (!isMatrix)
      return false;
  }
  return true;
}

Status Converter::markOutputs() {
  if (graph_.output_size() == 0)
    return Status::error(name_ + ": the graph has no outputs");
  std::vector<int32_t> marked;
  for (const onnx::ValueInfoProto &out : graph_.output()) {
    auto it = values_.find(out.name());
    if (it == values_.end())
      return Status::error(name_ + ": graph output '" + out.name() +
                           "' is not produced by any node");
    const Value &v = it->second;
    if (v.isInt)
      return Status::error(name_ + ": graph output '" + out.name() +
                           "' is an integer tensor; only FLOAT outputs are "
                           "supported");
    auto t = tensorIn(v, {});
    if (!t.ok())
      return t.status();
    int32_t tensor = *t;
    // A dlc output must be produced by an op of its own: copy graph inputs,
    // weights and values that are already an output.
    const auto &tensors = builder_.model().graph->tensors;
    bool isInput = false;
    for (int32_t i : builder_.model().graph->inputs)
      isInput = isInput || i == tensor;
    bool reused = std::find(marked.begin(), marked.end(), tensor) !=
                  marked.end();
    if (isInput || tensors[tensor]->buffer != 0 || reused) {
      std::vector<int64_t> shape = tensors[tensor]->shape;
      tensor = reshape(out.name(), tensor, shape, true);
    }
    // The interface carries ONNX's names.
    builder_.model().graph->tensors[tensor]->name = out.name();
    builder_.markOutput(tensor);
    marked.push_back(tensor);
  }
  return Status::success();
}

Status Converter::run() {
  for (const onnx::OperatorSetIdProto &o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset_ = o.version();
  if (opset_ == 0)
    return Status::error(name_ + ": the model imports no default-domain "
                                 "opset");
  if (opset_ < kMinOpset || opset_ > kMaxOpset)
    return Status::error(name_ + ": opset " + std::to_string(opset_) +
                         " is not supported (opsets " +
                         std::to_string(kMinOpset) + " to " +
                         std::to_string(kMaxOpset) + " are)");
  for (int n = 0; n < graph_.node_size(); ++n) {
    const onnx::NodeProto &node = graph_.node(n);
    for (int i = 0; i < node.input_size(); ++i)
      uses_[node.input(i)].push_back({n, i});
    if (node.op_type() == "Constant" && node.output_size() > 0)
      constantNodes_[node.output(0)] = n;
  }
  DLC_RETURN_IF_ERROR(addGraphInputs());
  for (nodeIndex_ = 0; nodeIndex_ < graph_.node_size(); ++nodeIndex_) {
    node_ = &graph_.node(nodeIndex_);
    DLC_RETURN_IF_ERROR(convertNode());
  }
  return markOutputs();
}

} // namespace onnx_import

bool looksLikeONNX(const uint8_t *data, size_t size) {
  // Tag of field 1 (ir_version) with wire type 0 (varint). Exporters write
  // it first; a dlc or TFLite FlatBuffer starts with a 32-bit offset whose
  // low byte is never 0x08 for files with an identifier at bytes 4..7.
  return data && size >= 2 && data[0] == 0x08;
}

StatusOr<std::vector<uint8_t>>
convertONNXToDlc(const uint8_t *data, size_t size, const std::string &name,
                 const ONNXConvertOptions &options) {
  if (!data || size == 0)
    return Status::error(name + ": empty file");
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()))
    return Status::error(name + ": file too large for an ONNX model (2 GiB)");
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream stream(data, static_cast<int>(size));
  google::protobuf::io::CodedInputStream coded(&stream);
  // Bounds the parser's recursion on hostile input; real models are flat.
  coded.SetRecursionLimit(64);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    return Status::error(name + ": not a valid ONNX model (protobuf parsing "
                                "failed; truncated or another format?)");
  if (!model.has_graph())
    return Status::error(name + ": the ONNX model has no graph");
  onnx_import::Converter converter(model, name, options);
  DLC_RETURN_IF_ERROR(converter.run());
  if (!model.producer_name().empty())
    converter.builder().setDescription("converted from ONNX (" +
                                       model.producer_name() + ")");
  // The result must be a valid dlc model; anything the converter passed
  // through unchecked is refused here, against the .onnx file.
  return converter.builder().serializeValidated(name);
}

} // namespace dlc
