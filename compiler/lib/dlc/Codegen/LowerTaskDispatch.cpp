//===- LowerTaskDispatch.cpp - task dispatchers call the runtime's pool ---===//
//
// A compiled model needs nothing but libc, so it has no threads of its own:
// the caller lends it a thread pool through the C ABI (dlc_parallel in
// dlc_abi.h, a pool pointer and its parallel-for). This pass threads that
// pointer from the entry to every task dispatcher (dlc-outline-tasks) and
// makes the dispatcher use it; without one (null) the dispatcher runs its
// tasks in order on the calling thread, as before. See Passes.td.
//
// It works on the LLVM dialect because function pointers, the argument
// array and the indirect call are plain LLVM; before it, a dispatcher is an
// ordinary function whose sequential loop the rest of the pipeline lowers
// like any other.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace dlc {
#define GEN_PASS_DEF_DLCLOWERTASKDISPATCH
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// Appends a `!llvm.ptr` parameter to `func` and returns it.
Value appendPointerArgument(LLVM::LLVMFuncOp func) {
  MLIRContext *ctx = func.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  LLVM::LLVMFunctionType type = func.getFunctionType();
  SmallVector<Type> params(type.getParams());
  params.push_back(ptr);
  func.setFunctionTypeAttr(TypeAttr::get(LLVM::LLVMFunctionType::get(
      type.getReturnType(), params, type.isVarArg())));
  if (ArrayAttr argAttrs = func.getArgAttrsAttr()) {
    SmallVector<Attribute> attrs(argAttrs.getValue());
    attrs.push_back(DictionaryAttr::get(ctx));
    func.setArgAttrsAttr(ArrayAttr::get(ctx, attrs));
  }
  return func.getBody().front().addArgument(ptr, func.getLoc());
}

/// `@<dispatcher>_thunk(%args: !llvm.ptr, %task: i64)`: loads the
/// dispatcher's arguments from the array at %args (one 8-byte slot each)
/// and calls the task function with %task and them. This is the function
/// the runtime's parallel-for calls once per task.
LLVM::LLVMFuncOp buildThunk(LLVM::LLVMFuncOp dispatcher,
                            LLVM::LLVMFuncOp task, ArrayRef<Type> argTypes,
                            SymbolTable &symbols) {
  MLIRContext *ctx = dispatcher.getContext();
  Location loc = dispatcher.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  OpBuilder b(ctx);
  auto thunk = LLVM::LLVMFuncOp::create(
      b, loc, (dispatcher.getName() + "_thunk").str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, i64}),
      LLVM::Linkage::Internal);
  symbols.insert(thunk);
  Block *body = thunk.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> operands{body->getArgument(1)};
  for (auto [k, type] : llvm::enumerate(argTypes)) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, i64, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{int32_t(k)});
    operands.push_back(LLVM::LoadOp::create(b, loc, type, slot));
  }
  LLVM::CallOp::create(b, loc, task, operands);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return thunk;
}

/// Puts a new entry block in front of `dispatcher` that branches to the
/// old body (the sequential loop) when `parallel` is null, and otherwise
/// hands the tasks to `parallel->parallel_for`.
LogicalResult addParallelPath(LLVM::LLVMFuncOp dispatcher, int64_t count,
                              LLVM::LLVMFuncOp thunk,
                              ArrayRef<Type> argTypes) {
  MLIRContext *ctx = dispatcher.getContext();
  Location loc = dispatcher.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i64 = IntegerType::get(ctx, 64);
  // Mirrors struct dlc_parallel { void *pool; parallel_for; }.
  auto parallelType = LLVM::LLVMStructType::getLiteral(ctx, {ptr, ptr});

  Block *sequential = &dispatcher.getBody().front();
  auto *entry = new Block();
  dispatcher.getBody().push_front(entry);
  for (BlockArgument arg : sequential->getArguments())
    entry->addArgument(arg.getType(), arg.getLoc());
  for (auto [old, now] :
       llvm::zip_equal(sequential->getArguments(), entry->getArguments()))
    old.replaceAllUsesWith(now);
  sequential->eraseArguments(0, sequential->getNumArguments());
  Value parallel = entry->getArguments().back();

  OpBuilder b(ctx);
  b.setInsertionPointToStart(entry);
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  Value isNull =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, parallel, null);
  Block *dispatch = b.createBlock(&dispatcher.getBody(),
                                  std::next(dispatcher.getBody().begin()));
  b.setInsertionPointToEnd(entry);
  LLVM::CondBrOp::create(b, loc, isNull, sequential, dispatch);

  b.setInsertionPointToStart(dispatch);
  Value slots = LLVM::ConstantOp::create(
      b, loc, i64, std::max<int64_t>(int64_t(argTypes.size()), 1));
  Value array = LLVM::AllocaOp::create(b, loc, ptr, i64, slots, 8);
  for (auto [k, type] : llvm::enumerate(argTypes)) {
    if (!type.isIntOrIndexOrFloat() && !isa<LLVM::LLVMPointerType>(type))
      return dispatcher.emitError("task argument ")
             << k << " of type " << type << " does not fit an 8-byte slot";
    if (type.isIntOrIndexOrFloat() && type.getIntOrFloatBitWidth() > 64)
      return dispatcher.emitError("task argument ")
             << k << " of type " << type << " does not fit an 8-byte slot";
    Value slot = LLVM::GEPOp::create(b, loc, ptr, i64, array,
                                     ArrayRef<LLVM::GEPArg>{int32_t(k)});
    LLVM::StoreOp::create(b, loc, entry->getArgument(unsigned(k)), slot);
  }
  auto field = [&](int32_t index) -> Value {
    Value address = LLVM::GEPOp::create(
        b, loc, ptr, parallelType, parallel,
        ArrayRef<LLVM::GEPArg>{int32_t(0), index});
    return LLVM::LoadOp::create(b, loc, ptr, address);
  };
  Value pool = field(0);
  Value parallelFor = field(1);
  Value thunkAddress = LLVM::AddressOfOp::create(b, loc, thunk);
  Value tasks = LLVM::ConstantOp::create(b, loc, i64, count);
  auto parallelForType = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(ctx), {ptr, i64, ptr, ptr});
  LLVM::CallOp::create(b, loc, parallelForType,
                       ValueRange{parallelFor, pool, tasks, thunkAddress,
                                  array});
  LLVM::ReturnOp::create(b, loc, ValueRange{});
  return success();
}

