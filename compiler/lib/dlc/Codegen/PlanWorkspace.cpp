//===- PlanWorkspace.cpp - intermediate buffers in one workspace ----------===//
//
// Runs after bufferization and buffer hoisting. Every statically shaped
// `memref.alloc` left in the entry block of the entry function becomes a
// `memref.view` into a trailing workspace argument. Offsets come from a
// first-fit planner over live ranges measured in entry-block positions: a
// buffer is live from its allocation to the last entry-block op that uses it
// or any view of it (uses nested in loops count at their enclosing
// entry-block op, which is conservative and exact enough for straight-line
// inference code). Two buffers share bytes only if their ranges are disjoint.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"

namespace dlc {
#define GEN_PASS_DEF_DLCPLANWORKSPACE
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes;
  unsigned begin, end; // live range in entry-block positions, inclusive
  int64_t offset = -1;
};

int64_t alignUp(int64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; }

/// Position in `block` of the op that is or contains `op`.
unsigned positionIn(Block &block, Operation *op,
                    const DenseMap<Operation *, unsigned> &position) {
  Operation *ancestor = block.findAncestorOpInBlock(*op);
  return position.lookup(ancestor);
}

/// Last entry-block position at which `value` or a view of it is used.
unsigned lastUse(Block &block, Value value,
                 const DenseMap<Operation *, unsigned> &position) {
  unsigned last = 0;
  SmallVector<Value> worklist{value};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      last = std::max(last, positionIn(block, user, position));
      // Views alias the buffer: their uses keep it alive.
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == v)
          llvm::append_range(worklist, user->getResults());
    }
  }
  return last;
}

/// First fit: the lowest aligned offset where `buf` overlaps no placed
/// buffer that is live at the same time.
int64_t placeFirstFit(const Buffer &buf, ArrayRef<Buffer *> placed) {
  SmallVector<std::pair<int64_t, int64_t>> busy;
  for (Buffer *other : placed)
    if (!(other->end < buf.begin || buf.end < other->begin))
      busy.push_back({other->offset, other->offset + other->bytes});
  llvm::sort(busy);
  int64_t offset = 0;
  for (auto [lo, hi] : busy) {
    if (offset + buf.bytes <= lo)
      break;
    offset = std::max(offset, alignUp(hi));
  }
  return offset;
}

struct PlanWorkspacePass
    : public dlc::impl::DlcPlanWorkspaceBase<PlanWorkspacePass> {
  using DlcPlanWorkspaceBase::DlcPlanWorkspaceBase;

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(entryName);
    if (!func) {
      getOperation().emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    Block &block = func.getBody().front();
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;

    SmallVector<Buffer> buffers;
    for (Operation &op : block) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc || !alloc.getType().hasStaticShape() ||
          !alloc.getType().getLayout().isIdentity())
        continue;
      MemRefType type = alloc.getType();
      int64_t bytes = type.getNumElements() *
                      llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      buffers.push_back({alloc, bytes, position[&op],
                         lastUse(block, alloc, position)});
    }

    // Larger buffers first: first fit packs them tighter.
    SmallVector<Buffer *> order;
    for (Buffer &buf : buffers)
      order.push_back(&buf);
    llvm::sort(order, [](Buffer *a, Buffer *b) {
      return std::make_pair(-a->bytes, a->begin) <
             std::make_pair(-b->bytes, b->begin);
    });
    SmallVector<Buffer *> placed;
    int64_t total = 0;
    for (Buffer *buf : order) {
      buf->offset = placeFirstFit(*buf, placed);
      total = std::max(total, alignUp(buf->offset + buf->bytes));
      placed.push_back(buf);
    }

    // The workspace is always an argument, so the ABI does not depend on
    // whether a model happens to need one.
    Builder b(&getContext());
    auto wsType = MemRefType::get({std::max<int64_t>(total, kAlignment)},
                                  b.getI8Type());
    BlockArgument workspace = block.addArgument(wsType, func.getLoc());
    func.setType(FunctionType::get(&getContext(), block.getArgumentTypes(),
                                   func.getResultTypes()));
    func->setAttr(dlc::kWorkspaceBytesAttr, b.getI64IntegerAttr(total));

    OpBuilder builder(&getContext());
    for (Buffer &buf : buffers) {
      builder.setInsertionPoint(buf.alloc);
      Location loc = buf.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(builder, loc, buf.offset);
      Value view = memref::ViewOp::create(builder, loc, buf.alloc.getType(),
                                          workspace, offset, ValueRange{});
      // The planner owns the memory now: drop the matching deallocations.
      for (Operation *user : llvm::make_early_inc_range(buf.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buf.alloc.replaceAllUsesWith(view);
      buf.alloc.erase();
    }
  }
};

} // namespace
