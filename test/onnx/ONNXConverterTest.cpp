//===- ONNXConverterTest.cpp - the ONNX front end -------------------------===//
//
// Builds small ONNX models with the protobuf API, converts them and checks
// (1) layout tracking: how many transposes the dlc model needs for NCHW
// chains, (2) the interface (names, shapes, order), (3) error messages, and
// (4) a compiled NCHW conv chain against a direct NCHW computation here.
//
//===----------------------------------------------------------------------===//

#include "dlc/Compiler/Compiler.h"
#include "dlc/Import/ONNXConverter.h"
#include "dlc/runtime/ModelFile.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace dlc;

// A minimal ONNX model writer.
class Graph {
public:
  explicit Graph(int64_t opset = 13) {
    model_.set_ir_version(8);
    auto *o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("g");
  }
  void input(const std::string &name, std::vector<int64_t> shape,
             int type = onnx::TensorProto::FLOAT) {
    valueInfo(model_.mutable_graph()->add_input(), name, shape, type);
  }
  void output(const std::string &name) {
    model_.mutable_graph()->add_output()->set_name(name);
  }
  void weight(const std::string &name, std::vector<int64_t> shape,
              std::vector<float> data) {
    auto *t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : shape)
      t->add_dims(d);
    for (float x : data)
      t->add_float_data(x);
  }
  onnx::NodeProto *node(const std::string &type, std::vector<std::string> in,
                        std::vector<std::string> out,
                        const std::string &name = "") {
    auto *n = model_.mutable_graph()->add_node();
    n->set_op_type(type);
    n->set_name(name.empty() ? out[0] : name);
    for (auto &s : in)
      n->add_input(s);
    for (auto &s : out)
      n->add_output(s);
    return n;
  }
  static void ints(onnx::NodeProto *n, const std::string &name,
                   std::vector<int64_t> v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v)
      a->add_ints(x);
  }
  static void integer(onnx::NodeProto *n, const std::string &name, int64_t v) {
    auto *a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  std::string bytes() const { return model_.SerializeAsString(); }
  StatusOr<std::vector<uint8_t>> convert() const {
    std::string b = bytes();
    return convertONNXToDlc(reinterpret_cast<const uint8_t *>(b.data()),
                            b.size(), "model.onnx");
  }
  onnx::ModelProto &proto() { return model_; }

private:
  static void valueInfo(onnx::ValueInfoProto *v, const std::string &name,
                        const std::vector<int64_t> &shape, int type) {
    v->set_name(name);
    auto *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(type);
    auto *s = t->mutable_shape();
    for (int64_t d : shape) {
      auto *dim = s->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
  }
  onnx::ModelProto model_;
};

std::vector<float> ramp(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = scale * static_cast<float>(static_cast<int>(i % 7) - 3);
  return v;
}

std::unique_ptr<ModelFile> open(StatusOr<std::vector<uint8_t>> bytes) {
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok())
    return nullptr;
  auto file = ModelFile::fromBuffer(std::move(*bytes), "model.fb");
  EXPECT_TRUE(file.ok()) << file.status().message();
  return file.ok() ? std::move(*file) : nullptr;
}

/// Converts `g` and JIT-compiles it for `batch`; null (with the failure
/// reported) if either step fails.
std::unique_ptr<CompiledModel> compileGraph(const Graph &g, int64_t batch) {
  std::unique_ptr<ModelFile> file = open(g.convert());
  if (!file)
    return nullptr;
  CompileOptions options;
  options.batchSize = batch;
  auto model = jitCompile(*file, options);
  EXPECT_TRUE(model.ok()) << model.status().message();
  return model.ok() ? std::move(*model) : nullptr;
}

int countOps(const ModelFile &f, fb::OpType type) {
  int n = 0;
  for (const fb::Operator *op : *f.model()->graph()->operators())
    n += op->type() == type;
  return n;
}

// Conv -> Relu -> MaxPool -> Conv -> Flatten -> Gemm: one transpose into
// NHWC at the input, none in between, and none before Flatten either: the
// Gemm's weight rows absorb the NHWC column order.
TEST(ONNXLayout, ConvChainNeedsOneTranspose) {
  Graph g;
  g.input("x", {2, 3, 8, 8});
  g.weight("w1", {4, 3, 3, 3}, ramp(108, 0.1f));
  g.weight("w2", {5, 4, 3, 3}, ramp(180, 0.1f));
  g.weight("fc", {6, 5 * 2 * 2}, ramp(120, 0.05f));
  auto *c1 = g.node("Conv", {"x", "w1"}, {"c1"});
  Graph::ints(c1, "pads", {1, 1, 1, 1});
  g.node("Relu", {"c1"}, {"r1"});
  auto *p = g.node("MaxPool", {"r1"}, {"p1"});
  Graph::ints(p, "kernel_shape", {2, 2});
  Graph::ints(p, "strides", {2, 2});
  g.node("Conv", {"p1", "w2"}, {"c2"});
  g.node("Flatten", {"c2"}, {"f"});
  auto *fc = g.node("Gemm", {"f", "fc"}, {"y"});
  Graph::integer(fc, "transB", 1);
  g.output("y");
  auto file = open(g.convert());
  ASSERT_TRUE(file);
  EXPECT_EQ(countOps(*file, fb::OpType::TRANSPOSE), 1);
  EXPECT_EQ(countOps(*file, fb::OpType::CONV_2D), 2);
  // Once the flattened value is also a graph output, ONNX's column order
  // is needed and Flatten transposes back first.
  g.output("f");
  auto both = open(g.convert());
  ASSERT_TRUE(both);
  EXPECT_EQ(countOps(*both, fb::OpType::TRANSPOSE), 2);
  // The interface keeps ONNX's layout.
  const fb::Graph *graph = file->model()->graph();
  const fb::Tensor *in = graph->tensors()->Get(graph->inputs()->Get(0));
  EXPECT_EQ(in->name()->str(), "x");
  EXPECT_EQ(std::vector<int64_t>(in->shape()->begin(), in->shape()->end()),
            (std::vector<int64_t>{2, 3, 8, 8}));
  const fb::Tensor *out = graph->tensors()->Get(graph->outputs()->Get(0));
  EXPECT_EQ(out->name()->str(), "y");
}

// Explicit NCHW <-> NHWC transposes around NHWC-friendly ops cancel.
TEST(ONNXLayout, TransposePairsCancel) {
  Graph g;
  g.input("x", {1, 3, 4, 5});
  auto *t1 = g.node("Transpose", {"x"}, {"t1"});
  Graph::ints(t1, "perm", {0, 2, 3, 1});
  g.node("Relu", {"t1"}, {"r"});
  auto *t2 = g.node("Transpose", {"r"}, {"t2"});
  Graph::ints(t2, "perm", {0, 3, 1, 2});
  g.node("Sigmoid", {"t2"}, {"y"});
  g.output("y");
  auto file = open(g.convert());
  ASSERT_TRUE(file);
  EXPECT_EQ(countOps(*file, fb::OpType::TRANSPOSE), 0);
}

