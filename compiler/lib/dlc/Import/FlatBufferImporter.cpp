//===- FlatBufferImporter.cpp - dlc model (.fb) -> dlc dialect ------------===//
//
// The graph walk: graph inputs become function arguments, each operator (in
// file order, which the format requires to be topological) becomes dlc ops
// built by OpConverters.cpp, weights become constants on first use, and the
// graph outputs are returned.
//
// Nothing read from the file is trusted: the FlatBuffers verifier only
// proves that offsets stay inside the buffer, so every tensor index, dtype,
// shape and buffer size is checked here before it is used.
//
//===----------------------------------------------------------------------===//

#include "dlc/Import/FlatBufferImporter.h"

#include "OpConverters.h"
#include "Weights.h"
#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

#include <limits>

using namespace mlir;
using namespace dlc;
using namespace dlc::fbimport;

namespace {
/// The newest model format version this importer understands.
constexpr uint32_t kFormatVersion = 1;
/// Far beyond any real model; keeps shape arithmetic free of overflow.
constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxElements = int64_t(1) << 40;
constexpr int64_t kMaxNonzeroProduct = int64_t(1) << 62;

std::string str(const flatbuffers::String *s) {
  return s ? s->str() : std::string();
}

/// Whether every dim is in [0, kMaxDim] and the element count stays within
/// kMaxElements. A zero dim makes the tensor empty whatever the other dims
/// are, so then only the product of the nonzero dims is bounded, by what
/// int64 holds: shape arithmetic on it (a flatten) must not overflow. Each
/// step is checked by division by a nonzero dim before it is taken.
bool shapeWithinLimits(ArrayRef<int64_t> shape) {
  for (int64_t size : shape)
    if (size < 0 || size > kMaxDim)
      return false;
  int64_t limit = llvm::is_contained(shape, 0) ? kMaxNonzeroProduct
                                               : kMaxElements;
  int64_t product = 1;
  for (int64_t size : shape) {
    if (size == 0)
      continue;
    if (product > limit / size)
      return false;
    product *= size;
  }
  return true;
}

std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

class GraphImporter {
public:
  GraphImporter(MLIRContext &ctx, const fb::Model &model,
                const ImportOptions &options, StringRef fileName)
      : ctx(ctx), model(model), options(options), fileName(fileName.str()),
        builder(&ctx) {}

  OwningOpRef<ModuleOp> run();

private:
  Location fileLoc() { return FileLineColLoc::get(&ctx, fileName, 0, 0); }
  Location opLoc(unsigned index, const fb::Operator &op);
  /// Graph inputs and weights are named by their tensor; no file part, which
  /// ModelDiagnosticHandler reserves for operators.
  Location tensorLoc(int64_t t) {
    std::string name = str(tensor(t).name());
    return NameLoc::get(StringAttr::get(
        &ctx, name.empty() ? "tensor_" + std::to_string(t) : name));
  }
  const fb::Tensor &tensor(int64_t t) { return *graph->tensors()->Get(t); }
  std::string label(int64_t t) {
    return "tensor " + std::to_string(t) + " '" + str(tensor(t).name()) + "'";
  }
  std::string outOfRange(int64_t t) {
    return "is tensor " + std::to_string(t) + ", but the graph has " +
           std::to_string(numTensors) + " tensors";
  }

  FailureOr<RankedTensorType> tensorType(int64_t t, bool isGraphInput,
                                         Location loc);
  LogicalResult createFunction();
  LogicalResult importOperator(unsigned index);
  FailureOr<Value> resolveInput(unsigned opIndex, int k, int32_t t,
                                Location loc);
  FailureOr<Value> materializeConstant(int64_t t, Location loc,
                                       const Twine &what);
  LogicalResult checkOutput(int64_t t, Value result, Location loc);
  LogicalResult createReturn();

  MLIRContext &ctx;
  const fb::Model &model;
  const ImportOptions &options;
  std::string fileName;
  OpBuilder builder;
  const fb::Graph *graph = nullptr;
  uint32_t numTensors = 0;
  ModuleOp module;
  func::FuncOp func;
  /// The SSA value of each tensor once it is available.
  std::vector<Value> values;
  /// The first operator writing each tensor (-1: none), to explain a tensor
  /// used before it is produced.
  std::vector<int64_t> writer;
  /// The training label input, which the inference function does not take.
  int64_t labelTensor = -1;
};
} // namespace

