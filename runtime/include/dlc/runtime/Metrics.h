//===- Metrics.h - Classification metrics ------------------------*- C++ -*-===//
//
// Evaluates a classifier from its predicted class probabilities and the true
// labels: accuracy, confusion matrix, per-class precision / recall / F1 /
// one-vs-rest ROC AUC and their macro averages, as JSON (for scripts and
// CI) or as a table (for people).
//
// Conventions, chosen to agree with scikit-learn:
//  - The predicted class is the argmax of a row (the first one on ties).
//  - Precision is 0 for a class that is never predicted, recall 0 for a
//    class with no samples, F1 0 when precision + recall is 0 (scikit-learn's
//    zero_division=0).
//  - Macro averages are unweighted means over the classes that occur in the
//    labels or in the predictions; a class that occurs in neither has no
//    meaningful scores and would only drag the average towards 0.
//  - ROC AUC of class c ranks all samples by their probability of c, with
//    samples of class c as positives; it is exact (Mann-Whitney U, tied
//    scores count one half). It is undefined (NaN) for a class with no
//    positives or no negatives, and such classes are left out of the macro
//    AUC (NaN if every class is undefined). JSON writes NaN as null.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_RUNTIME_METRICS_H
#define DLC_RUNTIME_METRICS_H

#include "dlc/runtime/HostTensor.h"
#include "dlc/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dlc {

struct ClassMetrics {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
  /// NaN when undefined (no positives or no negatives).
  double rocAuc = 0;
  /// Number of samples whose true label is this class.
  int64_t support = 0;
  /// Number of samples predicted as this class.
  int64_t predicted = 0;
};

struct ClassificationReport {
  int64_t numSamples = 0;
  int64_t numClasses = 0;
  double accuracy = 0;
  /// confusion[t][p]: samples of true class t predicted as p.
  std::vector<std::vector<int64_t>> confusion;
  std::vector<ClassMetrics> perClass;
  double macroPrecision = 0;
  double macroRecall = 0;
  double macroF1 = 0;
  /// Mean of the defined per-class AUCs; NaN if there are none.
  double macroRocAuc = 0;
};

/// `probabilities` is F32 [N, C]; `labels` is I32 / I64 / U8 [N] class
/// indices or F32 [N, C] one-hot rows (the true class is the row's argmax).
/// Fails, naming the problem, on mismatched shapes, N = 0, C < 2, a label
/// outside [0, C), or a NaN probability (which has no rank).
StatusOr<ClassificationReport>
evaluateClassification(const HostTensor &probabilities,
                       const HostTensor &labels);

/// The same on raw row-major arrays: probabilities [n, c], labels [n].
StatusOr<ClassificationReport>
evaluateClassification(const float *probabilities, const int32_t *labels,
                       int64_t n, int64_t c);

/// One-vs-rest ROC AUC of `scores` for the samples flagged in `positive`;
/// NaN without positives or without negatives. Ties count one half.
double rocAuc(const std::vector<float> &scores,
              const std::vector<bool> &positive);

/// One JSON object: num_samples, num_classes, accuracy, macro_precision,
/// macro_recall, macro_f1, roc_auc (macro), per_class (array of objects with
/// class, name when given, precision, recall, f1, roc_auc, support),
/// confusion (array of rows).
std::string toJson(const ClassificationReport &report,
                   const std::vector<std::string> &classNames = {});

/// A table in the style of scikit-learn's classification_report: one line
/// per class (named by classNames when it has one per class, else by index),
/// macro averages and accuracy, then the confusion matrix if
/// `withConfusion`.
std::string formatReport(const ClassificationReport &report,
                         const std::vector<std::string> &classNames = {},
                         bool withConfusion = true);

} // namespace dlc

#endif // DLC_RUNTIME_METRICS_H