// GlobalAveragePool's [N, C, 1, 1] has one element order in both layouts:
// Flatten after it needs a reshape, not a transpose.
TEST(ONNXLayout, FlattenAfterGlobalPoolIsFree) {
  Graph g;
  g.input("x", {1, 2, 4, 4});
  g.weight("w", {3, 2, 1, 1}, ramp(6, 0.5f));
  g.node("Conv", {"x", "w"}, {"c"});
  g.node("GlobalAveragePool", {"c"}, {"p"});
  g.node("Flatten", {"p"}, {"y"});
  g.output("y");
  auto file = open(g.convert());
  ASSERT_TRUE(file);
  EXPECT_EQ(countOps(*file, fb::OpType::TRANSPOSE), 1); // The input only.
}

// Weights given as graph inputs stay inputs, in ONNX's order.
TEST(ONNXInterface, WeightInputsStayInputs) {
  Graph g;
  g.input("x", {1, 1, 5, 5});
  g.input("W", {2, 1, 3, 3});
  g.node("Conv", {"x", "W"}, {"y"});
  g.output("y");
  auto file = open(g.convert());
  ASSERT_TRUE(file);
  const fb::Graph *graph = file->model()->graph();
  ASSERT_EQ(graph->inputs()->size(), 2u);
  EXPECT_EQ(graph->tensors()->Get(graph->inputs()->Get(1))->name()->str(),
            "W");
}

std::string convertError(const Graph &g) {
  auto r = g.convert();
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(ONNXErrors, UnsupportedOpNamesNodeAndType) {
  Graph g;
  g.input("x", {1, 4});
  g.node("Relu", {"x"}, {"r"});
  g.node("Sin", {"r"}, {"y"}, "my_sin");
  g.output("y");
  EXPECT_EQ(convertError(g), "model.onnx: node 1 (Sin 'my_sin'): op type Sin "
                             "(opset 13) is not supported");
}

TEST(ONNXErrors, UnsupportedAttribute) {
  Graph g;
  g.input("x", {1, 1, 4, 4});
  auto *p = g.node("MaxPool", {"x"}, {"y"}, "pool");
  Graph::ints(p, "kernel_shape", {2, 2});
  Graph::integer(p, "storage_order", 1);
  g.output("y");
  EXPECT_EQ(convertError(g), "model.onnx: node 0 (MaxPool 'pool'): "
                             "storage_order 1 is not supported");
  // AveragePool has dilations only from opset 19, beyond the opsets read.
  Graph a;
  a.input("x", {1, 1, 4, 4});
  auto *avg = a.node("AveragePool", {"x"}, {"y"}, "avg");
  Graph::ints(avg, "kernel_shape", {2, 2});
  Graph::ints(avg, "dilations", {2, 2});
  a.output("y");
  EXPECT_EQ(convertError(a), "model.onnx: node 0 (AveragePool 'avg'): "
                             "attribute 'dilations' is not supported");
}

// A dilated MaxPool keeps its dilations; the output size and ceil_mode's
// overhang use the dilated span (2 taps, dilation 3: 4 positions).
TEST(ONNXPool, DilatedMaxPoolKeepsDilations) {
  Graph g;
  g.input("x", {1, 2, 9, 8});
  auto *p = g.node("MaxPool", {"x"}, {"y"}, "pool");
  Graph::ints(p, "kernel_shape", {2, 2});
  Graph::ints(p, "dilations", {3, 2});
  Graph::ints(p, "strides", {2, 2});
  Graph::integer(p, "ceil_mode", 1);
  g.output("y");
  auto file = open(g.convert());
  ASSERT_TRUE(file);
  const fb::Operator *pool = nullptr;
  for (const fb::Operator *op : *file->model()->graph()->operators())
    if (op->type() == fb::OpType::MAX_POOL_2D)
      pool = op;
  ASSERT_NE(pool, nullptr);
  const fb::Pool2DOptions *o = pool->options_as_Pool2DOptions();
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->dilation_h(), 3);
  EXPECT_EQ(o->dilation_w(), 2);
  // Rows: span 4, ceil((9 - 4) / 2) + 1 = 4 windows, the last one reaching
  // row 10: one row of overhang. Columns: span 3, (8 - 3) / 2 + 1 = 3.5 ->
  // 4 windows, the last reaching column 8: one column of overhang.
  EXPECT_EQ(o->pad_bottom(), 1);
  EXPECT_EQ(o->pad_right(), 1);
  EXPECT_EQ(o->pad_top(), 0);
  EXPECT_EQ(o->pad_left(), 0);
}

TEST(ONNXErrors, UnknownAttributeIsNotIgnored) {
  Graph g;
  g.input("x", {1, 4});
  auto *n = g.node("Relu", {"x"}, {"y"}, "r");
  Graph::integer(n, "consumed_inputs", 1);
  g.output("y");
  EXPECT_EQ(convertError(g), "model.onnx: node 0 (Relu 'r'): attribute "
                             "'consumed_inputs' is not supported");
}

TEST(ONNXErrors, UndefinedInput) {
  Graph g;
  g.input("x", {1, 4});
  g.node("Add", {"x", "nowhere"}, {"y"}, "add");
  g.output("y");
  EXPECT_EQ(convertError(g), "model.onnx: node 0 (Add 'add'): input 1 "
                             "'nowhere' is not defined before this node");
}

TEST(ONNXErrors, WrongRankAndHugeDims) {
  Graph g;
  g.input("x", {1, 3, 8});
  g.weight("w", {2, 3, 3}, ramp(18, 1.0f));
  g.node("Conv", {"x", "w"}, {"y"}, "conv1d");
  g.output("y");
  EXPECT_NE(convertError(g).find("only 2-D windows"), std::string::npos);

  Graph h;
  h.input("x", {1, int64_t(1) << 40});
  h.node("Relu", {"x"}, {"y"});
  h.output("y");
  EXPECT_NE(convertError(h).find("graph input 'x': dim 1"), std::string::npos);
}

// A 0 dim is an empty tensor, which converts; the element-count limit
// still holds on the nonzero dims, so a zero cannot hide an overflow and
// huge dims beside a zero are fine.
TEST(ONNXShapes, EmptyTensorsConvertAndOverflowIsStillCaught) {
  Graph g;
  g.input("x", {2, 0, 4});
  g.node("Relu", {"x"}, {"y"});
  g.output("y");
  EXPECT_TRUE(g.convert().ok());

  // The largest dim the dlc model format takes.
  const int64_t m = (int64_t(1) << 31) - 1;
  Graph wide;
  wide.input("x", {0, m, m});
  wide.node("Relu", {"x"}, {"y"});
  wide.output("y");
  auto converted = wide.convert();
  EXPECT_TRUE(converted.ok()) << converted.status().message();

  Graph huge;
  huge.input("x", {m, m, 1});
  huge.node("Relu", {"x"}, {"y"});
  huge.output("y");
  EXPECT_NE(convertError(huge).find("graph input 'x' has too many elements"),
            std::string::npos)
      << convertError(huge);
}

