//===- FoldBias.cpp - --dlc-fold-bias -------------------------------------===//
//
// Importers often express a bias as a separate broadcast add (ONNX MatMul +
// Add, TFLite without a bias input, a batch norm rewritten into mul + add).
// Folding it into the producing conv/dense op's bias lets the lowering use
// the bias as the accumulator's initial value instead of a second pass over
// the output.
//
//===----------------------------------------------------------------------===//

#include "TransformUtils.h"

#include "dlc/Dialect/Dlc/IR/DlcOps.h"
#include "dlc/Dialect/Dlc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

namespace dlc {
#define GEN_PASS_DEF_DLCFOLDBIAS
#include "dlc/Dialect/Dlc/Transforms/Passes.h.inc"
} // namespace dlc

using namespace mlir;
using namespace dlc;

namespace {

/// The per-channel values of the constant `c` added to a tensor of type
/// `resultType`, when `c` varies at most along the last (channel) axis and
/// broadcasting it does not enlarge the tensor: shapes [], [1], [C],
/// [1, .., 1, C], [1, .., 1]. A size-1 channel axis is splatted.
std::optional<SmallVector<float>>
perChannelValues(Value c, RankedTensorType resultType) {
  auto type = dyn_cast<RankedTensorType>(c.getType());
  int64_t rank = resultType.getRank();
  if (!type || rank == 0 || type.getRank() > rank)
    return std::nullopt;
  int64_t channels = resultType.getDimSize(rank - 1);
  if (ShapedType::isDynamic(channels))
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    if (shape[d] != 1)
      return std::nullopt;
  int64_t last = shape.empty() ? 1 : shape.back();
  if (last != channels && last != 1)
    return std::nullopt;
  std::optional<SmallVector<float>> values = getF32Constant(c);
  if (!values)
    return std::nullopt;
  if (last == 1 && channels != 1)
    return SmallVector<float>(channels, (*values)[0]);
  return values;
}

/// Rewrites `add(producer(...), c)` (either operand order) and
/// `sub(producer(...), c)` into `producer(...)` with bias += (or -=) c.
template <typename BinOp>
struct FoldConstantIntoBias : OpRewritePattern<BinOp> {
  using OpRewritePattern<BinOp>::OpRewritePattern;
  static constexpr bool isSub = std::is_same_v<BinOp, SubOp>;

  LogicalResult matchAndRewrite(BinOp op,
                                PatternRewriter &rewriter) const override {
    // Sub only folds with the producer on the left: c - conv would negate
    // the convolution.
    for (unsigned i = 0, e = isSub ? 1 : 2; i < e; ++i) {
      Value x = op->getOperand(i), c = op->getOperand(1 - i);
      Operation *producer = x.getDefiningOp();
      if (!producer || !x.hasOneUse() || x == c)
        continue;
      LogicalResult folded =
          TypeSwitch<Operation *, LogicalResult>(producer)
              .template Case<Conv2DOp, DepthwiseConv2DOp, DenseOp>(
                  [&](auto p) { return fold(p, op, c, rewriter); })
              .Default([](Operation *) { return failure(); });
      if (succeeded(folded))
        return success();
    }
    return rewriter.notifyMatchFailure(op, "no foldable producer");
  }

  template <typename ProducerOp>
  static LogicalResult fold(ProducerOp producer, BinOp op, Value c,
                            PatternRewriter &rewriter) {
    // The activation applies after the bias: act(x) + c != act(x + c).
    if (producer.getActivation() != Activation::None)
      return failure();
    auto resultType = cast<RankedTensorType>(producer.getType());
    if (op.getType() != resultType)
      return failure();
    std::optional<SmallVector<float>> delta = perChannelValues(c, resultType);
    if (!delta)
      return failure();
    SmallVector<float> bias(delta->size(), 0.0f);
    if (Value oldBias = producer.getBias()) {
      std::optional<SmallVector<float>> values = getF32Constant(oldBias);
      if (!values)
        return failure();
      bias = std::move(*values);
    }
    for (auto [b, d] : llvm::zip_equal(bias, *delta))
      b = isSub ? b - d : b + d;

    rewriter.setInsertionPoint(producer);
    Value newBias = createF32Constant(
        rewriter, op.getLoc(), {static_cast<int64_t>(bias.size())}, bias);
    rewriter.modifyOpInPlace(producer, [&] {
      producer.getBiasMutable().assign(newBias);
      producer->setLoc(rewriter.getFusedLoc({producer.getLoc(), op.getLoc()}));
    });
    rewriter.replaceOp(op, producer->getResults());
    return success();
  }
};

struct DlcFoldBiasPass : dlc::impl::DlcFoldBiasBase<DlcFoldBiasPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldConstantIntoBias<AddOp>, FoldConstantIntoBias<SubOp>>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
