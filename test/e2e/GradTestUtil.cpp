#include "GradTestUtil.h"

#include "dlc/Codegen/Passes.h"
#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Pipelines/Pipelines.h"
#include "dlc/Target/Target.h"
#include "dlc/runtime/ThreadPool.h"
#include "dlc/runtime/dlc_abi.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace dlc::e2e {

Tensor Tensor::zeros(std::vector<int64_t> shape) {
  Tensor t;
  t.shape = std::move(shape);
  t.f.assign(size_t(t.size()), 0.0f);
  return t;
}

Tensor Tensor::random(Random &rng, std::vector<int64_t> shape, float lo,
                      float hi) {
  Tensor t;
  t.shape = std::move(shape);
  t.f = rng.floats(size_t(t.size()), lo, hi);
  return t;
}

Tensor Tensor::classes(Random &rng, int64_t n, int64_t numClasses) {
  Tensor t;
  t.shape = {n};
  t.isInt = true;
  for (int64_t k = 0; k < n; ++k)
    t.i.push_back(int32_t(rng.intIn(0, numClasses - 1)));
  return t;
}

int64_t Tensor::size() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string Tensor::type() const {
  return tensorType(shape, isInt ? "i32" : "f32");
}

std::string tensorType(const std::vector<int64_t> &shape,
                       const std::string &element) {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + element + ">";
}

std::string singleOpModule(const std::vector<std::string> &argTypes,
                           const std::vector<std::string> &resultTypes,
                           const std::string &body) {
  std::ostringstream os;
  os << "func.func @infer(";
  for (size_t i = 0; i < argTypes.size(); ++i)
    os << (i ? ", " : "") << "%a" << i << ": " << argTypes[i];
  os << ") -> (";
  for (size_t i = 0; i < resultTypes.size(); ++i)
    os << (i ? ", " : "") << resultTypes[i];
  os << ") {\n  " << body << "\n  return ";
  for (size_t i = 0; i < resultTypes.size(); ++i)
    os << (i ? ", " : "") << "%r"
       << (resultTypes.size() > 1 ? "#" + std::to_string(i) : "");
  os << " : ";
  for (size_t i = 0; i < resultTypes.size(); ++i)
    os << (i ? ", " : "") << resultTypes[i];
  os << "\n}\n";
  return os.str();
}

//===----------------------------------------------------------------------===//
// JitFunction
//===----------------------------------------------------------------------===//

struct JitFunction::Impl {
  mlir::MLIRContext ctx;
  std::unique_ptr<JitCode> engine;
  dlc_model_infer_fn infer = nullptr;
  ModelSignature signature;
};

JitFunction::~JitFunction() = default;

::testing::AssertionResult
JitFunction::compile(const std::string &source,
                     std::unique_ptr<JitFunction> &out) {
  auto fn = std::unique_ptr<JitFunction>(new JitFunction());
  fn->impl_ = std::make_unique<Impl>();
  mlir::MLIRContext &ctx = fn->impl_->ctx;
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<DlcDialect>();
  ctx.appendDialectRegistry(registry);
  ctx.loadAllAvailableDialects();
  registerAllDlcPasses();

  std::string errors;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(errors);
    os << d.getLocation() << ": " << d.str() << "\n";
    return mlir::success();
  });
  auto failure = [&](const char *stage) {
    return ::testing::AssertionFailure()
           << stage << " failed:\n" << errors << "\nsource:\n" << source;
  };
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &ctx);
  if (!module)
    return failure("parsing");

  // The sequence of Compiler.cpp: linalg, signature at tensor level, then
  // bufferization and the LLVM dialect.
  PipelineOptions options;
  mlir::PassManager pm(&ctx);
  buildLinalgPipeline(pm, options);
  if (mlir::failed(pm.run(*module)))
    return failure("lowering to linalg");
  auto signature = readSignature(*module, options.entry, 1);
  if (mlir::failed(signature))
    return failure("reading the signature");
  fn->impl_->signature = *signature;
  mlir::PassManager late(&ctx);
  buildBufferizePipeline(late, options);
  buildLLVMPipeline(late, options);
  if (mlir::failed(late.run(*module)))
    return failure("bufferization and lowering to LLVM");
  if (mlir::Operation *entry = module->lookupSymbol(options.entry))
    if (auto bytes = entry->getAttrOfType<mlir::IntegerAttr>(kWorkspaceBytesAttr))
      fn->impl_->signature.workspaceBytes = bytes.getInt();

  auto engine = jitCompile(*module, options.entry, fn->impl_->signature);
  if (!engine) {
    errors += llvm::toString(engine.takeError());
    return failure("JIT compilation");
  }
  fn->impl_->engine = std::move(*engine);
  auto infer = fn->impl_->engine->lookup("dlc_model_infer");
  if (!infer) {
    errors += llvm::toString(infer.takeError());
    return failure("looking up dlc_model_infer");
  }
  fn->impl_->infer = reinterpret_cast<dlc_model_infer_fn>(*infer);
  out = std::move(fn);
  return ::testing::AssertionSuccess();
}

