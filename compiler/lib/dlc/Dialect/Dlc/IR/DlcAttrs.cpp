//===- DlcAttrs.cpp - dlc attributes; #dlc.tiling's syntax and verifiers ---===//
//
// #dlc.tiling holds the schedule of a fusion root in one typed attribute, so
// a pass reading it never meets loose integer arrays of the wrong length,
// and a lit test or a hand-written schedule that gets them wrong is told
// where.
//
//===----------------------------------------------------------------------===//

#include "dlc/Dialect/Dlc/IR/DlcOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace dlc;

#define GET_ATTRDEF_CLASSES
#include "dlc/Dialect/Dlc/IR/DlcAttrs.cpp.inc"

void DlcDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dlc/Dialect/Dlc/IR/DlcAttrs.cpp.inc"
      >();
}

namespace {

ParseResult parseSizes(AsmParser &parser, SmallVectorImpl<int64_t> &sizes) {
  return parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
    return parser.parseInteger(sizes.emplace_back());
  });
}

void printSizes(AsmPrinter &printer, StringRef name, ArrayRef<int64_t> sizes) {
  printer << name << " = [";
  llvm::interleaveComma(sizes, printer);
  printer << "]";
}

bool isPool(Operation *op) {
  return isa<linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcSumOp>(op);
}

} // namespace

// #dlc.tiling<outer = [..], inner = [..], reduction = [..],
//             outer_reduction = [..], unroll_reduction>; outer and inner
// are required, the rest optional, in any order.
Attribute TilingAttr::parse(AsmParser &parser, Type) {
  SmallVector<int64_t> outer, inner, reduction, outerReduction;
  bool seenOuter = false, seenInner = false, unroll = false;
  if (parser.parseLess())
    return {};
  auto parseField = [&]() -> ParseResult {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return failure();
    if (key == "unroll_reduction") {
      unroll = true;
      return success();
    }
    SmallVectorImpl<int64_t> *sizes =
        llvm::StringSwitch<SmallVectorImpl<int64_t> *>(key)
            .Case("outer", &outer)
            .Case("inner", &inner)
            .Case("reduction", &reduction)
            .Case("outer_reduction", &outerReduction)
            .Default(nullptr);
    if (!sizes)
      return parser.emitError(loc) << "unknown #dlc.tiling field '" << key
                                   << "'";
    seenOuter |= key == "outer";
    seenInner |= key == "inner";
    return failure(parser.parseEqual() || parseSizes(parser, *sizes));
  };
  if (parser.parseCommaSeparatedList(parseField) || parser.parseGreater())
    return {};
  if (!seenOuter || !seenInner) {
    parser.emitError(parser.getNameLoc(),
                     "#dlc.tiling needs 'outer' and 'inner' sizes");
    return {};
  }
  return parser.getChecked<TilingAttr>(parser.getContext(), outer, inner,
                                       reduction, outerReduction, unroll);
}

void TilingAttr::print(AsmPrinter &printer) const {
  printer << "<";
  printSizes(printer, "outer", getOuter());
  printSizes(printer << ", ", "inner", getInner());
  if (!getReduction().empty())
    printSizes(printer << ", ", "reduction", getReduction());
  if (!getOuterReduction().empty())
    printSizes(printer << ", ", "outer_reduction", getOuterReduction());
  if (getUnrollReduction())
    printer << ", unroll_reduction";
  printer << ">";
}

LogicalResult
TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                   ArrayRef<int64_t> outer, ArrayRef<int64_t> inner,
                   ArrayRef<int64_t> reduction,
                   ArrayRef<int64_t> outerReduction, bool) {
  if (outer.empty() || outer.size() != inner.size())
    return emitError() << "#dlc.tiling needs as many inner sizes as outer "
                          "sizes (one per parallel loop), got "
                       << outer.size() << " and " << inner.size();
  for (ArrayRef<int64_t> sizes : {outer, inner, reduction, outerReduction})
    if (llvm::any_of(sizes, [](int64_t size) { return size < 0; }))
      return emitError() << "#dlc.tiling sizes must be >= 0";
  // The register tile lives inside a task: it cannot be larger.
  for (auto [i, sizes] : llvm::enumerate(llvm::zip(outer, inner))) {
    auto [task, registers] = sizes;
    if (task != 0 && registers > task)
      return emitError() << "#dlc.tiling inner size " << registers
                         << " of loop " << i << " exceeds its outer size "
                         << task;
  }
  return success();
}

LogicalResult TilingAttr::verifyForOp(Operation *op) const {
  auto root = dyn_cast<linalg::LinalgOp>(op);
  if (!root)
    return op->emitOpError("carries #dlc.tiling but is not a linalg op");
  unsigned parallel = root.getNumParallelLoops();
  unsigned reductions = root.getNumReductionLoops();
  if (getOuter().size() != parallel)
    return op->emitOpError("has ")
           << parallel << " parallel loops but #dlc.tiling gives "
           << getOuter().size() << " outer and inner sizes";
  if (getOuterReduction().size() > reductions)
    return op->emitOpError("has ")
           << reductions << " reduction loops but #dlc.tiling gives "
           << getOuterReduction().size() << " outer_reduction sizes";
  // A root with reduction loops of its own (a conv, a matmul) is the
  // contraction `reduction` tiles; a pool's or an activation's `reduction`
  // applies to the contraction feeding it, checked by dlc-tile-and-fuse.
  if (reductions > 0 && !isPool(op) && !getReduction().empty() &&
      getReduction().size() != reductions)
    return op->emitOpError("has ")
           << reductions << " reduction loops but #dlc.tiling gives "
           << getReduction().size() << " reduction sizes";
  return success();
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef, StringRef, int64_t vectorBits,
                                 int64_t vectorRegisters) {
  if (vectorBits < 128 || vectorBits % 128 != 0)
    return emitError() << "#dlc.target vectorBits must be a multiple of "
                          "128, got "
                       << vectorBits;
  if (vectorRegisters < 8)
    return emitError() << "#dlc.target needs at least 8 vector registers, "
                          "got "
                       << vectorRegisters;
  return success();
}

LogicalResult DlcDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attribute) {
  if (attribute.getName() == kTargetAttrName) {
    if (!isa<TargetAttr>(attribute.getValue()) || !isa<ModuleOp>(op))
      return op->emitOpError("attribute '")
             << kTargetAttrName << "' must be a #dlc.target on a module";
    return success();
  }
  if (attribute.getName() != kTilingAttrName)
    return success();
  auto tiling = dyn_cast<TilingAttr>(attribute.getValue());
  if (!tiling)
    return op->emitOpError("attribute '")
           << kTilingAttrName << "' must be a #dlc.tiling";
  return tiling.verifyForOp(op);
}
