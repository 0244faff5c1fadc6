//===- MemoryEstimate.cpp - a model's memory before compiling -------------===//
//
// Runs on the imported dlc graph, where shape inference has given every
// value its static type at the requested batch but nothing is lowered yet:
// the cheapest point at which sizes are known for every input format.
//
// No sum can overflow: checkedNumElements bounds every tensor by
// kMaxTensorBytes (2^36) and the FlatBuffers verifier admits fewer than
// 2^20 tables, so totals stay below 2^59 even times four.
//
//===----------------------------------------------------------------------===//

#include "MemoryEstimate.h"

#include "dlc/Import/ModelDiagnostics.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace dlc {
namespace {

/// Bytes of a statically shaped tensor value (0 for anything else); the
/// error names the model's op that defines it.
StatusOr<uint64_t> bytesOf(Value value, int64_t batch,
                           const std::string &fileName) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return uint64_t(0);
  Type element = type.getElementType();
  size_t size = element.isIntOrFloat()
                    ? (element.getIntOrFloatBitWidth() + 7) / 8
                    : sizeof(int64_t);
  StatusOr<int64_t> n = checkedNumElements(type.getShape().vec(), size);
  if (!n.ok()) {
    std::string where = formatModelLocation(value.getLoc());
    return Status::error((where.empty() ? fileName : where) + ": at batch " +
                         std::to_string(batch) + ": " + n.status().message());
  }
  return uint64_t(*n) * size;
}

} // namespace

StatusOr<MemoryEstimate> estimateImportedMemory(func::FuncOp entry,
                                                const ModelFile &model,
                                                int64_t batch, bool training,
                                                int optimizerSlots) {
  MemoryEstimate e;
  e.batch = batch;
  if (const auto *buffers = model.model()->buffers())
    for (const fb::Buffer *b : *buffers)
      if (b->data())
        e.weightBytes += b->data()->size();
  if (training)
    e.weightBytes *= uint64_t(2 + optimizerSlots);
  if (entry.getBody().empty())
    return e;

  Block &body = entry.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    StatusOr<uint64_t> n = bytesOf(arg, batch, model.path());
    if (!n.ok())
      return n.status();
    e.ioBytes += *n;
  }
  // An intermediate lives from its op to its last reader. The function's
  // results are outputs (caller-owned), constants are weights.
  llvm::DenseMap<Value, Operation *> lastUse;
  llvm::DenseSet<Value> results;
  for (Operation &op : body) {
    for (Value v : op.getOperands())
      lastUse[v] = &op;
    if (op.hasTrait<OpTrait::IsTerminator>())
      results.insert(op.operand_begin(), op.operand_end());
  }
  llvm::DenseMap<Operation *, uint64_t> freedAfter;
  uint64_t live = 0, peak = 0, all = 0;
  for (Operation &op : body) {
    for (Value v : op.getResults()) {
      StatusOr<uint64_t> n = bytesOf(v, batch, model.path());
      if (!n.ok())
        return n.status();
      if (results.contains(v)) {
        e.ioBytes += *n;
        continue;
      }
      if (op.hasTrait<OpTrait::ConstantLike>())
        continue;
      live += *n;
      all += *n;
      Operation *end = lastUse.lookup(v);
      freedAfter[end ? end : &op] += *n;
    }
    // The op's inputs and outputs are live together.
    peak = std::max(peak, live);
    live -= freedAfter.lookup(&op);
  }
  e.workspaceBytes = training ? 2 * all : peak;
  return e;
}

} // namespace dlc
