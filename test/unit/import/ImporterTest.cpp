// Unit tests of the pieces of the importer that lit cannot reach through
// dlc-translate: weights referenced in place (copyWeights = false), the copy
// made for misaligned data, reading constants back with getConstantFloats,
// and the shared padding/reshape helpers.
#include "dlc/Dialect/Dlc/IR/DlcDialect.h"
#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/IR/DlcUtils.h"
#include "dlc/Import/FlatBufferImporter.h"
#include "dlc/Import/ImportUtils.h"
#include "dlc/Import/ModelDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"

#include "dlc_model_generated.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

using namespace mlir;

namespace {

/// input [-1, 4, 4, 1] -> CONV_2D (filter [1, 1, 1, 3], values 1, 2, 3).
std::vector<uint8_t>
buildConvModel(dlc::fb::OpType type = dlc::fb::OpType::CONV_2D) {
  dlc::fb::ModelT model;
  model.graph = std::make_unique<dlc::fb::GraphT>();
  model.buffers.push_back(std::make_unique<dlc::fb::BufferT>());
  auto addTensor = [&](const char *name, std::vector<int64_t> shape,
                       uint32_t buffer) {
    auto t = std::make_unique<dlc::fb::TensorT>();
    t->name = name;
    t->shape = std::move(shape);
    t->buffer = buffer;
    model.graph->tensors.push_back(std::move(t));
  };
  auto weights = std::make_unique<dlc::fb::BufferT>();
  for (float v : {1.0f, 2.0f, 3.0f}) {
    uint8_t bytes[4];
    std::memcpy(bytes, &v, 4); // The test host is little-endian.
    weights->data.insert(weights->data.end(), bytes, bytes + 4);
  }
  model.buffers.push_back(std::move(weights));
  addTensor("input", {-1, 4, 4, 1}, 0);
  addTensor("kernel", {1, 1, 1, 3}, 1);
  addTensor("output", {1, 4, 4, 3}, 0);
  auto op = std::make_unique<dlc::fb::OperatorT>();
  op->type = type;
  op->name = "conv";
  op->inputs = {0, 1};
  op->outputs = {2};
  model.graph->operators.push_back(std::move(op));
  model.graph->inputs = {0};
  model.graph->outputs = {2};
  flatbuffers::FlatBufferBuilder fbb;
  dlc::fb::FinishModelBuffer(fbb, dlc::fb::Model::Pack(fbb, &model));
  return std::vector<uint8_t>(fbb.GetBufferPointer(),
                              fbb.GetBufferPointer() + fbb.GetSize());
}

/// The attribute of the first dlc.constant in the module.
ElementsAttr firstConstant(ModuleOp module) {
  ElementsAttr value;
  module.walk([&](dlc::ConstantOp op) {
    if (!value)
      value = op.getValue();
  });
  return value;
}

const char *blobData(ElementsAttr attr) {
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || !resource.getRawHandle().getBlob())
    return nullptr;
  return resource.getRawHandle().getBlob()->getData().data();
}

class ImporterTest : public ::testing::Test {
protected:
  ImporterTest() { ctx.loadDialect<dlc::DlcDialect, func::FuncDialect>(); }
  MLIRContext ctx;
};

TEST_F(ImporterTest, WeightsInPlaceWhenNotCopied) {
  // 64-byte aligned storage, as a memory-mapped file would be.
  std::vector<uint8_t> bytes = buildConvModel();
  alignas(64) static uint8_t storage[4096];
  ASSERT_LE(bytes.size(), sizeof storage);
  std::memcpy(storage, bytes.data(), bytes.size());
  ArrayRef<uint8_t> file(storage, bytes.size());

  dlc::ImportOptions options;
  options.inlineElementLimit = 0;
  options.copyWeights = false;
  auto module = dlc::importModelBuffer(ctx, file, options, "model.fb");
  ASSERT_TRUE(module);
  ElementsAttr weights = firstConstant(*module);
  const char *data = blobData(weights);
  ASSERT_NE(data, nullptr);
  EXPECT_GE(reinterpret_cast<const uint8_t *>(data), file.begin());
  EXPECT_LT(reinterpret_cast<const uint8_t *>(data), file.end());
  auto floats = dlc::getConstantFloats(weights);
  ASSERT_TRUE(floats);
  EXPECT_EQ(*floats, (SmallVector<float>{1.0f, 2.0f, 3.0f}));
}

