// Models with several outputs, where bufferization must keep the outputs
// apart: outputs of the same shape whose ops start from the same kind of
// init (CSE merges the inits into one tensor).
#include "E2ETestUtil.h"

using namespace dlc;
using namespace dlc::e2e;

namespace {

/// Several outputs of the same shape computed by ops with the same kind of
/// init (a -inf or 0 fill, which CSE merges into one shared tensor): each
/// output must still get its own values (this once gave both max pools the
/// same result, with fusion on and off).
TEST(SharedInit, SameShapedOutputs) {
  Random rng(testSeed());
  ModelBuilder b("shared_init");
  fb::Pool2DOptionsT p;
  p.filter_h = p.filter_w = 2;
  for (int i = 0; i < 2; ++i) {
    int32_t x = b.addInput("p" + std::to_string(i), {-1, 6, 8, 5});
    b.markOutput(b.maxPool2d("max_pool #" + std::to_string(i), x, p));
    b.markOutput(b.avgPool2d("avg_pool #" + std::to_string(i), x, p));
  }
  fb::Conv2DOptionsT o;
  for (int i = 0; i < 2; ++i) {
    int32_t x = b.addInput("c" + std::to_string(i), {-1, 5, 5, 3});
    int32_t k = addRandomWeight(b, rng, "k" + std::to_string(i), {3, 3, 3, 4});
    b.markOutput(b.conv2d("conv #" + std::to_string(i), x, k, -1, o));
    int32_t d = b.addInput("d" + std::to_string(i), {-1, 7});
    int32_t w = addRandomWeight(b, rng, "w" + std::to_string(i), {7, 4});
    b.markOutput(b.dense("dense #" + std::to_string(i), d, w, -1));
  }
  for (bool fuse : {true, false}) {
    CheckOptions check;
    check.family = "shared_init";
    check.compile.batchSize = 2;
    check.compile.fuse = fuse;
    check.runBatches = {2, 3};
    EXPECT_TRUE(matchesReference(b, check, rng)) << "fuse " << fuse;
  }
}

} // namespace
