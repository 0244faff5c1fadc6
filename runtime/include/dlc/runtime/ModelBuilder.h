// ModelBuilder: creating and editing dlc models from C++.
//
// Tests generate models with it, the example generator writes the MNIST CNN
// with it, and training uses fromModel + setWeightData + save to write back
// learned weights. It wraps the FlatBuffers object API (fb::ModelT) rather
// than a raw FlatBufferBuilder because models are edited, not only
// appended to, and the object API keeps every table mutable until finish().
//
// The builder does not validate: tests need to produce broken models on
// purpose. Loading the result with ModelFile runs the full checks; validate()
// does the same without touching the disk.
//
// Tensor indices are int32_t, as in the schema's Operator.inputs. Typed op
// helpers create the op's output tensor (named like the op, shape left
// empty for the compiler to infer) and return its index.
#ifndef DLC_RUNTIME_MODELBUILDER_H
#define DLC_RUNTIME_MODELBUILDER_H

#include "dlc/runtime/Status.h"

#include "dlc_model_generated.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dlc {

/// Wraps an options table (e.g. fb::SoftmaxOptionsT) in the union that
/// Operator.options needs.
template <class OptionsT> fb::OpOptionsUnion makeOptions(OptionsT options) {
  fb::OpOptionsUnion u;
  u.Set(std::move(options));
  return u;
}

class ModelBuilder {
public:
  explicit ModelBuilder(std::string graphName = "main");

  /// Starts from an existing (verified) model. Fails if `model` is null or
  /// its buffers[0] is not empty.
  static StatusOr<ModelBuilder> fromModel(const fb::Model *model);

  // --- Tensors ------------------------------------------------------------
  /// A graph input; use -1 as dim 0 for a batch chosen at compile time.
  int32_t addInput(const std::string &name, std::vector<int64_t> shape,
                   fb::DType dtype = fb::DType::FLOAT32);
  /// A float32 constant whose data is stored in a new buffer.
  int32_t addWeight(const std::string &name, std::vector<int64_t> shape,
                    std::vector<float> data);
  /// A constant of any dtype from raw little-endian bytes.
  int32_t addConstant(const std::string &name, fb::DType dtype,
                      std::vector<int64_t> shape, std::vector<uint8_t> bytes);
  /// An intermediate tensor; an empty shape means "unknown".
  int32_t addTensor(const std::string &name, std::vector<int64_t> shape = {});

  // --- Operators ----------------------------------------------------------
  /// Appends an operator and returns its index. Operators must be added in
  /// topological order (every input defined before use).
  int32_t addOp(fb::OpType type, const std::string &name,
                std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                fb::OpOptionsUnion options = {});

  // Typed helpers: each creates the output tensor and returns its index.
  // `bias` = -1 means "no bias".
  int32_t conv2d(const std::string &name, int32_t in, int32_t weight,
                 int32_t bias, fb::Conv2DOptionsT options);
  int32_t depthwiseConv2d(const std::string &name, int32_t in, int32_t weight,
                          int32_t bias, fb::DepthwiseConv2DOptionsT options);
  int32_t dense(const std::string &name, int32_t in, int32_t weight,
                int32_t bias, fb::DenseOptionsT options = {});
  /// Pools take their window, strides, padding and dilations (dilation_h,
  /// dilation_w; default 1) from `options`.
  int32_t maxPool2d(const std::string &name, int32_t in,
                    fb::Pool2DOptionsT options);
  int32_t avgPool2d(const std::string &name, int32_t in,
                    fb::Pool2DOptionsT options);
  int32_t globalAvgPool(const std::string &name, int32_t in);
  /// `newShape` includes the batch dimension; one entry may be -1.
  int32_t reshape(const std::string &name, int32_t in,
                  std::vector<int64_t> newShape);
  int32_t flatten(const std::string &name, int32_t in);
  int32_t transpose(const std::string &name, int32_t in,
                    std::vector<int32_t> perm);
  int32_t concat(const std::string &name, std::vector<int32_t> inputs,
                 int32_t axis = -1);
  /// Two entries (before, after) per input dimension.
  int32_t pad(const std::string &name, int32_t in,
              std::vector<int64_t> paddings, float value = 0.0f);
  /// ADD, SUB, MUL or DIV.
  int32_t binary(fb::OpType type, const std::string &name, int32_t a,
                 int32_t b);
  /// An op without options: RELU, RELU6, SIGMOID, TANH, SQRT, ERF, EXP, LOG,
  /// GLOBAL_AVG_POOL, FLATTEN.
  int32_t unary(fb::OpType type, const std::string &name, int32_t in);
  int32_t leakyRelu(const std::string &name, int32_t in, float alpha = 0.2f);
  int32_t softmax(const std::string &name, int32_t in, int32_t axis = -1);
  int32_t logSoftmax(const std::string &name, int32_t in, int32_t axis = -1);
  int32_t batchNorm(const std::string &name, int32_t in, int32_t gamma,
                    int32_t beta, int32_t mean, int32_t variance,
                    float epsilon = 0.001f);
  int32_t dropout(const std::string &name, int32_t in, float rate,
                  int64_t seed = 0);
  int32_t clip(const std::string &name, int32_t in, float min, float max);

  // --- Graph and model ----------------------------------------------------
  void markOutput(int32_t tensor);
  void setTraining(fb::TrainingT training);
  void addMetadata(const std::string &key, const std::string &value);
  void setDescription(const std::string &description);

  /// Replaces the data of a float32 tensor that has a buffer (a weight).
  /// Fails if the index is out of range, the tensor has no buffer, is not
  /// float32, or `data` does not match its element count.
  Status setWeightData(int32_t tensorIndex, std::vector<float> data);
  /// Index of the first tensor called `name`, or -1.
  int32_t findTensor(const std::string &name) const;
  int32_t numTensors() const;

  /// Direct access for edits the methods above do not cover.
  fb::ModelT &model() { return model_; }
  const fb::ModelT &model() const { return model_; }

  // --- Output -------------------------------------------------------------
  /// The serialized model (identifier "DLCM"; every buffer 64-byte aligned
  /// relative to the start). Fails only if the model exceeds the 2 GiB
  /// FlatBuffers limit.
  StatusOr<std::vector<uint8_t>> serialize() const;
  /// serialize(), or an empty vector if that fails.
  std::vector<uint8_t> finish() const;
  /// Serializes and runs the same checks as ModelFile::open.
  Status validate(const std::string &name = "<model>") const;
  /// serialize(), returned only if the result passes validate()'s checks
  /// (errors name `name`): what a converter hands back.
  StatusOr<std::vector<uint8_t>>
  serializeValidated(const std::string &name) const;
  /// Writes the model atomically: the old file stays intact on any failure.
  Status save(const std::string &path) const;

private:
  int32_t addTensorImpl(const std::string &name, std::vector<int64_t> shape,
                        fb::DType dtype, uint32_t buffer);
  /// Creates the output tensor `name` and an op producing it from `inputs`.
  int32_t addSimpleOp(fb::OpType type, const std::string &name,
                      std::vector<int32_t> inputs,
                      fb::OpOptionsUnion options = {});
  fb::GraphT &graph() { return *model_.graph; }

  fb::ModelT model_;
};

} // namespace dlc

#endif // DLC_RUNTIME_MODELBUILDER_H
