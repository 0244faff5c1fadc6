//===- TrainingLog.cpp - Per-epoch training history -----------------------===//

#include "dlc/runtime/TrainingLog.h"

#include "dlc/runtime/FileIO.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace dlc {
namespace {

/// Exact but short: %.15g unless it loses bits, then %.17g. NaN is "".
std::string csvNumber(double v) {
  if (std::isnan(v))
    return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  if (std::strtod(buf, nullptr) != v)
    std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<std::string> splitFields(const std::string &line) {
  std::vector<std::string> fields(1);
  for (char ch : line) {
    if (ch == ',')
      fields.emplace_back();
    else
      fields.back() += ch;
  }
  return fields;
}

/// The fields of a record, in CSV column order (epoch excluded).
std::vector<double *> valueFields(EpochRecord &r) {
  return {&r.loss,    &r.accuracy,        &r.valLoss,     &r.valAccuracy,
          &r.seconds, &r.imagesPerSecond, &r.learningRate};
}

// ---- SVG training curves ----------------------------------------------

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string xmlEscape(const std::string &s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += ch;
    }
  }
  return out;
}

/// A 1, 2 or 5 times a power of ten near range / count: tick spacing that
/// reads well.
double niceStep(double range, int count) {
  double raw = range / count;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude;
}

std::string tickLabel(double v, double step) {
  int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(v) < step * 1e-6 ? 0.0 : v);
  return buf;
}

struct Series {
  const char *name;
  const char *color;
  const char *dash; // stroke-dasharray, "" for solid
  double EpochRecord::*field;
};

/// One panel at (left, top) of size w x h (the plot area, without margins).
std::string renderPanel(const std::vector<EpochRecord> &recs, double left,
                        double top, double w, double h, const char *label,
                        const Series (&series)[2]) {
  double x0 = recs.empty() ? 0 : double(recs.front().epoch);
  double x1 = x0, y0 = INFINITY, y1 = -INFINITY;
  bool hasSeries[2] = {false, false};
  for (const EpochRecord &r : recs) {
    x0 = std::min(x0, double(r.epoch));
    x1 = std::max(x1, double(r.epoch));
    for (int k = 0; k < 2; ++k) {
      double v = r.*series[k].field;
      if (std::isfinite(v)) {
        hasSeries[k] = true;
        y0 = std::min(y0, v);
        y1 = std::max(y1, v);
      }
    }
  }
  if (x1 - x0 < 1) { // A single epoch: centre it, with its tick alone.
    x0 -= 0.5;
    x1 += 0.5;
  }
  if (!(y0 <= y1)) { // No data at all.
    y0 = 0;
    y1 = 1;
  } else if (y1 - y0 < 1e-9 * std::max(1.0, std::fabs(y1))) {
    double pad = std::max(0.05, std::fabs(y1) * 0.05);
    y0 -= pad;
    y1 += pad;
  }
  double yStep = niceStep(y1 - y0, 5);
  y0 = std::floor(y0 / yStep) * yStep;
  y1 = std::ceil(y1 / yStep) * yStep;
  double xStep = std::max(1.0, std::round(niceStep(x1 - x0, 6)));
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * w; };
  auto py = [&](double y) { return top + h - (y - y0) / (y1 - y0) * h; };

  std::string s = "<g font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<text x=\"" + num(left + w / 2) + "\" y=\"" + num(top - 10) +
       "\" text-anchor=\"middle\" font-size=\"14\">" + label + "</text>\n";
  for (int i = 0; y0 + i * yStep <= y1 + yStep * 1e-6; ++i) {
    double y = y0 + i * yStep;
    s += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(y)) + "\" x2=\"" +
         num(left + w) + "\" y2=\"" + num(py(y)) +
         "\" stroke=\"#e0e0e0\"/>\n<text x=\"" + num(left - 6) + "\" y=\"" +
         num(py(y) + 4) + "\" text-anchor=\"end\">" + tickLabel(y, yStep) +
         "</text>\n";
  }
  for (double x = std::ceil(x0 / xStep) * xStep; x <= x1; x += xStep)
    s += "<line x1=\"" + num(px(x)) + "\" y1=\"" + num(top + h) + "\" x2=\"" +
         num(px(x)) + "\" y2=\"" + num(top + h + 5) +
         "\" stroke=\"#333\"/>\n<text x=\"" + num(px(x)) + "\" y=\"" +
         num(top + h + 18) + "\" text-anchor=\"middle\">" +
         tickLabel(x, 1) + "</text>\n";
  s += "<path d=\"M" + num(left) + " " + num(top) + "V" + num(top + h) + "H" +
       num(left + w) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + num(left + w / 2) + "\" y=\"" + num(top + h + 36) +
       "\" text-anchor=\"middle\">epoch</text>\n";
  s += "<text transform=\"translate(" + num(left - 46) + " " +
       num(top + h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + label +
       "</text>\n";

  // The legend goes in the right-hand corner away from where the training
  // curve ends: top for a falling loss, bottom for a rising accuracy.
  double lastY = (y0 + y1) / 2;
  for (const EpochRecord &r : recs)
    if (std::isfinite(r.*series[0].field))
      lastY = r.*series[0].field;
  double legendTop =
      lastY > (y0 + y1) / 2 ? top + h - 18 * (hasSeries[0] + hasSeries[1]) : top;
  int legendRow = 0;
  for (int k = 0; k < 2; ++k) {
    if (!hasSeries[k])
      continue;
    const Series &sr = series[k];
    std::string style = std::string("fill=\"none\" stroke=\"") + sr.color +
                        "\" stroke-width=\"2\"" +
                        (*sr.dash ? std::string(" stroke-dasharray=\"") +
                                        sr.dash + "\""
                                  : "");
    // Not-measured epochs split the curve instead of bridging the gap.
    std::string points;
    auto flush = [&] {
      if (!points.empty())
        s += "<polyline " + style + " points=\"" + points + "\"/>\n";
      points.clear();
    };
    for (const EpochRecord &r : recs) {
      double v = r.*sr.field;
      if (!std::isfinite(v)) {
        flush();
        continue;
      }
      points += (points.empty() ? "" : " ") + num(px(double(r.epoch))) + "," +
                num(py(v));
      s += "<circle cx=\"" + num(px(double(r.epoch))) + "\" cy=\"" +
           num(py(v)) + "\" r=\"2.5\" fill=\"" + sr.color + "\"/>\n";
    }
    flush();
    double ly = legendTop + 14 + 18 * legendRow++;
    s += "<line x1=\"" + num(left + w - 110) + "\" y1=\"" + num(ly - 4) +
         "\" x2=\"" + num(left + w - 86) + "\" y2=\"" + num(ly - 4) + "\" " +
         style + "/>\n<text x=\"" + num(left + w - 80) + "\" y=\"" + num(ly) +
         "\">" + sr.name + "</text>\n";
  }
  return s + "</g>\n";
}

} // namespace

