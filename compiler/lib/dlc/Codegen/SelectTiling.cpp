//===- SelectTiling.cpp - choose tile sizes for fusion roots --------------===//
//
// The heuristic for the conv + activation + pool chain (see the pass
// description in Passes.td). It only writes attributes; TileAndFuse reads
// them. Keeping the decision in the IR makes it visible in every printed
// stage, pinnable by lit tests and overridable from the command line.
//
//===----------------------------------------------------------------------===//

#include "dlc/Codegen/Passes.h"

namespace dlc {
#define GEN_PASS_DEF_DLCSELECTTILING
#include "dlc/Codegen/Passes.h.inc"
} // namespace dlc

using namespace mlir;

namespace {

/// The vector registers of the target (#dlc.target on the module).
struct VectorRegisters {
  /// f32 lanes per register: 16 with AVX-512, 8 with AVX2.
  int64_t lanes;
  /// Registers for accumulators: a few are left for the broadcast input
  /// values and the filter vectors (26 of AVX-512's 32, 12 of AVX2's 16).
  int64_t accumulators;
  /// Registers for accumulators and filter vectors together (two are left
  /// for the broadcast input values).
  int64_t budget;

  static VectorRegisters of(int64_t vectorBits, int64_t registers) {
    return {vectorBits / 32, registers - registers / 8 - 2, registers - 2};
  }
  /// The module's #dlc.target, else AVX-512's.
  static VectorRegisters forOp(Operation *op) {
    auto module = op->getParentOfType<ModuleOp>();
    auto target =
        module ? module->getAttrOfType<dlc::TargetAttr>(dlc::kTargetAttrName)
               : dlc::TargetAttr();
    if (!target)
      return of(512, 32);
    return of(target.getVectorBits(), target.getVectorRegisters());
  }
};
/// Widest filter row that is unrolled rather than looped over.
constexpr int64_t kMaxUnrolledFilterWidth = 8;
/// Most input channels for which a filter row's columns are unrolled.
constexpr int64_t kMaxChannelsForUnrolledColumns = 8;

/// Returns the convolution-output width the pool root reads: the pooled
/// width's windows, not the whole conv output (a floor-mode pool drops the
/// trailing columns).
int64_t convWidthNeeded(linalg::LinalgOp pool, int64_t pooledWidth) {
  // A chain without a pool ends in the conv or its activation: all of it.
  if (!dlc::isPool(pool))
    return pooledWidth;
  auto strides = pool->getAttrOfType<DenseIntElementsAttr>("strides");
  auto window = cast<ShapedType>(pool.getDpsInputOperand(1)->get().getType());
  int64_t strideW = strides ? strides.getValues<int64_t>()[1] : 1;
  return (pooledWidth - 1) * strideW + window.getDimSize(1);
}

/// The contraction of the chain ending in `root` (the root itself, or a
/// few elementwise ops or a pool above it), if there is one. The walk stops
/// at the first contraction: a depthwise root is its own contraction, not
/// the layer before it.
linalg::LinalgOp chainContraction(linalg::LinalgOp root) {
  Operation *op = root;
  for (int depth = 0; op && depth < 4; ++depth) {
    if (dlc::isTiledContraction(op))
      return cast<linalg::LinalgOp>(op);
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || linalgOp.getNumDpsInputs() == 0)
      return {};
    op = linalgOp.getDpsInputOperand(0)->get().getDefiningOp();
  }
  return {};
}

/// The chain's contraction when it is a (non-depthwise) convolution.
std::optional<linalg::Conv2DNhwcHwcfOp> chainConvolution(linalg::LinalgOp root) {
  if (auto conv = dyn_cast_if_present<linalg::Conv2DNhwcHwcfOp>(
          chainContraction(root).getOperation()))
    return conv;
  return std::nullopt;
}

/// The largest divisor of `n` not above `limit` (at least 1): an exact
/// divisor avoids a remainder tile with a different vector shape.
int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Vector multiply-adds one unrolled register-tile step may hold. The
/// register tile's reduction is unrolled whole by vectorization; with the
/// input channels of a real network's deep layers (512 and more) that was
/// over ten thousand multiply-adds per step, on which LLVM's instruction
/// selection and register allocation took seconds per kernel. Above this,
/// the input channels are tiled into a loop. 512 compiled ResNet-50 in 16 s
/// instead of 24 s (2048) and ran as fast (80-88 ms vs 87-90 ms).
constexpr int64_t kMaxUnrolledMultiplyAdds = 512;