Location GraphImporter::opLoc(unsigned index, const fb::Operator &op) {
  std::string name = str(op.name());
  if (name.empty()) {
    StringRef type = opTypeName(op.type());
    name = (type.empty() ? "op" : type.lower()) + "_" + std::to_string(index);
  }
  return NameLoc::get(StringAttr::get(&ctx, name),
                      FileLineColLoc::get(&ctx, fileName, index, 0));
}

FailureOr<RankedTensorType>
GraphImporter::tensorType(int64_t t, bool isGraphInput, Location loc) {
  const fb::Tensor &tt = tensor(t);
  Type element;
  switch (tt.dtype()) {
  case fb::DType::FLOAT32:
    element = Float32Type::get(&ctx);
    break;
  case fb::DType::INT32:
    element = IntegerType::get(&ctx, 32);
    break;
  case fb::DType::INT64:
    element = IntegerType::get(&ctx, 64);
    break;
  case fb::DType::UINT8:
    element = IntegerType::get(&ctx, 8, IntegerType::Unsigned);
    break;
  }
  // The file may hold any byte here, not only the enum's values.
  if (!element)
    return emitError(loc) << label(t) << " has invalid dtype "
                          << static_cast<int>(tt.dtype());
  SmallVector<int64_t> declared, shape;
  if (tt.shape())
    declared.assign(tt.shape()->begin(), tt.shape()->end());
  shape = declared;
  if (isGraphInput && shape.empty())
    return emitError(loc) << label(t)
                          << " is a graph input without a shape (graph "
                             "inputs need one, with the batch as dim 0)";
  // A dim may be 0 (an empty tensor); --dlc-fold-empty-tensors keeps such
  // tensors away from the code generator.
  for (auto [d, size] : llvm::enumerate(shape)) {
    if (size == -1 && d == 0 && isGraphInput)
      size = options.batchSize;
    if (size < 0 || size > kMaxDim)
      return emitError(loc)
             << label(t) << " has shape " << shapeString(declared) << ": dim "
             << d << " must be in [0, " << kMaxDim << "]"
             << (isGraphInput ? " (or -1 for the batch in dim 0)" : "");
  }
  if (!shapeWithinLimits(shape))
    return emitError(loc) << label(t) << " has shape " << shapeString(declared)
                          << ", which has too many elements";
  return RankedTensorType::get(shape, element);
}

LogicalResult GraphImporter::createFunction() {
  SmallVector<Type> argTypes;
  SmallVector<int64_t> argTensors;
  const auto *inputs = graph->inputs();
  std::vector<bool> seen(numTensors, false);
  for (uint32_t i = 0, e = inputs ? inputs->size() : 0; i < e; ++i) {
    int32_t t = inputs->Get(i);
    if (t < 0 || static_cast<uint32_t>(t) >= numTensors)
      return emitError(fileLoc())
             << "graph input " << i << " " << outOfRange(t);
    if (seen[t])
      return emitError(fileLoc())
             << "graph input " << i << " repeats " << label(t);
    seen[t] = true;
    if (tensor(t).buffer() != 0)
      return emitError(fileLoc()) << "graph input " << i << " is " << label(t)
                                  << ", which holds constant data";
    if (t == labelTensor)
      continue;
    FailureOr<RankedTensorType> type = tensorType(t, true, fileLoc());
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    argTensors.push_back(t);
  }

  builder.setInsertionPointToEnd(module.getBody());
  func = func::FuncOp::create(builder, fileLoc(), options.functionName,
                              builder.getFunctionType(argTypes, {}));
  SmallVector<Location> argLocs;
  for (int64_t t : argTensors)
    argLocs.push_back(tensorLoc(t));
  Block *body = builder.createBlock(&func.getBody(), {}, argTypes, argLocs);
  for (auto [i, t] : llvm::enumerate(argTensors)) {
    values[t] = body->getArgument(i);
    func.setArgAttr(i, "dlc.name",
                    builder.getStringAttr(str(tensor(t).name())));
  }
  return success();
}

