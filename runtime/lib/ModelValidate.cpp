// validateModel: the semantic rules of the model format.
//
// The FlatBuffers verifier only proves that every offset stays inside the
// file; it knows nothing about what the indices mean. This pass checks what
// the compiler would otherwise trip over, and reports the first violation
// with enough context (file, operator index, name and type) to find it in
// the JSON dump of the model.
#include "dlc/runtime/ModelFile.h"

#include <vector>

namespace dlc {
namespace {

std::string str(const flatbuffers::String *s) {
  return s ? s->str() : std::string();
}

class Validator {
public:
  Validator(const fb::Model &model, const std::string &name)
      : model_(model), name_(name) {}

  Status run() {
    if (model_.version() > kModelFormatVersion)
      return err("model format version " + std::to_string(model_.version()) +
                 " is newer than the newest this dlc supports (" +
                 std::to_string(kModelFormatVersion) + ")");
    graph_ = model_.graph();
    if (!graph_)
      return err("the model has no graph");
    tensors_ = graph_->tensors();
    numTensors_ = tensors_ ? tensors_->size() : 0;
    numBuffers_ = model_.buffers() ? model_.buffers()->size() : 0;
    DLC_RETURN_IF_ERROR(checkBuffers());
    DLC_RETURN_IF_ERROR(checkGraphInputs());
    for (uint32_t t = 0; t < numTensors_; ++t)
      DLC_RETURN_IF_ERROR(checkTensor(t));
    DLC_RETURN_IF_ERROR(checkOperators());
    DLC_RETURN_IF_ERROR(checkGraphOutputs());
    DLC_RETURN_IF_ERROR(checkTraining());
    if (const auto *md = model_.metadata())
      for (uint32_t i = 0; i < md->size(); ++i)
        if (!md->Get(i)->key())
          return err("metadata entry " + std::to_string(i) + " has no key");
    return Status::success();
  }

private:
  Status err(const std::string &msg) const {
    return Status::error(name_ + ": " + msg);
  }
  const fb::Tensor *tensor(int64_t t) const { return tensors_->Get(t); }
  std::string tensorLabel(int64_t t) const {
    return "tensor " + std::to_string(t) + " '" + str(tensor(t)->name()) + "'";
  }
  Status tensorErr(uint32_t t, const std::string &msg) const {
    return err(tensorLabel(t) + ": " + msg);
  }
  Status opErr(uint32_t i, const fb::Operator *op,
               const std::string &msg) const {
    return err("operator " + std::to_string(i) + " '" + str(op->name()) +
               "' (" + opTypeName(op->type()) + "): " + msg);
  }
  /// "graph has N tensors" message for an index outside [0, numTensors_).
  std::string outOfRange(int64_t index) const {
    return "is tensor " + std::to_string(index) + ", but the graph has " +
           std::to_string(numTensors_) + " tensors";
  }

  Status checkBuffers() {
    if (numBuffers_ == 0)
      return Status::success();
    const auto *b0 = model_.buffers()->Get(0);
    if (b0->data() && b0->data()->size() != 0)
      return err("buffer 0 must be empty (Tensor.buffer = 0 means \"no "
                 "data\"), but it holds " +
                 std::to_string(b0->data()->size()) + " bytes");
    return Status::success();
  }

  Status checkGraphInputs() {
    // A graph without inputs is legal: its outputs are computed from
    // weights alone (an ONNX graph whose output is a Constant).
    const auto *inputs = graph_->inputs();
    isInput_.assign(numTensors_, false);
    for (uint32_t i = 0, e = inputs ? inputs->size() : 0; i < e; ++i) {
      int32_t t = inputs->Get(i);
      std::string what = "graph input " + std::to_string(i);
      if (t < 0 || uint32_t(t) >= numTensors_)
        return err(what + " " + outOfRange(t));
      if (isInput_[t])
        return err(what + " repeats " + tensorLabel(t));
      isInput_[t] = true;
      const fb::Tensor *tt = tensor(t);
      if (tt->buffer() != 0)
        return err(what + " is " + tensorLabel(t) +
                   ", which holds constant data (buffer " +
                   std::to_string(tt->buffer()) + ")");
      if (!tt->shape() || tt->shape()->size() == 0)
        return err(what + " is " + tensorLabel(t) +
                   ", which has no shape (graph inputs need one, with the "
                   "batch as dim 0)");
    }
    return Status::success();
  }