// With a symbolic batch, dim 0 is what the runtime splits into chunks: an
// op moving it, or a static input beside it, is refused.
TEST(ONNXErrors, SymbolicBatchMustStayInDimZero) {
  Graph g;
  g.input("x", {-1, 4});
  auto *t = g.node("Transpose", {"x"}, {"y"}, "tr");
  Graph::ints(t, "perm", {1, 0});
  g.output("y");
  EXPECT_NE(convertError(g).find("node 0 (Transpose 'tr'): moves the batch "
                                 "dim of 'x'"),
            std::string::npos);

  Graph h;
  h.input("x", {-1, 4});
  h.input("w", {4, 3});
  h.node("MatMul", {"x", "w"}, {"y"});
  h.output("y");
  EXPECT_NE(convertError(h).find("graph input 'w' has a static dim 0"),
            std::string::npos);
}

TEST(ONNXErrors, GarbageIsNotAModel) {
  std::string junk = "\x08\x07\x12\xff\xff\xff\xff\x0f garbage";
  auto r = convertONNXToDlc(reinterpret_cast<const uint8_t *>(junk.data()),
                            junk.size(), "junk.onnx");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("junk.onnx: not a valid ONNX model"),
            std::string::npos);
}

// A graph without inputs: y = Relu(c * w) with c a Constant node and w an
// initializer, and the constant itself as a second output. It compiles and
// runs with no inputs at all.
TEST(ONNXCompiled, GraphWithoutInputs) {
  Graph g;
  const std::vector<float> c = {1, -2, 3, -4, 5, -6}; // [2, 3]
  auto *constant = g.node("Constant", {}, {"c"});
  auto *value = constant->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  auto *t = value->mutable_t();
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(2);
  t->add_dims(3);
  for (float x : c)
    t->add_float_data(x);
  const std::vector<float> w = {1, 0, 0, 1, 1, 1}; // [3, 2]
  g.weight("w", {3, 2}, w);
  g.node("MatMul", {"c", "w"}, {"m"});
  g.node("Relu", {"m"}, {"y"});
  g.output("y");
  g.output("c");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 1);
  ASSERT_TRUE(model);
  EXPECT_EQ(model->desc().num_inputs, 0);
  auto out = model->run({});
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  // c * w = [[1 + 3, -2 + 3], [-4 - 6, 5 - 6]] before the ReLU.
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(std::vector<float>((*out)[0].data<float>(),
                               (*out)[0].data<float>() + 4),
            (std::vector<float>{4, 1, 0, 0}));
  ASSERT_EQ((*out)[1].shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::vector<float>((*out)[1].data<float>(),
                               (*out)[1].data<float>() + 6),
            c);
}

// Gemm and MatMul over an empty inner dimension (K = 0) sum nothing: Gemm
// gives its bias C in every row, MatMul of two inputs zeros. The batched
// input has rows of zero bytes, which the runtime still splits into chunks.
TEST(ONNXCompiled, GemmAndMatMulWithEmptyInnerDimension) {
  Graph g;
  g.input("a", {4, 0});
  g.input("m", {0, 2});
  g.weight("b", {0, 3}, {});
  g.weight("c", {3}, {1, -2, 3});
  g.node("Gemm", {"a", "b", "c"}, {"y"});
  g.node("MatMul", {"a", "m"}, {"z"});
  g.output("y");
  g.output("z");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
  ASSERT_TRUE(model);
  std::vector<HostTensor> inputs;
  for (std::vector<int64_t> shape : {std::vector<int64_t>{4, 0}, {0, 2}}) {
    auto t = HostTensor::create(DType::F32, shape);
    ASSERT_TRUE(t.ok());
    inputs.push_back(std::move(*t));
  }
  auto out = model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{4, 3}));
  ASSERT_EQ((*out)[1].shape(), (std::vector<int64_t>{4, 2}));
  for (int64_t r = 0; r < 4; ++r) {
    EXPECT_EQ(std::vector<float>((*out)[0].data<float>() + 3 * r,
                                 (*out)[0].data<float>() + 3 * r + 3),
              (std::vector<float>{1, -2, 3}))
        << "row " << r;
    EXPECT_EQ((*out)[1].data<float>()[2 * r], 0.0f);
    EXPECT_EQ((*out)[1].data<float>()[2 * r + 1], 0.0f);
  }
}

// Transpose moving the batch to the end: the output [4, 3, 2] has no batch
// dimension, so CompiledModel::run calls the model once at [2, 3, 4] and
// refuses any other shape.
TEST(ONNXCompiled, TransposedBatchRunsWhole) {
  Graph g;
  g.input("x", {2, 3, 4});
  Graph::ints(g.node("Transpose", {"x"}, {"y"}), "perm", {2, 1, 0});
  g.output("y");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
  ASSERT_TRUE(model);
  EXPECT_TRUE(model->runsWhole());
  auto x = HostTensor::create(DType::F32, {2, 3, 4});
  ASSERT_TRUE(x.ok());
  for (int64_t i = 0; i < 24; ++i)
    x->data<float>()[i] = static_cast<float>(i);
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(*x));
  RunOptions two;
  two.threads = 2;
  auto out = model->run(inputs, two);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{4, 3, 2}));
  const float *y = (*out)[0].data<float>();
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c)
        EXPECT_EQ(y[(c * 3 + b) * 2 + a],
                  static_cast<float>((a * 3 + b) * 4 + c))
            << a << "," << b << "," << c;

  auto other = HostTensor::create(DType::F32, {1, 3, 4});
  ASSERT_TRUE(other.ok());
  std::vector<HostTensor> wrong;
  wrong.push_back(std::move(*other));
  auto refused = model->run(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "model.fb: input 0 'x': expected float32 [2, 3, 4], got float32 "
            "[1, 3, 4] (output 0 'y' has no batch dimension, so it runs "
            "whole, at its compiled shapes)");
}

