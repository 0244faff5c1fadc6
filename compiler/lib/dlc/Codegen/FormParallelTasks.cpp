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

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "llvm/Support/MathExtras.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFORMPARALLELTASKS
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

/// Inclusive range of an index value.
struct Range {
  int64_t lo, hi;
};

std::optional<Range> rangeOf(Value v, int depth);

/// Range of an affine expression over operands with known ranges; only the
/// forms tiling produces (sums, products and divisions by constants).
std::optional<Range> rangeOf(AffineExpr e, ValueRange dims, ValueRange syms,
                             int depth) {
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return Range{c.getValue(), c.getValue()};
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return rangeOf(dims[d.getPosition()], depth);
  if (auto sym = dyn_cast<AffineSymbolExpr>(e))
    return rangeOf(syms[sym.getPosition()], depth);
  auto bin = cast<AffineBinaryOpExpr>(e);
  std::optional<Range> l = rangeOf(bin.getLHS(), dims, syms, depth);
  std::optional<Range> r = rangeOf(bin.getRHS(), dims, syms, depth);
  if (!l || !r)
    return std::nullopt;
  switch (e.getKind()) {
  case AffineExprKind::Add:
    return Range{l->lo + r->lo, l->hi + r->hi};
  case AffineExprKind::Mul: {
    int64_t p[] = {l->lo * r->lo, l->lo * r->hi, l->hi * r->lo, l->hi * r->hi};
    return Range{*llvm::min_element(p), *llvm::max_element(p)};
  }
  case AffineExprKind::FloorDiv:
  case AffineExprKind::CeilDiv:
    if (r->lo != r->hi || r->lo <= 0)
      return std::nullopt;
    if (e.getKind() == AffineExprKind::FloorDiv)
      return Range{llvm::divideFloorSigned(l->lo, r->lo),
                   llvm::divideFloorSigned(l->hi, r->lo)};
    return Range{llvm::divideCeilSigned(l->lo, r->lo),
                 llvm::divideCeilSigned(l->hi, r->lo)};
  case AffineExprKind::Mod:
    if (r->lo != r->hi || r->lo <= 0)
      return std::nullopt;
    return Range{0, r->lo - 1};
  default:
    return std::nullopt;
  }
}

/// Range of an index value computed from loop induction variables and
/// constants through affine.apply/min/max (how tiling sizes partial tiles);
/// interval arithmetic, so it may be loose but never wrong.
std::optional<Range> rangeOf(Value v, int depth) {
  if (depth > 32)
    return std::nullopt;
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return Range{*c, *c};
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    Operation *owner = arg.getOwner()->getParentOp();
    if (auto forall = dyn_cast<scf::ForallOp>(owner)) {
      unsigned d = arg.getArgNumber();
      if (d >= forall.getRank())
        return std::nullopt;
      int64_t lb = forall.getStaticLowerBound()[d];
      int64_t ub = forall.getStaticUpperBound()[d];
      if (ShapedType::isDynamic(lb) || ShapedType::isDynamic(ub) || ub <= lb)
        return std::nullopt;
      return Range{lb, ub - 1};
    }
    if (auto loop = dyn_cast<scf::ForOp>(owner)) {
      if (arg != loop.getInductionVar())
        return std::nullopt;
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
      if (!lb || !ub || *ub <= *lb)
        return std::nullopt;
      return Range{*lb, *ub - 1};
    }
    return std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  AffineMap map;
  ValueRange operands;
  if (auto apply = dyn_cast<affine::AffineApplyOp>(def)) {
    map = apply.getAffineMap();
    operands = apply.getMapOperands();
  } else if (auto min = dyn_cast<affine::AffineMinOp>(def)) {
    map = min.getAffineMap();
    operands = min.getMapOperands();
  } else if (auto max = dyn_cast<affine::AffineMaxOp>(def)) {
    map = max.getAffineMap();
    operands = max.getMapOperands();
  } else {
    return std::nullopt;
  }
  ValueRange dims = operands.take_front(map.getNumDims());
  ValueRange syms = operands.drop_front(map.getNumDims());
  std::optional<Range> result;
  for (AffineExpr e : map.getResults()) {
    std::optional<Range> r = rangeOf(e, dims, syms, depth + 1);
    if (!r)
      return std::nullopt;
    if (!result)
      result = r;
    else if (isa<affine::AffineMinOp>(def))
      result = Range{std::min(result->lo, r->lo), std::min(result->hi, r->hi)};
    else
      result = Range{std::max(result->lo, r->lo), std::max(result->hi, r->hi)};
  }
  return result;
}

/// Most bytes `alloc` can take: its size, or for a dynamic shape (a partial
/// tile at an edge) the size at the largest extents its sizes can reach;
/// nullopt if one has no known bound or the layout is not the identity.
std::optional<int64_t> maxBytes(memref::AllocOp alloc) {
  MemRefType type = alloc.getType();
  if (!type.getLayout().isIdentity())
    return std::nullopt;
  int64_t elements = 1;
  auto dynamicSize = alloc.getDynamicSizes().begin();
  for (int64_t extent : type.getShape()) {
    if (ShapedType::isDynamic(extent)) {
      std::optional<Range> range = rangeOf(*dynamicSize++, 0);
      if (!range || range->hi < 0)
        return std::nullopt;
      extent = range->hi;
    }
    elements *= extent;
  }
  return elements * int64_t(llvm::divideCeil(type.getElementTypeBitWidth(), 8));
}