const char *trainingCsvHeader() {
  return "epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_s,"
         "learning_rate";
}

std::string formatTrainingCsv(const std::vector<EpochRecord> &records) {
  std::string s = std::string(trainingCsvHeader()) + "\n";
  for (EpochRecord r : records) {
    s += std::to_string(r.epoch);
    for (double *v : valueFields(r))
      s += "," + csvNumber(*v);
    s += "\n";
  }
  return s;
}

StatusOr<std::vector<EpochRecord>>
parseTrainingCsv(const std::string &text, const std::string &name) {
  std::vector<EpochRecord> records;
  size_t pos = 0;
  int64_t lineNo = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r')
      line.pop_back(); // Written on or edited under Windows.
    std::string where = name + ":" + std::to_string(lineNo) + ": ";
    if (lineNo == 1) {
      if (line != trainingCsvHeader())
        return Status::error(where + "expected the header '" +
                             trainingCsvHeader() + "'");
      continue;
    }
    if (line.empty())
      continue;
    std::vector<std::string> fields = splitFields(line);
    EpochRecord r;
    std::vector<double *> values = valueFields(r);
    if (fields.size() != values.size() + 1)
      return Status::error(where + "expected " +
                           std::to_string(values.size() + 1) +
                           " fields, found " + std::to_string(fields.size()));
    char *stop = nullptr;
    errno = 0;
    long long epoch = std::strtoll(fields[0].c_str(), &stop, 10);
    if (fields[0].empty() || *stop != '\0' || errno == ERANGE)
      return Status::error(where + "epoch '" + fields[0] +
                           "' is not an integer");
    r.epoch = epoch;
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string &f = fields[i + 1];
      if (f.empty())
        continue; // Not measured: stays NaN.
      double v = std::strtod(f.c_str(), &stop);
      if (*stop != '\0')
        return Status::error(where + "field " + std::to_string(i + 2) + " '" +
                             f + "' is not a number");
      *values[i] = v;
    }
    records.push_back(r);
  }
  if (lineNo == 0)
    return Status::error(name + ": empty (expected at least the header)");
  return records;
}

