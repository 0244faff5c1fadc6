// evaluateClassification, rocAuc, toJson and formatReport against numbers
// worked out by hand.
#include "dlc/runtime/Metrics.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

namespace dlc {
namespace {

using test::errorOf;
using ::testing::HasSubstr;
using ::testing::Not;

template <class T>
HostTensor tensor(std::vector<int64_t> shape, const std::vector<T> &values) {
  StatusOr<HostTensor> t = HostTensor::fromVector(std::move(shape), values);
  EXPECT_TRUE(t.ok()) << errorOf(t);
  return std::move(*t);
}

// Six samples, three classes. Predictions (argmax): 0, 1, 1, 2, 0, 2 for
// labels 0, 0, 1, 2, 1, 2. Sample 3 has a tie between classes 0 and 1 that
// does not matter (class 2 wins).
const std::vector<float> kProbs = {
    0.7f, 0.2f, 0.1f, //
    0.2f, 0.5f, 0.3f, //
    0.1f, 0.6f, 0.3f, //
    0.3f, 0.3f, 0.4f, //
    0.5f, 0.4f, 0.1f, //
    0.2f, 0.2f, 0.6f};
const std::vector<int32_t> kLabels = {0, 0, 1, 2, 1, 2};

TEST(Metrics, HandComputedReport) {
  StatusOr<ClassificationReport> r =
      evaluateClassification(tensor({6, 3}, kProbs), tensor({6}, kLabels));
  ASSERT_TRUE(r.ok()) << errorOf(r);
  EXPECT_EQ(r->numSamples, 6);
  EXPECT_EQ(r->numClasses, 3);
  EXPECT_DOUBLE_EQ(r->accuracy, 4.0 / 6.0);
  EXPECT_EQ(r->confusion, (std::vector<std::vector<int64_t>>{
                              {1, 1, 0}, {1, 1, 0}, {0, 0, 2}}));
  // Classes 0 and 1: tp 1 of 2 predicted and of 2 true. Class 2: perfect.
  const double expectP[] = {0.5, 0.5, 1.0};
  for (int k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(r->perClass[k].precision, expectP[k]);
    EXPECT_DOUBLE_EQ(r->perClass[k].recall, expectP[k]);
    EXPECT_DOUBLE_EQ(r->perClass[k].f1, expectP[k]);
    EXPECT_EQ(r->perClass[k].support, 2);
    EXPECT_EQ(r->perClass[k].predicted, 2);
  }
  EXPECT_DOUBLE_EQ(r->macroPrecision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->macroRecall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r->macroF1, 2.0 / 3.0);
  // Class 0: positives score .7 and .2, negatives .1 .3 .5 .2. Pairs won:
  // .7 beats all 4; .2 beats .1, ties .2 (1/2): 5.5 of 8.
  EXPECT_DOUBLE_EQ(r->perClass[0].rocAuc, 5.5 / 8);
  // Class 1: positives .6 and .4, negatives .2 .5 .3 .2: 4 + 3 of 8.
  EXPECT_DOUBLE_EQ(r->perClass[1].rocAuc, 7.0 / 8);
  EXPECT_DOUBLE_EQ(r->perClass[2].rocAuc, 1.0);
  EXPECT_DOUBLE_EQ(r->macroRocAuc, (5.5 / 8 + 7.0 / 8 + 1.0) / 3);

  // One-hot and int64 labels give the same report.
  std::vector<float> oneHot(18, 0.0f);
  std::vector<int64_t> wide;
  for (size_t i = 0; i < kLabels.size(); ++i) {
    oneHot[i * 3 + size_t(kLabels[i])] = 1.0f;
    wide.push_back(kLabels[i]);
  }
  std::vector<HostTensor> alternatives;
  alternatives.push_back(tensor({6, 3}, oneHot));
  alternatives.push_back(tensor({6}, wide));
  for (const HostTensor &labels : alternatives) {
    StatusOr<ClassificationReport> same =
        evaluateClassification(tensor({6, 3}, kProbs), labels);
    ASSERT_TRUE(same.ok()) << errorOf(same);
    EXPECT_EQ(same->confusion, r->confusion);
    EXPECT_DOUBLE_EQ(same->macroRocAuc, r->macroRocAuc);
  }
}

TEST(Metrics, UndefinedScoresAreZeroOrNaN) {
  // Class 2 neither occurs nor is predicted: precision/recall/F1 0, AUC
  // undefined, and it is left out of every macro average.
  std::vector<float> probs = {0.6f, 0.3f, 0.1f, 0.4f, 0.5f, 0.1f,
                              0.3f, 0.6f, 0.1f, 0.2f, 0.7f, 0.1f};
  StatusOr<ClassificationReport> r = evaluateClassification(
      probs.data(), std::vector<int32_t>{0, 1, 0, 1}.data(), 4, 3);
  ASSERT_TRUE(r.ok()) << errorOf(r);
  EXPECT_DOUBLE_EQ(r->accuracy, 0.75);
  const ClassMetrics &c0 = r->perClass[0], &c1 = r->perClass[1],
                     &c2 = r->perClass[2];
  EXPECT_DOUBLE_EQ(c0.precision, 1.0);
  EXPECT_DOUBLE_EQ(c0.recall, 0.5);
  EXPECT_DOUBLE_EQ(c0.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c1.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c1.recall, 1.0);
  EXPECT_DOUBLE_EQ(c1.f1, 0.8);
  EXPECT_EQ(c2.precision, 0.0);
  EXPECT_EQ(c2.recall, 0.0);
  EXPECT_EQ(c2.f1, 0.0);
  EXPECT_TRUE(std::isnan(c2.rocAuc));
  EXPECT_DOUBLE_EQ(r->macroPrecision, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(r->macroRecall, 0.75);
  EXPECT_DOUBLE_EQ(r->macroF1, (2.0 / 3.0 + 0.8) / 2);
  EXPECT_DOUBLE_EQ(c0.rocAuc, 0.75);
  EXPECT_DOUBLE_EQ(c1.rocAuc, 0.75);
  EXPECT_DOUBLE_EQ(r->macroRocAuc, 0.75);

  std::string json = toJson(*r);
  EXPECT_THAT(json, HasSubstr("\"roc_auc\": null, \"support\": 0}"));
  EXPECT_THAT(json, HasSubstr("\"roc_auc\": 0.75, \"per_class\""));
  EXPECT_THAT(formatReport(*r), HasSubstr("n/a"));
}

TEST(Metrics, RocAucTies) {
  EXPECT_DOUBLE_EQ(rocAuc({0.5f, 0.5f, 0.5f, 0.5f}, {true, false, true, false}),
                   0.5);
  EXPECT_DOUBLE_EQ(rocAuc({0.1f, 0.9f}, {false, true}), 1.0);
  EXPECT_DOUBLE_EQ(rocAuc({0.1f, 0.9f}, {true, false}), 0.0);
  // Positives 0.8, 0.4; negatives 0.4, 0.4, 0.1: 3 + (1/2 + 1/2 + 1) = 5 of 6.
  EXPECT_DOUBLE_EQ(
      rocAuc({0.4f, 0.8f, 0.4f, 0.1f, 0.4f}, {true, true, false, false, false}),
      5.0 / 6.0);
  EXPECT_TRUE(std::isnan(rocAuc({0.1f, 0.2f}, {true, true})));
  EXPECT_TRUE(std::isnan(rocAuc({0.1f, 0.2f}, {false, false})));
  EXPECT_TRUE(std::isnan(rocAuc({NAN, 0.2f}, {true, false})));
  EXPECT_TRUE(std::isnan(rocAuc({0.1f}, {true, false})));
}

TEST(Metrics, Errors) {
  HostTensor probs = tensor({6, 3}, kProbs);
  EXPECT_THAT(errorOf(evaluateClassification(
                  probs, tensor<int32_t>({6}, {0, 0, 1, 3, 1, 2}))),
              HasSubstr("label 3 of sample 3 is outside the 3 classes"));
  EXPECT_THAT(errorOf(evaluateClassification(
                  probs, tensor<int64_t>({6}, {0, 0, 1, -4, 1, 2}))),
              HasSubstr("label -1 of sample 3 is outside"));
  EXPECT_THAT(errorOf(evaluateClassification(probs, tensor<int32_t>({5}, {0, 0, 0, 0, 0}))),
              HasSubstr("labels int32 [5] do not match probabilities float32 [6, 3]"));
  EXPECT_THAT(errorOf(evaluateClassification(tensor<int32_t>({1, 2}, {0, 1}),
                                             tensor<int32_t>({1}, {0}))),
              HasSubstr("probabilities must be float32 [N, C], not int32 [1, 2]"));
  std::vector<float> withNaN = kProbs;
  withNaN[4] = NAN;
  EXPECT_THAT(errorOf(evaluateClassification(tensor({6, 3}, withNaN),
                                             tensor({6}, kLabels))),
              HasSubstr("the probabilities of sample 1 contain NaN"));
  EXPECT_THAT(errorOf(evaluateClassification(tensor<float>({0, 3}, {}),
                                             tensor<int32_t>({0}, {}))),
              HasSubstr("no samples"));
  EXPECT_THAT(errorOf(evaluateClassification(tensor<float>({1, 1}, {1}),
                                             tensor<int32_t>({1}, {0}))),
              HasSubstr("1 classes (at least 2 are needed)"));
}

TEST(Metrics, JsonAndTable) {
  StatusOr<ClassificationReport> r =
      evaluateClassification(tensor({6, 3}, kProbs), tensor({6}, kLabels));
  ASSERT_TRUE(r.ok()) << errorOf(r);
  std::string json = toJson(*r, {"a", "b\"q", "c"});
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_THAT(json, HasSubstr("\"num_samples\": 6, \"num_classes\": 3, "
                              "\"accuracy\": 0.66666666666666663, "));
  EXPECT_THAT(json, HasSubstr("\"macro_precision\": 0.66666666666666663, "
                              "\"macro_recall\": "));
  EXPECT_THAT(json, HasSubstr("\"macro_f1\": "));
  EXPECT_THAT(json, HasSubstr("\"per_class\": [{\"class\": 0, \"name\": \"a\", "
                              "\"precision\": 0.5, \"recall\": 0.5, \"f1\": "
                              "0.5, \"roc_auc\": 0.6875, \"support\": 2}, "
                              "{\"class\": 1, \"name\": \"b\\\"q\""));
  EXPECT_THAT(json, HasSubstr("\"confusion\": [[1, 1, 0], [1, 1, 0], [0, 0, 2]]}"));
  // Names only when there is one per class.
  EXPECT_THAT(toJson(*r, {"a"}), Not(HasSubstr("\"name\"")));

  std::string table = formatReport(*r, {"T-shirt/top", "Trouser", "Bag"});
  EXPECT_THAT(table, HasSubstr("T-shirt/top    0.5000    0.5000    0.5000"
                               "    0.6875         2\n"));
  EXPECT_THAT(table, HasSubstr("  macro avg    0.6667    0.6667    0.6667"
                               "    0.8542         6\n"));
  EXPECT_THAT(table, HasSubstr("   accuracy                        0.6667"
                               "                   6\n"));
  EXPECT_THAT(table, HasSubstr("confusion matrix (rows: true class, columns: "
                               "predicted class)\n"));
  EXPECT_THAT(table, HasSubstr("0 T-shirt/top  1  1  0\n"));
  EXPECT_THAT(table, HasSubstr("        2 Bag  0  0  2\n"));
  EXPECT_THAT(formatReport(*r, {}, false), Not(HasSubstr("confusion")));
}

} // namespace
} // namespace dlc
