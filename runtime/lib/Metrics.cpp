//===- Metrics.cpp - Classification metrics -------------------------------===//

#include "dlc/runtime/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>

namespace dlc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Shortest of %.15g and %.17g that reads back as the same double, so the
/// JSON stays readable (0.9, not 0.90000000000000002) yet exact. NaN and
/// infinities have no JSON spelling: null.
std::string jsonNumber(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v)
    std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += char(ch);
    } else if (ch < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", ch);
      out += buf;
    } else {
      out += char(ch);
    }
  }
  return out + "\"";
}

std::string fixed(double v, int width, int decimals) {
  char buf[64];
  if (std::isnan(v))
    std::snprintf(buf, sizeof buf, "%*s", width, "n/a");
  else
    std::snprintf(buf, sizeof buf, "%*.*f", width, decimals, v);
  return buf;
}

std::string padLeft(const std::string &s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string className(const std::vector<std::string> &names, int64_t c,
                      int64_t numClasses) {
  if (int64_t(names.size()) == numClasses)
    return names[size_t(c)];
  return std::to_string(c);
}

} // namespace

double rocAuc(const std::vector<float> &scores,
              const std::vector<bool> &positive) {
  size_t n = scores.size();
  if (positive.size() != n)
    return kNaN;
  int64_t numPos = 0;
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(scores[i]))
      return kNaN;
    numPos += positive[i];
  }
  int64_t numNeg = int64_t(n) - numPos;
  if (numPos == 0 || numNeg == 0)
    return kNaN;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Sum of the 1-based ranks of the positives, a tie group sharing the mean
  // of its ranks; sums of half-integers below 2^53 are exact in a double.
  double positiveRanks = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && scores[order[j]] == scores[order[i]])
      ++j;
    double meanRank = 0.5 * double(i + 1 + j);
    for (size_t k = i; k < j; ++k)
      if (positive[order[k]])
        positiveRanks += meanRank;
    i = j;
  }
  double u = positiveRanks - 0.5 * double(numPos) * double(numPos + 1);
  return u / (double(numPos) * double(numNeg));
}

StatusOr<ClassificationReport>
evaluateClassification(const float *probabilities, const int32_t *labels,
                       int64_t n, int64_t c) {
  if (n < 1)
    return Status::error("evaluateClassification: no samples");
  if (c < 2)
    return Status::error("evaluateClassification: " + std::to_string(c) +
                         " classes (at least 2 are needed)");
  ClassificationReport r;
  r.numSamples = n;
  r.numClasses = c;
  r.confusion.assign(size_t(c), std::vector<int64_t>(size_t(c), 0));
  r.perClass.resize(size_t(c));
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    int32_t t = labels[i];
    if (t < 0 || t >= c)
      return Status::error("evaluateClassification: label " +
                           std::to_string(t) + " of sample " +
                           std::to_string(i) + " is outside the " +
                           std::to_string(c) + " classes");
    const float *row = probabilities + i * c;
    int64_t best = 0;
    for (int64_t j = 0; j < c; ++j) {
      if (std::isnan(row[j]))
        return Status::error("evaluateClassification: the probabilities of "
                             "sample " +
                             std::to_string(i) + " contain NaN");
      if (row[j] > row[best])
        best = j;
    }
    ++r.confusion[size_t(t)][size_t(best)];
    correct += best == t;
  }
  r.accuracy = double(correct) / double(n);

  int64_t present = 0, definedAuc = 0;
  double sumP = 0, sumR = 0, sumF = 0, sumAuc = 0;
  std::vector<float> scores(static_cast<size_t>(n));
  std::vector<bool> positive(static_cast<size_t>(n));
  for (int64_t k = 0; k < c; ++k) {
    ClassMetrics &m = r.perClass[size_t(k)];
    int64_t tp = r.confusion[size_t(k)][size_t(k)];
    for (int64_t j = 0; j < c; ++j) {
      m.support += r.confusion[size_t(k)][size_t(j)];
      m.predicted += r.confusion[size_t(j)][size_t(k)];
    }
    m.precision = m.predicted ? double(tp) / double(m.predicted) : 0.0;
    m.recall = m.support ? double(tp) / double(m.support) : 0.0;
    double pr = m.precision + m.recall;
    m.f1 = pr > 0 ? 2 * m.precision * m.recall / pr : 0.0;
    for (int64_t i = 0; i < n; ++i) {
      scores[size_t(i)] = probabilities[i * c + k];
      positive[size_t(i)] = labels[i] == k;
    }
    m.rocAuc = rocAuc(scores, positive);
    if (m.support || m.predicted) {
      ++present;
      sumP += m.precision;
      sumR += m.recall;
      sumF += m.f1;
    }
    if (!std::isnan(m.rocAuc)) {
      ++definedAuc;
      sumAuc += m.rocAuc;
    }
  }
  // n >= 1, so at least one class is present.
  r.macroPrecision = sumP / double(present);
  r.macroRecall = sumR / double(present);
  r.macroF1 = sumF / double(present);
  r.macroRocAuc = definedAuc ? sumAuc / double(definedAuc) : kNaN;
  return r;
}

