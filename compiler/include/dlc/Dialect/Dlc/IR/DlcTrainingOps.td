//===- DlcTrainingOps.td - gradients, losses, optimizers ---*- tablegen -*-===//
//
// The ops `--dlc-build-train-step` creates: the backward counterpart of each
// forward op, the losses and the optimizer updates. Like the forward ops they
// are whole-tensor ops on static shapes that lower to linalg, so the backward
// pass goes through the same tiling and vectorization as the forward pass.
//
// A gradient op's result has the shape of a forward operand that the op does
// not read (a convolution's input gradient needs the filter and the output
// gradient, not the input), so its result type is spelled out and the
// verifier checks that the forward op would map it to the operands' shapes.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_IR_DLCTRAININGOPS_TD
#define DLC_DIALECT_DLC_IR_DLCTRAININGOPS_TD

//===----------------------------------------------------------------------===//
// Gradients of window ops
//===----------------------------------------------------------------------===//

class Dlc_ConvGradOp<string mnemonic> : Dlc_Op<mnemonic, [Pure]> {
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_Conv2DInputGradOp : Dlc_ConvGradOp<"conv2d_input_grad"> {
  let summary = "Gradient of conv2d with respect to its input";
  let description = [{
    Given the gradient `dy` of a `conv2d` output and its filter, returns
    `dx[n, h, w, c] = sum dy[n, y, x, f] * filter[ky, kx, c, f]` over the
    (y, ky, x, kx) with `h = y*sy + ky*dy - pad_top`, `w = x*sx + kx*dx -
    pad_left`. The attributes are the forward convolution's.

    Example:
    ```mlir
    %dx = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
            dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
          : (tensor<8x11x11x64xf32>, tensor<3x3x32x64xf32>)
            -> tensor<8x13x13x32xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$output_grad, Dlc_F32Tensor:$filter,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding);
}

def Dlc_Conv2DFilterGradOp : Dlc_ConvGradOp<"conv2d_filter_grad"> {
  let summary = "Gradient of conv2d with respect to its filter";
  let description = [{
    `dfilter[ky, kx, c, f] = sum over n, y, x of input[n, y*sy + ky*dy -
    pad_top, x*sx + kx*dx - pad_left, c] * dy[n, y, x, f]`, reading zeros
    outside the input.

    Example:
    ```mlir
    %dw = dlc.conv2d_filter_grad %x, %dy {strides = array<i64: 1, 1>,
            dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
          : (tensor<8x13x13x32xf32>, tensor<8x11x11x64xf32>)
            -> tensor<3x3x32x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$output_grad,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding);
}

def Dlc_DepthwiseConv2DInputGradOp
    : Dlc_ConvGradOp<"depthwise_conv2d_input_grad"> {
  let summary = "Gradient of depthwise_conv2d with respect to its input";
  let description = [{
    Example:
    ```mlir
    %dx = dlc.depthwise_conv2d_input_grad %dy, %w {
            strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
            padding = array<i64: 1, 1, 1, 1>}
          : (tensor<1x8x8x8xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$output_grad, Dlc_F32Tensor:$filter,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding);
}

def Dlc_DepthwiseConv2DFilterGradOp
    : Dlc_ConvGradOp<"depthwise_conv2d_filter_grad"> {
  let summary = "Gradient of depthwise_conv2d with respect to its filter";
  let description = [{
    Example:
    ```mlir
    %dw = dlc.depthwise_conv2d_filter_grad %x, %dy {
            strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
            padding = array<i64: 1, 1, 1, 1>}
          : (tensor<1x8x8x4xf32>, tensor<1x8x8x8xf32>) -> tensor<3x3x4x2xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$output_grad,
                   Dlc_Pair:$strides, Dlc_Pair:$dilations,
                   Dlc_Padding4:$padding);
}

def Dlc_Pool2DGradOp : Dlc_Op<"pool2d_grad",
    [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "Gradient of a 2-D pool, optionally through an activation";
  let description = [{
    Routes the gradient of a pool's output back to its input: a max pool
    gives each window's gradient to the first position (in row-major window
    order) holding the window's maximum, recomputed from `input`, so a tie
    never duplicates it; an average pool spreads it evenly over the
    positions the forward averaged.

    When `activation` is not `none`, `input` is that activation's output
    and the result is the gradient with respect to the activation's input:
    the backward of a conv + activation + pool chain in one op, which never
    stores the gradient between the pool and the activation.

    Example:
    ```mlir
    %dz = dlc.pool2d_grad %r, %dy {kind = #dlc.pool_kind<max>,
            window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
            padding = array<i64: 0, 0, 0, 0>,
            activation = #dlc.activation<relu>}
          : (tensor<8x26x26x32xf32>, tensor<8x13x13x32xf32>)
            -> tensor<8x26x26x32xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$output_grad,
                   Dlc_PoolKindAttr:$kind, Dlc_Pair:$window,
                   Dlc_Pair:$strides, Dlc_Padding4:$padding,
                   DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                   DefaultValuedAttr<Dlc_ActivationAttr,
                     "::dlc::Activation::None">:$activation,
                   DefaultValuedAttr<F32Attr, "0.2f">:$leaky_alpha);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Gradients of elementwise and reduction ops
//===----------------------------------------------------------------------===//

def Dlc_ActivationGradOp : Dlc_Op<"activation_grad",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient through an activation, from its output";
  let description = [{
    `dx = dy * act'(x)`, computed from the activation's output `y` (every
    supported activation's derivative is a function of its output, so the
    forward input need not be kept): relu `y > 0`, relu6 `0 < y < 6`,
    leaky relu `y > 0 ? 1 : alpha`, sigmoid `y (1 - y)`, tanh `1 - y^2`,
    sqrt `0.5 / y`, exp `y`, log `e^-y`. Erf's derivative is not a function
    of its output, so erf is refused.

    Example:
    ```mlir
    %dx = dlc.activation_grad %y, %dy {activation = #dlc.activation<relu>}
          : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$output, Dlc_F32Tensor:$output_grad,
                   Dlc_ActivationAttr:$activation,
                   DefaultValuedAttr<F32Attr, "0.2f">:$leaky_alpha);
  let results = (outs Dlc_F32Tensor:$input_grad);
  let assemblyFormat = "operands attr-dict `:` type($output)";
  let hasVerifier = 1;
}

def Dlc_SoftmaxGradOp : Dlc_Op<"softmax_grad",
    [Pure, SameOperandsAndResultType]> {
  let summary = "Gradient of softmax or log_softmax over the last axis";
  let description = [{
    From the forward output `y`: softmax `dx = y * (dy - sum(dy * y))`,
    log_softmax (`log = true`) `dx = dy - exp(y) * sum(dy)`, sums over the
    last axis.

    Example:
    ```mlir
    %dx = dlc.softmax_grad %y, %dy : tensor<8x10xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$output, Dlc_F32Tensor:$output_grad,
                   DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs Dlc_F32Tensor:$input_grad);
  let assemblyFormat = "operands attr-dict `:` type($output)";
}

def Dlc_ReduceToShapeOp : Dlc_Op<"reduce_to_shape", [Pure]> {
  let summary = "Sums a tensor down to a shape it broadcasts from";
  let description = [{
    The adjoint of NumPy broadcasting: sums over the leading dimensions the
    result lacks and over the dimensions where the result has size 1. The
    gradient of a broadcast operand, and of a bias.

    Example:
    ```mlir
    %db = dlc.reduce_to_shape %dy : tensor<8x26x26x32xf32> -> tensor<32xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dlc_BroadcastToOp : Dlc_Op<"broadcast_to", [Pure]> {
  let summary = "NumPy broadcast of a tensor to a larger shape";
  let description = [{
    Example:
    ```mlir
    %y = dlc.broadcast_to %x : tensor<8x1x1x64xf32> -> tensor<8x7x7x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Dlc_MatmulOp : Dlc_Op<"matmul", [Pure, InferTypeOpAdaptor]> {
  let summary = "Matrix product of rank-2 tensors, optionally transposed";
  let description = [{
    `op(a) x op(b)` where `op` transposes when the flag is set: a dense
    layer's input gradient is `dy x weight^T`, its weight gradient
    `input^T x dy`.

    Example:
    ```mlir
    %dw = dlc.matmul %x, %dy {transpose_a = true}
          : (tensor<8x576xf32>, tensor<8x64xf32>) -> tensor<576x64xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$lhs, Dlc_F32Tensor:$rhs,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_b);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
}

def Dlc_SliceOp : Dlc_Op<"slice", [Pure]> {
  let summary = "A static, unit-stride box of a tensor";
  let description = [{
    The adjoint of pad and of concat (each input's part of the gradient).

    Example:
    ```mlir
    %y = dlc.slice %x {offsets = array<i64: 0, 1, 1, 0>}
         : tensor<1x6x6x2xf32> -> tensor<1x4x4x2xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, DenseI64ArrayAttr:$offsets);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($output)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Dlc_LossOp : Dlc_Op<"loss", [Pure]> {
  let summary = "A training loss, the mean over the batch (a scalar)";
  let description = [{
    `prediction` is the model's output, or the logits before its final
    softmax (categorical losses) or sigmoid (binary cross-entropy) when
    `from_logits` is set, which computes the loss stably
    (docs/TRAINING.md). Labels are one-hot `[N, C]` floats, or class indices
    `[N]` (i32) for the sparse categorical loss.

    Example:
    ```mlir
    %l = dlc.loss %z, %y {kind = #dlc.loss<categorical_crossentropy>,
           from_logits = true}
         : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$prediction,
                   RankedTensorOf<[F32, I32]>:$labels,
                   Dlc_LossKindAttr:$kind,
                   DefaultValuedAttr<BoolAttr, "false">:$from_logits);
  let results = (outs 0DTensorOf<[F32]>:$loss);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_LossGradOp : Dlc_Op<"loss_grad",
    [Pure, AllTypesMatch<["prediction", "gradient"]>]> {
  let summary = "Gradient of a loss with respect to the prediction or logits";
  let description = [{
    Takes the model's output (probabilities); with `from_logits` the result
    is the gradient with respect to the logits of the final softmax or
    sigmoid (`(p * sum(y) - y) / N`, `(p - y) / count`), which needs no
    division by `p`.

    Example:
    ```mlir
    %dz = dlc.loss_grad %p, %y {kind = #dlc.loss<categorical_crossentropy>,
            from_logits = true}
          : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$prediction,
                   RankedTensorOf<[F32, I32]>:$labels,
                   Dlc_LossKindAttr:$kind,
                   DefaultValuedAttr<BoolAttr, "false">:$from_logits);
  let results = (outs Dlc_F32Tensor:$gradient);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates
//===----------------------------------------------------------------------===//

// Each update is elementwise over one parameter, its gradient and its state
// and returns the new parameter and state, which the train step's entry
// writes back in place. `hyper` holds what changes from step to step and is
// computed by the host: [learning rate after the schedule, step size] where
// the step size is Adam's bias-corrected alpha and the learning rate
// otherwise. Weight decay is decoupled: p -= lr * weight_decay * p first.
class Dlc_UpdateOp<string mnemonic> : Dlc_Op<mnemonic, [Pure]> {
  let hasVerifier = 1;
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
}

def Dlc_SgdUpdateOp : Dlc_UpdateOp<"sgd_update"> {
  let summary = "SGD step, with momentum and Nesterov when they are set";
  let description = [{
    `v = momentum v - lr g`, then `p += momentum v - lr g` (Nesterov) or
    `p += v`; without momentum, `p -= lr g` and no state.

    Example:
    ```mlir
    %p1, %v1 = dlc.sgd_update %p, %g, %hyper, %v {momentum = 0.9 : f32}
      : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
        -> (tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$param, Dlc_F32Tensor:$grad,
                   Dlc_F32Tensor:$hyper, Optional<Dlc_F32Tensor>:$velocity,
                   DefaultValuedAttr<F32Attr, "0.0f">:$momentum,
                   DefaultValuedAttr<BoolAttr, "false">:$nesterov,
                   DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs Dlc_F32Tensor:$new_param,
                      Optional<Dlc_F32Tensor>:$new_velocity);
}

def Dlc_AdamUpdateOp : Dlc_UpdateOp<"adam_update"> {
  let summary = "Adam step (Keras form)";
  let description = [{
    `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
    `p -= alpha m / (sqrt(v) + epsilon)` with `alpha = hyper[1]`.

    Example:
    ```mlir
    %p1, %m1, %v1 = dlc.adam_update %p, %g, %hyper, %m, %v
      : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>,
         tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$param, Dlc_F32Tensor:$grad,
                   Dlc_F32Tensor:$hyper, Dlc_F32Tensor:$m, Dlc_F32Tensor:$v,
                   DefaultValuedAttr<F32Attr, "0.9f">:$beta1,
                   DefaultValuedAttr<F32Attr, "0.999f">:$beta2,
                   DefaultValuedAttr<F32Attr, "1.0e-7f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs Dlc_F32Tensor:$new_param, Dlc_F32Tensor:$new_m,
                      Dlc_F32Tensor:$new_v);
}

def Dlc_AdagradUpdateOp : Dlc_UpdateOp<"adagrad_update"> {
  let summary = "AdaGrad step";
  let description = [{
    `a += g^2`, `p -= lr g / sqrt(a + epsilon)`.

    Example:
    ```mlir
    %p1, %a1 = dlc.adagrad_update %p, %g, %hyper, %a
      : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
        -> (tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$param, Dlc_F32Tensor:$grad,
                   Dlc_F32Tensor:$hyper, Dlc_F32Tensor:$accumulator,
                   DefaultValuedAttr<F32Attr, "1.0e-7f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs Dlc_F32Tensor:$new_param,
                      Dlc_F32Tensor:$new_accumulator);
}

def Dlc_RmspropUpdateOp : Dlc_UpdateOp<"rmsprop_update"> {
  let summary = "RMSprop step";
  let description = [{
    `s = rho s + (1 - rho) g^2`, `p -= lr g / (sqrt(s) + epsilon)`.

    Example:
    ```mlir
    %p1, %s1 = dlc.rmsprop_update %p, %g, %hyper, %s {rho = 0.9 : f32}
      : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
        -> (tensor<64xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$param, Dlc_F32Tensor:$grad,
                   Dlc_F32Tensor:$hyper, Dlc_F32Tensor:$mean_square,
                   DefaultValuedAttr<F32Attr, "0.9f">:$rho,
                   DefaultValuedAttr<F32Attr, "1.0e-7f">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.0f">:$weight_decay);
  let results = (outs Dlc_F32Tensor:$new_param,
                      Dlc_F32Tensor:$new_mean_square);
}

#endif // DLC_DIALECT_DLC_IR_DLCTRAININGOPS_TD