  Status checkTensor(uint32_t t) {
    const fb::Tensor *tt = tensor(t);
    if (!isValidDType(int64_t(tt->dtype())))
      return tensorErr(t, "invalid dtype " + std::to_string(int(tt->dtype())));
    std::vector<int64_t> shape;
    if (!elementsAligned(tt->shape()))
      return tensorErr(t, "the shape vector is misaligned (corrupt file)");
    if (tt->shape())
      shape.assign(tt->shape()->begin(), tt->shape()->end());
    if (int64_t(shape.size()) > kMaxModelRank)
      return tensorErr(t, "rank " + std::to_string(shape.size()) +
                              " exceeds the limit of " +
                              std::to_string(kMaxModelRank));
    std::vector<int64_t> known; // The dims other than a -1 batch.
    for (size_t d = 0; d < shape.size(); ++d) {
      int64_t v = shape[d];
      if (v == -1 && d == 0 && isInput_[t])
        continue;
      if (v == -1)
        return tensorErr(t, "shape " + shapeToString(shape) + ": dim " +
                                std::to_string(d) +
                                " is -1, which only dim 0 of a graph input "
                                "may be");
      // 0 is allowed (an empty tensor); checkedNumElements below stays
      // exact for it, multiplying only the nonzero dims.
      if (v < 0 || v > kMaxModelDim)
        return tensorErr(t, "shape " + shapeToString(shape) + ": dim " +
                                std::to_string(d) + " must be in [0, " +
                                std::to_string(kMaxModelDim) + "]");
      known.push_back(v);
    }
    size_t elemSize = dtypeSize(DType(tt->dtype()));
    StatusOr<int64_t> n = checkedNumElements(known, elemSize);
    if (!n.ok())
      return tensorErr(t, n.status().message());
    uint32_t b = tt->buffer();
    if (b == 0)
      return Status::success();
    if (b >= numBuffers_)
      return tensorErr(t, "buffer " + std::to_string(b) +
                              " is out of range (the model has " +
                              std::to_string(numBuffers_) + " buffers)");
    const auto *data = model_.buffers()->Get(b)->data();
    uint64_t have = data ? data->size() : 0;
    uint64_t want = uint64_t(*n) * elemSize;
    if (have != want)
      return tensorErr(
          t, "buffer " + std::to_string(b) + " holds " + std::to_string(have) +
                 " bytes, but " + dtypeName(DType(tt->dtype())) + " " +
                 shapeToString(shape) + " needs " + std::to_string(want));
    return Status::success();
  }

  bool hasData(int64_t t) const { return tensor(t)->buffer() != 0; }