// numpy.matmul semantics: y = a [2, 1, 3, 4] x w [3, 4, 2] broadcasts both
// operands' batch dims to [2, 3] (a's size-1 dim and w's missing one), and
// z = a3 x b3 multiplies two inputs of equal batch dims; both are compared
// with products computed here.
TEST(ONNXCompiled, BatchedMatMulBroadcastsBatchDims) {
  Graph g;
  g.input("a", {2, 1, 3, 4});
  g.input("a3", {2, 3, 4});
  g.input("b3", {2, 4, 5});
  std::vector<float> w = ramp(3 * 4 * 2, 0.5f);
  g.weight("w", {3, 4, 2}, w);
  g.node("MatMul", {"a", "w"}, {"y"});
  g.node("MatMul", {"a3", "b3"}, {"z"});
  g.output("y");
  g.output("z");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
  ASSERT_TRUE(model);
  std::vector<float> a = ramp(2 * 3 * 4, 0.25f), a3 = ramp(2 * 3 * 4, 1.0f),
                     b3 = ramp(2 * 4 * 5, -0.5f);
  std::reverse(a3.begin(), a3.end());
  std::vector<HostTensor> inputs;
  for (auto [shape, data] :
       {std::pair{std::vector<int64_t>{2, 1, 3, 4}, &a},
        std::pair{std::vector<int64_t>{2, 3, 4}, &a3},
        std::pair{std::vector<int64_t>{2, 4, 5}, &b3}}) {
    auto t = HostTensor::fromVector(shape, *data);
    ASSERT_TRUE(t.ok()) << t.status().message();
    inputs.push_back(std::move(*t));
  }
  auto out = model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{2, 3, 3, 2}));
  ASSERT_EQ((*out)[1].shape(), (std::vector<int64_t>{2, 3, 5}));
  const float *y = (*out)[0].data<float>();
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t m = 0; m < 3; ++m)
        for (int64_t n = 0; n < 2; ++n) {
          double want = 0;
          for (int64_t k = 0; k < 4; ++k)
            want += double(a[(i * 3 + m) * 4 + k]) * w[(j * 4 + k) * 2 + n];
          EXPECT_NEAR(y[((i * 3 + j) * 3 + m) * 2 + n], want, 1e-5)
              << i << "," << j << "," << m << "," << n;
        }
  const float *z = (*out)[1].data<float>();
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t m = 0; m < 3; ++m)
      for (int64_t n = 0; n < 5; ++n) {
        double want = 0;
        for (int64_t k = 0; k < 4; ++k)
          want += double(a3[(i * 3 + m) * 4 + k]) * b3[(i * 4 + k) * 5 + n];
        EXPECT_NEAR(z[(i * 3 + m) * 5 + n], want, 1e-5)
            << i << "," << m << "," << n;
      }
}

TEST(ONNXErrors, MatMulShapesItRefuses) {
  Graph g;
  g.input("a", {2, 3, 4});
  g.input("v", {4});
  g.node("MatMul", {"a", "v"}, {"y"}, "mv");
  g.output("y");
  EXPECT_NE(convertError(g).find("node 0 (MatMul 'mv'): A [2,3,4] x B [4]: "
                                 "a 1-D operand (vector MatMul) is not "
                                 "supported"),
            std::string::npos)
      << convertError(g);

  Graph h;
  h.input("a", {2, 3, 4});
  h.input("b", {3, 4, 5});
  h.node("MatMul", {"a", "b"}, {"y"}, "mm");
  h.output("y");
  EXPECT_NE(convertError(h).find("node 0 (MatMul 'mm'): A [2,3,4] and B "
                                 "[3,4,5]: batch dims do not broadcast"),
            std::string::npos)
      << convertError(h);

  // With a symbolic batch, a broadcast along dim 0 would be decided with
  // the batch taken as 1.
  Graph s;
  s.input("a", {-1, 3, 4});
  s.weight("w", {1, 4, 5}, ramp(20, 1.0f));
  s.node("MatMul", {"a", "w"}, {"y"}, "mm");
  s.output("y");
  EXPECT_NE(convertError(s).find("node 0 (MatMul 'mm'): A [1,3,4] x B "
                                 "[1,4,5]: with a symbolic batch, both "
                                 "operands must be computed values"),
            std::string::npos)
      << convertError(s);
}

// y = MaxPool(Relu(Conv(x))) with 2 groups, stride 2, asymmetric pads and
// a ceil-mode pool, computed here directly in NCHW.
TEST(ONNXCompiled, GroupedConvChainMatchesDirectNCHW) {
  const int64_t N = 2, C = 4, H = 7, W = 6, M = 6, G = 2, K = 3;
  Graph g;
  g.input("x", {N, C, H, W});
  std::vector<float> w = ramp(M * (C / G) * K * K, 0.125f);
  std::vector<float> b = {0.5f, -0.25f, 0.f, 1.f, -1.f, 0.75f};
  g.weight("w", {M, C / G, K, K}, w);
  g.weight("b", {M}, b);
  auto *conv = g.node("Conv", {"x", "w", "b"}, {"c"});
  Graph::integer(conv, "group", G);
  Graph::ints(conv, "strides", {2, 2});
  Graph::ints(conv, "pads", {1, 0, 2, 1}); // top, left, bottom, right
  g.node("Relu", {"c"}, {"r"});
  auto *pool = g.node("MaxPool", {"r"}, {"y"});
  Graph::ints(pool, "kernel_shape", {2, 2});
  Graph::ints(pool, "strides", {2, 2});
  Graph::integer(pool, "ceil_mode", 1);
  g.output("y");
  std::unique_ptr<CompiledModel> model = compileGraph(g, N);
  ASSERT_TRUE(model);
  auto x = HostTensor::create(DType::F32, {N, C, H, W});
  ASSERT_TRUE(x.ok());
  for (int64_t i = 0; i < x->numElements(); ++i)
    x->data<float>()[i] = std::sin(0.37f * static_cast<float>(i));
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(*x));
  auto out = model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();

  // Direct computation.
  const float *xd = inputs[0].data<float>();
  const int64_t OH = (H + 3 - K) / 2 + 1, OW = (W + 1 - K) / 2 + 1;
  std::vector<float> conv1(N * M * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          float acc = b[m];
          int64_t grp = m / (M / G);
          for (int64_t ci = 0; ci < C / G; ++ci)
            for (int64_t kh = 0; kh < K; ++kh)
              for (int64_t kw = 0; kw < K; ++kw) {
                int64_t ih = oh * 2 - 1 + kh, iw = ow * 2 + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                acc += xd[((n * C + grp * (C / G) + ci) * H + ih) * W + iw] *
                       w[((m * (C / G) + ci) * K + kh) * K + kw];
              }
          conv1[((n * M + m) * OH + oh) * OW + ow] = std::max(acc, 0.0f);
        }
  const int64_t PH = (OH - 2 + 1) / 2 + 1, PW = (OW - 2 + 1) / 2 + 1;
  ASSERT_EQ((*out)[0].shape(), (std::vector<int64_t>{N, M, PH, PW}));
  const float *y = (*out)[0].data<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t ph = 0; ph < PH; ++ph)
        for (int64_t pw = 0; pw < PW; ++pw) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t i = ph * 2; i < std::min(ph * 2 + 2, OH); ++i)
            for (int64_t j = pw * 2; j < std::min(pw * 2 + 2, OW); ++j)
              best = std::max(best, conv1[((n * M + m) * OH + i) * OW + j]);
          EXPECT_NEAR(y[((n * M + m) * PH + ph) * PW + pw], best, 1e-4f)
              << "at " << n << "," << m << "," << ph << "," << pw;
        }
}

} // namespace

namespace {

/// Runs `model` on one float input of `shape` filled with `values`.
std::vector<float> runOne(CompiledModel &model, std::vector<int64_t> shape,
                          const std::vector<float> &values,
                          std::vector<int64_t> *outShape = nullptr) {
  auto x = HostTensor::create(DType::F32, shape);
  EXPECT_TRUE(x.ok());
  if (!x.ok())
    return {};
  std::copy(values.begin(), values.end(), x->data<float>());
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(*x));
  auto out = model.run(inputs);
  EXPECT_TRUE(out.ok()) << out.status().message();
  if (!out.ok())
    return {};
  if (outShape)
    *outShape = (*out)[0].shape();
  const float *y = (*out)[0].data<float>();
  return std::vector<float>(y, y + (*out)[0].numElements());
}

