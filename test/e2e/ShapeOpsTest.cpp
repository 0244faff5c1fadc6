// RESHAPE, FLATTEN, TRANSPOSE, CONCAT and PAD. These only move values, so
// any mismatch is an indexing bug and the comparison is exact in practice.
// Every op keeps the batch as dim 0 (reshape -1 there, perm[0] = 0, no
// concat or padding along it), which is what lets the runtime run a batch
// in chunks of the compiled batch.
#include "E2ETestUtil.h"

#include <algorithm>

using namespace dlc;
using namespace dlc::e2e;

namespace {

std::vector<int64_t> randomDims(Random &rng, int64_t minRank, int64_t maxRank,
                                int64_t maxDim) {
  std::vector<int64_t> dims;
  int64_t rank = rng.intIn(minRank, maxRank);
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(rng.intIn(1, maxDim));
  return dims;
}

std::vector<int64_t> batched(std::vector<int64_t> dims) {
  dims.insert(dims.begin(), -1);
  return dims;
}

CheckOptions checkFor(const std::string &family, Random &rng) {
  CheckOptions check;
  check.family = family;
  check.compile.batchSize = rng.pick(std::vector<int64_t>{1, 2, 3});
  check.runBatches = {check.compile.batchSize, 4};
  return check;
}

/// Reshape to a random factorization of the per-row element count, with the
/// batch as -1; the reshaped value also feeds an ADD so that the result is
/// computed, not just a reinterpreted argument.
TEST(Reshape, RandomSweep) {
  Random rng(testSeed());
  ModelBuilder b("reshape_sweep");
  for (int c = 0; c < 8; ++c) {
    std::vector<int64_t> in = randomDims(rng, 1, 4, 5);
    int64_t n = 1;
    for (int64_t d : in)
      n *= d;
    // Split n into random factors.
    std::vector<int64_t> out;
    for (int64_t rest = n; rest > 1;) {
      std::vector<int64_t> divisors;
      for (int64_t d = 2; d <= rest; ++d)
        if (rest % d == 0)
          divisors.push_back(d);
      int64_t d = rng.pick(divisors);
      out.push_back(d);
      rest /= d;
    }
    if (out.empty() || rng.coin(0.2))
      out.push_back(1);
    std::string name = "reshape " + str(in) + " -> " + str(out);
    int32_t x = b.addInput("x" + std::to_string(c), batched(in));
    int32_t y = b.reshape(name, x, batched(out));
    b.markOutput(y);
    if (c % 2 == 0) {
      int32_t k = addRandomWeight(b, rng, name + "/k", out);
      b.markOutput(b.binary(fb::OpType::MUL, name + " * k", y, k));
    }
  }
  EXPECT_TRUE(matchesReference(b, checkFor("reshape", rng), rng));
}

TEST(Flatten, Sweep) {
  Random rng(testSeed());
  ModelBuilder b("flatten_sweep");
  for (int c = 0; c < 6; ++c) {
    std::vector<int64_t> in = randomDims(rng, 1, 4, 6);
    int32_t x = b.addInput("x" + std::to_string(c), batched(in));
    b.markOutput(b.flatten("flatten " + str(in), x));
  }
  // Flatten feeding a computation, as in every CNN head.
  int32_t x = b.addInput("img", {-1, 3, 5, 4});
  int32_t f = b.flatten("flatten img", x);
  int32_t w = addRandomWeight(b, rng, "w", {60, 7});
  b.markOutput(b.dense("dense(flatten)", f, w, -1));
  EXPECT_TRUE(matchesReference(b, checkFor("flatten", rng), rng));
}

TEST(Transpose, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("transpose_sweep");
    for (int c = 0; c < 6; ++c) {
      std::vector<int64_t> in = randomDims(rng, 1, 4, 6);
      // A random permutation of dims 1..rank (dim 0, the batch, stays).
      std::vector<int32_t> perm(in.size() + 1);
      for (size_t i = 0; i < perm.size(); ++i)
        perm[i] = int32_t(i);
      for (size_t i = perm.size() - 1; i > 1; --i)
        std::swap(perm[i], perm[size_t(rng.intIn(1, int64_t(i)))]);
      std::vector<int64_t> permDims(perm.begin(), perm.end());
      int32_t x = b.addInput("x" + std::to_string(c), batched(in));
      b.markOutput(b.transpose("transpose " + str(in) + " perm " +
                                   str(permDims) + " #" + std::to_string(c),
                               x, perm));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("transpose", rng), rng))
        << "model " << model;
  }
}

