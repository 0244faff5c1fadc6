// BATCH_MATMUL compiled by dlc against the reference over random shapes:
// ranks 3 and 4, batch, M, K and N from 1 up, both operands graph inputs
// (their dim 0 is the model's batch, so the runtime may also run a batch in
// chunks of the compiled one). Each case feeds an ADD too, so a result that
// aliases an argument or a wrong shape of the expand cannot pass unnoticed.
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

int32_t batchMatmul(ModelBuilder &b, const std::string &name, int32_t lhs,
                    int32_t rhs) {
  int32_t out = b.addTensor(name);
  b.addOp(fb::OpType::BATCH_MATMUL, name, {lhs, rhs}, {out});
  return out;
}

/// One model with `cases` batch matmuls of rank `rank`; dims in [1, maxDim]
/// with 1 drawn often, since unit dims are where collapses go wrong.
void sweep(int64_t rank, int cases, int64_t maxDim, uint32_t salt) {
  Random rng(testSeed() + salt);
  ModelBuilder b("batch_matmul_rank" + std::to_string(rank));
  auto dim = [&] { return rng.coin(0.25) ? 1 : rng.intIn(1, maxDim); };
  for (int c = 0; c < cases; ++c) {
    // [-1 (the batch), inner batch dims..., M, K] x [..., K, N].
    std::vector<int64_t> inner;
    for (int64_t d = 0; d < rank - 3; ++d)
      inner.push_back(dim());
    int64_t m = dim(), k = dim(), n = dim();
    std::vector<int64_t> as{-1}, bs{-1};
    as.insert(as.end(), inner.begin(), inner.end());
    bs.insert(bs.end(), inner.begin(), inner.end());
    as.insert(as.end(), {m, k});
    bs.insert(bs.end(), {k, n});
    std::string name = "batch_matmul " + str(as) + " x " + str(bs);
    int32_t x = b.addInput("a" + std::to_string(c), as);
    int32_t y = b.addInput("b" + std::to_string(c), bs);
    int32_t out = batchMatmul(b, name, x, y);
    b.markOutput(out);
    std::vector<int64_t> bias(inner);
    bias.insert(bias.end(), {m, n});
    int32_t w = addRandomWeight(b, rng, name + "/bias", bias);
    b.markOutput(b.binary(fb::OpType::ADD, name + " + bias", out, w));
  }
  CheckOptions check;
  check.family = "batch_matmul";
  check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 3});
  check.runBatches = {check.compile.batchSize, 4};
  EXPECT_TRUE(matchesReference(b, check, rng));
}

TEST(BatchMatmul, Rank3Sweep) { sweep(3, 6, 9, 0); }

TEST(BatchMatmul, Rank4Sweep) { sweep(4, 6, 6, 1); }

/// Dims up to 40: longer contractions and bigger matrices per batch.
TEST(BatchMatmul, LongContraction) { sweep(3, 2, 40, 2); }

} // namespace