/// Output channels of one register tile: two vectors when they divide the
/// channels, else the smallest tile that keeps whole vectors (a multiple of
/// the lanes dividing the channels, up to four vectors), else a divisor of
/// at most two vectors (one of them partial). Never all channels of a wide
/// layer: 1000 classes in one tile would need 63 accumulators.
int64_t outputChannelTile(int64_t channels, const VectorRegisters &r) {
  if (channels <= 2 * r.lanes || channels % (2 * r.lanes) == 0)
    return std::min(channels, 2 * r.lanes);
  for (int64_t vectors = 3; vectors <= 4; ++vectors)
    if (channels % (vectors * r.lanes) == 0)
      return vectors * r.lanes;
  if (channels % r.lanes == 0)
    return r.lanes;
  return largestDivisorAtMost(channels, 2 * r.lanes);
}

/// The input-channel tile of a contraction with `accumulators` vectors in
/// its register tile, each updated `perChannel` times per input channel
/// (the unrolled filter columns); 0 (untiled) when the whole reduction fits
/// kMaxUnrolledMultiplyAdds. A tile is a whole number of vectors when the
/// channels allow it: the input is read a tile of channels at a time, and
/// a vector of, say, 36 or 144 floats is split and shuffled by LLVM's
/// instruction selection at a cost that made MobileNetV2's projection
/// layers take seconds each to compile.
int64_t inputChannelTile(int64_t channels, int64_t accumulators,
                         int64_t perChannel, const VectorRegisters &r) {
  int64_t perStep = std::max<int64_t>(1, accumulators * perChannel);
  // Up to four vectors of channels stay whole: short reductions gain
  // nothing from a loop, and the reference CNN's tuned conv2 and conv3 (32
  // and 64 channels, 1920 and 768 multiply-adds a step) keep their schedule.
  if (channels <= 4 * r.lanes || channels * perStep <= kMaxUnrolledMultiplyAdds)
    return 0;
  int64_t limit = std::max<int64_t>(1, kMaxUnrolledMultiplyAdds / perStep);
  if (channels % r.lanes == 0)
    return r.lanes * largestDivisorAtMost(channels / r.lanes,
                                         std::max<int64_t>(1, limit / r.lanes));
  return largestDivisorAtMost(channels, limit);
}

struct TileChoice {
  SmallVector<int64_t> outer, inner, reduction;
  /// Reduction tiles looped over outside the tasks; empty: none.
  SmallVector<int64_t> outerReduction = {};
  bool unrollReduction = false;
};

/// Filter rows are unrolled when each row's contraction is short: the
/// accumulator tile is then forwarded from row to row in registers (conv1
/// of the reference CNN, one input channel: 0.66 -> 0.37 ms at batch 64);
/// with many input channels the unrolled rows spill and run slower (conv2,
/// 32 channels: 1.8 -> 3.3 ms).
constexpr int64_t kMaxChannelsForUnrolledRows = 8;

/// Fewer tasks than this leave threads idle at the end of a layer: layers
/// with few output rows split their channels among tasks too.
constexpr int64_t kMinTasks = 16;

/// A "filter" this large (bytes) is not re-read from memory by every task.
constexpr int64_t kMaxStreamedFilterBytes = 512 * 1024;

