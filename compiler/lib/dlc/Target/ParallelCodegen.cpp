//===- ParallelCodegen.cpp - optimize and compile kernels on every core ---===//
//
// LLVM's optimizer and code generator work on one module on one thread, and
// their time grows with the code. A model's module is a set of kernel
// functions (--dlc-outline-kernels) that only call each other through the
// entry, so it splits cleanly by function: each partition is cloned into a
// module of its own, carried to a worker thread as bitcode (an LLVMContext
// is not thread-safe), optimized and compiled to an object there. The
// objects link back together like the parts of any program.
//
// Partitions are balanced by instruction count (largest first, onto the
// least loaded partition), so one huge kernel does not sit beside many
// others; there are a few per thread, so a thread that finishes early takes
// the next.
//
//===----------------------------------------------------------------------===//

#include "dlc/Target/Target.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/Utils/Cloning.h"
#include "llvm/Transforms/Utils/ValueMapper.h"

#include <chrono>
#include <mutex>
#include <thread>

namespace dlc {

namespace {

/// Constants at most this large are copied into every partition that reads
/// them, so that each partition's optimizer can still see their values.
constexpr uint64_t kCopiedConstantBytes = 4096;

/// Partitions per thread: enough to balance uneven kernels.
constexpr unsigned kPartitionsPerThread = 3;

bool isCopiedConstant(const llvm::GlobalValue &gv) {
  auto *var = llvm::dyn_cast<llvm::GlobalVariable>(&gv);
  if (!var || !var->isConstant() || !var->hasInitializer() ||
      !var->hasLocalLinkage())
    return false;
  const llvm::DataLayout &dl = var->getParent()->getDataLayout();
  return dl.getTypeAllocSize(var->getValueType()) <= kCopiedConstantBytes;
}

/// Makes every local definition that is not copied per partition visible
/// to the other partitions. Default visibility: the JIT may place
/// partitions far apart, so calls between them go through the PLT (a
/// shared library binds them locally, see linkObjects).
void externalizeLocals(llvm::Module &m) {
  unsigned unnamed = 0;
  auto externalize = [&](llvm::GlobalValue &gv) {
    if (!gv.hasLocalLinkage() || gv.isDeclaration() || isCopiedConstant(gv))
      return;
    if (!gv.hasName())
      gv.setName("dlc_local_" + llvm::Twine(unnamed++));
    gv.setLinkage(llvm::GlobalValue::ExternalLinkage);
    gv.setVisibility(llvm::GlobalValue::DefaultVisibility);
  };
  for (llvm::Function &f : m)
    externalize(f);
  for (llvm::GlobalVariable &g : m.globals())
    externalize(g);
}

size_t instructionCount(const llvm::Function &f) {
  size_t n = 0;
  for (const llvm::BasicBlock &bb : f)
    n += bb.size();
  return n;
}

/// Assigns each defined function to one of at most `maxParts` partitions,
/// balancing instruction counts. Returns the number of partitions used.
unsigned assignPartitions(llvm::Module &m, unsigned maxParts,
                          llvm::DenseMap<const llvm::GlobalValue *, unsigned> &part,
                          std::vector<size_t> &load) {
  std::vector<std::pair<size_t, llvm::Function *>> functions;
  for (llvm::Function &f : m)
    if (!f.isDeclaration())
      functions.push_back({instructionCount(f), &f});
  // Largest first; ties by module order (stable) for determinism.
  std::stable_sort(functions.begin(), functions.end(),
                   [](auto &a, auto &b) { return a.first > b.first; });
  unsigned parts = std::max<unsigned>(
      1, std::min<unsigned>(maxParts, functions.size()));
  load.assign(parts, 0);
  for (auto &[size, f] : functions) {
    unsigned best = std::min_element(load.begin(), load.end()) - load.begin();
    part[f] = best;
    load[best] += size + 1;
  }
  // Globals that are not copied live with partition 0.
  for (llvm::GlobalVariable &g : m.globals())
    if (!g.isDeclaration() && !isCopiedConstant(g))
      part[&g] = 0;
  for (llvm::GlobalAlias &a : m.aliases())
    part[&a] = 0;
  return parts;
}

/// Optimizes and compiles one partition (bitcode) in a context of its own.
llvm::Expected<std::string> compilePartition(llvm::StringRef bitcode) {
  llvm::LLVMContext ctx;
  auto module = llvm::parseBitcodeFile(
      llvm::MemoryBufferRef(bitcode, "dlc-partition"), ctx);
  if (!module)
    return module.takeError();
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachine(error);
  if (!tm)
    return llvm::createStringError(error);
  optimizeModule(**module, *tm);
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr,
                              llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the host target cannot emit objects");
  pm.run(**module);
  return std::string(object.begin(), object.end());
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

} // namespace

llvm::Expected<std::vector<std::string>>
compileToObjects(std::unique_ptr<llvm::Module> module,
                 const CodegenOptions &options, CodegenStats *stats) {
  auto start = std::chrono::steady_clock::now();
  unsigned threads = options.threads
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  externalizeLocals(*module);
  llvm::DenseMap<const llvm::GlobalValue *, unsigned> part;
  std::vector<size_t> load;
  unsigned parts = assignPartitions(
      *module, threads == 1 ? 1 : threads * kPartitionsPerThread, part, load);

  std::vector<std::string> bitcode(parts);
  for (unsigned p = 0; p < parts; ++p) {
    llvm::ValueToValueMapTy map;
    std::unique_ptr<llvm::Module> clone = llvm::CloneModule(
        *module, map, [&](const llvm::GlobalValue *gv) {
          if (isCopiedConstant(*gv))
            return true;
          auto it = part.find(gv);
          return it != part.end() && it->second == p;
        });
    llvm::raw_string_ostream os(bitcode[p]);
    llvm::WriteBitcodeToFile(*clone, os);
  }
  module.reset();

  // The biggest partitions start first.
  std::vector<unsigned> order(parts);
  for (unsigned p = 0; p < parts; ++p)
    order[p] = p;
  std::stable_sort(order.begin(), order.end(),
                   [&](unsigned a, unsigned b) { return load[a] > load[b]; });
  std::vector<std::string> objects(parts);
  std::string firstError;
  std::mutex errorMutex;
  {
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency(threads));
    for (unsigned p : order)
      pool.async([&, p] {
        llvm::Expected<std::string> object = compilePartition(bitcode[p]);
        if (object) {
          objects[p] = std::move(*object);
          std::string().swap(bitcode[p]);
          return;
        }
        std::lock_guard<std::mutex> lock(errorMutex);
        std::string message = llvm::toString(object.takeError());
        if (firstError.empty())
          firstError = message;
      });
    pool.wait();
  }
  if (!firstError.empty())
    return llvm::createStringError(firstError);
  if (stats) {
    stats->partitions = parts;
    stats->threads = std::min(threads, parts);
    stats->codegenSeconds = secondsSince(start);
  }
  return objects;
}

} // namespace dlc