namespace {
struct Workspace {
  explicit Workspace(int64_t bytes)
      : storage(size_t(bytes) + 64), ptr(storage.data()) {
    auto address = reinterpret_cast<uintptr_t>(ptr);
    ptr += (64 - address % 64) % 64;
  }
  std::vector<char> storage;
  char *ptr;
};
} // namespace

std::vector<Tensor>
JitFunction::runOnce(std::vector<Tensor> &inputs,
                     const dlc_parallel *parallel) const {
  std::vector<Tensor> outputs;
  for (const TensorSignature &s : impl_->signature.outputs) {
    Tensor t = Tensor::zeros(s.shape);
    // NaN marks anything the compiled code forgets to write.
    std::fill(t.f.begin(), t.f.end(), std::nanf(""));
    outputs.push_back(std::move(t));
  }
  std::vector<void *> in, out;
  for (Tensor &t : inputs)
    in.push_back(t.data());
  for (Tensor &t : outputs)
    out.push_back(t.data());
  Workspace workspace(impl_->signature.workspaceBytes);
  impl_->infer(in.data(), out.data(), workspace.ptr, parallel);
  return outputs;
}

namespace {
bool sameBits(const Tensor &a, const Tensor &b) {
  return a.shape == b.shape && a.f.size() == b.f.size() &&
         a.i.size() == b.i.size() &&
         std::memcmp(a.f.data(), b.f.data(), a.f.size() * sizeof(float)) ==
             0 &&
         std::memcmp(a.i.data(), b.i.data(), a.i.size() * sizeof(int32_t)) ==
             0;
}
} // namespace

std::vector<Tensor> JitFunction::run(std::vector<Tensor> &inputs) const {
  // Every call runs twice: on the calling thread alone, and with each
  // kernel's tasks shared among threads of the pool (on copies of the
  // inputs, which a training step updates in place). Tasks write disjoint
  // parts of their results with the same arithmetic, so both runs must
  // agree bit for bit.
  std::vector<Tensor> alone = inputs;
  std::vector<Tensor> expected = runOnce(alone, nullptr);
  dlc::KernelThreads threads(3);
  std::vector<Tensor> outputs = runOnce(inputs, threads.parallel());
  for (size_t k = 0; k < outputs.size(); ++k)
    if (!sameBits(outputs[k], expected[k]))
      ADD_FAILURE() << "output " << k
                    << " differs between one thread and a shared pool";
  for (size_t k = 0; k < inputs.size(); ++k)
    if (!sameBits(inputs[k], alone[k]))
      ADD_FAILURE() << "updated input " << k
                    << " differs between one thread and a shared pool";
  return outputs;
}

double JitFunction::timeMs(std::vector<Tensor> &inputs, int repeats) const {
  std::vector<Tensor> outputs = run(inputs);
  std::vector<void *> in, out;
  for (Tensor &t : inputs)
    in.push_back(t.data());
  for (Tensor &t : outputs)
    out.push_back(t.data());
  Workspace workspace(impl_->signature.workspaceBytes);
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    impl_->infer(in.data(), out.data(), workspace.ptr, nullptr);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  // The best run: the machine is shared, and slower runs measure the
  // neighbours rather than the code.
  return *std::min_element(times.begin(), times.end());
}

//===----------------------------------------------------------------------===//
// Comparison
//===----------------------------------------------------------------------===//

::testing::AssertionResult near(const std::string &what, const Tensor &got,
                                const std::vector<double> &want,
                                const std::vector<double> *scale,
                                double tolerance, double accumulation) {
  if (got.f.size() != want.size())
    return ::testing::AssertionFailure()
           << what << ": " << got.f.size() << " values, expected "
           << want.size();
  double worst = -1;
  size_t worstAt = 0;
  for (size_t k = 0; k < want.size(); ++k) {
    double allowed = tolerance * std::max(1.0, std::fabs(want[k]));
    if (scale)
      allowed += accumulation * (*scale)[k];
    double err = std::fabs(double(got.f[k]) - want[k]);
    // NaN never passes.
    double excess = std::isnan(err) ? 1e300 : err / allowed;
    if (excess > worst) {
      worst = excess;
      worstAt = k;
    }
  }
  if (worst <= 1.0)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << what << ": element " << worstAt << " is " << got.f[worstAt]
         << ", expected " << want[worstAt] << " (" << worst
         << "x the allowed error)";
}

int64_t linear(const std::vector<int64_t> &shape,
               std::initializer_list<int64_t> idx) {
  int64_t k = 0;
  size_t d = 0;
  for (int64_t i : idx)
    k = k * shape[d++] + i;
  return k;
}

} // namespace dlc::e2e