/// Conv chains (rank-4 NHWC roots, with or without a pool). One task per
/// (image, output row): enough parallelism for any batch and a working set
/// that stays in L1/L2. The register tile holds W x F accumulators; the
/// conv's filter rows are a loop of one row each (which lets the 2-D conv
/// decompose into 1-D convs that vectorize).
TileChoice chooseConvTiles(linalg::LinalgOp op, RankedTensorType type,
                           const VectorRegisters &r) {
  int64_t channels = type.getDimSize(3);
  // Two vectors of channels per position when the layer is wide enough.
  int64_t tileF = outputChannelTile(channels, r);
  int64_t vectorsPerPosition = std::max<int64_t>(1, tileF / r.lanes);
  int64_t width = convWidthNeeded(op, type.getDimSize(2));
  int64_t tileW = largestDivisorAtMost(
      width, std::max<int64_t>(1, r.accumulators / vectorsPerPosition));
  // Narrow outputs (a 3x3 filter gradient, the last conv's 5-wide input
  // gradient) leave most registers idle with two vectors per position:
  // four (64 channels) double the accumulators per broadcast input value.
  if (tileW * vectorsPerPosition < r.accumulators / 2 &&
      channels % (4 * r.lanes) == 0) {
    tileF = 4 * r.lanes;
    tileW = largestDivisorAtMost(width, r.accumulators / 4);
  }
  // Vectorizing a filter row unrolls it: fine for a 3- or 5-wide filter,
  // but a filter gradient computed as a convolution has the output
  // gradient as its "filter" (26 wide for the reference CNN's first layer),
  // and unrolling that made LLVM take a minute. Such rows get a loop.
  //
  // With many input channels, one filter row's contraction is long enough
  // that holding the whole row's filter slice spills registers: filter
  // columns one at a time measured 2x faster (13x13x32 -> 64 forward conv
  // 0.50 -> 0.24 ms; its input gradient 1.36 -> 0.47 ms), while with one
  // input channel the unrolled row stays faster (0.055 vs 0.091 ms).
  std::optional<linalg::Conv2DNhwcHwcfOp> conv = chainConvolution(op);
  ShapedType filter;
  if (conv)
    filter = cast<ShapedType>(conv->getDpsInputs()[1].getType());
  int64_t tileKW = 0;
  if (filter && (filter.getDimSize(1) > kMaxUnrolledFilterWidth ||
                 filter.getDimSize(2) > kMaxChannelsForUnrolledColumns))
    tileKW = 1;
  // With the columns unrolled and few input channels, the tile's whole
  // filter slice (KH x KW x Cin positions, a vector per channel vector) is
  // loop-invariant and LLVM keeps it in registers beside the accumulators.
  // conv1 of the reference CNN (3x3x1, 32 channels) held 18 filter vectors
  // and 26 accumulators and spilled 80 times per 234 multiply-adds; with
  // one channel vector (9 + 13) it does not, and ran a few percent faster.
  int64_t filterPositions = 0;
  if (filter && filter.hasStaticShape() && tileKW == 0)
    filterPositions =
        filter.getDimSize(0) * filter.getDimSize(1) * filter.getDimSize(2);
  auto registersNeeded = [&] {
    int64_t vectors = std::max<int64_t>(1, tileF / r.lanes);
    return (tileW + filterPositions) * vectors;
  };
  if (filterPositions > 0 && registersNeeded() > r.budget &&
      tileF > r.lanes && tileF % r.lanes == 0 &&
      filterPositions < r.budget) {
    tileF = r.lanes;
    tileW = largestDivisorAtMost(
        width, std::min(r.accumulators, r.budget - filterPositions));
  }
  // Still under half the registers (a 3x3 output, 64 channels: 12): take
  // two or more images into the register tile. Each filter vector loaded
  // then feeds twice the accumulators, which matters most for a filter
  // gradient, whose "filter" is the whole output gradient streamed from L2
  // (conv2's: 2 MiB per task at batch 64); its share of a train step fell
  // from 22% to 16% with two images per tile.
  int64_t tileN = 1;
  int64_t perImage = tileW * std::max<int64_t>(1, tileF / r.lanes);
  int64_t filterVectors =
      filterPositions * std::max<int64_t>(1, tileF / r.lanes);
  int64_t accumulatorRoom =
      std::min(r.accumulators, r.budget - filterVectors);
  if (2 * perImage <= accumulatorRoom)
    tileN = largestDivisorAtMost(type.getDimSize(0),
                                 accumulatorRoom / perImage);
  // A filter gradient computed as a convolution has the whole output
  // gradient as its "filter" (2 MiB for conv2 at batch 64, 5.5 MiB for
  // conv1), and every task (image pair and output row) streamed all of it
  // from memory. Looping over its rows outside the tasks keeps one row
  // (under 256 KiB) in L2 while every task accumulates that row's share
  // into its own output tile. Only a root that is the conv itself carries
  // its reduction loops out: with an activation after the conv, the
  // activation would read partial sums.
  SmallVector<int64_t> outerReduction;
  if (filter && filter.hasStaticShape() && filter.getDimSize(0) > 1 &&
      filter.getNumElements() * 4 > kMaxStreamedFilterBytes &&
      op.getOperation() == conv->getOperation())
    outerReduction = {1, 0, 0};
  // Long reductions (many input channels) loop over channel blocks.
  int64_t tileC = 0;
  if (filter && filter.hasStaticShape()) {
    int64_t accumulators =
        tileN * tileW * llvm::divideCeil(tileF, r.lanes);
    int64_t columns = tileKW == 1 ? 1 : filter.getDimSize(1);
    tileC = inputChannelTile(filter.getDimSize(2), accumulators, columns, r);
  }
  bool unrollRows =
      filter && filter.getDimSize(2) <= kMaxChannelsForUnrolledRows;
  // A pool is vectorized over the channels of its task, all of them unless
  // the task is tiled: GoogLeNet's 480- to 832-channel max pools and a
  // global average pool over 1280 or 2048 channels became vectors that
  // wide, thousands of instructions per kernel after legalization. Tasks
  // of a register tile's channels keep them a few vectors wide (and give
  // the threads more tasks).
  int64_t taskChannels = 0;
  if (dlc::isPool(op) && channels > 4 * r.lanes)
    taskChannels = tileF;
  // A layer with few output rows (ResNet's last stage: 7) has few tasks,
  // and the threads idle at the end of it (7 tasks on 2 threads run as
  // 4 + 3). Blocks of output channels multiply the tasks; each re-reads the
  // layer's few input rows and reads only its share of the filter.
  int64_t tasks = type.getDimSize(0) / tileN * type.getDimSize(1);
  if (taskChannels == 0 && tasks < kMinTasks && channels % tileF == 0) {
    int64_t blocks = channels / tileF;
    int64_t wanted = llvm::divideCeil(kMinTasks, tasks);
    int64_t perTask =
        largestDivisorAtMost(blocks, std::max<int64_t>(1, blocks / wanted));
    if (perTask < blocks)
      taskChannels = perTask * tileF;
  }
  return {{tileN, 1, 0, taskChannels},
          {tileN, 1, tileW, tileF},
          {1, tileKW, tileC},
          outerReduction,
          unrollRows};
}