/// Bytes of the allocations inside `forall`, each at its largest and rounded
/// up to the alignment (recorded in `sizes`); nullopt if one of them cannot
/// be a fixed-size stack buffer.
std::optional<int64_t> privateBytes(scf::ForallOp forall,
                                    DenseMap<Operation *, int64_t> &sizes) {
  int64_t total = 0;
  WalkResult walk = forall.getBody()->walk([&](memref::AllocOp alloc) {
    std::optional<int64_t> bytes = maxBytes(alloc);
    if (!bytes)
      return WalkResult::interrupt();
    sizes[alloc] = *bytes;
    total += llvm::alignTo(*bytes, kAlignment);
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
/// buffers out of the task (to the function, shared by all tasks). An
/// allocation of dynamic shape gets bytes for its largest shape and a
/// `memref.view` of its actual shape where it was.
void privatizeAllocations(scf::ForOp loop,
                          const DenseMap<Operation *, int64_t> &sizes) {
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
    Location loc = alloc.getLoc();
    auto alignment = b.getI64IntegerAttr(
        std::max<int64_t>(alloc.getAlignment().value_or(0), kAlignment));
    // Anew each time: the previous insertion point may be an erased alloc.
    b.setInsertionPointToStart(inner);
    Value buffer;
    if (alloc.getType().hasStaticShape()) {
      buffer = memref::AllocaOp::create(b, loc, alloc.getType(), ValueRange{},
                                        alignment);
    } else {
      auto bytes = MemRefType::get({sizes.lookup(alloc)}, b.getI8Type());
      Value raw =
          memref::AllocaOp::create(b, loc, bytes, ValueRange{}, alignment);
      b.setInsertionPoint(alloc);
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      buffer = memref::ViewOp::create(b, loc, alloc.getType(), raw, zero,
                                      alloc.getDynamicSizes());
    }
    for (Operation *user : llvm::make_early_inc_range(alloc->getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    alloc.replaceAllUsesWith(buffer);
    alloc.erase();
  }
}

/// Whole-buffer elementwise ops smaller than this (elements) stay one call:
/// handing out tasks costs a few microseconds.
constexpr int64_t kMinElementsForTasks = 1 << 16;

/// The dimension along which `op`, an elementwise linalg op over whole
/// buffers (a residual addition, a ReLU that could not be fused, a fill),
/// splits into tasks: the first with two or more elements; nullopt if the op
/// is not elementwise over same-shaped, statically shaped buffers or is
/// too small to be worth it.
std::optional<int64_t> taskDimension(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() ||
      op.getNumLoops() != op.getNumParallelLoops() || op.getNumLoops() == 0)
    return std::nullopt;
  ArrayRef<int64_t> shape;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type)
      continue;
    if (!type.hasStaticShape() ||
        !op.getMatchingIndexingMap(&operand).isIdentity() ||
        (!shape.empty() && type.getShape() != shape))
      return std::nullopt;
    shape = type.getShape();
  }
  if (shape.empty() || ShapedType::getNumElements(shape) < kMinElementsForTasks)
    return std::nullopt;
  for (auto [d, extent] : llvm::enumerate(shape))
    if (extent >= 2)
      return int64_t(d);
  return std::nullopt;
}

/// Replaces `op` by a tagged task loop running it on one slice (index
/// `%task` of dimension `dim`) of every buffer per task.
void splitIntoTasks(linalg::LinalgOp op, int64_t dim) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  ArrayRef<int64_t> shape;
  for (Value v : op->getOperands())
    if (auto type = dyn_cast<MemRefType>(v.getType()))
      shape = type.getShape();
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto loop = scf::ForOp::create(b, loc, index(0), index(shape[dim]),
                                 index(1));
  loop->setAttr(dlc::kParallelTasksAttr, b.getUnitAttr());
  b.setInsertionPoint(loop.getBody()->getTerminator());
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0));
  offsets[dim] = loop.getInductionVar();
  SmallVector<OpFoldResult> sizes, strides(shape.size(), b.getIndexAttr(1));
  for (int64_t extent : shape)
    sizes.push_back(b.getIndexAttr(extent));
  sizes[dim] = b.getIndexAttr(1);
  IRMapping mapping;
  for (Value v : op->getOperands())
    if (isa<MemRefType>(v.getType()) && !mapping.contains(v))
      mapping.map(v, memref::SubViewOp::create(b, loc, v, offsets, sizes,
                                               strides));
  b.clone(*op, mapping);
  op->erase();
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
    // Whole-buffer elementwise ops in the function body (not tiled, so not
    // foralls) become tasks too.
    if (getOperation().isExternal())
      return;
    SmallVector<std::pair<linalg::LinalgOp, int64_t>> elementwise;
    for (Operation &op : getOperation().getBody().front())
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
        if (std::optional<int64_t> dim = taskDimension(linalgOp))
          elementwise.push_back({linalgOp, *dim});
    if (maxPrivateBytes > 0)
      for (auto [op, dim] : elementwise)
        splitIntoTasks(op, dim);

    for (scf::ForallOp forall : foralls) {
      if (forall.getNumResults() != 0 || !forall.getOutputs().empty())
        continue;
      SmallVector<int64_t> counts = staticTripCounts(forall);
      int64_t tasks = counts.empty() ? 0 : 1;
      for (int64_t c : counts)
        tasks *= c;
      DenseMap<Operation *, int64_t> sizes;
      std::optional<int64_t> bytes = privateBytes(forall, sizes);
      if (maxPrivateBytes <= 0 || tasks < 2 || !bytes ||
          *bytes > maxPrivateBytes)
        continue;
      privatizeAllocations(lowerToTaskLoop(forall, counts), sizes);
    }
  }
};

} // namespace
