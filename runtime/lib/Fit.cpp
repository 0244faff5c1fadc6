// fit(): epochs of batches through a Trainer.
#include "dlc/runtime/Fit.h"

#include <chrono>
#include <cmath>
#include <limits>

namespace dlc {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

int64_t argmaxRow(const float *row, int64_t c) {
  int64_t best = 0;
  for (int64_t k = 1; k < c; ++k)
    if (row[k] > row[best])
      best = k;
  return best;
}

/// The true class of row r of a label batch (sparse or one-hot).
int64_t labelOf(const HostTensor &labels, int64_t r) {
  if (labels.dtype() == DType::I32)
    return labels.data<int32_t>()[r];
  int64_t c = labels.dim(1);
  return argmaxRow(labels.data<float>() + r * c, c);
}

/// Per-example loss of a probability row against its class (the
/// categorical losses; the others are reported as NaN here).
double exampleLoss(const float *p, int64_t c, int64_t label, fb::Loss loss) {
  if (loss == fb::Loss::CATEGORICAL_CROSSENTROPY ||
      loss == fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY)
    return -std::log(std::max(double(p[label]), 1e-7));
  double sum = 0;
  for (int64_t k = 0; k < c; ++k) {
    double y = k == label ? 1.0 : 0.0;
    double q = std::min(std::max(double(p[k]), 1e-7), 1.0 - 1e-7);
    sum += loss == fb::Loss::MEAN_SQUARED_ERROR
               ? (p[k] - y) * (p[k] - y)
               : -(y * std::log(q) + (1 - y) * std::log(1 - q));
  }
  return sum / double(c);
}

} // namespace

Evaluation evaluateOutputs(const HostTensor &probabilities,
                           const HostTensor &labels, fb::Loss loss) {
  Evaluation e;
  int64_t n = probabilities.dim(0), c = probabilities.dim(1);
  if (n == 0)
    return e;
  const float *p = probabilities.data<float>();
  int64_t correct = 0;
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    int64_t label = labelOf(labels, r);
    correct += argmaxRow(p + r * c, c) == label;
    total += exampleLoss(p + r * c, c, label, loss);
  }
  e.loss = total / double(n);
  e.accuracy = double(correct) / double(n);
  return e;
}

StatusOr<std::vector<EpochRecord>> fit(Trainer &trainer, const Dataset &train,
                                       const Dataset *validation,
                                       const FitOptions &options) {
  const TrainerOptions &to = trainer.options();
  LabelFormat format = to.loss == fb::Loss::SPARSE_CATEGORICAL_CROSSENTROPY
                           ? LabelFormat::Sparse
                           : LabelFormat::OneHot;
  StatusOr<Batcher> batcher =
      Batcher::create(train, to.batchSize, options.seed, options.shuffle);
  if (!batcher.ok())
    return batcher.status();
  const int64_t batches = batcher->numBatches();
  trainer.setTotalSteps(batches * options.epochs);

  // One pair of buffers per batch size met (the full one and the last).
  int64_t fullRows = batcher->batchRows(0);
  int64_t lastRows = batcher->batchRows(batches - 1);
  StatusOr<HostTensor> images = batcher->makeImageBuffer(fullRows);
  StatusOr<HostTensor> labels = batcher->makeLabelBuffer(fullRows, format);
  StatusOr<HostTensor> lastImages = batcher->makeImageBuffer(lastRows);
  StatusOr<HostTensor> lastLabels = batcher->makeLabelBuffer(lastRows, format);
  for (auto *t : {&images, &labels, &lastImages, &lastLabels})
    if (!t->ok())
      return t->status();

  std::vector<EpochRecord> records;
  for (int epoch = trainer.epochsDone(); epoch < options.epochs; ++epoch) {
    batcher->startEpoch(epoch);
    auto start = Clock::now();
    double lossSum = 0;
    int64_t correct = 0, seen = 0;
    FitProgress progress;
    progress.epoch = epoch + 1;
    progress.epochs = options.epochs;
    progress.examplesTotal = batcher->numRows();
    HostTensor predictions;
    for (int64_t i = 0; i < batches; ++i) {
      bool last = batcher->batchRows(i) != fullRows;
      HostTensor &x = last ? *lastImages : *images;
      HostTensor &y = last ? *lastLabels : *labels;
      DLC_RETURN_IF_ERROR(batcher->fillBatch(i, x, y));
      auto stepStart = Clock::now();
      StatusOr<float> loss = trainer.step(x, y, &predictions);
      if (options.stepSeconds)
        options.stepSeconds->push_back(since(stepStart));
      if (!loss.ok()) {
        // The checkpoint of the last finished epoch was written before this
        // step and is not touched again: say so, it is what to resume from.
        std::string kept;
        if (!options.checkpointPath.empty() && epoch > 0)
          kept = "; " + options.checkpointPath + " keeps the model of epoch " +
                 std::to_string(epoch);
        return Status::error("epoch " + std::to_string(epoch + 1) +
                             ", batch " + std::to_string(i + 1) + ": " +
                             loss.status().message() + kept);
      }
      int64_t rows = x.dim(0), c = predictions.dim(1);
      lossSum += double(*loss) * double(rows);
      for (int64_t r = 0; r < rows; ++r)
        correct += argmaxRow(predictions.data<float>() + r * c, c) ==
                   labelOf(y, r);
      seen += rows;
      if (options.onProgress &&
          ((i + 1) % std::max<int64_t>(1, options.progressEvery) == 0 ||
           i + 1 == batches)) {
        progress.examplesDone = seen;
        progress.seconds = since(start);
        progress.loss = lossSum / double(seen);
        progress.accuracy = double(correct) / double(seen);
        options.onProgress(progress);
      }
    }
    EpochRecord record;
    record.epoch = epoch + 1;
    record.seconds = since(start);
    record.loss = lossSum / double(seen);
    record.accuracy = double(correct) / double(seen);
    record.imagesPerSecond = double(seen) / record.seconds;
    record.learningRate = trainer.nextLearningRate();
    if (validation && validation->size() > 0) {
      RunOptions run;
      run.threads = options.threads;
      StatusOr<HostTensor> p = trainer.predict(validation->images, run);
      if (!p.ok())
        return p.status().withPrefix("validation");
      Evaluation e = evaluateOutputs(*p, validation->labels, to.loss);
      record.valLoss = e.loss;
      record.valAccuracy = e.accuracy;
    }
    if (!options.checkpointPath.empty())
      DLC_RETURN_IF_ERROR(trainer.save(options.checkpointPath, epoch + 1));
    records.push_back(record);
    if (options.onEpoch)
      DLC_RETURN_IF_ERROR(options.onEpoch(record));
  }
  return records;
}

} // namespace dlc
