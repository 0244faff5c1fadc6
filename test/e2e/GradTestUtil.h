// Machinery of the training-op tests: each test writes one small MLIR
// function `@infer` holding a single training op (gradient, loss or
// optimizer update), compiles it through the compiler's real pipeline
// (linalg with tiling and vectorization, bufferization with a planned
// workspace, LLVM, JIT) and compares its outputs with plain double-precision
// loops written in the test. Unlike the model-level tests these ops have no
// model-file form, so the function is parsed from text.
#ifndef DLC_TEST_E2E_GRADTESTUTIL_H
#define DLC_TEST_E2E_GRADTESTUTIL_H

#include "E2ETestUtil.h"
#include "dlc/runtime/dlc_abi.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dlc::e2e {

/// A dense row-major host tensor of f32 (or, for class indices, i32).
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> f;
  std::vector<int32_t> i;
  bool isInt = false;

  static Tensor zeros(std::vector<int64_t> shape);
  static Tensor random(Random &rng, std::vector<int64_t> shape, float lo = -1,
                       float hi = 1);
  static Tensor classes(Random &rng, int64_t n, int64_t numClasses);
  int64_t size() const;
  /// Its MLIR type, e.g. "tensor<2x3xf32>".
  std::string type() const;
  void *data() { return isInt ? static_cast<void *>(i.data()) : f.data(); }
};

/// "tensor<2x3xf32>" for any shape (rank 0 gives "tensor<f32>").
std::string tensorType(const std::vector<int64_t> &shape,
                       const std::string &element = "f32");

/// A module with `func.func @infer(%a0: args[0], ...) -> results` whose body
/// is `body` (which must define %r, or %r:k for k results) and the return.
std::string singleOpModule(const std::vector<std::string> &argTypes,
                           const std::vector<std::string> &resultTypes,
                           const std::string &body);

/// One MLIR function compiled to host code. Owns its context and engine.
class JitFunction {
public:
  ~JitFunction();
  /// Parses and compiles `source`; a failure carries the diagnostics.
  static ::testing::AssertionResult compile(const std::string &source,
                                            std::unique_ptr<JitFunction> &out);
  /// Runs on `inputs` (in argument order) and returns the results.
  /// Runs on one thread and on a pool of three; fails the test unless both
  /// agree bit for bit.
  std::vector<Tensor> run(std::vector<Tensor> &inputs) const;
  /// One call, lending the model `parallel` (may be null).
  std::vector<Tensor> runOnce(std::vector<Tensor> &inputs,
                              const dlc_parallel *parallel) const;
  /// Best wall time of `repeats` runs, in milliseconds.
  double timeMs(std::vector<Tensor> &inputs, int repeats) const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Compares `got` with `want` element by element: |got - want| <= tolerance *
/// max(1, |want|) + accumulation * scale[i], where `scale` (if given) is the
/// sum of the absolute values of the terms `want[i]` adds up, which bounds
/// the rounding error of a long float reduction. Names the worst element.
::testing::AssertionResult near(const std::string &what, const Tensor &got,
                                const std::vector<double> &want,
                                const std::vector<double> *scale = nullptr,
                                double tolerance = 1e-4,
                                double accumulation = 2e-6);

/// Row-major linear index of `idx` in `shape`.
int64_t linear(const std::vector<int64_t> &shape,
               std::initializer_list<int64_t> idx);

} // namespace dlc::e2e

#endif // DLC_TEST_E2E_GRADTESTUTIL_H
