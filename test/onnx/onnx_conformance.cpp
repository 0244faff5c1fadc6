//===- onnx_conformance.cpp - ONNX's backend tests through dlc ------------===//
//
//   onnx_conformance [DATA_DIR]      (default: Debian's libonnx-testdata)
//
// Runs ONNX's own backend test cases (DATA_DIR/{node,pytorch-converted}/
// <test>/model.onnx with test_data_set_*/input_K.pb and output_K.pb) whose
// ops are all in the list below: converts each model with the ONNX front
// end, JIT-compiles it, runs every data set through CompiledModel::run (as
// `dlc run` does: ONNX's shapes, a scalar as a 1-element array) and
// compares shapes and values with ONNX's expected outputs (|got - want| <=
// atol + rtol * |want|, ONNX's tolerances). Prints a table per op
// (passed / failed / not supported) and the totals, then the reason for
// every test that did not pass.
//
// Integer graph inputs (a Reshape's target shape that the test feeds as an
// input) are bound to the test's values at conversion, as an exporter would
// have stored them; every float input stays an input of the compiled model.
//
// Exit status 1 if any test failed or the data is missing; tests the
// converter refuses (with its reason) are "not supported", not failures.
//
//===----------------------------------------------------------------------===//

#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/ONNXConverter.h"
#include "dlc/runtime/FileIO.h"
#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/ModelFile.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// The ops of the front end's requirements; a test counts when all of its
// ops are here.
const std::set<std::string> kListedOps = {
    "Conv",    "MaxPool",   "AveragePool", "GlobalAveragePool",
    "Relu",    "LeakyRelu", "Sigmoid",     "Tanh",
    "Clip",    "Gemm",      "MatMul",      "Add",
    "Sub",     "Mul",       "Div",         "Softmax",
    "LogSoftmax", "Flatten", "Reshape",    "Transpose",
    "Concat",  "BatchNormalization", "Dropout", "Identity",
    "Constant", "HardSigmoid", "HardSwish", "ReduceMean", "Neg", "Abs",
    "Reciprocal", "PRelu", "Sum", "Mean", "Max", "Min", "Shape", "Gather",
    "Slice", "Split", "Squeeze", "Unsqueeze", "Cast", "Range", "Equal",
    "Where", "Expand", "ConstantOfShape", "Sqrt", "Erf", "Exp", "Log",
    "Pow", "Softplus"};

constexpr double kRtol = 1e-3, kAtol = 1e-7;

struct Tensor {
  int32_t type = 0;
  std::vector<int64_t> shape;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

bool readTensor(const fs::path &path, Tensor &out, std::string &error) {
  auto bytes = dlc::readFile(path.string(), uint64_t(1) << 30);
  if (!bytes.ok()) {
    error = bytes.status().message();
    return false;
  }
  onnx::TensorProto t;
  if (!t.ParseFromArray(bytes->data(), static_cast<int>(bytes->size()))) {
    error = path.string() + ": not a TensorProto";
    return false;
  }
  out.type = t.data_type();
  out.shape.assign(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : out.shape)
    n *= d;
  const std::string &raw = t.raw_data();
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    out.floats.resize(n);
    if (!raw.empty() && raw.size() == size_t(n) * 4)
      std::memcpy(out.floats.data(), raw.data(), raw.size());
    else if (t.float_data_size() == n)
      std::copy(t.float_data().begin(), t.float_data().end(),
                out.floats.begin());
    else {
      error = path.string() + ": float data does not match its shape";
      return false;
    }
    return true;
  }
  if (t.data_type() == onnx::TensorProto::INT64) {
    out.ints.resize(n);
    if (!raw.empty() && raw.size() == size_t(n) * 8)
      std::memcpy(out.ints.data(), raw.data(), raw.size());
    else if (t.int64_data_size() == n)
      std::copy(t.int64_data().begin(), t.int64_data().end(),
                out.ints.begin());
    else {
      error = path.string() + ": int64 data does not match its shape";
      return false;
    }
    return true;
  }
  error = path.string() + ": data type " + std::to_string(t.data_type()) +
          " is not read by this driver";
  return false;
}