StatusOr<ClassificationReport>
evaluateClassification(const HostTensor &probabilities,
                       const HostTensor &labels) {
  if (probabilities.dtype() != DType::F32 || probabilities.rank() != 2)
    return Status::error("evaluateClassification: probabilities must be "
                         "float32 [N, C], not " +
                         probabilities.describe());
  int64_t n = probabilities.dim(0), c = probabilities.dim(1);
  bool oneHot = labels.dtype() == DType::F32 && labels.rank() == 2;
  bool sparse = labels.rank() == 1 && labels.dtype() != DType::F32;
  if ((!oneHot && !sparse) || labels.dim(0) != n ||
      (oneHot && labels.dim(1) != c))
    return Status::error("evaluateClassification: labels " +
                         labels.describe() + " do not match probabilities " +
                         probabilities.describe() +
                         " (expected integer [N] or float32 [N, C])");
  std::vector<int32_t> classes(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = 0;
    if (oneHot) {
      const float *row = labels.data<float>() + i * c;
      v = std::max_element(row, row + c) - row;
    } else if (labels.dtype() == DType::I32) {
      v = labels.data<int32_t>()[i];
    } else if (labels.dtype() == DType::I64) {
      v = labels.data<int64_t>()[i];
    } else {
      v = labels.data<uint8_t>()[i];
    }
    // Clamped to a value that is still out of range, for the error message.
    classes[size_t(i)] =
        int32_t(std::clamp<int64_t>(v, -1, std::numeric_limits<int32_t>::max()));
  }
  return evaluateClassification(probabilities.data<float>(), classes.data(), n,
                                c);
}

std::string toJson(const ClassificationReport &r,
                   const std::vector<std::string> &classNames) {
  std::string s = "{\"num_samples\": " + std::to_string(r.numSamples) +
                  ", \"num_classes\": " + std::to_string(r.numClasses) +
                  ", \"accuracy\": " + jsonNumber(r.accuracy) +
                  ", \"macro_precision\": " + jsonNumber(r.macroPrecision) +
                  ", \"macro_recall\": " + jsonNumber(r.macroRecall) +
                  ", \"macro_f1\": " + jsonNumber(r.macroF1) +
                  ", \"roc_auc\": " + jsonNumber(r.macroRocAuc) +
                  ", \"per_class\": [";
  bool named = classNames.size() == r.perClass.size();
  for (size_t k = 0; k < r.perClass.size(); ++k) {
    const ClassMetrics &m = r.perClass[k];
    s += k ? ", " : "";
    s += "{\"class\": " + std::to_string(k);
    if (named)
      s += ", \"name\": " + jsonString(classNames[k]);
    s += ", \"precision\": " + jsonNumber(m.precision) +
         ", \"recall\": " + jsonNumber(m.recall) +
         ", \"f1\": " + jsonNumber(m.f1) +
         ", \"roc_auc\": " + jsonNumber(m.rocAuc) +
         ", \"support\": " + std::to_string(m.support) + "}";
  }
  s += "], \"confusion\": [";
  for (size_t t = 0; t < r.confusion.size(); ++t) {
    s += t ? ", [" : "[";
    for (size_t p = 0; p < r.confusion[t].size(); ++p)
      s += (p ? ", " : "") + std::to_string(r.confusion[t][p]);
    s += "]";
  }
  return s + "]}";
}

std::string formatReport(const ClassificationReport &r,
                         const std::vector<std::string> &classNames,
                         bool withConfusion) {
  size_t nameWidth = 9; // "macro avg"
  for (int64_t k = 0; k < r.numClasses; ++k)
    nameWidth = std::max(nameWidth, className(classNames, k, r.numClasses).size());
  const int col = 10;
  std::string s = std::string(nameWidth, ' ') + padLeft("precision", col) +
                  padLeft("recall", col) + padLeft("f1-score", col) +
                  padLeft("roc-auc", col) + padLeft("support", col) + "\n\n";
  for (int64_t k = 0; k < r.numClasses; ++k) {
    const ClassMetrics &m = r.perClass[size_t(k)];
    s += padLeft(className(classNames, k, r.numClasses), nameWidth) +
         fixed(m.precision, col, 4) + fixed(m.recall, col, 4) +
         fixed(m.f1, col, 4) + fixed(m.rocAuc, col, 4) +
         padLeft(std::to_string(m.support), col) + "\n";
  }
  std::string total = padLeft(std::to_string(r.numSamples), col);
  s += "\n" + padLeft("macro avg", nameWidth) + fixed(r.macroPrecision, col, 4) +
       fixed(r.macroRecall, col, 4) + fixed(r.macroF1, col, 4) +
       fixed(r.macroRocAuc, col, 4) + total + "\n";
  s += padLeft("accuracy", nameWidth) + std::string(2 * col, ' ') +
       fixed(r.accuracy, col, 4) + std::string(col, ' ') + total + "\n";
  if (!withConfusion)
    return s;

  // Columns are labelled by index only: names would make them too wide.
  int64_t largest = r.numClasses - 1;
  for (const std::vector<int64_t> &row : r.confusion)
    for (int64_t v : row)
      largest = std::max(largest, v);
  size_t cell = std::to_string(largest).size() + 2;
  std::vector<std::string> rowLabels;
  size_t labelWidth = 0;
  for (int64_t t = 0; t < r.numClasses; ++t) {
    std::string label = className(classNames, t, r.numClasses);
    if (label != std::to_string(t))
      label = std::to_string(t) + " " + label;
    labelWidth = std::max(labelWidth, label.size());
    rowLabels.push_back(label);
  }
  s += "\nconfusion matrix (rows: true class, columns: predicted class)\n";
  s += std::string(labelWidth, ' ');
  for (int64_t p = 0; p < r.numClasses; ++p)
    s += padLeft(std::to_string(p), cell);
  s += "\n";
  for (int64_t t = 0; t < r.numClasses; ++t) {
    s += padLeft(rowLabels[size_t(t)], labelWidth);
    for (int64_t v : r.confusion[size_t(t)])
      s += padLeft(std::to_string(v), cell);
    s += "\n";
  }
  return s;
}

} // namespace dlc