LogicalResult GraphImporter::importOperator(unsigned index) {
  const fb::Operator &op = *graph->operators()->Get(index);
  Location loc = opLoc(index, op);
  std::optional<OpArity> arity = getOpArity(op.type());
  if (!arity)
    return emitError(loc) << "unknown op type " << static_cast<int>(op.type());
  auto error = [&] { return emitError(loc) << opTypeName(op.type()) << ": "; };

  // Exactly one output, written only here.
  int numOut = op.outputs() ? op.outputs()->size() : 0;
  if (numOut != 1)
    return error() << "has " << numOut << " outputs, but expects 1";
  int32_t out = op.outputs()->Get(0);
  if (out < 0 || static_cast<uint32_t>(out) >= numTensors)
    return error() << "output 0 " << outOfRange(out);
  if (values[out] || tensor(out).buffer() != 0)
    return error() << "output 0 is " << label(out)
                   << ", which is a graph input, a constant or the output "
                      "of an earlier operator";

  int numIn = op.inputs() ? op.inputs()->size() : 0;
  if (numIn < arity->minInputs ||
      (arity->maxInputs >= 0 && numIn > arity->maxInputs)) {
    auto diag = error() << "has " << numIn << " inputs, but expects ";
    if (arity->maxInputs < 0)
      diag << "at least " << arity->minInputs;
    else if (arity->maxInputs != arity->minInputs)
      diag << arity->minInputs << " or " << arity->maxInputs;
    else
      diag << arity->minInputs;
    return diag;
  }

  builder.setInsertionPointToEnd(&func.getBody().front());
  OpInfo info{op, loc, {}, builder};
  for (int k = 0; k < numIn; ++k) {
    int32_t t = op.inputs()->Get(k);
    if (t == -1 && k < 32 && (arity->optionalMask >> k & 1)) {
      info.inputs.push_back(Value());
      continue;
    }
    FailureOr<Value> value = resolveInput(index, k, t, loc);
    if (failed(value))
      return failure();
    auto type = cast<RankedTensorType>(value->getType());
    if (!type.getElementType().isF32())
      return error() << "input " << k << " is " << label(t) << " of type "
                     << type << ", but dlc ops compute in f32";
    info.inputs.push_back(*value);
  }

  FailureOr<Value> result = convertOperator(info);
  if (failed(result) || failed(checkOutput(out, *result, loc)))
    return failure();
  values[out] = *result;
  return success();
}

FailureOr<Value> GraphImporter::resolveInput(unsigned opIndex, int k, int32_t t,
                                             Location loc) {
  auto error = [&] {
    return emitError(loc) << opTypeName(
                                 graph->operators()->Get(opIndex)->type())
                          << ": input " << k << " ";
  };
  if (t < 0 || static_cast<uint32_t>(t) >= numTensors)
    return error() << outOfRange(t);
  if (values[t])
    return values[t];
  if (tensor(t).buffer() != 0)
    return materializeConstant(t, loc, "input " + Twine(k));
  if (t == labelTensor)
    return error() << "is " << label(t)
                   << ", the training labels, which inference does not take";
  if (writer[t] >= static_cast<int64_t>(opIndex))
    return error() << "is " << label(t)
                   << ", which is only produced later, by operator "
                   << writer[t] << " (operators must be in topological order)";
  return error() << "is " << label(t)
                 << ", which is not a graph input, holds no data and is "
                    "produced by no operator";
}

FailureOr<Value> GraphImporter::materializeConstant(int64_t t, Location loc,
                                                    const Twine &what) {
  FailureOr<RankedTensorType> type = tensorType(t, false, loc);
  if (failed(type))
    return failure();
  if (!type->getElementType().isF32())
    return emitError(loc) << what << " is " << label(t) << " of type " << *type
                          << ", but dlc ops compute in f32";
  uint32_t b = tensor(t).buffer();
  const auto *buffers = model.buffers();
  if (!buffers || b >= buffers->size())
    return emitError(loc) << what << " is " << label(t) << ", whose buffer "
                          << b << " is out of range (the model has "
                          << (buffers ? buffers->size() : 0) << " buffers)";
  const auto *data = buffers->Get(b)->data();
  uint64_t have = data ? data->size() : 0;
  uint64_t want = static_cast<uint64_t>(type->getNumElements()) * sizeof(float);
  if (have != want)
    return emitError(loc) << what << " is " << label(t) << ", whose buffer "
                          << b << " holds " << have << " bytes, but " << *type
                          << " needs " << want;

  ElementsAttr attr = createWeightAttr(
      *type, ArrayRef<uint8_t>(data ? data->data() : nullptr, want),
      str(tensor(t).name()), t, options);
  values[t] = ConstantOp::create(builder, tensorLoc(t), *type, attr);
  return values[t];
}

