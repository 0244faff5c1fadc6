// Shared machinery of the end-to-end differential tests: every test builds a
// small model with ModelBuilder, JIT-compiles it, runs it on seeded random
// inputs and compares each output with the reference interpreter
// (dlc_reference: plain loops, double accumulation), which shares no code
// with the compiler.
//
// Comparison rule: |got - want| <= tolerance * max(1, |want|), i.e. absolute
// near zero and relative for large values. The default tolerance 1e-4 is
// about 800 float ulps: far above the rounding of a float accumulation of a
// few hundred products (the largest reductions here), far below any real
// indexing or padding bug, which shows up as an O(1) difference.
//
// The largest error seen per op family is collected and printed when the
// test program ends, so a drift towards the tolerance is visible before it
// becomes a failure.
#ifndef DLC_TEST_E2E_E2ETESTUTIL_H
#define DLC_TEST_E2E_E2ETESTUTIL_H

#include "dlc/Compiler/Compiler.h"
#include "dlc/reference/reference.h"
#include "dlc/runtime/CompiledModel.h"
#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/ModelBuilder.h"
#include "dlc/runtime/ModelFile.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace dlc::e2e {

constexpr double kDefaultTolerance = 1e-4;

/// Seeded random numbers. std::mt19937's output is fixed by the standard but
/// the std distributions are not, so the mapping to floats and integers is
/// done here: the same seed gives the same cases with any standard library.
class Random {
public:
  explicit Random(uint32_t seed) : gen_(seed) {}

  /// Uniform in [lo, hi) from the top 24 bits (exact in a float).
  float uniform(float lo, float hi);
  /// Uniform integer in [lo, hi] (inclusive). The modulo bias is irrelevant
  /// for the tiny ranges used here.
  int64_t intIn(int64_t lo, int64_t hi);
  bool coin(double pTrue = 0.5);
  template <class T> const T &pick(const std::vector<T> &values) {
    return values[size_t(intIn(0, int64_t(values.size()) - 1))];
  }
  std::vector<float> floats(size_t count, float lo = -1.0f, float hi = 1.0f);

private:
  std::mt19937 gen_;
};

/// How one model is checked.
struct CheckOptions {
  /// Key of the max-error table (e.g. "conv2d").
  std::string family;
  /// compile.batchSize is the batch the code is specialized for.
  CompileOptions compile;
  /// Batch sizes fed at run time (the runtime chunks those that differ from
  /// compile.batchSize); empty means {compile.batchSize}.
  std::vector<int64_t> runBatches;
  double tolerance = kDefaultTolerance;
  /// Range of the uniform random inputs.
  float lo = -1.0f, hi = 1.0f;
  /// If set, draws one element of graph input `input` instead.
  std::function<float(Random &, size_t input)> sample;
};

/// Compiles `model`, runs it at every batch of `check.runBatches` on fresh
/// random inputs and compares all outputs with the reference interpreter.
/// The message of a failure names the output (tests name outputs after the
/// case they check), the batch, the worst element and its index.
::testing::AssertionResult matchesReference(const ModelBuilder &model,
                                            const CheckOptions &check,
                                            Random &rng);

/// A compiled model together with the file its JIT code reads weights from.
struct Compiled {
  std::unique_ptr<ModelFile> file;
  std::unique_ptr<CompiledModel> model;
};

/// Serializes and JIT-compiles; a failure carries the compiler's message.
::testing::AssertionResult compile(const ModelBuilder &model,
                                   const CompileOptions &options,
                                   Compiled &out);

/// Compiles to one of the MLIR text stages (EmitKind::Dlc, Linalg, ...) and
/// returns the text in `out`; used to check that a test exercises the code
/// path it is meant to (e.g. that a chain really became a fused, tiled op).
::testing::AssertionResult compileToText(const ModelBuilder &model,
                                         const CompileOptions &options,
                                         EmitKind kind, std::string &out);

/// Number of occurrences of `needle` in `text`.
int64_t countOf(const std::string &text, const std::string &needle);

/// Compares one compiled output with the reference value and records the
/// error under `family`.
::testing::AssertionResult compareTensor(const std::string &family,
                                         const std::string &what,
                                         const HostTensor &got,
                                         const ref::RefTensor &want,
                                         double tolerance);

/// Runs `compiled` and the reference on `inputs` and compares all outputs.
::testing::AssertionResult compareRun(const std::string &family,
                                      const CompiledModel &compiled,
                                      const std::vector<uint8_t> &modelBytes,
                                      const std::vector<ref::RefTensor> &inputs,
                                      double tolerance,
                                      const RunOptions &options = RunOptions());

ref::RefTensor toRef(const HostTensor &t);
HostTensor toHost(const ref::RefTensor &t);

/// A float32 weight of random values in [lo, hi).
int32_t addRandomWeight(ModelBuilder &b, Random &rng, const std::string &name,
                        std::vector<int64_t> shape, float lo = -1.0f,
                        float hi = 1.0f);

/// With DLC_E2E_DUMP_DIR set, saves a serialized model there (named after
/// the running test) to be replayed with `dlc compile`, `dlc-opt` or
/// `dlc train`, and returns its path; "" when the variable is unset.
/// `written` (if given) says whether the file could be written.
std::string saveToDumpDir(const std::vector<uint8_t> &bytes,
                          bool *written = nullptr);

/// "[2, 3, 4]".
std::string str(const std::vector<int64_t> &shape);
const char *paddingName(fb::Padding p);
const char *activationName(fb::Activation a);

/// Seed for a test: fixed, but different per test name, so that adding a
/// test does not change the cases of the others.
uint32_t seedFor(const std::string &testName);
/// seedFor() of the running GoogleTest test (and of $DLC_E2E_SEED if set).
uint32_t testSeed();

} // namespace dlc::e2e

#endif // DLC_TEST_E2E_E2ETESTUTIL_H