void floatAttr(onnx::NodeProto *n, const std::string &name, float v) {
  auto *a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

} // namespace

// HardSigmoid with its own alpha and beta, and HardSwish (opset 14), on
// values that cover both clipped ends and the linear part.
TEST(ONNXCompiled, HardSigmoidAndHardSwish) {
  std::vector<float> xs = ramp(2 * 3 * 4 * 5, 1.3f);
  for (bool swish : {false, true}) {
    Graph g(swish ? 14 : 13);
    g.input("x", {2, 3, 4, 5});
    onnx::NodeProto *n =
        g.node(swish ? "HardSwish" : "HardSigmoid", {"x"}, {"y"});
    float alpha = swish ? 1.0f / 6.0f : 0.3f, beta = swish ? 0.5f : 0.4f;
    if (!swish) {
      floatAttr(n, "alpha", alpha);
      floatAttr(n, "beta", beta);
    }
    g.output("y");
    std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
    ASSERT_TRUE(model);
    std::vector<float> y = runOne(*model, {2, 3, 4, 5}, xs);
    ASSERT_EQ(y.size(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      float gate = std::min(1.0f, std::max(0.0f, alpha * xs[i] + beta));
      float want = swish ? xs[i] * gate : gate;
      EXPECT_NEAR(y[i], want, 1e-6f) << (swish ? "HardSwish" : "HardSigmoid")
                                     << " at " << i << ", x = " << xs[i];
    }
  }
}

// Sqrt, Erf, Exp and Log on an NCHW input (so in the NHWC layout inside),
// against the C library within 1e-5 of max(1, |want|). Sqrt and Log get
// positive inputs only.
TEST(ONNXCompiled, SqrtErfExpLog) {
  const std::vector<int64_t> shape = {2, 3, 4, 5};
  std::vector<float> xs = ramp(2 * 3 * 4 * 5, 1.1f);
  struct Case {
    const char *op;
    double (*fn)(double);
    bool positive;
  };
  const Case cases[] = {{"Sqrt", [](double v) { return std::sqrt(v); }, true},
                        {"Erf", [](double v) { return std::erf(v); }, false},
                        {"Exp", [](double v) { return std::exp(v); }, false},
                        {"Log", [](double v) { return std::log(v); }, true}};
  for (const Case &k : cases) {
    Graph g;
    g.input("x", shape);
    g.node(k.op, {"x"}, {"y"});
    g.output("y");
    std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
    ASSERT_TRUE(model) << k.op;
    std::vector<float> in = xs;
    if (k.positive)
      for (size_t i = 0; i < in.size(); ++i)
        in[i] = std::fabs(in[i]) + 0.01f * float(i + 1);
    std::vector<float> y = runOne(*model, shape, in);
    ASSERT_EQ(y.size(), in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      double want = k.fn(in[i]);
      EXPECT_NEAR(y[i], want, 1e-5 * std::max(1.0, std::fabs(want)))
          << k.op << " at " << i << ", x = " << in[i];
    }
  }
}

// Pow by a constant exponent on a graph input, each form of it: no op for
// 1, Muls by repeated squaring for integers (a Div after them for negative
// ones), Sqrt for 0.5, and exp(p log x) for other exponents; an int64
// exponent too. Integer powers see negative bases, the others positive
// ones only (pow itself is NaN for a negative base there).
TEST(ONNXCompiled, PowByConstantExponents) {
  struct Case {
    float exponent;
    bool asInt;
    fb::OpType op;
    int count;
  };
  const Case cases[] = {{1.0f, false, fb::OpType::MUL, 0},
                        {2.0f, false, fb::OpType::MUL, 1},
                        {2.0f, true, fb::OpType::MUL, 1},
                        {3.0f, false, fb::OpType::MUL, 2},
                        {16.0f, true, fb::OpType::MUL, 4},
                        {0.5f, false, fb::OpType::SQRT, 1},
                        {-1.0f, false, fb::OpType::DIV, 1},
                        {-3.0f, false, fb::OpType::MUL, 2},
                        {2.5f, false, fb::OpType::EXP, 1},
                        {-0.75f, false, fb::OpType::LOG, 1}};
  const std::vector<int64_t> shape = {2, 6};
  for (const Case &k : cases) {
    Graph g;
    g.input("x", shape);
    if (k.asInt) {
      onnx::NodeProto *c = g.node("Constant", {}, {"e"});
      auto *a = c->add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
      a->mutable_t()->add_int64_data(int64_t(k.exponent));
    } else {
      g.weight("e", {}, {k.exponent});
    }
    g.node("Pow", {"x", "e"}, {"y"});
    g.output("y");
    std::unique_ptr<ModelFile> file = open(g.convert());
    ASSERT_TRUE(file);
    EXPECT_EQ(countOps(*file, k.op), k.count) << "exponent " << k.exponent;
    std::unique_ptr<CompiledModel> model = compileGraph(g, 2);
    ASSERT_TRUE(model);
    // Values of magnitude 0.25 to 1.6 (x^16 stays below 2e3); negative
    // ones only for integer exponents.
    bool integer = k.exponent == std::trunc(k.exponent);
    std::vector<float> xs = ramp(12, 0.45f);
    for (size_t i = 0; i < xs.size(); ++i) {
      xs[i] = std::fabs(xs[i]) + 0.25f;
      if (integer && i % 3 == 0)
        xs[i] = -xs[i];
    }
    std::vector<float> y = runOne(*model, shape, xs);
    ASSERT_EQ(y.size(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      double want = std::pow(double(xs[i]), double(k.exponent));
      EXPECT_NEAR(y[i], want, 1e-5 * std::max(1.0, std::fabs(want)))
          << "exponent " << k.exponent << " at " << i << ", x = " << xs[i];
    }
  }
}

TEST(ONNXErrors, PowExponentsItRefuses) {
  {
    Graph g;
    g.input("x", {1, 4});
    g.weight("e", {}, {17.0f});
    g.node("Pow", {"x", "e"}, {"y"}, "high");
    g.output("y");
    EXPECT_EQ(convertError(g),
              "model.onnx: node 0 (Pow 'high'): exponent 17 is not supported "
              "(integer exponents from -16 to 16 other than 0 are)");
  }
  {
    Graph g;
    g.input("x", {1, 4});
    g.weight("e", {}, {0.0f});
    g.node("Pow", {"x", "e"}, {"y"}, "zero");
    g.output("y");
    EXPECT_EQ(convertError(g),
              "model.onnx: node 0 (Pow 'zero'): exponent 0 is not supported "
              "(integer exponents from -16 to 16 other than 0 are)");
  }
  {
    Graph g;
    g.input("x", {1, 4});
    g.input("e", {1});
    g.node("Pow", {"x", "e"}, {"y"}, "computed");
    g.output("y");
    EXPECT_EQ(convertError(g),
              "model.onnx: node 0 (Pow 'computed'): the exponent must be a "
              "constant scalar (it is computed)");
  }
  {
    Graph g;
    g.input("x", {1, 4});
    g.weight("e", {2}, {2.0f, 2.0f});
    g.node("Pow", {"x", "e"}, {"y"}, "pair");
    g.output("y");
    EXPECT_EQ(convertError(g),
              "model.onnx: node 0 (Pow 'pair'): the exponent must be a "
              "constant scalar (it is a constant of shape [2])");
  }
}

// Softplus on moderate values and on +-100, where e^x alone would overflow
// (softplus(100) = 100) and underflow (softplus(-100) = 3.7e-44).
TEST(ONNXCompiled, Softplus) {
  Graph g;
  g.input("x", {1, 16});
  g.node("Softplus", {"x"}, {"y"});
  g.output("y");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 1);
  ASSERT_TRUE(model);
  std::vector<float> xs = ramp(14, 1.7f);
  xs.push_back(100.0f);
  xs.push_back(-100.0f);
  std::vector<float> y = runOne(*model, {1, 16}, xs);
  ASSERT_EQ(y.size(), xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    double x = xs[i];
    double want = std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
    EXPECT_NEAR(y[i], want, 1e-5 * std::max(1.0, want))
        << "Softplus at " << i << ", x = " << x;
  }
}

// ReduceMean over H and W (negative axes too), with and without keepdims,
// against means computed here.
TEST(ONNXCompiled, ReduceMeanOverSpatialAxes) {
  const int64_t n = 2, c = 3, h = 4, w = 5;
  std::vector<float> xs = ramp(n * c * h * w, 0.7f);
  for (int64_t keep : {0, 1}) {
    Graph g;
    g.input("x", {n, c, h, w});
    onnx::NodeProto *node = g.node("ReduceMean", {"x"}, {"y"});
    Graph::ints(node, "axes", keep ? std::vector<int64_t>{-1, -2}
                                   : std::vector<int64_t>{2, 3});
    Graph::integer(node, "keepdims", keep);
    g.output("y");
    std::unique_ptr<CompiledModel> model = compileGraph(g, n);
    ASSERT_TRUE(model);
    std::vector<int64_t> shape;
    std::vector<float> y = runOne(*model, {n, c, h, w}, xs, &shape);
    EXPECT_EQ(shape, keep ? (std::vector<int64_t>{n, c, 1, 1})
                          : (std::vector<int64_t>{n, c}));
    ASSERT_EQ(y.size(), size_t(n * c));
    for (int64_t i = 0; i < n * c; ++i) {
      double sum = 0;
      for (int64_t k = 0; k < h * w; ++k)
        sum += xs[size_t(i * h * w + k)];
      EXPECT_NEAR(y[size_t(i)], sum / double(h * w), 1e-5) << "keepdims "
                                                          << keep;
    }
  }
}

TEST(ONNXCompiled, ReduceMeanOverOtherAxes) {
  // A LayerNorm's mean over the last axis (rank 3, kept as 1), the mean
  // over the channels of NCHW, and over two non-adjacent axes, against a
  // plain loop over the same ramp.
  struct Case {
    std::vector<int64_t> shape, axes;
    int64_t keep;
  };
  for (const Case &t : {Case{{2, 5, 6}, {-1}, 1}, Case{{2, 3, 4, 5}, {1}, 0},
                        Case{{2, 3, 4, 5}, {1, 3}, 1}}) {
    int64_t count = 1;
    for (int64_t d : t.shape)
      count *= d;
    std::vector<float> xs = ramp(count, 0.3f);
    Graph g;
    g.input("x", t.shape);
    onnx::NodeProto *node = g.node("ReduceMean", {"x"}, {"y"});
    Graph::ints(node, "axes", t.axes);
    Graph::integer(node, "keepdims", t.keep);
    g.output("y");
    std::unique_ptr<CompiledModel> model = compileGraph(g, t.shape[0]);
    ASSERT_TRUE(model);
    std::vector<int64_t> shape;
    std::vector<float> y = runOne(*model, t.shape, xs, &shape);
    // The expected result: sum over the reduced axes, in row-major order.
    size_t rank = t.shape.size();
    std::vector<bool> isReduced(rank, false);
    for (int64_t axis : t.axes)
      isReduced[size_t(axis < 0 ? axis + int64_t(rank) : axis)] = true;
    std::vector<int64_t> want;
    int64_t reducedCount = 1;
    for (size_t d = 0; d < rank; ++d) {
      if (!isReduced[d])
        want.push_back(t.shape[d]);
      else if (t.keep)
        want.push_back(1);
      if (isReduced[d])
        reducedCount *= t.shape[d];
    }
    EXPECT_EQ(shape, want);
    std::vector<double> sums(y.size(), 0.0);
    std::vector<int64_t> index(rank, 0);
    for (int64_t i = 0; i < count; ++i) {
      int64_t out = 0;
      for (size_t d = 0; d < rank; ++d)
        if (!isReduced[d])
          out = out * t.shape[d] + index[d];
      ASSERT_LT(size_t(out), sums.size());
      sums[size_t(out)] += xs[size_t(i)];
      for (size_t d = rank; d-- > 0;) {
        if (++index[d] < t.shape[d])
          break;
        index[d] = 0;
      }
    }
    for (size_t i = 0; i < y.size(); ++i)
      EXPECT_NEAR(y[i], sums[i] / double(reducedCount), 1e-5) << "output " << i;
  }
}

TEST(ONNXErrors, ReduceMeanOverTheBatchIsRefusedByName) {
  Graph g;
  g.input("x", {1, 8, 4, 4});
  Graph::ints(g.node("ReduceMean", {"x"}, {"y"}, "batch_mean"), "axes",
              {0, 1});
  g.output("y");
  std::string error = convertError(g);
  EXPECT_NE(error.find("batch_mean"), std::string::npos) << error;
  EXPECT_NE(error.find("a mean over the batch axis 0 is not supported (axes "
                       "[0, 1] of rank 4)"),
            std::string::npos)
      << error;
}

//===----------------------------------------------------------------------===//
// Shape arithmetic folded at import, and selections on data
//===----------------------------------------------------------------------===//

namespace {

void intWeight(Graph &g, const std::string &name, std::vector<int64_t> shape,
               std::vector<int64_t> data) {
  auto *t = g.proto().mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : shape)
    t->add_dims(d);
  for (int64_t x : data)
    t->add_int64_data(x);
}

/// A ConstantOfShape node whose `value` attribute is the int64 `fill`.
onnx::NodeProto *constantOfShape(Graph &g, const std::string &shape,
                                 const std::string &out, int64_t fill) {
  onnx::NodeProto *n = g.node("ConstantOfShape", {shape}, {out});
  auto *a = n->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a->mutable_t()->add_dims(1);
  a->mutable_t()->add_int64_data(fill);
  return n;
}

} // namespace

