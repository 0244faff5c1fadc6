//===- ONNXValues.cpp - ONNX values, tensors and layouts ------------------===//
//
// Layout helpers, reading TensorProto data, and turning a value into a dlc
// tensor in the layout an op asks for (tensorIn). A layout change
// that only moves dims of size 1 keeps the element order, so it is emitted
// as a reshape (free) rather than a transpose.
//
//===----------------------------------------------------------------------===//

#include "ONNXConverterImpl.h"

#include <algorithm>
#include <cstring>

namespace dlc::onnx_import {

Perm identityPerm(size_t rank) {
  Perm p(rank);
  for (size_t i = 0; i < rank; ++i)
    p[i] = static_cast<int>(i);
  return p;
}

Perm channelsLastPerm(size_t rank) {
  Perm p = identityPerm(rank);
  if (rank >= 3) {
    p.erase(p.begin() + 1);
    p.push_back(1);
  }
  return p;
}

bool isIdentity(const Perm &perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int>(i))
      return false;
  return true;
}

std::vector<int64_t> permuteShape(const std::vector<int64_t> &shape,
                                  const Perm &perm) {
  if (perm.empty())
    return shape;
  std::vector<int64_t> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    out[i] = shape[perm[i]];
  return out;
}

bool shapeFits(const std::vector<int64_t> &shape) {
  for (int64_t d : shape)
    if (d < 0 || d > kMaxDim)
      return false;
  // An empty tensor has no elements, but shape arithmetic (a Flatten) still
  // multiplies its other dims: they must fit in int64.
  bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  int64_t limit = empty ? int64_t(1) << 62 : kMaxElements;
  int64_t product = 1;
  for (int64_t d : shape) {
    if (d == 0)
      continue;
    if (product > limit / d)
      return false;
    product *= d;
  }
  return true;
}

