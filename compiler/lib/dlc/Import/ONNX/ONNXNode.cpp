//===- ONNXNode.cpp - the node being converted: inputs, attributes --------===//
//
// Accessors the op converters use on the current node. Every one checks
// what the file says (attribute types, input presence, definitions before
// use) and reports problems through error(), which names the node.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

namespace dlc::onnx_import {

Status Converter::error(const std::string &message) const {
  if (!node_)
    return Status::error(name_ + ": " + message);
  return Status::error(name_ + ": node " + std::to_string(nodeIndex_) + " (" +
                       node_->op_type() + " '" + node_->name() +
                       "'): " + message);
}

Status
Converter::checkAttributes(std::initializer_list<const char *> known) const {
  for (const onnx::AttributeProto &a : node_->attribute()) {
    bool ok = false;
    for (const char *k : known)
      ok = ok || a.name() == k;
    if (!ok)
      return error("attribute '" + a.name() + "' is not supported");
  }
  return Status::success();
}

const onnx::AttributeProto *Converter::attr(const std::string &name) const {
  for (const onnx::AttributeProto &a : node_->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

StatusOr<int64_t> Converter::attrInt(const std::string &name,
                                     int64_t fallback) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return fallback;
  if (a->type() != onnx::AttributeProto::INT)
    return error("attribute '" + name + "' must be an int");
  return a->i();
}

StatusOr<float> Converter::attrFloat(const std::string &name,
                                     float fallback) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return fallback;
  if (a->type() != onnx::AttributeProto::FLOAT)
    return error("attribute '" + name + "' must be a float");
  return a->f();
}

StatusOr<std::vector<int64_t>>
Converter::attrInts(const std::string &name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::vector<int64_t>{};
  if (a->type() != onnx::AttributeProto::INTS)
    return error("attribute '" + name + "' must be a list of ints");
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

StatusOr<std::string> Converter::attrString(const std::string &name,
                                            const std::string &fallback) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return fallback;
  if (a->type() != onnx::AttributeProto::STRING)
    return error("attribute '" + name + "' must be a string");
  return a->s();
}

bool Converter::hasInput(size_t i) const {
  return i < static_cast<size_t>(node_->input_size()) &&
         !node_->input(static_cast<int>(i)).empty();
}

StatusOr<const Value *> Converter::input(size_t i) const {
  if (!hasInput(i))
    return error("input " + std::to_string(i) + " is missing");
  const std::string &n = node_->input(static_cast<int>(i));
  auto it = values_.find(n);
  if (it == values_.end())
    return error("input " + std::to_string(i) + " '" + n +
                 "' is not defined before this node");
  return &it->second;
}

StatusOr<const Value *> Converter::constantInput(size_t i,
                                                 const char *what) const {
  auto v = input(i);
  if (!v.ok())
    return v.status();
  if (!(*v)->constant)
    return error(std::string(what) + " (input " + std::to_string(i) + " '" +
                 (*v)->name +
                 "') must be known at import (an initializer or a Constant); "
                 "computed values are not supported");
  return v;
}

StatusOr<std::vector<int64_t>>
Converter::constantInts(size_t i, const char *what) const {
  auto v = constantInput(i, what);
  if (!v.ok())
    return v.status();
  if (!(*v)->isInt || (*v)->shape.size() > 1)
    return error(std::string(what) + " (input " + std::to_string(i) + " '" +
                 (*v)->name + "') must be an integer scalar or 1-D tensor");
  return (*v)->ints;
}

StatusOr<int64_t> Converter::normalizeAxis(int64_t axis, int64_t rank) const {
  if (axis < -rank || axis >= rank)
    return error("axis " + std::to_string(axis) + " is out of range for rank " +
                 std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

StatusOr<int64_t> Converter::axisAttribute(int64_t fallback,
                                           int64_t rank) const {
  auto axis = attrInt("axis", fallback);
  if (!axis.ok())
    return axis.status();
  return normalizeAxis(*axis, rank);
}

Status Converter::checkArity(size_t minInputs, size_t maxInputs,
                             size_t maxOutputs) const {
  size_t n = node_->input_size();
  if (n < minInputs || n > maxInputs)
    return error("expects " +
                 (minInputs == maxInputs
                      ? std::to_string(minInputs)
                      : std::to_string(minInputs) + " to " +
                            std::to_string(maxInputs)) +
                 " inputs, got " + std::to_string(n));
  if (node_->output_size() < 1 || node_->output(0).empty())
    return error("has no output");
  for (int o = static_cast<int>(maxOutputs); o < node_->output_size(); ++o)
    if (!node_->output(o).empty())
      return error("output " + std::to_string(o) + " ('" + node_->output(o) +
                   "') is not supported");
  return Status::success();
}

std::string Converter::opName(const std::string &suffix) const {
  std::string base = node_->output_size() > 0 ? node_->output(0) : "";
  if (base.empty())
    base = node_->name().empty() ? "node" + std::to_string(nodeIndex_)
                                 : node_->name();
  return suffix.empty() ? base : base + "/" + suffix;
}

} // namespace dlc::onnx_import