// ShuffleNet's split: the channel count is read from the shape at run time
// (Shape -> Gather -> Add -> Div -> Mul) and feeds Slice's bounds. All of
// it folds; the dlc graph keeps the convolution and two selections on the
// NHWC activation, and no arithmetic op.
TEST(ONNXCompiled, ChannelSplitFromComputedShapeFolds) {
  const int64_t C = 6, H = 2, W = 3;
  Graph g;
  g.input("x", {1, C, H, W});
  std::vector<float> eye(C * C, 0.0f);
  for (int64_t i = 0; i < C; ++i)
    eye[i * C + i] = 1.0f;
  g.weight("w", {C, C, 1, 1}, eye);
  g.node("Conv", {"x", "w"}, {"conv"});
  g.node("Shape", {"conv"}, {"shape"});
  intWeight(g, "one", {1}, {1});
  intWeight(g, "two", {1}, {2});
  intWeight(g, "zero", {1}, {0});
  Graph::integer(g.node("Gather", {"shape", "one"}, {"channels"}), "axis", 0);
  g.node("Add", {"channels", "one"}, {"plus"});
  g.node("Div", {"plus", "two"}, {"half"});
  g.node("Mul", {"half", "two"}, {"whole"});
  g.node("Slice", {"conv", "zero", "half", "one"}, {"first"});
  g.node("Slice", {"conv", "half", "whole", "one"}, {"second"});
  Graph::integer(g.node("Concat", {"second", "first"}, {"y"}), "axis", 1);
  g.output("y");

  std::unique_ptr<ModelFile> file = open(g.convert());
  ASSERT_TRUE(file);
  EXPECT_EQ(countOps(*file, fb::OpType::DEPTHWISE_CONV_2D), 2);
  for (fb::OpType t : {fb::OpType::ADD, fb::OpType::MUL, fb::OpType::DIV})
    EXPECT_EQ(countOps(*file, t), 0) << "shape arithmetic reached the graph";

  std::unique_ptr<CompiledModel> model = compileGraph(g, 1);
  ASSERT_TRUE(model);
  std::vector<float> xs = ramp(C * H * W, 0.5f);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] += 0.01f * float(i); // Every element distinct.
  std::vector<int64_t> shape;
  std::vector<float> y = runOne(*model, {1, C, H, W}, xs, &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{1, C, H, W}));
  ASSERT_EQ(y.size(), xs.size());
  for (int64_t c = 0; c < C; ++c)
    for (int64_t k = 0; k < H * W; ++k) {
      int64_t from = (c + C / 2) % C; // The halves swapped.
      EXPECT_EQ(y[c * H * W + k], xs[from * H * W + k]) << c << "," << k;
    }
}