/// The model's declared shape of an op output must agree with what the dlc
/// op computes, except dim 0: intermediate shapes are stored at the batch
/// size the model was exported with. The computed shape must also stay
/// within the limits of tensorType, so that later arithmetic on it (element
/// counts, byte sizes) cannot overflow.
LogicalResult GraphImporter::checkOutput(int64_t t, Value result,
                                         Location loc) {
  const fb::Tensor &tt = tensor(t);
  auto type = cast<RankedTensorType>(result.getType());
  if (!shapeWithinLimits(type.getShape()))
    return emitError(loc) << "output " << label(t)
                          << " would have an unsupported shape "
                          << shapeString(type.getShape());
  if (tt.dtype() != fb::DType::FLOAT32) {
    StringRef dtype = fb::EnumNameDType(tt.dtype());
    return emitError(loc) << "output " << label(t) << " is declared as "
                          << (dtype.empty() ? "an invalid dtype" : dtype)
                          << ", but the op computes FLOAT32";
  }
  if (!tt.shape() || tt.shape()->size() == 0)
    return success(); // Not declared.
  SmallVector<int64_t> declared(tt.shape()->begin(), tt.shape()->end());
  bool matches = static_cast<int64_t>(declared.size()) == type.getRank();
  for (size_t d = 1; matches && d < declared.size(); ++d)
    matches = declared[d] == type.getDimSize(d);
  if (!matches)
    return emitError(loc) << "output " << label(t) << " is declared with shape "
                          << shapeString(declared) << ", but the op produces "
                          << type;
  return success();
}

LogicalResult GraphImporter::createReturn() {
  const auto *outputs = graph->outputs();
  if (!outputs || outputs->size() == 0)
    return emitError(fileLoc()) << "the graph has no outputs";
  SmallVector<Value> results;
  for (uint32_t i = 0; i < outputs->size(); ++i) {
    int32_t t = outputs->Get(i);
    if (t < 0 || static_cast<uint32_t>(t) >= numTensors)
      return emitError(fileLoc())
             << "graph output " << i << " " << outOfRange(t);
    if (!values[t] || tensor(t).buffer() != 0)
      return emitError(fileLoc()) << "graph output " << i << " is " << label(t)
                                  << ", which no operator produces";
    results.push_back(values[t]);
  }
  builder.setInsertionPointToEnd(&func.getBody().front());
  func::ReturnOp::create(builder, fileLoc(), results);
  func.setFunctionType(builder.getFunctionType(
      func.getFunctionType().getInputs(), ValueRange(results).getTypes()));
  for (uint32_t i = 0; i < outputs->size(); ++i)
    func.setResultAttr(
        i, "dlc.name",
        builder.getStringAttr(str(tensor(outputs->Get(i)).name())));
  return success();
}

OwningOpRef<ModuleOp> GraphImporter::run() {
  ctx.loadDialect<DlcDialect, func::FuncDialect>();
  if (model.version() > kFormatVersion) {
    emitError(fileLoc()) << "model format version " << model.version()
                         << " is newer than the newest this importer "
                            "supports ("
                         << kFormatVersion << ")";
    return nullptr;
  }
  if (options.batchSize < 1 || options.batchSize > kMaxDim) {
    emitError(fileLoc()) << "batch size " << options.batchSize
                         << " is not in [1, " << kMaxDim << "]";
    return nullptr;
  }
  if (options.functionName.empty()) {
    emitError(fileLoc()) << "the function name must not be empty";
    return nullptr;
  }
  graph = model.graph();
  if (!graph) {
    emitError(fileLoc()) << "the model has no graph";
    return nullptr;
  }
  numTensors = graph->tensors() ? graph->tensors()->size() : 0;
  values.assign(numTensors, Value());
  writer.assign(numTensors, -1);
  const auto *ops = graph->operators();
  uint32_t numOps = ops ? ops->size() : 0;
  for (uint32_t i = 0; i < numOps; ++i)
    if (const auto *outs = ops->Get(i)->outputs())
      for (int32_t t : *outs)
        if (t >= 0 && static_cast<uint32_t>(t) < numTensors && writer[t] < 0)
          writer[t] = i;
  if (const fb::Training *training = model.training())
    if (training->label_input() && graph->inputs())
      for (int32_t t : *graph->inputs())
        if (t >= 0 && static_cast<uint32_t>(t) < numTensors &&
            str(tensor(t).name()) == training->label_input()->str())
          labelTensor = t;

  OwningOpRef<ModuleOp> owned = ModuleOp::create(fileLoc());
  module = *owned;
  if (failed(createFunction()))
    return nullptr;
  for (uint32_t i = 0; i < numOps; ++i)
    if (failed(importOperator(i)))
      return nullptr;
  if (failed(createReturn()) || failed(verify(*owned)))
    return nullptr;
  return owned;
}

OwningOpRef<ModuleOp> dlc::importModel(MLIRContext &ctx, const fb::Model &model,
                                       const ImportOptions &options,
                                       StringRef fileName) {
  return GraphImporter(ctx, model, options, fileName).run();
}
