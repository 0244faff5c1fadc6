//===- Dataset.h - Image classification data for training -------*- C++ -*-===//
//
// Loads an image classification data set (Fashion-MNIST and anything stored
// the same way), splits off a validation set, and cuts it into shuffled
// batches for `dlc train`.
//
// Two on-disk layouts are recognised in a directory:
//  - MNIST's IDX files, gzipped or not: train-images-idx3-ubyte[.gz],
//    train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
//    t10k-labels-idx1-ubyte[.gz];
//  - NumPy files as Keras' dataset loaders return them: x_train.npy,
//    y_train.npy, x_test.npy, y_test.npy.
//
// Shuffling must give the same batches for a seed on every machine, so that a
// training run can be reproduced (and resumed) anywhere. The standard
// distributions (std::uniform_int_distribution, std::shuffle) are free to
// differ between standard libraries; only the engines are fully specified.
// The permutation is therefore Fisher-Yates over std::mt19937_64 with a
// bounded draw defined here.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_DATASET_H
#define DLC_RUNTIME_DATASET_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/Status.h"

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace dlc {

struct Dataset {
  /// F32 [N, H, W, C]: u8 pixels scaled to [0, 1] (x / 255), float pixels as
  /// stored. A file of shape [N, H, W] gets C = 1.
  HostTensor images;
  /// I32 [N]: class indices in [0, numClasses).
  HostTensor labels;
  /// max label + 1 (at least 2), or the width of one-hot labels. A test set
  /// may lack the highest class, so callers that load both splits should use
  /// the larger of the two counts for both.
  int64_t numClasses = 0;

  int64_t size() const { return labels.rank() == 1 ? labels.dim(0) : 0; }
};

enum class Split { Train, Test };

/// Loads one split from `dir` (IDX files are preferred when both layouts are
/// present). Labels may be integers [N] (u8, i32, i64, or integral floats)
/// or one-hot floats [N, C]; images u8 or f32, [N, H, W] or [N, H, W, C].
/// Errors name the file: missing files, unsupported types or ranks, image
/// and label counts that differ, negative or non-integral labels, rows that
/// are not one-hot.
StatusOr<Dataset> loadDataset(const std::string &dir, Split split);

/// The checks and conversions of loadDataset on tensors already in memory;
/// `imagesName` and `labelsName` stand for the files in messages.
StatusOr<Dataset> makeDataset(HostTensor images, HostTensor labels,
                              const std::string &imagesName,
                              const std::string &labelsName);

/// Splits off the LAST `fraction` of the rows as the validation set, before
/// any shuffling, as Keras' validation_split does: the training part is the
/// first floor(N * (1 - fraction)) rows. `fraction` must be in [0, 1); with 0
/// the validation set is empty. Both parts keep data.numClasses.
StatusOr<std::pair<Dataset, Dataset>> splitValidation(Dataset &&data,
                                                      double fraction);

/// The ten Fashion-MNIST class names, in label order.
std::vector<std::string> fashionMnistClassNames();

/// An unbiased integer in [0, bound) from `rng` (bound >= 1), by rejection:
/// draws below 2^64 mod bound are discarded so that every residue is equally
/// likely. Defined here, not by the standard library, so that it is the same
/// everywhere.
uint64_t uniformBelow(std::mt19937_64 &rng, uint64_t bound);

/// The order in which the rows of an n-row data set are visited in `epoch`
/// for `seed`: a Fisher-Yates shuffle driven by std::mt19937_64 seeded from
/// (seed, epoch). Deterministic and portable.
std::vector<int64_t> shuffledIndices(int64_t n, uint64_t seed, int64_t epoch);

/// How labels are handed to train_step.
enum class LabelFormat {
  Sparse, ///< I32 [B] class indices.
  OneHot, ///< F32 [B, numClasses].
};

/// Cuts a Dataset into batches of `batchSize` rows in the (optionally
/// shuffled) order of one epoch. The last batch holds the remaining rows and
/// may be smaller; a compiled train_step has a fixed batch size, so the
/// caller keeps one pair of buffers per batch size (makeImageBuffer /
/// makeLabelBuffer) and refills them with fillBatch: no allocation per batch.
///
/// The Batcher refers to `data`, which must outlive it and stay unchanged.
class Batcher {
public:
  /// Fails if batchSize < 1 or the data set is empty or malformed.
  static StatusOr<Batcher> create(const Dataset &data, int64_t batchSize,
                                  uint64_t seed, bool shuffle = true);

  /// Computes the order of `epoch` (0-based); identity without shuffling.
  /// Epoch 0 is started by create().
  void startEpoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }

  int64_t numRows() const { return int64_t(order_.size()); }
  int64_t batchSize() const { return batchSize_; }
  int64_t numBatches() const;
  /// Rows in batch i: batchSize() except perhaps for the last batch.
  int64_t batchRows(int64_t i) const;
  /// Row order of the current epoch: batch i holds rows
  /// order()[i * batchSize() ...].
  const std::vector<int64_t> &order() const { return order_; }

  /// Zero-filled buffers of the right shapes for `rows` rows.
  StatusOr<HostTensor> makeImageBuffer(int64_t rows) const;
  StatusOr<HostTensor> makeLabelBuffer(int64_t rows, LabelFormat format) const;

  /// Copies batch i into `images` (F32 [batchRows(i), H, W, C]) and `labels`
  /// (I32 [batchRows(i)] for sparse or F32 [batchRows(i), numClasses] for
  /// one-hot, recognised by its type). Fails without touching the buffers
  /// if i is out of range or a buffer has another shape or type.
  Status fillBatch(int64_t i, HostTensor &images, HostTensor &labels) const;

private:
  Batcher(const Dataset &data, int64_t batchSize, uint64_t seed, bool shuffle)
      : data_(&data), batchSize_(batchSize), seed_(seed), shuffle_(shuffle) {}

  const Dataset *data_;
  int64_t batchSize_;
  uint64_t seed_;
  bool shuffle_;
  int64_t epoch_ = 0;
  std::vector<int64_t> order_;
};

} // namespace dlc

#endif // DLC_RUNTIME_DATASET_H