/// dlc's shape of an ONNX tensor: scalars are [1] tensors in dlc.
std::vector<int64_t> dlcShape(const std::vector<int64_t> &onnxShape) {
  return onnxShape.empty() ? std::vector<int64_t>{1} : onnxShape;
}

enum class Outcome { Passed, Failed, NotSupported };

struct Result {
  std::string test, op;
  Outcome outcome;
  std::string reason;
};

std::vector<fs::path> dataSets(const fs::path &dir) {
  std::vector<fs::path> sets;
  for (const auto &e : fs::directory_iterator(dir))
    if (e.is_directory() &&
        e.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  return sets;
}

/// Runs one test directory; `op` is set to the op it is counted under.
Result runTest(const fs::path &dir, const onnx::ModelProto &model,
               const std::string &op) {
  Result r{dir.parent_path().filename().string() + "/" +
               dir.filename().string(),
           op, Outcome::Failed, ""};
  std::set<std::string> inits;
  for (const auto &i : model.graph().initializer())
    inits.insert(i.name());
  std::vector<std::string> fed; // Graph inputs the data sets provide.
  for (const auto &in : model.graph().input())
    if (!inits.count(in.name()))
      fed.push_back(in.name());
  std::vector<fs::path> sets = dataSets(dir);
  if (sets.empty()) {
    r.reason = "no test_data_set_* directory";
    return r;
  }

  // Integer inputs are bound to the first data set's values.
  dlc::ONNXConvertOptions options;
  std::vector<bool> bound(fed.size(), false);
  std::string error;
  for (size_t k = 0; k < fed.size(); ++k) {
    Tensor t;
    fs::path p = sets[0] / ("input_" + std::to_string(k) + ".pb");
    // Inputs of other types are left to the converter, which explains
    // what it does not support about them.
    if (readTensor(p, t, error) && t.type == onnx::TensorProto::INT64) {
      options.bindings[fed[k]] = {t.shape, t.ints};
      bound[k] = true;
    }
  }
  auto bytes = dlc::readFile((dir / "model.onnx").string(), uint64_t(1) << 31);
  if (!bytes.ok()) {
    r.reason = bytes.status().message();
    return r;
  }
  auto converted = dlc::convertONNXToDlc(bytes->data(), bytes->size(),
                                         "model.onnx", options);
  if (!converted.ok()) {
    r.outcome = Outcome::NotSupported;
    r.reason = converted.status().message();
    return r;
  }
  auto file = dlc::ModelFile::fromBuffer(std::move(*converted), "model.fb");
  if (!file.ok()) {
    r.reason = file.status().message();
    return r;
  }
  dlc::CompileOptions compile;
  // The compiled batch is dim 0 of the first input (static in these tests);
  // an empty first input has no batch, so it runs whole at batch 1.
  for (size_t k = 0; k < fed.size(); ++k) {
    if (bound[k])
      continue;
    Tensor t;
    if (readTensor(sets[0] / ("input_" + std::to_string(k) + ".pb"), t,
                   error) &&
        !t.shape.empty())
      compile.batchSize = std::max<int64_t>(t.shape[0], 1);
    break;
  }
  auto compiled = dlc::jitCompile(**file, compile);
  if (!compiled.ok()) {
    r.reason = compiled.status().message();
    return r;
  }
  for (const fs::path &set : sets) {
    // Fed the way users feed `dlc run`: ONNX's shapes, a scalar as [1].
    std::vector<dlc::HostTensor> inputs;
    for (size_t k = 0; k < fed.size(); ++k) {
      if (bound[k])
        continue;
      Tensor t;
      if (!readTensor(set / ("input_" + std::to_string(k) + ".pb"), t,
                      error)) {
        r.reason = error;
        return r;
      }
      auto host = dlc::HostTensor::fromVector(dlcShape(t.shape), t.floats);
      if (!host.ok()) {
        r.reason = host.status().message();
        return r;
      }
      inputs.push_back(std::move(*host));
    }
    auto outputs = (*compiled)->run(inputs);
    if (!outputs.ok()) {
      r.reason = outputs.status().message();
      return r;
    }
    for (size_t o = 0; o < outputs->size(); ++o) {
      Tensor want;
      if (!readTensor(set / ("output_" + std::to_string(o) + ".pb"), want,
                      error)) {
        r.reason = error;
        return r;
      }
      const dlc::HostTensor &got = (*outputs)[o];
      if (got.shape() != dlcShape(want.shape)) {
        r.reason = "output " + std::to_string(o) + " has shape " +
                   dlc::shapeToString(got.shape()) + ", expected " +
                   dlc::shapeToString(want.shape);
        return r;
      }
      for (size_t e = 0; e < want.floats.size(); ++e) {
        double g = got.data<float>()[e], w = want.floats[e];
        if (!(std::fabs(g - w) <= kAtol + kRtol * std::fabs(w))) {
          r.reason = set.filename().string() + " output " +
                     std::to_string(o) + " element " + std::to_string(e) +
                     ": got " + std::to_string(g) + ", expected " +
                     std::to_string(w);
          return r;
        }
      }
    }
  }
  r.outcome = Outcome::Passed;
  return r;
}

} // namespace

