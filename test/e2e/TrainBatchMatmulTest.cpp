// Training through BATCH_MATMUL: its gradient rule (d lhs = dy x rhs^T,
// d rhs = lhs^T x dy, as transposes and batch matmuls) checked in a whole
// compiled train step against the reference's own backward, which shares
// no code with it. Both operands are computed from trainable dense layers,
// so both gradients reach a parameter; one operand is transposed first, so
// the gradient also passes back through a transpose.
#include "TrainGraphUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

TEST(TrainBatchMatmul, GradientsReachBothOperands) {
  Random rng(testSeed());
  for (int c = 0; c < 2; ++c) {
    // x [batch, rows, features]; p = dense(x) [.., rows, k] is transposed
    // to [.., k, rows] and multiplied with q = dense(x) [.., rows, n].
    int64_t rows = rng.intIn(2, 4), features = rng.intIn(2, 5);
    int64_t k = rng.intIn(1, 4), n = rng.intIn(2, 5), classes = 3;
    std::vector<int64_t> input{rows, features};
    ModelBuilder b("train_batch_matmul");
    int32_t x = b.addInput("x", {-1, rows, features});
    int32_t p = b.dense("p", x, addGlorotWeight(b, rng, "p/kernel",
                                                {features, k}),
                        -1);
    int32_t q = b.dense("q", x, addGlorotWeight(b, rng, "q/kernel",
                                                {features, n}),
                        -1);
    int32_t pt = b.transpose("p_t", p, {0, 2, 1});
    int32_t mm = b.addTensor("pq");
    b.addOp(fb::OpType::BATCH_MATMUL, "pq", {pt, q}, {mm});
    int32_t flat = b.flatten("flat", mm);
    fb::DenseOptionsT tanh;
    tanh.activation = fb::Activation::TANH;
    int32_t logits = b.dense(
        "logits", flat, addGlorotWeight(b, rng, "logits/kernel",
                                        {k * n, classes}),
        addGlorotWeight(b, rng, "logits/bias", {classes}), tanh);
    b.markOutput(b.softmax("softmax", logits));
    TrainRun run;
    run.options = trainOptions(fb::Loss::CATEGORICAL_CROSSENTROPY,
                               fb::Optimizer::SGD, 0.1f);
    SCOPED_TRACE("rows " + std::to_string(rows) + ", features " +
                 std::to_string(features) + ", k " + std::to_string(k) +
                 ", n " + std::to_string(n));
    expectTrainingMatches(b, input, run, uint32_t(rng.intIn(0, 1 << 30)));
  }
}

} // namespace