// ViT's class token: ConstantOfShape, Mul, Equal and Where compute the
// Expand shape [1, -1, -1] -> [1, 1, D]; Expand of the token folds too.
// Gather of token 0 on data is a selection and a reshape. A Reshape whose
// target comes from Shape (start/end of opset 15) and Concat works too.
TEST(ONNXCompiled, ClassTokenShapeArithmeticFolds) {
  const int64_t T = 3, D = 4;
  Graph g(15);
  g.input("x", {1, T, D});
  std::vector<float> token = {10, 20, 30, 40};
  g.weight("token", {1, 1, D}, token);
  intWeight(g, "rank", {1}, {3});
  intWeight(g, "minus1", {}, {-1});
  intWeight(g, "pattern", {3}, {1, -1, -1});
  intWeight(g, "index0", {}, {0});
  constantOfShape(g, "rank", "ones", 1);
  g.node("Mul", {"ones", "minus1"}, {"negs"});
  g.node("Equal", {"pattern", "negs"}, {"isneg"});
  g.node("Where", {"isneg", "ones", "pattern"}, {"target"});
  g.node("Expand", {"token", "target"}, {"tokens"});
  Graph::integer(g.node("Concat", {"tokens", "x"}, {"seq"}), "axis", 1);
  Graph::integer(g.node("Gather", {"seq", "index0"}, {"cls"}), "axis", 1);
  g.output("cls");
  onnx::NodeProto *last = g.node("Shape", {"seq"}, {"lastdim"});
  Graph::integer(last, "start", -1);
  Graph::integer(g.node("Concat", {"minus1_1d", "lastdim"}, {"flat_shape"}),
                 "axis", 0);
  intWeight(g, "minus1_1d", {1}, {-1});
  g.node("Reshape", {"seq", "flat_shape"}, {"flat"});
  g.output("flat");

  std::unique_ptr<CompiledModel> model = compileGraph(g, 1);
  ASSERT_TRUE(model);
  std::vector<float> xs = ramp(T * D, 1.0f);
  auto x = HostTensor::create(DType::F32, {1, T, D});
  ASSERT_TRUE(x.ok());
  std::copy(xs.begin(), xs.end(), x->data<float>());
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(*x));
  auto out = model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].shape(), (std::vector<int64_t>{1, D}));
  EXPECT_EQ(std::vector<float>((*out)[0].data<float>(),
                               (*out)[0].data<float>() + D),
            token);
  ASSERT_EQ((*out)[1].shape(), (std::vector<int64_t>{T + 1, D}));
  std::vector<float> want = token;
  want.insert(want.end(), xs.begin(), xs.end());
  EXPECT_EQ(std::vector<float>((*out)[1].data<float>(),
                               (*out)[1].data<float>() + (T + 1) * D),
            want);
}