int main(int argc, char **argv) {
  fs::path root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data";
  std::vector<Result> results;
  for (const char *group : {"node", "pytorch-converted"}) {
    fs::path dir = root / group;
    if (!fs::is_directory(dir)) {
      std::fprintf(stderr,
                   "onnx_conformance: %s is missing; install Debian's "
                   "libonnx-testdata (scripts/install-deps.sh)\n",
                   dir.string().c_str());
      return 1;
    }
    std::vector<fs::path> tests;
    for (const auto &e : fs::directory_iterator(dir))
      if (e.is_directory())
        tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());
    for (const fs::path &test : tests) {
      auto bytes = dlc::readFile((test / "model.onnx").string(),
                                 uint64_t(1) << 31);
      onnx::ModelProto model;
      if (!bytes.ok() ||
          !model.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())))
        continue;
      std::string op;
      bool listed = model.graph().node_size() > 0;
      for (const auto &node : model.graph().node()) {
        listed = listed && kListedOps.count(node.op_type());
        if (op.empty() && node.op_type() != "Constant")
          op = node.op_type();
      }
      if (!listed)
        continue;
      if (op.empty())
        op = "Constant";
      results.push_back(runTest(test, model, op));
      const Result &r = results.back();
      std::fprintf(stderr, "%-60s %s\n", r.test.c_str(),
                   r.outcome == Outcome::Passed   ? "passed"
                   : r.outcome == Outcome::Failed ? "FAILED"
                                                  : "not supported");
    }
  }

  std::map<std::string, int[3]> table;
  int totals[3] = {0, 0, 0};
  for (const Result &r : results) {
    table[r.op][int(r.outcome)]++;
    totals[int(r.outcome)]++;
  }
  std::printf("\nONNX backend tests (rtol %g, atol %g)\n\n", kRtol, kAtol);
  std::printf("| op | passed | failed | not supported |\n|---|---|---|---|\n");
  for (const auto &[op, n] : table)
    std::printf("| %s | %d | %d | %d |\n", op.c_str(), n[0], n[1], n[2]);
  std::printf("| **total** | %d | %d | %d |\n\n", totals[0], totals[1],
              totals[2]);
  for (Outcome kind : {Outcome::Failed, Outcome::NotSupported}) {
    for (const Result &r : results)
      if (r.outcome == kind)
        std::printf("%s %s: %s\n",
                    kind == Outcome::Failed ? "FAILED" : "not supported",
                    r.test.c_str(), r.reason.c_str());
  }
  return totals[1] == 0 ? 0 : 1;
}