TEST_F(ImporterTest, WeightsCopiedByDefaultAndWhenMisaligned) {
  std::vector<uint8_t> bytes = buildConvModel();
  alignas(64) static uint8_t aligned[4096];
  alignas(64) static uint8_t shifted[4096 + 1];
  ASSERT_LE(bytes.size(), sizeof aligned);
  std::memcpy(aligned, bytes.data(), bytes.size());
  // Shifting the whole file by one byte keeps the FlatBuffer valid (its
  // alignment rules are relative to the buffer start) but misaligns every
  // f32 in memory, so the importer must copy even when told not to.
  std::memcpy(shifted + 1, bytes.data(), bytes.size());
  struct Case {
    ArrayRef<uint8_t> file;
    bool copyWeights;
  } cases[] = {{ArrayRef<uint8_t>(aligned, bytes.size()), true},
               {ArrayRef<uint8_t>(shifted + 1, bytes.size()), false}};
  for (const Case &c : cases) {
    dlc::ImportOptions options;
    options.inlineElementLimit = 0;
    options.copyWeights = c.copyWeights;
    auto module = dlc::importModelBuffer(ctx, c.file, options, "model.fb");
    ASSERT_TRUE(module);
    ElementsAttr weights = firstConstant(*module);
    const uint8_t *data = reinterpret_cast<const uint8_t *>(blobData(weights));
    ASSERT_NE(data, nullptr);
    EXPECT_TRUE(data < c.file.begin() || data >= c.file.end());
    EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % alignof(float), 0u);
    auto floats = dlc::getConstantFloats(weights);
    ASSERT_TRUE(floats);
    EXPECT_EQ(*floats, (SmallVector<float>{1.0f, 2.0f, 3.0f}));
  }
}

TEST_F(ImporterTest, SmallWeightsAreDenseElements) {
  std::vector<uint8_t> bytes = buildConvModel();
  auto module = dlc::importModelBuffer(ctx, bytes, {}, "model.fb");
  ASSERT_TRUE(module);
  ElementsAttr weights = firstConstant(*module);
  EXPECT_TRUE(isa<DenseElementsAttr>(weights));
  auto floats = dlc::getConstantFloats(weights);
  ASSERT_TRUE(floats);
  EXPECT_EQ(*floats, (SmallVector<float>{1.0f, 2.0f, 3.0f}));
}

TEST_F(ImporterTest, ErrorsAreLocatedAtTheOp) {
  std::vector<uint8_t> bytes = buildConvModel(dlc::fb::OpType::DENSE);
  std::string message, where;
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
    message = diag.str();
    where = dlc::formatModelLocation(diag.getLocation());
    return success();
  });
  EXPECT_FALSE(dlc::importModelBuffer(ctx, bytes, {}, "model.fb"));
  EXPECT_EQ(where, "model.fb: operator 0 'conv'");
  EXPECT_EQ(message,
            "DENSE: expects a rank-2 weight [K, M], got 'tensor<1x1x1x3xf32>'");
}

TEST_F(ImporterTest, GetConstantFloats) {
  auto type = RankedTensorType::get({2, 2}, Float32Type::get(&ctx));
  auto splat = DenseElementsAttr::get(type, 1.5f);
  EXPECT_EQ(*dlc::getConstantFloats(splat),
            (SmallVector<float>{1.5f, 1.5f, 1.5f, 1.5f}));
  float values[] = {1, 2, 3, 4};
  auto resource = DenseResourceElementsAttr::get(
      type, "w",
      HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(values)));
  EXPECT_EQ(*dlc::getConstantFloats(resource),
            (SmallVector<float>{1, 2, 3, 4}));
  // Wrong element type, and a blob of the wrong size.
  auto i32 = RankedTensorType::get({2}, IntegerType::get(&ctx, 32));
  EXPECT_FALSE(dlc::getConstantFloats(
      DenseElementsAttr::get(i32, ArrayRef<int32_t>{1, 2})));
  auto shortBlob = DenseResourceElementsAttr::get(
      type, "short",
      HeapAsmResourceBlob::allocateAndCopyInferAlign(
          ArrayRef<float>(values).take_front(3)));
  EXPECT_FALSE(dlc::getConstantFloats(shortBlob));
}