// Slice with a step, Split into unequal parts, Gather of unsorted indices
// and Squeeze/Unsqueeze on computed data, against direct indexing.
TEST(ONNXCompiled, SelectionsOnData) {
  const int64_t A = 2, B = 10, E = 5;
  Graph g;
  g.input("x", {A, B, E});
  g.node("Relu", {"x"}, {"r"});
  intWeight(g, "starts", {1}, {1});
  intWeight(g, "ends", {1}, {9});
  intWeight(g, "axes", {1}, {1});
  intWeight(g, "steps", {1}, {3});
  g.node("Slice", {"r", "starts", "ends", "axes", "steps"}, {"strided"});
  intWeight(g, "sizes", {2}, {2, 3});
  Graph::integer(g.node("Split", {"r", "sizes"}, {"left", "right"}), "axis",
                 2);
  intWeight(g, "picks", {5}, {4, 0, 1, 2, -1});
  Graph::integer(g.node("Gather", {"r", "picks"}, {"gathered"}), "axis", 1);
  intWeight(g, "axis3", {1}, {3});
  g.node("Unsqueeze", {"right", "axis3"}, {"wide"});
  g.node("Squeeze", {"wide", "axis3"}, {"narrow"});
  for (const char *o : {"strided", "left", "narrow", "gathered"})
    g.output(o);

  std::unique_ptr<CompiledModel> model = compileGraph(g, A);
  ASSERT_TRUE(model);
  std::vector<float> xs(A * B * E);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = 1.0f + float(i);
  auto x = HostTensor::create(DType::F32, {A, B, E});
  ASSERT_TRUE(x.ok());
  std::copy(xs.begin(), xs.end(), x->data<float>());
  std::vector<HostTensor> inputs;
  inputs.push_back(std::move(*x));
  auto out = model->run(inputs);
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->size(), 4u);
  auto at = [&](int64_t a, int64_t b, int64_t e) {
    return xs[(a * B + b) * E + e];
  };
  // Each output: its shape and the source (b, e) of each element.
  struct Want {
    std::vector<int64_t> shape, rows, cols;
  };
  Want wants[4] = {{{A, 3, E}, {1, 4, 7}, {0, 1, 2, 3, 4}},
                   {{A, B, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {0, 1}},
                   {{A, B, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {2, 3, 4}},
                   {{A, 5, E}, {4, 0, 1, 2, 9}, {0, 1, 2, 3, 4}}};
  for (int o = 0; o < 4; ++o) {
    const HostTensor &got = (*out)[o];
    ASSERT_EQ(got.shape(), wants[o].shape) << "output " << o;
    const float *y = got.data<float>();
    size_t i = 0;
    for (int64_t a = 0; a < A; ++a)
      for (int64_t b : wants[o].rows)
        for (int64_t e : wants[o].cols)
          EXPECT_EQ(y[i++], at(a, b, e)) << "output " << o;
  }
}

// Hostile shape arithmetic is an error naming the node, before anything
// large is allocated; so is what dlc cannot compute on data.
TEST(ONNXErrors, ShapeArithmeticRefusals) {
  auto errorOf = [](const std::function<void(Graph &)> &build) {
    Graph g;
    g.input("x", {1, 4});
    build(g);
    g.output("y");
    return convertError(g);
  };
  std::string e = errorOf([](Graph &g) {
    intWeight(g, "start", {}, {0});
    intWeight(g, "limit", {}, {int64_t(1) << 60});
    intWeight(g, "delta", {}, {1});
    g.node("Range", {"start", "limit", "delta"}, {"r"}, "huge_range");
    g.node("Reshape", {"x", "r"}, {"y"});
  });
  EXPECT_NE(e.find("Range 'huge_range'"), std::string::npos) << e;
  EXPECT_NE(e.find("too many to compute at import"), std::string::npos) << e;

  e = errorOf([](Graph &g) {
    intWeight(g, "shape", {3}, {1 << 20, 1 << 20, 1 << 20});
    constantOfShape(g, "shape", "c", 0)->set_name("huge_fill");
    g.node("Reshape", {"x", "c"}, {"y"});
  });
  EXPECT_NE(e.find("ConstantOfShape 'huge_fill'"), std::string::npos) << e;
  EXPECT_NE(e.find("too large to compute at import"), std::string::npos) << e;

  e = errorOf([](Graph &g) {
    intWeight(g, "a", {1}, {4});
    intWeight(g, "zero", {1}, {0});
    g.node("Div", {"a", "zero"}, {"q"}, "div0");
    g.node("Reshape", {"x", "q"}, {"y"});
  });
  EXPECT_NE(e.find("Div 'div0'): integer division by zero"),
            std::string::npos)
      << e;

  e = errorOf([](Graph &g) {
    intWeight(g, "s", {1}, {-1});
    intWeight(g, "en", {1}, {-5});
    intWeight(g, "ax", {1}, {1});
    intWeight(g, "st", {1}, {-1});
    g.node("Relu", {"x"}, {"r"});
    g.node("Slice", {"r", "s", "en", "ax", "st"}, {"y"}, "reverse");
  });
  EXPECT_NE(e.find("Slice 'reverse'): negative steps (reversing axis 1) are "
                   "not supported on computed data"),
            std::string::npos)
      << e;

  e = errorOf([](Graph &g) {
    g.node("Equal", {"x", "x"}, {"y"}, "cmp");
  });
  EXPECT_NE(e.find("Equal 'cmp'): comparing the computed value 'x'"),
            std::string::npos)
      << e;

  e = errorOf([](Graph &g) {
    g.node("Shape", {"x"}, {"s"});
    g.node("Add", {"x", "s"}, {"y"}, "mixed");
  });
  EXPECT_NE(e.find("Add 'mixed'): integer operand 's' with a computed one"),
            std::string::npos)
      << e;
}

// With a symbolic batch, the batch dim is not a static size to fold.
TEST(ONNXErrors, ShapeOfSymbolicBatchIsRefused) {
  Graph g;
  g.input("x", {-1, 4});
  g.node("Shape", {"x"}, {"s"}, "batch_shape");
  g.node("Reshape", {"x", "s"}, {"y"});
  g.output("y");
  std::string e = convertError(g);
  EXPECT_NE(e.find("Shape 'batch_shape'): reads the batch dim of 'x'"),
            std::string::npos)
      << e;
}

// The attribute forms of opsets before 10 (Slice) and 13 (Unsqueeze), and
// Range and Cast feeding a Gather and a Reshape on data.
TEST(ONNXCompiled, LegacySliceRangeAndCast) {
  const int64_t R = 2, C = 6;
  std::vector<float> xs(R * C);
  for (size_t i = 0; i < xs.size(); ++i)
    xs[i] = float(i) - 4.5f;
  {
    Graph g(9);
    g.input("x", {R, C});
    onnx::NodeProto *s = g.node("Slice", {"x"}, {"s"});
    Graph::ints(s, "starts", {2});
    Graph::ints(s, "ends", {100});
    Graph::ints(s, "axes", {-1});
    Graph::ints(g.node("Unsqueeze", {"s"}, {"y"}), "axes", {1});
    g.output("y");
    std::unique_ptr<CompiledModel> model = compileGraph(g, R);
    ASSERT_TRUE(model);
    std::vector<int64_t> shape;
    std::vector<float> y = runOne(*model, {R, C}, xs, &shape);
    EXPECT_EQ(shape, (std::vector<int64_t>{R, 1, C - 2}));
    ASSERT_EQ(y.size(), size_t(R * (C - 2)));
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 2; c < C; ++c)
        EXPECT_EQ(y[r * (C - 2) + c - 2], xs[r * C + c]);
  }
  Graph g;
  g.input("x", {R, C});
  intWeight(g, "start", {}, {3});
  intWeight(g, "limit", {}, {0});
  intWeight(g, "delta", {}, {-1});
  g.node("Range", {"start", "limit", "delta"}, {"columns"}); // [3, 2, 1]
  Graph::integer(g.node("Gather", {"x", "columns"}, {"picked"}), "axis", 1);
  g.weight("target_f", {2}, {3.0f, 2.0f});
  Graph::integer(g.node("Cast", {"target_f"}, {"target"}), "to",
                 onnx::TensorProto::INT64);
  g.node("Reshape", {"picked", "target"}, {"y"});
  g.output("y");
  std::unique_ptr<CompiledModel> model = compileGraph(g, 1);
  ASSERT_TRUE(model);
  std::vector<int64_t> shape;
  std::vector<float> y = runOne(*model, {R, C}, xs, &shape);
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2}));
  std::vector<float> want;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t c : {3, 2, 1})
      want.push_back(xs[r * C + c]);
  EXPECT_EQ(y, want);
}