std::string renderTrainingCurves(const std::vector<EpochRecord> &records,
                                 const std::string &title) {
  const double panelW = 450, height = 360, marginL = 70, marginR = 20;
  const double top = title.empty() ? 40 : 64, bottom = 50;
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                  num(2 * panelW) + "\" height=\"" + num(height) +
                  "\" viewBox=\"0 0 " + num(2 * panelW) + " " + num(height) +
                  "\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!title.empty())
    s += "<text x=\"" + num(panelW) + "\" y=\"24\" text-anchor=\"middle\" "
         "font-family=\"sans-serif\" font-size=\"16\">" +
         xmlEscape(title) + "</text>\n";
  const Series loss[2] = {{"train", "#1f77b4", "", &EpochRecord::loss},
                          {"validation", "#ff7f0e", "6 4",
                           &EpochRecord::valLoss}};
  const Series acc[2] = {{"train", "#1f77b4", "", &EpochRecord::accuracy},
                         {"validation", "#ff7f0e", "6 4",
                          &EpochRecord::valAccuracy}};
  double w = panelW - marginL - marginR, h = height - top - bottom;
  s += renderPanel(records, marginL, top, w, h, "loss", loss);
  s += renderPanel(records, panelW + marginL, top, w, h, "accuracy", acc);
  return s + "</svg>\n";
}

Status writeTrainingCsv(const std::string &path,
                        const std::vector<EpochRecord> &records) {
  std::string text = formatTrainingCsv(records);
  return writeFileAtomically(path, text.data(), text.size());
}

Status writeTrainingCurves(const std::string &path,
                           const std::vector<EpochRecord> &records,
                           const std::string &title) {
  std::string svg = renderTrainingCurves(records, title);
  return writeFileAtomically(path, svg.data(), svg.size());
}

Status TrainingLog::append(const EpochRecord &record) {
  records_.push_back(record);
  // Try both files even if the first fails: one good file beats none.
  Status csv, svg;
  if (!csvPath_.empty())
    csv = writeTrainingCsv(csvPath_, records_);
  if (!svgPath_.empty())
    svg = writeTrainingCurves(svgPath_, records_, title_);
  return csv.ok() ? svg : csv;
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  // Cap at ~11 years so the conversion to an integer cannot overflow.
  long long s = std::llround(std::min(seconds, 3.5e8));
  char buf[48];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600,
                  s / 60 % 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

std::string formatProgress(int64_t done, int64_t total, double imagesPerSecond,
                           double etaSeconds, double loss, double accuracy,
                           int width) {
  std::string totalText = std::to_string(total);
  std::string doneText = std::to_string(done);
  std::string s =
      std::string(totalText.size() > doneText.size()
                      ? totalText.size() - doneText.size()
                      : 0,
                  ' ') +
      doneText + "/" + totalText;
  if (width > 0 && total > 0) {
    int64_t clamped = std::clamp<int64_t>(done, 0, total);
    // Filled cells, the last of them drawn as the '>' head while running.
    int64_t filled = clamped * width / total;
    std::string bar;
    if (clamped >= total) {
      bar = std::string(size_t(width), '=');
    } else {
      bar = std::string(size_t(filled), '=') + ">";
      bar += std::string(size_t(width) - bar.size(), '.');
    }
    s += " [" + bar + "]";
  }
  char buf[64];
  if (!std::isnan(imagesPerSecond)) {
    std::snprintf(buf, sizeof buf, "  %5.0f img/s", imagesPerSecond);
    s += buf;
  }
  s += "  ETA " + formatDuration(etaSeconds);
  if (!std::isnan(loss)) {
    std::snprintf(buf, sizeof buf, "  loss %.4f", loss);
    s += buf;
  }
  if (!std::isnan(accuracy)) {
    std::snprintf(buf, sizeof buf, "  acc %.4f", accuracy);
    s += buf;
  }
  return s;
}

} // namespace dlc