TEST(ImportUtilsTest, SamePaddingMatchesTensorFlow) {
  auto same = [](int64_t in, int64_t k, int64_t s, int64_t d) {
    dlc::PadPair p = *dlc::computeSamePadding(in, k, s, d);
    return std::make_pair(p.before, p.after);
  };
  EXPECT_EQ(same(5, 3, 2, 1), std::make_pair(int64_t(1), int64_t(1)));
  EXPECT_EQ(same(6, 3, 2, 1), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_EQ(same(28, 3, 1, 1), std::make_pair(int64_t(1), int64_t(1)));
  EXPECT_EQ(same(3, 2, 1, 1), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_EQ(same(4, 2, 1, 2), std::make_pair(int64_t(1), int64_t(1)));
  EXPECT_EQ(same(4, 1, 3, 1), std::make_pair(int64_t(0), int64_t(0)));
  EXPECT_EQ(same(7, 2, 2, 1), std::make_pair(int64_t(0), int64_t(1)));
  EXPECT_FALSE(dlc::computeSamePadding(4, 3, 0, 1));
  EXPECT_FALSE(dlc::computeSamePadding(4, 0, 1, 1));
}

TEST(ImportUtilsTest, ResolveReshape) {
  using Shape = SmallVector<int64_t>;
  EXPECT_EQ(*dlc::resolveReshape({-1, 6, 4}, 48), (Shape{2, 6, 4}));
  EXPECT_EQ(*dlc::resolveReshape({2, -1}, 48), (Shape{2, 24}));
  EXPECT_EQ(*dlc::resolveReshape({4, 12}, 48), (Shape{4, 12}));
  EXPECT_FALSE(dlc::resolveReshape({-1, -1}, 48));
  EXPECT_FALSE(dlc::resolveReshape({5, -1}, 48));
  EXPECT_FALSE(dlc::resolveReshape({0, 48}, 48));
  EXPECT_FALSE(dlc::resolveReshape({4, 13}, 48));
  EXPECT_FALSE(dlc::resolveReshape({int64_t(1) << 40, int64_t(1) << 40}, 48));
  // A 0 entry is a literal 0, for an empty input only; beside it a -1
  // could be anything.
  EXPECT_EQ(*dlc::resolveReshape({3, 4, 0}, 0), (Shape{3, 4, 0}));
  EXPECT_EQ(*dlc::resolveReshape({2, -1}, 0), (Shape{2, 0}));
  EXPECT_FALSE(dlc::resolveReshape({0, -1}, 0));
  EXPECT_FALSE(dlc::resolveReshape({3, 4}, 0));
  EXPECT_FALSE(dlc::resolveReshape({-2, 0}, 0));
}

// Empty tensors import; the element limit is checked on the nonzero dims,
// so huge dims beside a 0 are fine and a product that overflows is not.
TEST_F(ImporterTest, EmptyTensorsAndTheElementLimit) {
  const int64_t m = std::numeric_limits<int32_t>::max();
  auto importRelu = [&](std::vector<int64_t> shape, std::string &message) {
    dlc::fb::ModelT model;
    model.graph = std::make_unique<dlc::fb::GraphT>();
    model.buffers.push_back(std::make_unique<dlc::fb::BufferT>());
    for (const char *name : {"x", "relu"}) {
      auto t = std::make_unique<dlc::fb::TensorT>();
      t->name = name;
      model.graph->tensors.push_back(std::move(t));
    }
    model.graph->tensors[0]->shape = std::move(shape);
    auto op = std::make_unique<dlc::fb::OperatorT>();
    op->type = dlc::fb::OpType::RELU;
    op->name = "relu";
    op->inputs = {0};
    op->outputs = {1};
    model.graph->operators.push_back(std::move(op));
    model.graph->inputs = {0};
    model.graph->outputs = {1};
    flatbuffers::FlatBufferBuilder fbb;
    dlc::fb::FinishModelBuffer(fbb, dlc::fb::Model::Pack(fbb, &model));
    std::vector<uint8_t> bytes(fbb.GetBufferPointer(),
                               fbb.GetBufferPointer() + fbb.GetSize());
    ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    return bool(dlc::importModelBuffer(ctx, bytes, {}, "model.fb"));
  };
  std::string message;
  EXPECT_TRUE(importRelu({0, 3, 4}, message)) << message;
  EXPECT_TRUE(importRelu({0, m, m}, message)) << message;
  EXPECT_FALSE(importRelu({m, m, 1}, message));
  EXPECT_EQ(message, "tensor 0 'x' has shape [2147483647, 2147483647, 1], "
                     "which has too many elements");
}

} // namespace

TEST(ModelDiagnostics, FormatsOpFileAndFusedLocations) {
  MLIRContext ctx;
  auto op = [&](const char *name, unsigned index) {
    return Location(NameLoc::get(StringAttr::get(&ctx, name),
                                 FileLineColLoc::get(&ctx, "m.fb", index, 0)));
  };
  EXPECT_EQ(dlc::formatModelLocation(op("conv2d", 3)),
            "m.fb: operator 3 'conv2d'");
  EXPECT_EQ(dlc::formatModelLocation(FileLineColLoc::get(&ctx, "m.fb", 0, 0)),
            "m.fb");
  // A fused op names every model op it replaced.
  Location fused = FusedLoc::get(&ctx, {op("conv2d", 0), op("pool", 1)});
  EXPECT_EQ(dlc::formatModelLocation(fused),
            "m.fb: operator 0 'conv2d' + operator 1 'pool'");
}
