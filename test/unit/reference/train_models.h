// Small models for the train-step tests, with seeded random weights, and
// helpers to evaluate them by finite differences.
#ifndef DLC_TEST_UNIT_REFERENCE_TRAIN_MODELS_H
#define DLC_TEST_UNIT_REFERENCE_TRAIN_MODELS_H

#include <cstring>
#include <random>

#include "dlc/reference/train.h"
#include "grad_check.h"
#include "model_builder.h"

namespace dlc::ref::test {

namespace fbm = dlc::fb;

inline std::vector<float> randomValues(std::mt19937 &rng, int64_t count,
                                       float limit) {
  return randomTensor(rng, {count}, -limit, limit).data;
}

/// Overwrites constant `index`'s buffer with `values` (little-endian fp32).
inline void setConstant(TestModel &m, int index, const RefTensor &values) {
  auto &bytes = m.model.buffers[m.model.graph->tensors[index]->buffer]->data;
  bytes.clear();
  for (float v : values.data) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 4; ++b)
      bytes.push_back(static_cast<uint8_t>(bits >> (8 * b)));
  }
}

/// x [-1, 6, 6, 1] -> CONV_2D 3x3 (2 filters, bias) -> RELU -> MAX_POOL 2x2
/// -> FLATTEN -> DENSE 8x3 (bias) -> SOFTMAX. Tensor indices are kept for
/// the tests. With `labels`, a Training table names a label graph input.
struct CnnModel {
  TestModel m;
  int x, filter, convBias, conv, relu, pool, flat, weight, denseBias, logits,
      probs, labels = -1;
};

inline CnnModel makeCnnModel(uint32_t seed, bool withLabelInput = false) {
  std::mt19937 rng(seed);
  CnnModel c;
  TestModel &m = c.m;
  c.x = m.tensor("x", {-1, 6, 6, 1});
  c.filter =
      m.constant("conv/filter", {3, 3, 1, 2}, randomValues(rng, 18, 0.8f));
  c.convBias = m.constant("conv/bias", {2}, randomValues(rng, 2, 0.2f));
  c.conv = m.tensor("conv", {-1, 4, 4, 2});
  c.relu = m.tensor("relu", {-1, 4, 4, 2});
  c.pool = m.tensor("pool", {-1, 2, 2, 2});
  c.flat = m.tensor("flat", {-1, 8});
  c.weight = m.constant("fc/weight", {8, 3}, randomValues(rng, 24, 0.7f));
  c.denseBias = m.constant("fc/bias", {3}, randomValues(rng, 3, 0.2f));
  c.logits = m.tensor("logits", {-1, 3});
  c.probs = m.tensor("probs", {-1, 3});
  m.op(fbm::OpType::CONV_2D, "conv", {c.x, c.filter, c.convBias}, c.conv);
  m.op(fbm::OpType::RELU, "relu", {c.conv}, c.relu);
  m.op(fbm::OpType::MAX_POOL_2D, "pool", {c.relu}, c.pool);
  m.op(fbm::OpType::FLATTEN, "flatten", {c.pool}, c.flat);
  m.op(fbm::OpType::DENSE, "fc", {c.flat, c.weight, c.denseBias}, c.logits);
  m.op(fbm::OpType::SOFTMAX, "softmax", {c.logits}, c.probs);
  if (withLabelInput) {
    c.labels = m.tensor("labels", {-1, 3});
    m.model.training = std::make_unique<fbm::TrainingT>();
    m.model.training->label_input = "labels";
    m.model.training->optimizer = fbm::Optimizer::SGD;
    m.model.training->momentum = 0.5f;
    m.model.training->loss = fbm::Loss::CATEGORICAL_CROSSENTROPY;
    m.setIo({c.x, c.labels}, {c.probs});
  } else {
    m.setIo({c.x}, {c.probs});
  }
  return c;
}

/// [N, C] one-hot rows with random classes.
inline RefTensor randomOneHot(std::mt19937 &rng, int64_t n, int64_t c,
                              RefTensor *indices = nullptr) {
  RefTensor y = zeros({n, c});
  if (indices)
    *indices = zeros({n});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = randomInt(rng, 0, c - 1);
    y.data[i * c + k] = 1.0f;
    if (indices)
      indices->data[i] = static_cast<float>(k);
  }
  return y;
}

/// Finite differences of `loss` with respect to every element of every
/// parameter in `params` (perturbed one at a time); `regions` as in
/// numericGradient.
inline std::map<std::string, RefTensor> numericParamGradients(
    const std::map<std::string, RefTensor> &params,
    const std::function<double(const std::map<std::string, RefTensor> &)> &loss,
    double eps,
    const std::function<std::vector<int>(
        const std::map<std::string, RefTensor> &)> &regions = {}) {
  std::map<std::string, RefTensor> grads;
  for (const auto &entry : params) {
    const std::string &name = entry.first; // captured below (C++17)
    const RefTensor &value = entry.second;
    std::map<std::string, RefTensor> probe = params;
    auto with = [&](const RefTensor &t) {
      probe[name] = t;
      return probe;
    };
    std::function<std::vector<int>(const RefTensor &)> r;
    if (regions)
      r = [&](const RefTensor &t) { return regions(with(t)); };
    grads[name] = numericGradient(
        [&](const RefTensor &t) { return loss(with(t)); }, value, eps, r);
  }
  return grads;
}

/// Finite differences of trainingLoss w.r.t. every parameter against
/// trainingGradients.
/// `zeroByDesign` names parameters the loss provably ignores; their gradient
/// must be zero instead.
inline void checkModelGradients(const dlc::fb::Model &model,
                                const TrainState &state, const RefTensor &input,
                                const RefTensor &labels, const TrainConfig &cfg,
                                const DropoutMasks *masks = nullptr,
                                const std::string &zeroByDesign = "") {
  const auto grads =
      trainingGradients(model, state, input, labels, cfg, nullptr, masks);
  ASSERT_EQ(grads.size(), state.params.size());
  const auto fd = test::numericParamGradients(
      state.params,
      [&](const std::map<std::string, RefTensor> &p) {
        TrainState probe = state;
        probe.params = p;
        return trainingLoss(model, probe, input, labels, cfg, masks);
      },
      1e-2);
  for (const auto &[name, g] : grads) {
    if (name == zeroByDesign) {
      for (size_t i = 0; i < g.data.size(); ++i) {
        EXPECT_NEAR(g.data[i], 0.0f, 1e-6f) << name;
        EXPECT_NEAR(fd.at(name).data[i], 0.0f, 1e-4f) << name;
      }
      continue;
    }
    expectGradientNear(g, fd.at(name), "gradient of " + name, 5e-3, 1e-4);
  }
}

} // namespace dlc::ref::test

#endif // DLC_TEST_UNIT_REFERENCE_TRAIN_MODELS_H
