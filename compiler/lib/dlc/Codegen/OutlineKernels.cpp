//===- OutlineKernels.cpp - one function per loop nest, shared when equal -===//
//
// A model's entry function, once tiled, fused and bufferized, is a straight
// sequence of loop nests, one per fused op of the model. Compiled as one
// function, LLVM's instruction selection and register allocation see all of
// them at once: a ResNet's entry was tens of thousands of lines and took
// minutes and gigabytes. Outlined, each loop nest is a kernel function that
// LLVM compiles on its own (in parallel, see Target.cpp), and the layers that
// repeat in a real network (a ResNet stage's blocks, a MobileNet's inverted
// residuals of one width) are compiled once.
//
// Two kernels are the same kernel when their bodies print the same in the
// generic form: same ops, shapes, attributes (including the tiling
// decisions) and constants. Buffers are arguments, so which weights or which
// part of the workspace a layer uses does not matter.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"

namespace dlc {
#define GEN_PASS_DEF_DLCOUTLINEKERNELS
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// The loop nests and whole-buffer linalg ops that become kernels.
bool isKernelRoot(Operation *op) {
  return isa<scf::ForOp, scf::ParallelOp, scf::ForallOp, linalg::LinalgOp>(op);
}

/// The values `root` uses but does not define, in order of first use.
llvm::SetVector<Value> capturedValues(Operation *root) {
  llvm::SetVector<Value> captured;
  root->walk([&](Operation *op) {
    for (Value v : op->getOperands())
      if (!root->isAncestor(v.getParentBlock()->getParentOp()))
        captured.insert(v);
  });
  return captured;
}

/// A symbol-friendly name for the kernel of `op`: the model op's name from
/// its location (a profile then names the layer), else "kernel".
std::string kernelName(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location loc) {
    if (auto named = dyn_cast<NameLoc>(loc)) {
      name = named.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name = "kernel_" + name;
  return name;
}

/// Text that is equal for two kernels exactly when their bodies are.
std::string bodyKey(func::FuncOp kernel) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  flags.printGenericOpForm().useLocalScope();
  os << kernel.getFunctionType();
  for (Operation &op : kernel.getBody().front())
    op.print(os, flags);
  return text;
}

struct OutlineKernelsPass
    : public dlc::impl::DlcOutlineKernelsBase<OutlineKernelsPass> {
  using DlcOutlineKernelsBase::DlcOutlineKernelsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<func::FuncOp>(entryName);
    if (!entry || entry.isExternal()) {
      module.emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    llvm::StringMap<func::FuncOp> kernelsByBody;
    int64_t outlined = 0;
    SmallVector<Operation *> roots;
    for (Operation &op : entry.getBody().front())
      if (isKernelRoot(&op) && op.getNumResults() == 0)
        roots.push_back(&op);

    for (Operation *root : roots) {
      llvm::SetVector<Value> captured = capturedValues(root);
      SmallVector<Value> arguments, constants;
      for (Value v : captured)
        (dlc::isClonableConstant(v) ? constants : arguments).push_back(v);
      if (!llvm::all_of(arguments,
                        [](Value v) { return dlc::isPassable(v.getType()); }))
        continue;

      OpBuilder builder(module.getContext());
      auto type = builder.getFunctionType(ValueRange(arguments).getTypes(), {});
      auto kernel = func::FuncOp::create(builder, root->getLoc(),
                                         kernelName(root), type);
      Block *body = kernel.addEntryBlock();
      IRMapping mapping;
      mapping.map(arguments, body->getArguments());
      builder.setInsertionPointToStart(body);
      for (Value c : constants)
        builder.clone(*c.getDefiningOp(), mapping);
      builder.clone(*root, mapping);
      func::ReturnOp::create(builder, root->getLoc());

      // The first kernel with this body is kept; later ones call it.
      func::FuncOp target;
      auto [it, inserted] = kernelsByBody.try_emplace(bodyKey(kernel), kernel);
      if (inserted) {
        kernel.setPrivate();
        kernel->setAttr("no_inline", builder.getUnitAttr());
        symbols.insert(kernel, module.getBody()->end());
        target = kernel;
      } else {
        kernel.erase();
        target = it->second;
      }
      builder.setInsertionPoint(root);
      func::CallOp::create(builder, root->getLoc(), target, arguments);
      root->erase();
      ++outlined;
    }
    entry->setAttr(dlc::kKernelsAttr,
                   DenseI64ArrayAttr::get(
                       module.getContext(),
                       {outlined, int64_t(kernelsByBody.size())}));
  }
};

} // namespace