struct LowerTaskDispatchPass
    : public dlc::impl::DlcLowerTaskDispatchBase<LowerTaskDispatchPass> {
  using DlcLowerTaskDispatchBase::DlcLowerTaskDispatchBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<LLVM::LLVMFuncOp>(entryName);
    if (!entry || entry.isExternal()) {
      module.emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    SymbolTable symbols(module);

    // The functions that need the pool: the dispatchers and, transitively,
    // their callers (the kernels, the entry).
    SmallVector<LLVM::LLVMFuncOp> dispatchers;
    DenseSet<StringAttr> needsPool;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func->hasAttr(dlc::kTaskCountAttr)) {
        dispatchers.push_back(func);
        needsPool.insert(func.getSymNameAttr());
      }
    auto callsNeedingPool = [&](LLVM::LLVMFuncOp func) {
      SmallVector<LLVM::CallOp> calls;
      func.walk([&](LLVM::CallOp call) {
        if (auto callee = call.getCalleeAttr())
          if (needsPool.contains(callee.getAttr()))
            calls.push_back(call);
      });
      return calls;
    };
    for (bool grew = true; grew;) {
      grew = false;
      for (auto func : module.getOps<LLVM::LLVMFuncOp>())
        if (!needsPool.contains(func.getSymNameAttr()) &&
            !callsNeedingPool(func).empty())
          grew = needsPool.insert(func.getSymNameAttr()).second;
    }

    // Every such function takes the pool last; the entry always does (the
    // ABI does not depend on the model).
    appendPointerArgument(entry);
    for (auto func : module.getOps<LLVM::LLVMFuncOp>())
      if (func != entry && needsPool.contains(func.getSymNameAttr()))
        appendPointerArgument(func);
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.isExternal())
        continue;
      Value pool = func.getArguments().back();
      for (LLVM::CallOp call : callsNeedingPool(func)) {
        OpBuilder b(call);
        SmallVector<Value> operands(call.getArgOperands());
        operands.push_back(pool);
        auto callee =
            module.lookupSymbol<LLVM::LLVMFuncOp>(call.getCalleeAttr());
        LLVM::CallOp::create(b, call.getLoc(), callee, operands);
        call.erase();
      }
    }

    for (LLVM::LLVMFuncOp dispatcher : dispatchers) {
      auto count = dispatcher->getAttrOfType<IntegerAttr>(dlc::kTaskCountAttr);
      auto taskName =
          dispatcher->getAttrOfType<FlatSymbolRefAttr>(dlc::kTaskFunctionAttr);
      auto task = taskName ? module.lookupSymbol<LLVM::LLVMFuncOp>(taskName)
                           : LLVM::LLVMFuncOp();
      if (!count || !task || dispatcher.isExternal() ||
          !isa<LLVM::LLVMVoidType>(
              dispatcher.getFunctionType().getReturnType())) {
        dispatcher.emitError("malformed task dispatcher");
        return signalPassFailure();
      }
      // Its own arguments, without the pool.
      SmallVector<Type> argTypes(
          dispatcher.getFunctionType().getParams().drop_back());
      LLVM::LLVMFuncOp thunk = buildThunk(dispatcher, task, argTypes, symbols);
      if (failed(addParallelPath(dispatcher, count.getInt(), thunk, argTypes)))
        return signalPassFailure();
      dispatcher->removeAttr(dlc::kTaskCountAttr);
      dispatcher->removeAttr(dlc::kTaskFunctionAttr);
    }
  }
};

} // namespace
