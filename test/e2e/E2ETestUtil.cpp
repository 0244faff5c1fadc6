#include "E2ETestUtil.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

namespace dlc::e2e {

//===----------------------------------------------------------------------===//
// Random
//===----------------------------------------------------------------------===//

float Random::uniform(float lo, float hi) {
  double unit = double(gen_() >> 8) / double(1 << 24);
  return float(lo + (double(hi) - double(lo)) * unit);
}

int64_t Random::intIn(int64_t lo, int64_t hi) {
  uint64_t span = uint64_t(hi - lo) + 1;
  return lo + int64_t(uint64_t(gen_()) % span);
}

bool Random::coin(double pTrue) { return uniform(0.0f, 1.0f) < pTrue; }

std::vector<float> Random::floats(size_t count, float lo, float hi) {
  std::vector<float> values(count);
  for (float &v : values)
    v = uniform(lo, hi);
  return values;
}

uint32_t seedFor(const std::string &testName) {
  // FNV-1a: stable across platforms, unlike std::hash.
  uint32_t h = 2166136261u;
  for (unsigned char c : testName)
    h = (h ^ c) * 16777619u;
  return h;
}

uint32_t testSeed() {
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string key = std::string(info->test_suite_name()) + "." + info->name();
  // DLC_E2E_SEED=<anything> draws other cases, for exploring beyond the
  // fixed ones (a failure message names the case, and DLC_E2E_DUMP_DIR keeps
  // the model).
  if (const char *salt = std::getenv("DLC_E2E_SEED"))
    key += std::string("#") + salt;
  return seedFor(key);
}

//===----------------------------------------------------------------------===//
// Error table
//===----------------------------------------------------------------------===//

namespace {

struct FamilyStats {
  double maxScaled = 0; // max |a-b| / max(1, |b|)
  double maxAbs = 0;
  int64_t outputs = 0, elements = 0;
};

struct Stats {
  std::mutex mutex;
  std::map<std::string, FamilyStats> families;
  int64_t compiles = 0;
  double compileSeconds = 0;
};

Stats &stats() {
  static Stats s;
  return s;
}

/// Prints the table when the test program ends.
class ErrorTableEnvironment : public ::testing::Environment {
public:
  void TearDown() override {
    Stats &s = stats();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.families.empty())
      return;
    std::printf("\n[e2e] max error per family (|got-want| / max(1,|want|), "
                "and absolute):\n");
    for (const auto &[name, f] : s.families)
      std::printf("[e2e]   %-22s scaled %.3g  abs %.3g  (%lld outputs, %lld "
                  "values)\n",
                  name.c_str(), f.maxScaled, f.maxAbs, (long long)f.outputs,
                  (long long)f.elements);
    std::printf("[e2e] %lld JIT compiles, %.2f s in total\n",
                (long long)s.compiles, s.compileSeconds);
  }
};

[[maybe_unused]] const auto *registered =
    ::testing::AddGlobalTestEnvironment(new ErrorTableEnvironment);

} // namespace

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

std::string str(const std::vector<int64_t> &shape) {
  return ref::shapeToString(shape);
}

const char *paddingName(fb::Padding p) { return fb::EnumNamePadding(p); }
const char *activationName(fb::Activation a) {
  return fb::EnumNameActivation(a);
}

ref::RefTensor toRef(const HostTensor &t) {
  ref::RefTensor r;
  r.shape = t.shape();
  const float *p = t.data<float>();
  r.data.assign(p, p + t.numElements());
  return r;
}

HostTensor toHost(const ref::RefTensor &t) {
  StatusOr<HostTensor> h = HostTensor::fromVector(t.shape, t.data);
  if (!h.ok()) {
    ADD_FAILURE() << h.status().message();
    return HostTensor();
  }
  return std::move(*h);
}

int32_t addRandomWeight(ModelBuilder &b, Random &rng, const std::string &name,
                        std::vector<int64_t> shape, float lo, float hi) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return b.addWeight(name, std::move(shape), rng.floats(size_t(n), lo, hi));
}

