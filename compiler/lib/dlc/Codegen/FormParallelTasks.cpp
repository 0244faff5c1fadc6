//===- FormParallelTasks.cpp - foralls become loops of parallel tasks -----===//
//
// Tiling leaves each fusion root's outer tiles as an scf.forall: tasks that
// write disjoint parts of the result. Right after bufferization the buffers
// a task allocates for itself (its fused producers' tiles, the rows a fused
// pool reads) are still inside the forall's body; upstream's forall-to-for
// and buffer hoisting would move them out and share them between all tasks,
// which is right for one thread and wrong for several. This pass keeps them
// private: they become stack buffers at the top of the task's body, and the
// forall becomes a loop over a single task index tagged as parallel (see
// Passes.td), which later passes hand to the runtime's thread pool.
//
// Stack buffers are bounded by max-private-bytes: the threads that run tasks
// are the runtime's workers and the caller's thread, whose stacks are the
// platform's default (8 MiB on Linux), and a task's scratch is a few tiles.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "llvm/Support/MathExtras.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFORMPARALLELTASKS
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

/// Bytes of the allocations inside `forall`, each rounded up to the
/// alignment; nullopt if one of them cannot be a fixed-size stack buffer
/// (dynamic shape or a layout other than the identity).
std::optional<int64_t> privateBytes(scf::ForallOp forall) {
  int64_t total = 0;
  WalkResult walk = forall.getBody()->walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity())
      return WalkResult::interrupt();
    int64_t bytes = type.getNumElements() *
                    llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    total += llvm::alignTo(bytes, kAlignment);
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return std::nullopt;
  return total;
}

/// Trip count of each dimension of `forall`; empty if a bound is dynamic.
SmallVector<int64_t> staticTripCounts(scf::ForallOp forall) {
  SmallVector<int64_t> counts;
  for (auto [lb, ub, step] :
       llvm::zip_equal(forall.getStaticLowerBound(),
                       forall.getStaticUpperBound(), forall.getStaticStep())) {
    if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) ||
        ShapedType::isDynamic(step) || step <= 0)
      return {};
    counts.push_back(ub > lb ? llvm::divideCeil(ub - lb, step) : 0);
  }
  return counts;
}

/// Replaces `forall` by `scf.for %task = 0 to N step 1` (tagged) whose body
/// recovers the forall's induction variables from %task (the last dimension
/// varying fastest) and then runs the forall's body.
scf::ForOp lowerToTaskLoop(scf::ForallOp forall, ArrayRef<int64_t> counts) {
  OpBuilder b(forall);
  Location loc = forall.getLoc();
  int64_t total = 1;
  for (int64_t c : counts)
    total *= c;
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto loop = scf::ForOp::create(b, loc, index(0), index(total), index(1));
  loop->setAttr(dlc::kParallelTasksAttr, b.getUnitAttr());

  b.setInsertionPointToStart(loop.getBody());
  Value rest = loop.getInductionVar();
  SmallVector<Value> ivs(counts.size());
  for (int64_t d = int64_t(counts.size()) - 1; d >= 0; --d) {
    Value position = rest;
    if (d > 0) {
      position = arith::RemUIOp::create(b, loc, rest, index(counts[d]));
      rest = arith::DivUIOp::create(b, loc, rest, index(counts[d]));
    }
    int64_t lb = forall.getStaticLowerBound()[d];
    int64_t step = forall.getStaticStep()[d];
    if (step != 1)
      position = arith::MulIOp::create(b, loc, position, index(step));
    if (lb != 0)
      position = arith::AddIOp::create(b, loc, position, index(lb));
    ivs[size_t(d)] = position;
  }

  Block *body = forall.getBody();
  for (auto [arg, iv] : llvm::zip_equal(forall.getInductionVars(), ivs))
    arg.replaceAllUsesWith(iv);
  // Everything but the (empty) scf.forall.in_parallel terminator.
  loop.getBody()->getOperations().splice(
      loop.getBody()->getTerminator()->getIterator(), body->getOperations(),
      body->begin(), std::prev(body->end()));
  forall.erase();
  return loop;
}

/// Wraps the task's body in a `memref.alloca_scope` and makes every
/// allocation in it a stack buffer at the scope's top: private to the task,
/// allocated once per task. The scope keeps buffer hoisting from moving the
/// buffers out of the task (to the function, shared by all tasks).
void privatizeAllocations(scf::ForOp loop) {
  OpBuilder b(loop.getContext());
  Block *body = loop.getBody();
  b.setInsertionPointToStart(body);
  auto scope = memref::AllocaScopeOp::create(b, loop.getLoc(), TypeRange{});
  Block *inner = b.createBlock(&scope.getBodyRegion());
  inner->getOperations().splice(inner->end(), body->getOperations(),
                                std::next(Block::iterator(scope)),
                                body->getTerminator()->getIterator());
  b.setInsertionPointToEnd(inner);
  memref::AllocaScopeReturnOp::create(b, loop.getLoc(), ValueRange{});

  SmallVector<memref::AllocOp> allocs;
  inner->walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  for (memref::AllocOp alloc : allocs) {
    // Anew each time: the previous insertion point may be an erased alloc.
    b.setInsertionPointToStart(inner);
    auto alloca = memref::AllocaOp::create(
        b, alloc.getLoc(), alloc.getType(), ValueRange{},
        b.getI64IntegerAttr(
            std::max<int64_t>(alloc.getAlignment().value_or(0), kAlignment)));
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(alloca.getResult());
    alloc.erase();
  }
}

struct FormParallelTasksPass
    : public dlc::impl::DlcFormParallelTasksBase<FormParallelTasksPass> {
  using DlcFormParallelTasksBase::DlcFormParallelTasksBase;

  void runOnOperation() override {
    // Only the outermost foralls: a forall nested in a task runs inside that
    // task, sequentially.
    SmallVector<scf::ForallOp> foralls;
    getOperation().walk<WalkOrder::PreOrder>([&](scf::ForallOp forall) {
      foralls.push_back(forall);
      return WalkResult::skip();
    });
    for (scf::ForallOp forall : foralls) {
      if (forall.getNumResults() != 0 || !forall.getOutputs().empty())
        continue;
      SmallVector<int64_t> counts = staticTripCounts(forall);
      int64_t tasks = counts.empty() ? 0 : 1;
      for (int64_t c : counts)
        tasks *= c;
      std::optional<int64_t> bytes = privateBytes(forall);
      if (maxPrivateBytes <= 0 || tasks < 2 || !bytes ||
          *bytes > maxPrivateBytes)
        continue;
      privatizeAllocations(lowerToTaskLoop(forall, counts));
    }
  }
};

} // namespace