  Status checkOperators() {
    const auto *ops = graph_->operators();
    uint32_t numOps = ops ? ops->size() : 0;
    // Which op (first) writes each tensor, to explain use-before-def.
    std::vector<int64_t> writer(numTensors_, -1);
    for (uint32_t i = 0; i < numOps; ++i)
      if (const auto *outs = ops->Get(i)->outputs())
        for (int32_t t : *outs)
          if (t >= 0 && uint32_t(t) < numTensors_ && writer[t] < 0)
            writer[t] = i;
    produced_.assign(numTensors_, false);
    for (uint32_t i = 0; i < numOps; ++i) {
      const fb::Operator *op = ops->Get(i);
      if (int(op->type()) > int(fb::OpType::MAX))
        return err("operator " + std::to_string(i) + " '" + str(op->name()) +
                   "' has invalid type " + std::to_string(int(op->type())));
      OpSchema schema = opSchema(op->type());
      int numIn = op->inputs() ? int(op->inputs()->size()) : 0;
      if (numIn < schema.minInputs ||
          (schema.maxInputs >= 0 && numIn > schema.maxInputs)) {
        std::string want = std::to_string(schema.minInputs);
        if (schema.maxInputs < 0)
          want = "at least " + want;
        else if (schema.maxInputs != schema.minInputs)
          want += " or " + std::to_string(schema.maxInputs);
        return opErr(i, op,
                     "has " + std::to_string(numIn) + " inputs, but expects " +
                         want);
      }
      for (int k = 0; k < numIn; ++k) {
        int32_t t = op->inputs()->Get(k);
        std::string what = "input " + std::to_string(k);
        if (t == -1 && schema.isOptionalInput(k))
          continue;
        if (t < 0 || uint32_t(t) >= numTensors_)
          return opErr(i, op, what + " " + outOfRange(t));
        if (isInput_[t] || hasData(t) || produced_[t])
          continue;
        if (writer[t] >= 0)
          return opErr(i, op,
                       what + " is " + tensorLabel(t) +
                           ", which is only produced later, by "
                           "operator " +
                           std::to_string(writer[t]) +
                           " (operators must be in topological order)");
        return opErr(i, op,
                     what + " is " + tensorLabel(t) +
                         ", which is not a graph input, holds no data "
                         "and is produced by no operator");
      }
      int numOut = op->outputs() ? int(op->outputs()->size()) : 0;
      if (numOut != 1)
        return opErr(
            i, op, "has " + std::to_string(numOut) + " outputs, but expects 1");
      int32_t t = op->outputs()->Get(0);
      if (t < 0 || uint32_t(t) >= numTensors_)
        return opErr(i, op, "output 0 " + outOfRange(t));
      if (isInput_[t])
        return opErr(i, op,
                     "output 0 is " + tensorLabel(t) +
                         ", which is a graph input");
      if (hasData(t))
        return opErr(i, op,
                     "output 0 is " + tensorLabel(t) +
                         ", which holds constant data");
      if (produced_[t])
        return opErr(i, op,
                     "output 0 is " + tensorLabel(t) + ", which operator " +
                         std::to_string(writer[t]) + " already produces");
      produced_[t] = true;
      Status options = checkOpOptions(*op);
      if (!options.ok())
        return opErr(i, op, options.message());
    }
    return Status::success();
  }

  Status checkGraphOutputs() {
    const auto *outputs = graph_->outputs();
    if (!outputs || outputs->size() == 0)
      return err("the graph has no outputs");
    std::vector<bool> seen(numTensors_, false);
    for (uint32_t i = 0; i < outputs->size(); ++i) {
      int32_t t = outputs->Get(i);
      std::string what = "graph output " + std::to_string(i);
      if (t < 0 || uint32_t(t) >= numTensors_)
        return err(what + " " + outOfRange(t));
      if (seen[t])
        return err(what + " repeats " + tensorLabel(t));
      seen[t] = true;
      if (!produced_[t])
        return err(what + " is " + tensorLabel(t) +
                   ", which no operator produces");
    }
    return Status::success();
  }

  Status checkTraining() {
    const fb::Training *tr = model_.training();
    if (!tr)
      return Status::success();
    Status fields = checkTrainingOptions(*tr);
    if (!fields.ok())
      return err("training: " + fields.message());
    if (const auto *state = tr->state()) {
      for (uint32_t i = 0; i < state->size(); ++i) {
        const fb::ParamState *ps = state->Get(i);
        std::string what = "training: state " + std::to_string(i);
        std::vector<int32_t> refs{ps->param()};
        if (ps->slots())
          refs.insert(refs.end(), ps->slots()->begin(), ps->slots()->end());
        for (int32_t t : refs) {
          if (t < 0 || uint32_t(t) >= numTensors_)
            return err(what + " refers to tensor " + std::to_string(t) +
                       ", but the graph has " + std::to_string(numTensors_) +
                       " tensors");
          if (!hasData(t))
            return err(what + " refers to " + tensorLabel(t) +
                       ", which holds no data");
        }
      }
    }
    return Status::success();
  }

  const fb::Model &model_;
  const std::string &name_;
  const fb::Graph *graph_ = nullptr;
  const flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>> *tensors_ =
      nullptr;
  uint32_t numTensors_ = 0;
  uint32_t numBuffers_ = 0;
  std::vector<bool> isInput_;
  std::vector<bool> produced_;
};

} // namespace

Status validateModel(const fb::Model &model, const std::string &name) {
  return Validator(model, name).run();
}

} // namespace dlc