::testing::AssertionResult compile(const ModelBuilder &model,
                                   const CompileOptions &options,
                                   Compiled &out) {
  StatusOr<std::vector<uint8_t>> bytes = model.serialize();
  if (!bytes.ok())
    return ::testing::AssertionFailure() << bytes.status().message();
  auto file = ModelFile::fromBuffer(std::move(*bytes), "e2e.fb");
  if (!file.ok())
    return ::testing::AssertionFailure()
           << "invalid test model: " << file.status().message();
  auto start = std::chrono::steady_clock::now();
  auto compiled = jitCompile(**file, options);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  {
    std::lock_guard<std::mutex> lock(stats().mutex);
    stats().compiles++;
    stats().compileSeconds += seconds;
  }
  if (!compiled.ok())
    return ::testing::AssertionFailure()
           << "compile failed (batch " << options.batchSize << ", fuse "
           << options.fuse << "): " << compiled.status().message();
  out.file = std::move(*file);
  out.model = std::move(*compiled);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult compileToText(const ModelBuilder &model,
                                         const CompileOptions &options,
                                         EmitKind kind, std::string &out) {
  auto file = ModelFile::fromBuffer(model.finish(), "e2e.fb");
  if (!file.ok())
    return ::testing::AssertionFailure()
           << "invalid test model: " << file.status().message();
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("dlc-e2e", "mlir", path))
    return ::testing::AssertionFailure() << "cannot create a temporary file";
  Status s = compileModel(**file, options, kind, path.str().str());
  std::ifstream in(path.str().str());
  out.assign(std::istreambuf_iterator<char>(in), {});
  llvm::sys::fs::remove(path);
  if (!s.ok())
    return ::testing::AssertionFailure() << s.message();
  return ::testing::AssertionSuccess();
}

int64_t countOf(const std::string &text, const std::string &needle) {
  int64_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

::testing::AssertionResult compareTensor(const std::string &family,
                                         const std::string &what,
                                         const HostTensor &got,
                                         const ref::RefTensor &want,
                                         double tolerance) {
  if (got.shape() != want.shape)
    return ::testing::AssertionFailure()
           << what << ": shape " << str(got.shape()) << ", reference "
           << str(want.shape);
  const float *g = got.data<float>();
  double worst = 0, worstAbs = 0;
  int64_t worstAt = -1;
  for (int64_t i = 0; i < got.numElements(); ++i) {
    double a = g[i], b = want.data[size_t(i)];
    double scaled;
    if (std::isnan(a) || std::isnan(b))
      scaled = std::isnan(a) && std::isnan(b) ? 0.0 : INFINITY;
    else if (std::isinf(a) || std::isinf(b))
      scaled = a == b ? 0.0 : INFINITY;
    else
      scaled = std::fabs(a - b) / std::max(1.0, std::fabs(b));
    if (scaled > worst || worstAt < 0) {
      worst = scaled;
      worstAt = i;
    }
    if (std::isfinite(a - b))
      worstAbs = std::max(worstAbs, std::fabs(a - b));
  }
  {
    std::lock_guard<std::mutex> lock(stats().mutex);
    FamilyStats &f = stats().families[family];
    f.maxScaled = std::max(f.maxScaled, worst);
    f.maxAbs = std::max(f.maxAbs, worstAbs);
    f.outputs++;
    f.elements += got.numElements();
  }
  if (worst <= tolerance)
    return ::testing::AssertionSuccess();
  // Spell out the multi-index of the worst element: it usually points at
  // the bug (a border column, the last channel tile, the last batch chunk).
  std::vector<int64_t> index(want.shape.size());
  int64_t rest = worstAt;
  for (size_t d = want.shape.size(); d-- > 0;) {
    index[d] = want.shape[d] ? rest % want.shape[d] : 0;
    rest = want.shape[d] ? rest / want.shape[d] : 0;
  }
  return ::testing::AssertionFailure()
         << what << ": error " << worst << " > " << tolerance << " at "
         << str(index) << " of " << str(want.shape) << ": got " << g[worstAt]
         << ", reference " << want.data[size_t(worstAt)];
}

::testing::AssertionResult compareRun(const std::string &family,
                                      const CompiledModel &compiled,
                                      const std::vector<uint8_t> &modelBytes,
                                      const std::vector<ref::RefTensor> &inputs,
                                      double tolerance,
                                      const RunOptions &options) {
  std::vector<HostTensor> hostInputs;
  for (const ref::RefTensor &t : inputs)
    hostInputs.push_back(toHost(t));
  auto got = compiled.run(hostInputs, options);
  if (!got.ok())
    return ::testing::AssertionFailure()
           << "run failed: " << got.status().message();
  std::vector<ref::RefTensor> want;
  ref::ReferenceInterpreter interpreter;
  std::string error =
      interpreter.run(modelBytes.data(), modelBytes.size(), inputs, want);
  if (!error.empty())
    return ::testing::AssertionFailure() << "reference failed: " << error;
  if (got->size() != want.size())
    return ::testing::AssertionFailure()
           << got->size() << " outputs, reference " << want.size();
  const dlc_model_desc &desc = compiled.desc();
  for (size_t i = 0; i < want.size(); ++i) {
    std::string what = "output " + std::to_string(i);
    if (int64_t(i) < desc.num_outputs && desc.outputs[i].name)
      what += std::string(" '") + desc.outputs[i].name + "'";
    auto result = compareTensor(family, what, (*got)[i], want[i], tolerance);
    if (!result)
      return result;
  }
  return ::testing::AssertionSuccess();
}

std::string saveToDumpDir(const std::vector<uint8_t> &bytes, bool *written) {
  const char *dir = std::getenv("DLC_E2E_DUMP_DIR");
  if (!dir || !*dir)
    return "";
  static int counter = 0;
  const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = std::string(dir) + "/" + info->test_suite_name() + "." +
                     info->name() + "." + std::to_string(counter++) + ".fb";
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(bytes.data()),
            std::streamsize(bytes.size()));
  if (written)
    *written = bool(out);
  return path;
}

