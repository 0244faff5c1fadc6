// The training CSV (written, re-read, parse errors), the SVG curves and the
// progress line.
#include "dlc/runtime/TrainingLog.h"

#include "dlc/runtime/FileIO.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

EpochRecord record(int64_t epoch, double loss, double acc, double valLoss,
                   double valAcc) {
  EpochRecord r;
  r.epoch = epoch;
  r.loss = loss;
  r.accuracy = acc;
  r.valLoss = valLoss;
  r.valAccuracy = valAcc;
  r.seconds = 2.5 * double(epoch);
  r.imagesPerSecond = 24000;
  r.learningRate = 0.001;
  return r;
}

size_t count(const std::string &text, const std::string &what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos;
       p = text.find(what, p + 1))
    ++n;
  return n;
}

void expectSameRecord(const EpochRecord &a, const EpochRecord &b) {
  auto same = [](double x, double y) {
    return (std::isnan(x) && std::isnan(y)) || x == y;
  };
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_TRUE(same(a.loss, b.loss));
  EXPECT_TRUE(same(a.accuracy, b.accuracy));
  EXPECT_TRUE(same(a.valLoss, b.valLoss));
  EXPECT_TRUE(same(a.valAccuracy, b.valAccuracy));
  EXPECT_TRUE(same(a.seconds, b.seconds));
  EXPECT_TRUE(same(a.imagesPerSecond, b.imagesPerSecond));
  EXPECT_TRUE(same(a.learningRate, b.learningRate));
}

