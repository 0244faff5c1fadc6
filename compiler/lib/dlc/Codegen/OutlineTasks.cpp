//===- OutlineTasks.cpp - task loops become dispatcher + task functions ---===//
//
// A loop of parallel tasks (dlc-form-parallel-tasks) keeps each task's
// scratch in `memref.alloca`s at the top of its body. For the runtime to run
// tasks on several threads, a task must be something it can call, and the
// loop something that can hand the tasks over: the body becomes a task
// function taking the task index and the buffers and scalars it uses, and
// the loop moves into a dispatcher function that says how many tasks it runs
// and which function runs one (see Passes.td). In a function entry, the
// task's scratch is allocated once per task, on the stack of the thread
// that runs it.
//
// The loop may sit anywhere in a kernel, e.g. inside the loop over filter
// rows of a convolution whose reduction is split (`outer_reduction`): the
// dispatcher is then called once per filter row. Task functions are made
// after kernels are shared (dlc-outline-kernels), so two layers that share
// a kernel share its tasks too.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace dlc {
#define GEN_PASS_DEF_DLCOUTLINETASKS
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// What a task function can take: what a function boundary can pass
/// (dlc::isPassable), in one of the dispatcher's 8-byte argument slots.
bool isTaskArgument(Type type) {
  return dlc::isPassable(type) &&
         (!type.isIntOrFloat() || type.getIntOrFloatBitWidth() <= 64);
}

/// Constant trip count of a task loop (0 .. N step 1), or 0.
int64_t taskCount(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *lb != 0 || *step != 1)
    return 0;
  return *ub;
}

func::FuncOp declare(OpBuilder &b, SymbolTable &symbols, Location loc,
                     const std::string &name, TypeRange inputs) {
  auto func = func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, {}));
  func.setPrivate();
  func->setAttr("no_inline", b.getUnitAttr());
  symbols.insert(func); // Renamed if the name is taken.
  return func;
}

/// Splits `loop` (in `parent`) into `@<parent>_task(%task, args...)`, its
/// body, and `@<parent>_tasks(args...)`, a loop calling it, which replaces
/// the loop. `args` are the values the body uses from outside; constants
/// among them are cloned instead.
void outline(scf::ForOp loop, func::FuncOp parent, int64_t count,
             ArrayRef<Value> args, ArrayRef<Value> constants,
             SymbolTable &symbols) {
  Location loc = loop.getLoc();
  OpBuilder b(loop.getContext());
  TypeRange argTypes = ValueRange(args).getTypes();
  SmallVector<Type> taskTypes{b.getIndexType()};
  llvm::append_range(taskTypes, argTypes);
  std::string base = parent.getName().str();
  func::FuncOp task = declare(b, symbols, loc, base + "_task", taskTypes);
  func::FuncOp dispatcher =
      declare(b, symbols, loc, base + "_tasks", argTypes);

  // The task: the loop's body for one task index. Its alloca_scope
  // (dlc-form-parallel-tasks) is the function itself now, so the buffers go
  // to the entry block, allocated once per call.
  Block *entry = task.addEntryBlock();
  IRMapping mapping;
  mapping.map(loop.getInductionVar(), entry->getArgument(0));
  mapping.map(args, entry->getArguments().drop_front());
  b.setInsertionPointToStart(entry);
  for (Value c : constants)
    b.clone(*c.getDefiningOp(), mapping);
  for (Operation &op : loop.getBody()->without_terminator()) {
    auto scope = dyn_cast<memref::AllocaScopeOp>(op);
    if (!scope || scope.getNumResults() != 0) {
      b.clone(op, mapping);
      continue;
    }
    for (Operation &inner : scope.getBodyRegion().front().without_terminator())
      b.clone(inner, mapping);
  }
  func::ReturnOp::create(b, loc);

  // The dispatcher: the tasks in order, which is what runs when the caller
  // lends no thread pool; dlc-lower-task-dispatch adds the other way.
  Block *body = dispatcher.addEntryBlock();
  b.setInsertionPointToStart(body);
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto tasks = scf::ForOp::create(b, loc, index(0), index(count), index(1));
  b.setInsertionPoint(tasks.getBody()->getTerminator());
  SmallVector<Value> operands{tasks.getInductionVar()};
  llvm::append_range(operands, body->getArguments());
  func::CallOp::create(b, loc, task, operands);
  b.setInsertionPointToEnd(body);
  func::ReturnOp::create(b, loc);
  dispatcher->setAttr(dlc::kTaskCountAttr, b.getI64IntegerAttr(count));
  dispatcher->setAttr(dlc::kTaskFunctionAttr,
                      FlatSymbolRefAttr::get(task.getSymNameAttr()));

  b.setInsertionPoint(loop);
  func::CallOp::create(b, loc, dispatcher, args);
  loop.erase();
}

struct OutlineTasksPass
    : public dlc::impl::DlcOutlineTasksBase<OutlineTasksPass> {
  using DlcOutlineTasksBase::DlcOutlineTasksBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) {
      if (loop->hasAttr(dlc::kParallelTasksAttr))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      loop->removeAttr(dlc::kParallelTasksAttr);
      auto parent = loop->getParentOfType<func::FuncOp>();
      int64_t count = taskCount(loop);
      llvm::SetVector<Value> used;
      getUsedValuesDefinedAbove(loop.getRegion(), used);
      SmallVector<Value> args, constants;
      for (Value v : used)
        (dlc::isClonableConstant(v) ? constants : args).push_back(v);
      // Otherwise the loop runs its tasks in order where it is; the
      // alloca_scope around its body frees each task's scratch after it.
      if (!parent || count < 2 ||
          !llvm::all_of(args,
                        [](Value v) { return isTaskArgument(v.getType()); }))
        continue;
      outline(loop, parent, count, args, constants, symbols);
    }
  }
};

} // namespace
