//===- Weights.cpp - weights as one blob, not as IR constants -------------===//
//
// A real network's weights are megabytes (ResNet-50: 100 MB). As LLVM IR
// constants they were copied into LLVM's context, walked by its optimizer
// (which may fold loads from a constant global into the code), and copied
// again by the assembler. Here every large constant global of the LLVM
// dialect module becomes an external declaration before translation, and its
// bytes go into one 64-byte aligned blob: the JIT binds the symbols to the
// blob in memory (or in the mapped cache entry), a shared library gets the
// blob as one read-only section.
//
//===----------------------------------------------------------------------===//

#include "dlc/Target/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalAlias.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

using namespace mlir;

namespace dlc {

namespace {
constexpr uint64_t kAlignment = 64;

uint64_t alignUp(uint64_t v) { return (v + kAlignment - 1) / kAlignment * kAlignment; }

/// The bytes of a constant global's value: a dense attribute (a splat is
/// expanded) or a resource blob. Empty when the value is of another kind.
std::optional<std::vector<char>> constantBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements)
    return std::nullopt;
  auto type = dyn_cast<ShapedType>(elements.getType());
  if (!type || !type.hasStaticShape() ||
      !type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return std::nullopt;
  uint64_t elementBytes = type.getElementTypeBitWidth() / 8;
  uint64_t bytes = uint64_t(type.getNumElements()) * elementBytes;
  if (auto dense = dyn_cast<DenseElementsAttr>(elements)) {
    ArrayRef<char> raw = dense.getRawData();
    std::vector<char> out(bytes);
    if (dense.isSplat()) {
      if (raw.size() != elementBytes)
        return std::nullopt;
      for (uint64_t i = 0; i < bytes; i += elementBytes)
        std::memcpy(out.data() + i, raw.data(), elementBytes);
    } else {
      if (raw.size() != bytes)
        return std::nullopt;
      std::memcpy(out.data(), raw.data(), bytes);
    }
    return out;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != bytes)
      return std::nullopt;
    return std::vector<char>(blob->getData().begin(), blob->getData().end());
  }
  return std::nullopt;
}
} // namespace

std::string WeightsBlob::tableText() const {
  std::string text;
  for (const Symbol &s : symbols)
    text += s.name + " " + std::to_string(s.offset) + " " +
            std::to_string(s.size) + "\n";
  return text;
}

bool WeightsBlob::parseTable(llvm::StringRef text, uint64_t blobSize) {
  symbols.clear();
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    SmallVector<llvm::StringRef> fields;
    line.split(fields, ' ');
    Symbol s;
    if (fields.size() != 3 || fields[0].empty() ||
        fields[1].getAsInteger(10, s.offset) ||
        fields[2].getAsInteger(10, s.size) || s.offset > blobSize ||
        s.size > blobSize - s.offset)
      return false;
    s.name = fields[0].str();
    symbols.push_back(std::move(s));
  }
  return true;
}

LogicalResult externalizeWeights(ModuleOp module, WeightsBlob &weights,
                                 uint64_t minBytes) {
  // Collect first, copy once into a blob of the final size.
  SmallVector<std::pair<LLVM::GlobalOp, std::vector<char>>> moved;
  uint64_t total = 0;
  for (auto global : module.getOps<LLVM::GlobalOp>()) {
    if (!global.getConstant() || global.getInitializerBlock())
      continue;
    std::optional<std::vector<char>> bytes =
        constantBytes(global.getValueOrNull());
    if (!bytes || bytes->size() < minBytes)
      continue;
    total = alignUp(total) + bytes->size();
    moved.push_back({global, std::move(*bytes)});
  }
  weights = WeightsBlob();
  weights.size = alignUp(total);
  auto *data = static_cast<uint8_t *>(
      std::aligned_alloc(kAlignment, std::max<uint64_t>(weights.size, kAlignment)));
  if (!data)
    return module.emitError("cannot allocate ")
           << weights.size << " bytes for the weights";
  weights.data = std::shared_ptr<const uint8_t>(data, std::free);
  std::memset(data, 0, weights.size);
  uint64_t offset = 0;
  for (auto &[global, bytes] : moved) {
    offset = alignUp(offset);
    std::memcpy(data + offset, bytes.data(), bytes.size());
    weights.symbols.push_back(
        {global.getSymName().str(), offset, uint64_t(bytes.size())});
    offset += bytes.size();
    std::vector<char>().swap(bytes);
    // An external declaration: the code reaches the bytes through the
    // symbol (via the GOT: the JIT may place them anywhere).
    global.removeValueAttr();
    global.setLinkage(LLVM::Linkage::External);
    global.setDsoLocal(false);
    global.setUnnamedAddrAttr(nullptr);
    global.setAlignment(kAlignment);
  }
  return success();
}

llvm::Error writeWeightsObject(const WeightsBlob &weights,
                               llvm::StringRef path) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> tm = hostTargetMachine(error);
  if (!tm)
    return llvm::createStringError(error);
  llvm::LLVMContext ctx;
  llvm::Module m("dlc_weights", ctx);
  m.setDataLayout(tm->createDataLayout());
  m.setTargetTriple(tm->getTargetTriple());
  auto *i8 = llvm::Type::getInt8Ty(ctx);
  auto *blobData = llvm::ConstantDataArray::getRaw(
      llvm::StringRef(reinterpret_cast<const char *>(weights.data.get()),
                      weights.size),
      weights.size, i8);
  auto *blob = new llvm::GlobalVariable(m, blobData->getType(), true,
                                        llvm::GlobalValue::InternalLinkage,
                                        blobData, "dlc_weights");
  blob->setAlignment(llvm::Align(kAlignment));
  blob->setSection(".rodata.dlc_weights");
  for (const WeightsBlob::Symbol &s : weights.symbols) {
    auto *at = llvm::ConstantExpr::getInBoundsGetElementPtr(
        i8, blob, llvm::ConstantInt::get(llvm::Type::getInt64Ty(ctx), s.offset));
    auto *alias = llvm::GlobalAlias::create(
        i8, 0, llvm::GlobalValue::ExternalLinkage, s.name, at, &m);
    alias->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError("cannot write '" + path.str() +
                                   "': " + ec.message());
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, out, nullptr,
                              llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError("the host target cannot emit objects");
  pm.run(m);
  return llvm::Error::success();
}

} // namespace dlc