TEST(TrainingLog, CsvFormatAndRoundTrip) {
  std::vector<EpochRecord> recs = {record(1, 0.5, 0.8, NAN, NAN),
                                   record(2, 1.0 / 3.0, 0.875, 0.4, 0.85)};
  std::string csv = formatTrainingCsv(recs);
  EXPECT_EQ(csv,
            "epoch,loss,accuracy,val_loss,val_accuracy,seconds,images_per_s,"
            "learning_rate\n"
            "1,0.5,0.8,,,2.5,24000,0.001\n"
            "2,0.33333333333333331,0.875,0.4,0.85,5,24000,0.001\n");
  StatusOr<std::vector<EpochRecord>> back = parseTrainingCsv(csv, "log.csv");
  ASSERT_TRUE(back.ok()) << errorOf(back);
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < 2; ++i)
    expectSameRecord((*back)[i], recs[i]);
  // Header only: no records. CRLF line ends are tolerated.
  StatusOr<std::vector<EpochRecord>> empty =
      parseTrainingCsv(std::string(trainingCsvHeader()) + "\r\n", "e.csv");
  ASSERT_TRUE(empty.ok()) << errorOf(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(TrainingLog, CsvParseErrors) {
  std::string header = std::string(trainingCsvHeader()) + "\n";
  auto err = [](const std::string &text) {
    return errorOf(parseTrainingCsv(text, "log.csv"));
  };
  EXPECT_EQ(err(""), "log.csv: empty (expected at least the header)");
  EXPECT_THAT(err("epoch,loss\n"),
              StartsWith("log.csv:1: expected the header 'epoch,loss,"));
  EXPECT_EQ(err(header + "1,0.5\n"), "log.csv:2: expected 8 fields, found 2");
  EXPECT_EQ(err(header + "1,0.5,,,,,,\nx,0.5,,,,,,\n"),
            "log.csv:3: epoch 'x' is not an integer");
  EXPECT_EQ(err(header + "1,0.5,abc,,,,,\n"),
            "log.csv:2: field 3 'abc' is not a number");
}

TEST(TrainingLog, AppendRewritesBothFilesAtomically) {
  test::TempDir dir;
  TrainingLog log(dir.file("log.csv"), dir.file("curves.svg"), "mnist <cnn>");
  for (int64_t e = 1; e <= 3; ++e) {
    ASSERT_TRUE(log.append(record(e, 1.0 / double(e), 0.6 + 0.1 * double(e),
                                  1.2 / double(e), 0.55 + 0.1 * double(e)))
                    .ok());
    // After every epoch: complete files, no temporaries left behind.
    EXPECT_THAT(dir.files(), UnorderedElementsAre("log.csv", "curves.svg"));
    StatusOr<std::vector<uint8_t>> bytes = readFile(dir.file("log.csv"), 1 << 20);
    ASSERT_TRUE(bytes.ok()) << errorOf(bytes);
    StatusOr<std::vector<EpochRecord>> back = parseTrainingCsv(
        std::string(bytes->begin(), bytes->end()), "log.csv");
    ASSERT_TRUE(back.ok()) << errorOf(back);
    ASSERT_EQ(back->size(), size_t(e));
    expectSameRecord(back->back(), log.records().back());
  }
  std::vector<uint8_t> svgBytes = test::readBytes(dir.file("curves.svg"));
  std::string svg(svgBytes.begin(), svgBytes.end());
  EXPECT_EQ(svg, renderTrainingCurves(log.records(), "mnist <cnn>"));
  EXPECT_THAT(svg, HasSubstr(">mnist &lt;cnn&gt;</text>"));

  // A failed write is reported (naming the file), the record is kept.
  TrainingLog broken(dir.file("missing/log.csv"), "");
  EXPECT_THAT(errorOf(broken.append(record(1, 1, 1, 1, 1))),
              HasSubstr("missing/log.csv"));
  EXPECT_EQ(broken.records().size(), 1u);
}

TEST(TrainingLog, SvgHasTwoPanelsWithAxesAndLegend) {
  std::vector<EpochRecord> recs;
  for (int64_t e = 1; e <= 12; ++e)
    recs.push_back(record(e, 2.0 / double(e), 0.5 + 0.03 * double(e),
                          2.2 / double(e), 0.48 + 0.03 * double(e)));
  std::string svg = renderTrainingCurves(recs);
  EXPECT_THAT(svg, StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                              "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_THAT(svg, HasSubstr("</svg>\n"));
  EXPECT_EQ(count(svg, "<g "), count(svg, "</g>"));
  EXPECT_EQ(count(svg, "<g "), 2u);
  // Train and validation curves in each panel; 12 markers per curve.
  EXPECT_EQ(count(svg, "<polyline"), 4u);
  EXPECT_EQ(count(svg, "<circle"), 48u);
  EXPECT_EQ(count(svg, ">train</text>"), 2u);
  EXPECT_EQ(count(svg, ">validation</text>"), 2u);
  EXPECT_EQ(count(svg, ">epoch</text>"), 2u);
  EXPECT_EQ(count(svg, ">loss</text>"), 2u); // Panel title and axis label.
  EXPECT_EQ(count(svg, ">accuracy</text>"), 2u);
  // Epoch ticks every 2 (nice step for 1..12), loss ticks at 0.5 steps.
  EXPECT_THAT(svg, HasSubstr(">12</text>"));
  EXPECT_THAT(svg, Not(HasSubstr(">11</text>")));
  EXPECT_THAT(svg, HasSubstr(">1.5</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("nan")));

  // Without validation: one curve per panel, no validation legend. A gap
  // (NaN) splits a curve in two.
  for (EpochRecord &r : recs)
    r.valLoss = r.valAccuracy = NAN;
  recs[5].loss = NAN;
  svg = renderTrainingCurves(recs);
  EXPECT_EQ(count(svg, "<polyline"), 3u);
  EXPECT_THAT(svg, Not(HasSubstr("validation")));

  // No records and a single record still give a well-formed document.
  for (const std::vector<EpochRecord> &few :
       {std::vector<EpochRecord>{}, std::vector<EpochRecord>{recs[0]}}) {
    svg = renderTrainingCurves(few);
    EXPECT_THAT(svg, HasSubstr("</svg>\n"));
    EXPECT_THAT(svg, Not(HasSubstr("nan")));
    EXPECT_THAT(svg, Not(HasSubstr("inf")));
  }
}

TEST(TrainingLog, ProgressLine) {
  EXPECT_EQ(formatProgress(512, 60000, 11234, 5, 0.6931, 0.512, 7),
            "  512/60000 [>......]  11234 img/s  ETA 5s  loss 0.6931  acc 0.5120");
  EXPECT_EQ(formatProgress(30000, 60000, 9000, 65, 0.5, 0.75, 10),
            "30000/60000 [=====>....]   9000 img/s  ETA 1:05  loss 0.5000  "
            "acc 0.7500");
  EXPECT_EQ(formatProgress(60000, 60000, 9000, 0, 0.25, 0.875, 10),
            "60000/60000 [==========]   9000 img/s  ETA 0s  loss 0.2500  "
            "acc 0.8750");
  // Unknown fields are left out; no bar without a width.
  EXPECT_EQ(formatProgress(3, 10, NAN, NAN, NAN, NAN, 0), " 3/10  ETA ?");
  EXPECT_EQ(formatDuration(3665), "1:01:05");
  EXPECT_EQ(formatDuration(59.4), "59s");
  EXPECT_EQ(formatDuration(-1), "?");
}

} // namespace
} // namespace dlc