/// Dense chains (rank-2 [N, M] roots). Tasks of up to 8 rows; a register
/// tile of those rows x 32 columns (16 accumulators); the K loop is tiled so
/// each step's contraction stays small after unrolling.
TileChoice chooseMatmulTiles(linalg::LinalgOp op, RankedTensorType type,
                             const VectorRegisters &r) {
  int64_t rows = largestDivisorAtMost(type.getDimSize(0), 8);
  int64_t cols = type.getDimSize(1);
  int64_t tileM = outputChannelTile(cols, r);
  int64_t k = 1;
  for (Value v : op->getOperands())
    if (auto producer = v.getDefiningOp<linalg::MatmulOp>())
      k = cast<ShapedType>(producer.getDpsInputs()[0].getType()).getDimSize(1);
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation()))
    k = cast<ShapedType>(matmul.getDpsInputs()[0].getType()).getDimSize(1);
  return {{rows, 0}, {rows, tileM}, {largestDivisorAtMost(k, 32)}};
}

struct SelectTilingPass
    : public dlc::impl::DlcSelectTilingBase<SelectTilingPass> {
  using DlcSelectTilingBase::DlcSelectTilingBase;

  void runOnOperation() override {
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op->hasAttr(dlc::kFusionRootAttr))
        return;
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!type || !type.hasStaticShape() ||
          (type.getRank() != 4 && type.getRank() != 2)) {
        op->emitOpError("fusion root needs a static rank-2 or rank-4 result");
        return signalPassFailure();
      }
      VectorRegisters registers = VectorRegisters::forOp(op);
      TileChoice choice = type.getRank() == 4
                              ? chooseConvTiles(op, type, registers)
                              : chooseMatmulTiles(op, type, registers);
      // One reduction size per reduction loop of the chain's contraction
      // (a depthwise conv has no input-channel loop); none without one.
      linalg::LinalgOp contraction = chainContraction(op);
      choice.reduction.resize(
          contraction ? contraction.getNumReductionLoops() : 0, 0);
      // A schedule already in the IR wins over the heuristic; the options
      // win over both, for the roots whose rank they fit.
      auto existing = op->getAttrOfType<dlc::TilingAttr>(dlc::kTilingAttr);
      if (existing) {
        choice.outer.assign(existing.getOuter().begin(),
                            existing.getOuter().end());
        choice.inner.assign(existing.getInner().begin(),
                            existing.getInner().end());
        choice.reduction.assign(existing.getReduction().begin(),
                                existing.getReduction().end());
        choice.outerReduction.assign(existing.getOuterReduction().begin(),
                                     existing.getOuterReduction().end());
        choice.unrollReduction = existing.getUnrollReduction();
      }
      auto fits = [&](ArrayRef<int64_t> sizes) {
        return sizes.size() == static_cast<size_t>(type.getRank());
      };
      if (fits(outerTiles))
        choice.outer.assign(outerTiles.begin(), outerTiles.end());
      if (fits(innerTiles))
        choice.inner.assign(innerTiles.begin(), innerTiles.end());
      // Inner tiles given alone: the heuristic's channel blocks per task were
      // sized for its own register tile; a task must hold whole ones.
      if (fits(innerTiles) && !fits(outerTiles))
        for (size_t d = 1; d < choice.outer.size(); ++d) {
          int64_t o = choice.outer[d], i = choice.inner[d];
          if (o != 0 && (i == 0 || i > o || o % i != 0))
            choice.outer[d] = 0;
        }
      // Through the generated (non-template) getChecked: the attribute's
      // storage is defined in the dialect's library only.
      auto emitError = [&] { return op->emitOpError(); };
      auto tiling = dlc::TilingAttr::getChecked(
          llvm::function_ref<InFlightDiagnostic()>(emitError), &getContext(), ArrayRef<int64_t>(choice.outer),
          ArrayRef<int64_t>(choice.inner), ArrayRef<int64_t>(choice.reduction),
          ArrayRef<int64_t>(choice.outerReduction), choice.unrollReduction);
      if (!tiling || failed(tiling.verifyForOp(op)))
        return signalPassFailure();
      op->setAttr(dlc::kTilingAttr, tiling);
    });
  }
};

} // namespace