int64_t numElements(const std::vector<int64_t> &shape) {
  // An empty shape's other dims may be large together (shapeFits allows
  // it): their product must not be formed.
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::vector<float> permuteData(const std::vector<float> &data,
                               const std::vector<int64_t> &shape,
                               const Perm &perm) {
  if (perm.empty() || isIdentity(perm))
    return data;
  size_t rank = shape.size();
  std::vector<int64_t> outShape = permuteShape(shape, perm);
  // Strides of the input, gathered in output order.
  std::vector<int64_t> inStride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d)
    inStride[d - 1] = inStride[d] * shape[d];
  std::vector<int64_t> stride(rank), index(rank, 0);
  for (size_t i = 0; i < rank; ++i)
    stride[i] = inStride[perm[i]];
  std::vector<float> out(data.size());
  int64_t src = 0;
  for (size_t o = 0; o < out.size(); ++o) {
    out[o] = data[src];
    // Odometer increment over the output index.
    for (size_t d = rank; d-- > 0;) {
      src += stride[d];
      if (++index[d] < outShape[d])
        break;
      src -= stride[d] * outShape[d];
      index[d] = 0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

Value intConstant(std::vector<int64_t> shape, std::vector<int64_t> data) {
  Value v;
  v.constant = v.isInt = true;
  v.shape = std::move(shape);
  v.ints = std::move(data);
  return v;
}

Value floatConstant(std::vector<int64_t> shape, std::vector<float> data) {
  Value v;
  v.constant = true;
  v.shape = std::move(shape);
  v.floats = std::move(data);
  return v;
}

Value gatherConstant(const Value &v, std::vector<int64_t> shape,
                     const std::vector<int64_t> &source) {
  if (v.isInt) {
    std::vector<int64_t> data(source.size());
    for (size_t i = 0; i < source.size(); ++i)
      data[i] = v.ints[source[i]];
    return intConstant(std::move(shape), std::move(data));
  }
  std::vector<float> data(source.size());
  for (size_t i = 0; i < source.size(); ++i)
    data[i] = v.floats[source[i]];
  return floatConstant(std::move(shape), std::move(data));
}

std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> stride(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;)
    stride[d - 1] = stride[d] * shape[d];
  return stride;
}

bool broadcastShapes(const std::vector<int64_t> &a,
                     const std::vector<int64_t> &b,
                     std::vector<int64_t> &out) {
  size_t rank = std::max(a.size(), b.size());
  out.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return false;
    // A 1 broadcasts to the other dim, 0 included.
    out[i] = da == 1 ? db : da;
  }
  return true;
}

std::vector<int64_t> broadcastSource(const std::vector<int64_t> &from,
                                     const std::vector<int64_t> &shape) {
  size_t rank = shape.size(), lead = rank - from.size();
  std::vector<int64_t> fromStride = stridesOf(from);
  // Stride of each output dim in `from`: 0 where `from` is broadcast.
  std::vector<int64_t> stride(rank, 0);
  for (size_t d = lead; d < rank; ++d)
    stride[d] = from[d - lead] == 1 ? 0 : fromStride[d - lead];
  std::vector<int64_t> source(static_cast<size_t>(numElements(shape)));
  std::vector<int64_t> index(rank, 0);
  int64_t src = 0;
  for (size_t o = 0; o < source.size(); ++o) {
    source[o] = src;
    for (size_t d = rank; d-- > 0;) {
      src += stride[d];
      if (++index[d] < shape[d])
        break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return source;
}

Status readTensorProto(const onnx::TensorProto &t, Value &out) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return Status::error("tensor '" + t.name() +
                         "' keeps its data in an external file, which is "
                         "not supported");
  out.shape.assign(t.dims().begin(), t.dims().end());
  if (!shapeFits(out.shape))
    return Status::error("tensor '" + t.name() + "' has unsupported shape " +
                         shapeString(out.shape));
  int64_t n = numElements(out.shape);
  out.constant = true;
  const std::string &raw = t.raw_data();
  auto checkCount = [&](size_t have) -> Status {
    if (have != static_cast<size_t>(n))
      return Status::error("tensor '" + t.name() + "' has " +
                           std::to_string(have) + " values for shape " +
                           shapeString(out.shape));
    return Status::success();
  };
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT: {
    out.isInt = false;
    if (!raw.empty()) {
      DLC_RETURN_IF_ERROR(checkCount(raw.size() / 4));
      if (raw.size() % 4)
        return Status::error("tensor '" + t.name() + "' has truncated data");
      out.floats.resize(n);
      std::memcpy(out.floats.data(), raw.data(), raw.size());
    } else {
      DLC_RETURN_IF_ERROR(checkCount(t.float_data_size()));
      out.floats.assign(t.float_data().begin(), t.float_data().end());
    }
    return Status::success();
  }
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::INT32: {
    out.isInt = true;
    size_t width = t.data_type() == onnx::TensorProto::INT64 ? 8 : 4;
    if (!raw.empty()) {
      if (raw.size() % width)
        return Status::error("tensor '" + t.name() + "' has truncated data");
      DLC_RETURN_IF_ERROR(checkCount(raw.size() / width));
      out.ints.resize(n);
      for (int64_t i = 0; i < n; ++i) {
        if (width == 8) {
          int64_t v;
          std::memcpy(&v, raw.data() + i * 8, 8);
          out.ints[i] = v;
        } else {
          int32_t v;
          std::memcpy(&v, raw.data() + i * 4, 4);
          out.ints[i] = v;
        }
      }
    } else if (width == 8) {
      DLC_RETURN_IF_ERROR(checkCount(t.int64_data_size()));
      out.ints.assign(t.int64_data().begin(), t.int64_data().end());
    } else {
      DLC_RETURN_IF_ERROR(checkCount(t.int32_data_size()));
      out.ints.assign(t.int32_data().begin(), t.int32_data().end());
    }
    return Status::success();
  }
  default:
    return Status::error(
        "tensor '" + t.name() + "' has data type " +
        onnx::TensorProto::DataType_Name(
            static_cast<onnx::TensorProto::DataType>(t.data_type())) +
        "; only FLOAT (and INT32/INT64 for shapes) is supported");
  }
}

//===----------------------------------------------------------------------===//
// Values as dlc tensors
//===----------------------------------------------------------------------===//

void Converter::declareShape(int32_t t, const std::vector<int64_t> &shape) {
  builder_.model().graph->tensors[t]->shape = shape;
}

Value Converter::dynamicValue(int32_t tensor, std::vector<int64_t> shape,
                              Perm perm) {
  Value v;
  v.tensor = tensor;
  v.perm = perm.empty() ? identityPerm(shape.size()) : std::move(perm);
  // A rank-0 value is a [1] tensor in dlc.
  declareShape(tensor, shape.empty() ? std::vector<int64_t>{1}
                                     : permuteShape(shape, v.perm));
  v.shape = std::move(shape);
  return v;
}

StatusOr<int32_t> Converter::tensorIn(const Value &v, const Perm &wanted) {
  if (!v.columnOrder.empty())
    return error("internal: '" + v.name +
                 "' has reordered columns and cannot be used here");
  Perm perm = wanted.empty() ? identityPerm(v.shape.size()) : wanted;
  if (perm.size() != v.shape.size())
    return error("internal: layout of rank " + std::to_string(perm.size()) +
                 " for a value of rank " + std::to_string(v.shape.size()));
  std::vector<int64_t> phys =
      v.shape.empty() ? std::vector<int64_t>{1} : permuteShape(v.shape, perm);
  if (v.tensor < 0) {
    // Only values of the graph are cached: a temporary may reuse an address.
    auto named = values_.find(v.name);
    bool cacheable = named != values_.end() && &named->second == &v;
    auto key = std::make_pair(&v, perm);
    if (auto it = weights_.find(key); cacheable && it != weights_.end())
      return it->second;
    // An integer constant only becomes a tensor where an op takes it as
    // float data (a weight that a model stores as integers).
    std::vector<float> data =
        v.isInt ? permuteData(std::vector<float>(v.ints.begin(), v.ints.end()),
                              v.shape, perm)
                : permuteData(v.floats, v.shape, perm);
    std::string name = valueName(v.name);
    if (!isIdentity(perm))
      name += "/relaid" + std::to_string(++uniqueCounter_);
    int32_t t = builder_.addWeight(name, phys, std::move(data));
    if (cacheable)
      weights_[key] = t;
    return t;
  }
  const Perm &cur = v.perm;
  if (cur == perm)
    return v.tensor;
  auto key = std::make_pair(v.tensor, perm);
  if (auto it = relaid_.find(key); it != relaid_.end())
    return it->second;
  // Physical dim i of the result is physical dim t[i] of the current tensor.
  std::vector<int32_t> t(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    t[i] = static_cast<int32_t>(
        std::find(cur.begin(), cur.end(), perm[i]) - cur.begin());
  // Moving only dims of size 1 keeps the element order: a reshape does it.
  std::vector<int32_t> bigDims;
  for (int32_t d : t)
    if (permuteShape(v.shape, cur)[d] != 1)
      bigDims.push_back(d);
  bool orderKept = std::is_sorted(bigDims.begin(), bigDims.end());
  std::string name = valueName(v.name) + "/relaid" +
                     std::to_string(++uniqueCounter_);
  int32_t out = orderKept ? reshape(name, v.tensor, phys, t[0] == 0)
                          : builder_.transpose(name, v.tensor, t);
  declareShape(out, phys);
  relaid_[key] = out;
  return out;
}

Status Converter::setOutput(size_t i, Value v) {
  if (i >= static_cast<size_t>(node_->output_size()) ||
      node_->output(static_cast<int>(i)).empty())
    return Status::success(); // Unused optional output.
  const std::string &n = node_->output(static_cast<int>(i));
  if (values_.count(n))
    return error("output '" + n + "' is already defined");
  if (!shapeFits(v.shape))
    return error("output '" + n + "' would have unsupported shape " +
                 shapeString(v.shape));
  v.name = n;
  values_[n] = std::move(v);
  return Status::success();
}

int32_t Converter::reshape(const std::string &name, int32_t in,
                           const std::vector<int64_t> &shape,
                           bool keepsBatch) {
  std::vector<int64_t> target = shape;
  if (symbolicBatch_ && keepsBatch && !target.empty())
    target[0] = -1;
  int32_t out = builder_.reshape(name, in, target);
  declareShape(out, shape);
  return out;
}

Status Converter::checkBatchKept(const Value &v, bool kept) const {
  if (kept || !symbolicBatch_ || v.constant)
    return Status::success();
  return error("moves the batch dim of '" + v.name +
               "' (the model's batch is symbolic); export the model with a "
               "fixed batch size");
}

std::string Converter::uniqueName(const std::string &suffix) {
  return opName(suffix + std::to_string(++uniqueCounter_));
}

std::string Converter::valueName(const std::string &onnxName) const {
  return onnxName.empty() ? "value" : onnxName;
}

} // namespace dlc::onnx_import
