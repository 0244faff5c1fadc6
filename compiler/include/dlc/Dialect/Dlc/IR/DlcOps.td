//===- DlcOps.td - dlc dialect operations ------------------*- tablegen -*-===//
//
// Every op infers its result type from its operands and attributes
// (InferTypeOpAdaptor), so the importer and the graph passes build ops
// without computing shapes themselves, and the verifier catches any
// inconsistency a hand-written or hostile input brings.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_IR_DLCOPS_TD
#define DLC_DIALECT_DLC_IR_DLCOPS_TD

include "dlc/Dialect/Dlc/IR/DlcBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Dlc_ConstantOp : Dlc_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>]> {
  let summary = "A constant tensor (weights, biases, statistics)";
  let description = [{
    Holds the data of a weight tensor of the model.

    Example:
    ```mlir
    %bias = dlc.constant dense<[0.5, -1.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Convolutions and dense layers
//===----------------------------------------------------------------------===//

class Dlc_ConvLikeOp<string mnemonic, list<Trait> traits = []> :
    Dlc_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$filter,
                   Optional<Dlc_F32Tensor>:$bias,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding,
                   DefaultValuedAttr<Dlc_ActivationAttr,
                     "::dlc::Activation::None">:$activation,
                   DefaultValuedAttr<F32Attr, "0.2f">:$leaky_alpha);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_Conv2DOp : Dlc_ConvLikeOp<"conv2d"> {
  let summary = "2-D convolution, NHWC input, HWIO filter, optional bias";
  let description = [{
    `output[n, y, x, f] = act(bias[f] + sum_{ky, kx, c} input[n, y*sy + ky*dy
    - pad_top, x*sx + kx*dx - pad_left, c] * filter[ky, kx, c, f])`, reading
    zeros outside the input. `padding` is (top, bottom, left, right).

    Example:
    ```mlir
    %y = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
           dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
           activation = #dlc.activation<relu>}
         : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
           -> tensor<1x26x26x32xf32>
    ```
  }];
}

def Dlc_DepthwiseConv2DOp : Dlc_ConvLikeOp<"depthwise_conv2d"> {
  let summary = "Depthwise 2-D convolution, filter [KH, KW, C, multiplier]";
  let description = [{
    Each input channel `c` is convolved with its own `multiplier` filters;
    output channel `c * multiplier + m` uses `filter[:, :, c, m]`.

    Example:
    ```mlir
    %y = dlc.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>,
           dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
         : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32>
    ```
  }];
}

def Dlc_FusedConv2DOp : Dlc_Op<"fused_conv2d", [Pure, InferTypeOpAdaptor]> {
  let summary = "Convolution + bias + activation + optional pooling, as one op";
  let description = [{
    The unit the code generator tiles: a `conv2d` whose result goes through
    an activation and then, optionally, a max or average pooling window with
    no padding. Created by `--dlc-fuse-conv-act-pool`; the lowering tiles
    the pool and computes the convolution inside the pool's tile, so the
    convolution's full output is never stored.

    Example:
    ```mlir
    %y = dlc.fused_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
           dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
           activation = #dlc.activation<relu>, pool = #dlc.pool_kind<max>,
           pool_window = array<i64: 2, 2>, pool_strides = array<i64: 2, 2>}
         : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
           -> tensor<1x13x13x32xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$filter,
                   Optional<Dlc_F32Tensor>:$bias,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding,
                   DefaultValuedAttr<Dlc_ActivationAttr,
                     "::dlc::Activation::None">:$activation,
                   DefaultValuedAttr<F32Attr, "0.2f">:$leaky_alpha,
                   DefaultValuedAttr<Dlc_PoolKindAttr,
                     "::dlc::PoolKind::None">:$pool,
                   DefaultValuedAttr<Dlc_Pair, "{1, 1}">:$pool_window,
                   DefaultValuedAttr<Dlc_Pair, "{1, 1}">:$pool_strides);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $filter (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_DenseOp : Dlc_Op<"dense", [Pure, InferTypeOpAdaptor]> {
  let summary = "Fully connected layer: input [N, K] x weight [K, M] + bias";
  let description = [{
    Example:
    ```mlir
    %y = dlc.dense %x, %w, %b {activation = #dlc.activation<relu>}
         : (tensor<1x576xf32>, tensor<576x64xf32>, tensor<64xf32>)
           -> tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$weight,
                   Optional<Dlc_F32Tensor>:$bias,
                   DefaultValuedAttr<Dlc_ActivationAttr,
                     "::dlc::Activation::None">:$activation,
                   DefaultValuedAttr<F32Attr, "0.2f">:$leaky_alpha);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_BatchMatmulOp : Dlc_Op<"batch_matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "Matrix products over batch dims: [..., M, K] x [..., K, N]";
  let description = [{
    `output[b..., m, n] = sum_k lhs[b..., m, k] * rhs[b..., k, n]`. Both
    operands have the same rank >= 3 and equal leading (batch) dims: the op
    does not broadcast them, front ends materialize a broadcast first (so
    the lowering is one `linalg.batch_matmul` over the collapsed batch).

    Example:
    ```mlir
    %y = dlc.batch_matmul %a, %b
         : (tensor<2x3x4x5xf32>, tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$lhs, Dlc_F32Tensor:$rhs);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

class Dlc_Pool2DOp<string mnemonic> :
    Dlc_Op<mnemonic, [Pure, InferTypeOpAdaptor]> {
  // `dilations` comes last so that builders without it keep working.
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_Pair:$window,
                   Dlc_Pair:$strides, Dlc_Padding4:$padding,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                   DefaultValuedAttr<Dlc_Pair, "{1, 1}">:$dilations);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

def Dlc_MaxPool2DOp : Dlc_Pool2DOp<"max_pool2d"> {
  let summary = "2-D max pooling over NHWC; padded positions never win";
  let description = [{
    `output[n, y, x, c] = max_{ky, kx} input[n, y*sy + ky*dy - pad_top,
    x*sx + kx*dx - pad_left, c]` over the taps inside the input, where
    `(sy, sx)` are `strides` and `(dy, dx)` are `dilations` (default 1, 1).
    A window spans `(window - 1) * dilation + 1` input positions; `padding`
    is (top, bottom, left, right) and must be smaller than that span, and
    every window must hold at least one input position.

    Example:
    ```mlir
    %y = dlc.max_pool2d %x {window = array<i64: 2, 2>,
           strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
         : tensor<1x26x26x32xf32> -> tensor<1x13x13x32xf32>
    ```
  }];
}

def Dlc_AvgPool2DOp : Dlc_Pool2DOp<"avg_pool2d"> {
  let summary = "2-D average pooling over NHWC";
  let description = [{
    Averages the window's taps `input[n, y*sy + ky*dy - pad_top,
    x*sx + kx*dx - pad_left, c]` (`dilations` (dy, dx), default 1, 1).
    Divides by the number of taps on input positions, or by the number of
    taps inside the padded input (the full window) when `count_include_pad`
    is set. The window geometry rules are those of `dlc.max_pool2d`.

    Example:
    ```mlir
    %y = dlc.avg_pool2d %x {window = array<i64: 3, 3>,
           strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
         : tensor<1x8x8x4xf32> -> tensor<1x8x8x4xf32>
    %z = dlc.avg_pool2d %x {window = array<i64: 2, 2>,
           strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
           dilations = array<i64: 2, 2>}
         : tensor<1x8x8x4xf32> -> tensor<1x6x6x4xf32>
    ```
  }];
}

def Dlc_GlobalAvgPoolOp : Dlc_Op<"global_avg_pool",
    [Pure, InferTypeOpAdaptor]> {
  let summary = "Mean over H and W: [N, H, W, C] -> [N, C]";
  let description = [{
    Example:
    ```mlir
    %y = dlc.global_avg_pool %x : tensor<1x7x7x64xf32> -> tensor<1x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

class Dlc_UnaryOp<string mnemonic, list<Trait> traits = []> :
    Dlc_Op<mnemonic, !listconcat(traits,
        [Pure, SameOperandsAndResultType])> {
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Dlc_ReluOp : Dlc_UnaryOp<"relu"> {
  let summary = "max(x, 0)";
  let description = "Example: `%y = dlc.relu %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_Relu6Op : Dlc_UnaryOp<"relu6"> {
  let summary = "min(max(x, 0), 6)";
  let description = "Example: `%y = dlc.relu6 %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_LeakyReluOp : Dlc_UnaryOp<"leaky_relu"> {
  let summary = "x if x >= 0 else alpha * x";
  let description = [{
    Example: `%y = dlc.leaky_relu %x {alpha = 0.1 : f32} : tensor<4xf32>`
  }];
  let arguments = (ins Dlc_F32Tensor:$input,
                   DefaultValuedAttr<F32Attr, "0.2f">:$alpha);
}
def Dlc_SigmoidOp : Dlc_UnaryOp<"sigmoid"> {
  let summary = "1 / (1 + exp(-x))";
  let description = "Example: `%y = dlc.sigmoid %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_TanhOp : Dlc_UnaryOp<"tanh"> {
  let summary = "Hyperbolic tangent";
  let description = "Example: `%y = dlc.tanh %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_SqrtOp : Dlc_UnaryOp<"sqrt"> {
  let summary = "Square root (NaN for x < 0)";
  let description = "Example: `%y = dlc.sqrt %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_ErfOp : Dlc_UnaryOp<"erf"> {
  let summary = "Gauss error function";
  let description = "Example: `%y = dlc.erf %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_ExpOp : Dlc_UnaryOp<"exp"> {
  let summary = "e^x";
  let description = "Example: `%y = dlc.exp %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_LogOp : Dlc_UnaryOp<"log"> {
  let summary = "Natural logarithm (-inf at 0, NaN for x < 0)";
  let description = "Example: `%y = dlc.log %x : tensor<4xf32>`";
  let arguments = (ins Dlc_F32Tensor:$input);
}
def Dlc_ClipOp : Dlc_UnaryOp<"clip"> {
  let summary = "min(max(x, min), max)";
  let description = [{
    Example: `%y = dlc.clip %x {min = 0.0 : f32, max = 6.0 : f32} : tensor<4xf32>`
  }];
  let arguments = (ins Dlc_F32Tensor:$input, F32Attr:$min, F32Attr:$max);
  let hasVerifier = 1;
}
def Dlc_DropoutOp : Dlc_UnaryOp<"dropout"> {
  let summary = "Dropout; the identity at inference";
  let description = [{
    At inference the op passes its input through (the lowering forwards
    its operand; it is not folded away, since training needs it). Training draws a mask from `seed` and scales kept values by
    1 / (1 - rate).

    Example: `%y = dlc.dropout %x {rate = 0.5 : f32} : tensor<4xf32>`
  }];
  let arguments = (ins Dlc_F32Tensor:$input, F32Attr:$rate,
                   DefaultValuedAttr<I64Attr, "0">:$seed);
  let hasVerifier = 1;
}

class Dlc_SoftmaxLikeOp<string mnemonic> : Dlc_UnaryOp<mnemonic> {
  let arguments = (ins Dlc_F32Tensor:$input,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let hasVerifier = 1;
}
def Dlc_SoftmaxOp : Dlc_SoftmaxLikeOp<"softmax"> {
  let summary = "exp(x - max) / sum(exp(x - max)) along `axis`";
  let description = "Example: `%y = dlc.softmax %x {axis = -1 : i64} : tensor<1x10xf32>`";
}
def Dlc_LogSoftmaxOp : Dlc_SoftmaxLikeOp<"log_softmax"> {
  let summary = "x - max - log(sum(exp(x - max))) along `axis`";
  let description = "Example: `%y = dlc.log_softmax %x : tensor<1x10xf32>`";
}

class Dlc_BinaryOp<string mnemonic, list<Trait> traits = []> :
    Dlc_Op<mnemonic, !listconcat(traits, [Pure, InferTypeOpAdaptor])> {
  let arguments = (ins Dlc_F32Tensor:$lhs, Dlc_F32Tensor:$rhs);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Dlc_AddOp : Dlc_BinaryOp<"add", [Commutative]> {
  let summary = "Elementwise sum with NumPy broadcasting";
  let description = [{
    Example:
    `%y = dlc.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>`
  }];
}
def Dlc_SubOp : Dlc_BinaryOp<"sub"> {
  let summary = "Elementwise difference with NumPy broadcasting";
  let description = [{
    Example:
    `%y = dlc.sub %a, %b : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>`
  }];
}
def Dlc_MulOp : Dlc_BinaryOp<"mul", [Commutative]> {
  let summary = "Elementwise product with NumPy broadcasting";
  let description = [{
    Example:
    `%y = dlc.mul %a, %b : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf32>`
  }];
}
def Dlc_DivOp : Dlc_BinaryOp<"div"> {
  let summary = "Elementwise quotient with NumPy broadcasting";
  let description = [{
    Example:
    `%y = dlc.div %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>`
  }];
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Dlc_BatchNormOp : Dlc_Op<"batch_norm", [Pure, InferTypeOpAdaptor]> {
  let summary = "Inference batch normalization over the last (channel) axis";
  let description = [{
    `(x - mean) / sqrt(variance + epsilon) * scale + offset`, with the four
    statistics of shape [C]. `--dlc-fold-batch-norm` folds it into a
    preceding convolution when the statistics are constants. `momentum` is
    not used by inference: it is carried from the model so that training
    (`dlc.batch_norm_train`) can update the moving statistics with it.

    Example:
    ```mlir
    %y = dlc.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-3 : f32}
         : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>,
            tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$scale,
                   Dlc_F32Tensor:$offset, Dlc_F32Tensor:$mean,
                   Dlc_F32Tensor:$variance,
                   DefaultValuedAttr<F32Attr, "1.0e-3f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.99f">:$momentum);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Dlc_ReshapeOp : Dlc_Op<"reshape", [Pure]> {
  let summary = "Reinterpret a tensor with another shape of equal size";
  let description = [{
    Row-major order is kept. Flatten is a reshape to [N, H*W*C].

    Example:
    `%y = dlc.reshape %x : tensor<1x3x3x64xf32> -> tensor<1x576xf32>`
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dlc_TransposeOp : Dlc_Op<"transpose", [Pure, InferTypeOpAdaptor]> {
  let summary = "Permute dimensions: output dim i is input dim perm[i]";
  let description = [{
    Example:
    ```mlir
    %y = dlc.transpose %x {perm = array<i64: 0, 3, 1, 2>}
         : tensor<1x8x8x4xf32> -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dlc_ConcatOp : Dlc_Op<"concat", [Pure, InferTypeOpAdaptor]> {
  let summary = "Join tensors along `axis`";
  let description = [{
    Example:
    ```mlir
    %y = dlc.concat %a, %b {axis = 3 : i64}
         : (tensor<1x4x4x2xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x5xf32>
    ```
  }];
  let arguments = (ins Variadic<Dlc_F32Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type($inputs, results)
  }];
  let hasVerifier = 1;
}

def Dlc_PadOp : Dlc_Op<"pad", [Pure, InferTypeOpAdaptor]> {
  let summary = "Pad with a constant: (before, after) per dimension";
  let description = [{
    Example:
    ```mlir
    %y = dlc.pad %x {paddings = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>,
                     value = 0.0 : f32}
         : tensor<1x4x4x2xf32> -> tensor<1x6x6x2xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, DenseI64ArrayAttr:$paddings,
                   DefaultValuedAttr<F32Attr, "0.0f">:$value);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

include "dlc/Dialect/Dlc/IR/DlcTrainingOps.td"
include "dlc/Dialect/Dlc/IR/DlcTrainingNormOps.td"

#endif // DLC_DIALECT_DLC_IR_DLCOPS_TD