// Dims drawn from multiples of 16 (and a few odd ones), so that many
// transposes move the innermost dim between two multiples of 16: those are
// tiled into 16x16 register blocks (dlc-tile-transposes) and transposed
// with shuffles, not loops.
TEST(Transpose, SixteenBySixteenBlocks) {
  Random rng(testSeed());
  ModelBuilder b("transpose_blocks");
  for (int c = 0; c < 6; ++c) {
    std::vector<int64_t> in;
    int64_t rank = rng.intIn(2, 3);
    for (int64_t d = 0; d < rank; ++d)
      in.push_back(rng.pick(std::vector<int64_t>{16, 32, 48, 3}));
    // Move the innermost dim: rotate dims 1..rank by one or more places.
    std::vector<int32_t> perm{0};
    int64_t shift = rng.intIn(1, rank - 1);
    for (int64_t i = 0; i < rank; ++i)
      perm.push_back(int32_t(1 + (i + shift) % rank));
    std::vector<int64_t> permDims(perm.begin(), perm.end());
    int32_t x = b.addInput("x" + std::to_string(c), batched(in));
    b.markOutput(b.transpose("transpose " + str(in) + " perm " +
                                 str(permDims) + " #" + std::to_string(c),
                             x, perm));
  }
  EXPECT_TRUE(matchesReference(b, checkFor("transpose", rng), rng));
}

TEST(Concat, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("concat_sweep");
    for (int c = 0; c < 6; ++c) {
      std::vector<int64_t> dims = randomDims(rng, 1, 4, 5);
      int64_t rank = int64_t(dims.size()) + 1;
      // Any non-batch axis, half the time counted from the end.
      int64_t axis = rng.intIn(1, rank - 1);
      int64_t axisAttr = rng.coin() ? axis - rank : axis;
      int64_t count = rng.intIn(1, 4);
      std::vector<int32_t> inputs;
      std::string name = "concat axis " + std::to_string(axisAttr) + " of";
      for (int64_t i = 0; i < count; ++i) {
        std::vector<int64_t> s = dims;
        s[size_t(axis - 1)] = rng.intIn(1, 5);
        name += " " + str(s);
        inputs.push_back(b.addInput(
            "x" + std::to_string(c) + "_" + std::to_string(i), batched(s)));
      }
      // The same input twice is legal and exercises aliasing operands.
      if (rng.coin(0.3))
        inputs.push_back(inputs.front());
      b.markOutput(
          b.concat(name + " #" + std::to_string(c), inputs, int32_t(axisAttr)));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("concat", rng), rng))
        << "model " << model;
  }
}

// Concatenations of real networks' widths along the channels: each input
// is copied into a strided slice of the result, by vector loads and stores
// (16 to 63 channels, a multiple of 8), by one memcpy per pixel (64 and
// more) or, for any other width, element by element.
TEST(Concat, ChannelRuns) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("concat_channels");
    for (int c = 0; c < 4; ++c) {
      int64_t h = rng.intIn(1, 6), w = rng.intIn(1, 6);
      int64_t count = rng.intIn(2, 4);
      std::vector<int32_t> inputs;
      std::string name = "channel concat of";
      for (int64_t i = 0; i < count; ++i) {
        int64_t channels = rng.pick(
            std::vector<int64_t>{3, 16, 24, 32, 40, 48, 64, 96, 130});
        std::vector<int64_t> s = {h, w, channels};
        name += " " + str(s);
        inputs.push_back(b.addInput(
            "x" + std::to_string(c) + "_" + std::to_string(i), batched(s)));
      }
      b.markOutput(b.concat(name + " #" + std::to_string(c), inputs, 3));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("concat", rng), rng))
        << "model " << model;
  }
}

TEST(Pad, RandomSweep) {
  Random rng(testSeed());
  for (int model = 0; model < 2; ++model) {
    ModelBuilder b("pad_sweep");
    for (int c = 0; c < 6; ++c) {
      std::vector<int64_t> in = randomDims(rng, 1, 4, 5);
      std::vector<int64_t> paddings = {0, 0};
      for (size_t d = 0; d < in.size(); ++d) {
        paddings.push_back(rng.intIn(0, 3));
        paddings.push_back(rng.intIn(0, 3));
      }
      float value = rng.coin(0.5) ? 0.0f : rng.uniform(-5.0f, 5.0f);
      int32_t x = b.addInput("x" + std::to_string(c), batched(in));
      b.markOutput(b.pad("pad " + str(in) + " by " + str(paddings) + " value " +
                             std::to_string(value),
                         x, paddings, value));
    }
    EXPECT_TRUE(matchesReference(b, checkFor("pad", rng), rng))
        << "model " << model;
  }
}

} // namespace
