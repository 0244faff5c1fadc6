//===- JitLinker.cpp - link compiled objects into this process ------------===//
//
// The JIT runs the same relocatable objects a shared library is linked
// from: ORC's LLJIT links them in memory, resolves memset/memcpy in the
// process, and binds each weight symbol to its bytes in the blob (which may
// be a mapped cache entry: the weights are then used in place). Objects
// come from the parallel code generator or from the compile cache alike.
//
//===----------------------------------------------------------------------===//

#include "dlc/Target/Target.h"

#include "llvm/ExecutionEngine/JITEventListener.h"
#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"

#include <cstdlib>

namespace dlc {

namespace {

class LinkedCode : public JitCode {
public:
  LinkedCode(std::unique_ptr<llvm::orc::LLJIT> jit, WeightsBlob weights,
             std::shared_ptr<void> keepAlive)
      : weights_(std::move(weights)), keepAlive_(std::move(keepAlive)),
        jit_(std::move(jit)) {}

  llvm::Expected<void *> lookup(llvm::StringRef name) override {
    auto address = jit_->lookup(name);
    if (!address)
      return address.takeError();
    return address->toPtr<void *>();
  }

private:
  // Declared before the JIT: the code must go before what it reads.
  WeightsBlob weights_;
  std::shared_ptr<void> keepAlive_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

/// DLC_PERF=1: describe the code to `perf` (a jitdump for `perf record -k 1`
/// + `perf inject --jit`). Off by default: it writes a file per process.
bool perfRequested() {
  const char *perf = std::getenv("DLC_PERF");
  return perf && *perf && *perf != '0';
}

} // namespace

llvm::Expected<std::unique_ptr<JitCode>>
loadObjects(llvm::ArrayRef<llvm::StringRef> objects, WeightsBlob weights,
            std::shared_ptr<void> keepAlive) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  llvm::orc::LLJITBuilder builder;
  if (perfRequested()) {
    // The perf listener speaks to RuntimeDyld, not to JITLink.
    builder.setObjectLinkingLayerCreator(
        [](llvm::orc::ExecutionSession &session)
            -> llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>> {
          auto layer = std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
              session, [](const llvm::MemoryBuffer &) {
                return std::make_unique<llvm::SectionMemoryManager>();
              });
          if (llvm::JITEventListener *perf =
                  llvm::JITEventListener::createPerfJITEventListener())
            layer->registerJITEventListener(*perf);
          return layer;
        });
  }
  auto jit = builder.create();
  if (!jit)
    return jit.takeError();

  llvm::orc::SymbolMap symbols;
  for (const WeightsBlob::Symbol &s : weights.symbols)
    symbols[(*jit)->mangleAndIntern(s.name)] = {
        llvm::orc::ExecutorAddr::fromPtr(weights.data.get() + s.offset),
        llvm::JITSymbolFlags::Exported};
  if (!symbols.empty())
    if (llvm::Error e = (*jit)->getMainJITDylib().define(
            llvm::orc::absoluteSymbols(std::move(symbols))))
      return std::move(e);
  for (llvm::StringRef object : objects)
    if (llvm::Error e = (*jit)->addObjectFile(
            llvm::MemoryBuffer::getMemBufferCopy(object, "dlc-kernels")))
      return std::move(e);
  return std::make_unique<LinkedCode>(std::move(*jit), std::move(weights),
                                      std::move(keepAlive));
}

} // namespace dlc
