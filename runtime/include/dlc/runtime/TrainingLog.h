//===- TrainingLog.h - Per-epoch training history ----------------*- C++ -*-===//
//
// What `dlc train` records about a run: one EpochRecord per epoch, kept as a
// CSV file (for scripts and spreadsheets) and an SVG plot of the training
// curves (for people), and the one-line progress display shown while an
// epoch runs.
//
// Both files are rewritten in full, atomically, after every epoch: a run
// that crashes or is killed in epoch 37 leaves complete, readable files
// covering epochs 1..36 rather than a half-written last line.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_TRAININGLOG_H
#define DLC_RUNTIME_TRAININGLOG_H

#include "dlc/runtime/Status.h"

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace dlc {

/// NaN marks a value that was not measured (no validation set, a loss
/// without an accuracy); it is written as an empty CSV field and leaves a
/// gap in the plot.
struct EpochRecord {
  int64_t epoch = 0; ///< 1-based, as shown to the user ("epoch 3/10").
  double loss = std::numeric_limits<double>::quiet_NaN();
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double valLoss = std::numeric_limits<double>::quiet_NaN();
  double valAccuracy = std::numeric_limits<double>::quiet_NaN();
  double seconds = std::numeric_limits<double>::quiet_NaN();
  double imagesPerSecond = std::numeric_limits<double>::quiet_NaN();
  double learningRate = std::numeric_limits<double>::quiet_NaN();
};

/// The CSV header, without a newline:
/// epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_s,learning_rate
const char *trainingCsvHeader();

/// Header line plus one line per record. Numbers are written exactly (they
/// read back as the same doubles).
std::string formatTrainingCsv(const std::vector<EpochRecord> &records);

/// Parses what formatTrainingCsv writes (e.g. to resume a run); `name`
/// stands for the file in messages, which give the line number.
StatusOr<std::vector<EpochRecord>>
parseTrainingCsv(const std::string &text, const std::string &name);

/// A self-contained SVG document with two panels, loss and accuracy per
/// epoch, each with the training and (when present) validation curve, axes
/// with ticks and labels, and a legend. `title` (optional) goes on top.
std::string renderTrainingCurves(const std::vector<EpochRecord> &records,
                                 const std::string &title = "");

/// Atomic writes (writeFileAtomically) of the two documents above.
Status writeTrainingCsv(const std::string &path,
                        const std::vector<EpochRecord> &records);
Status writeTrainingCurves(const std::string &path,
                           const std::vector<EpochRecord> &records,
                           const std::string &title = "");

/// Collects the records of a run and rewrites its files after each epoch.
class TrainingLog {
public:
  /// An empty path means that file is not written.
  TrainingLog(std::string csvPath, std::string svgPath,
              std::string title = "")
      : csvPath_(std::move(csvPath)), svgPath_(std::move(svgPath)),
        title_(std::move(title)) {}

  /// Adds `record` and rewrites both files. The record is kept even if a
  /// write fails, so a later append (once the disk has room) catches up.
  Status append(const EpochRecord &record);

  const std::vector<EpochRecord> &records() const { return records_; }

private:
  std::string csvPath_, svgPath_, title_;
  std::vector<EpochRecord> records_;
};

/// "7s", "1:05", "2:01:05" (Keras' ETA style); "?" if negative or not
/// finite.
std::string formatDuration(double seconds);

/// One progress line, without a newline (print it after '\r'):
///   `  512/60000 [>......]  11234 img/s  ETA 5s  loss 0.6931  acc 0.5120`
/// `done` is right-aligned to the width of `total` so that the line does not
/// shift while it is redrawn; `width` is the number of characters inside the
/// bar's brackets (no bar if width <= 0 or total <= 0). A NaN img/s, loss or
/// accuracy omits that field; a NaN or negative ETA shows as "ETA ?".
std::string formatProgress(int64_t done, int64_t total, double imagesPerSecond,
                           double etaSeconds, double loss, double accuracy,
                           int width);

} // namespace dlc

#endif // DLC_RUNTIME_TRAININGLOG_H