namespace {

/// A note for a failure message: where the failing model was saved.
std::string dumpFailingModel(const std::vector<uint8_t> &bytes) {
  bool written = false;
  std::string path = saveToDumpDir(bytes, &written);
  if (path.empty())
    return " (set DLC_E2E_DUMP_DIR to save the model)";
  return written ? " (model saved as " + path + ")"
                 : " (cannot write " + path + ")";
}

} // namespace

::testing::AssertionResult matchesReference(const ModelBuilder &model,
                                            const CheckOptions &check,
                                            Random &rng) {
  std::vector<uint8_t> bytes = model.finish();
  Compiled compiled;
  if (auto ok = compile(model, check.compile, compiled); !ok)
    return ok << dumpFailingModel(bytes);
  const fb::ModelT &m = model.model();
  std::vector<int64_t> batches = check.runBatches;
  if (batches.empty())
    batches.push_back(check.compile.batchSize);
  for (int64_t batch : batches) {
    std::vector<ref::RefTensor> inputs;
    for (size_t i = 0; i < m.graph->inputs.size(); ++i) {
      const fb::TensorT &t = *m.graph->tensors[size_t(m.graph->inputs[i])];
      ref::RefTensor input;
      input.shape = t.shape;
      if (!input.shape.empty() && input.shape[0] == -1)
        input.shape[0] = batch;
      input.data.resize(size_t(ref::numElements(input.shape)));
      for (float &v : input.data)
        v = check.sample ? check.sample(rng, i)
                         : rng.uniform(check.lo, check.hi);
      inputs.push_back(std::move(input));
    }
    auto result = compareRun(check.family, *compiled.model, bytes, inputs,
                             check.tolerance);
    if (!result)
      return result << " [compiled batch " << check.compile.batchSize
                    << ", run batch " << batch << ", fuse "
                    << check.compile.fuse << "]" << dumpFailingModel(bytes);
  }
  return ::testing::AssertionSuccess();
}

} // namespace dlc::e2e
