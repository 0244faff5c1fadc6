// Machinery of the train-graph tests (TrainGraphTest.cpp): random window
// geometries for building small models, and the harness that trains a model
// for a few steps with the compiled dlc::Trainer and with the reference
// (dlc::ref::trainStep) from the same weights and batches and compares the
// losses and the updated parameters.
#ifndef DLC_TEST_E2E_TRAINGRAPHUTIL_H
#define DLC_TEST_E2E_TRAINGRAPHUTIL_H

#include "E2ETestUtil.h"

#include "dlc/reference/train.h"
#include "dlc/runtime/Trainer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc::e2e {

/// A conv or pool window along H and W, with its padding.
struct Window {
  int64_t k[2] = {1, 1}, s[2] = {1, 1}, d[2] = {1, 1};
  fb::Padding padding = fb::Padding::VALID;
  int64_t pads[4] = {0, 0, 0, 0}; // EXPLICIT: top, bottom, left, right
  bool countIncludePad = false;   // avg pool only

  /// Output size along axis 0 (H) or 1 (W) for an input of size `in`.
  int64_t out(int axis, int64_t in) const;
  std::string str() const;
  fb::Conv2DOptionsT conv(fb::Activation act, float alpha = 0.2f) const;
  fb::DepthwiseConv2DOptionsT depthwise(fb::Activation act,
                                        float alpha = 0.2f) const;
  fb::Pool2DOptionsT pool() const;
};

/// A conv window over [h, w] with `padding`: kernel 1-3, stride 1-2,
/// dilation 1-2 (EXPLICIT: pads 0-2), whose output is at least `minOut`
/// along both axes.
Window randomConvWindow(Random &rng, int64_t h, int64_t w, fb::Padding padding,
                        int64_t minOut);

/// A pooling window of 2-3 over [h, w]. `padded`: SAME or EXPLICIT padding
/// with at least one non-zero pad, never as large as the window (a window
/// lying wholly in the padding has no maximum and no average); otherwise
/// VALID. `overlapping`: stride smaller than the window.
Window randomPoolWindow(Random &rng, int64_t h, int64_t w, bool padded,
                        bool overlapping);

/// A float32 weight drawn uniformly from +-scale * sqrt(6 / (fanIn +
/// fanOut)) (Glorot), the fans read off `shape` as for a dense weight
/// [in, out] or a conv filter [kh, kw, in, out].
int32_t addGlorotWeight(ModelBuilder &b, Random &rng, const std::string &name,
                        const std::vector<int64_t> &shape, float scale = 1.5f);

/// Shape of tensor `t` of the model being built (batch 1 first), by running
/// the reference on it: the tests draw window geometries at random and need
/// the sizes that result for the weights of the next layer.
std::vector<int64_t> shapeOf(ModelBuilder &b, int32_t t,
                             const std::vector<int64_t> &inputShape);

/// One comparison: `steps` steps of batch `batch` with `options` (which
/// carries the loss, optimizer, learning rate and thread count).
struct TrainRun {
  TrainerOptions options;
  int64_t batch = 4;
  int steps = 3;
  /// Bound on max |compiled - reference| / max |reference| per parameter.
  double paramTolerance = 1e-5;
};

/// TrainerOptions for `optimizer` with the learning rate `lr` and
/// everything else at its default.
TrainerOptions trainOptions(fb::Loss loss, fb::Optimizer optimizer, float lr);

/// Serializes `b` (whose only graph input has shape [-1] + inputShape and
/// whose output is marked), trains it as `run` says with the compiled
/// Trainer and with the reference on the same seeded random batches and
/// labels, and checks the loss of every step (1e-5 relative) and every
/// parameter at the end (run.paramTolerance).
void expectTrainingMatches(const ModelBuilder &b,
                           const std::vector<int64_t> &inputShape,
                           const TrainRun &run, uint32_t seed);

/// `n` one-hot rows of `classes` columns, each of a random class.
ref::RefTensor randomOneHot(Random &rng, int64_t n, int64_t classes);

/// The reference's configuration for the same training as `options`.
ref::TrainConfig refConfig(const TrainerOptions &options);

/// Largest |got - want| relative to the largest |want| of the tensor.
double relativeError(const HostTensor &got, const ref::RefTensor &want);

} // namespace dlc::e2e

#endif // DLC_TEST_E2E_TRAINGRAPHUTIL_H
