//===- DlcTrainingNormOps.td - training-mode forward ops ---*- tablegen -*-===//
//
// Forward ops that behave differently in training. Batch normalization
// normalizes with the statistics of the batch rather than the moving ones,
// so its forward produces those statistics (the moving ones are updated
// from them, and the backward reads them) and its backward differentiates
// through them too. Dropout draws a mask. `--dlc-build-train-step`
// replaces each `dlc.batch_norm` and `dlc.dropout` by these.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_IR_DLCTRAININGNORMOPS_TD
#define DLC_DIALECT_DLC_IR_DLCTRAININGNORMOPS_TD

def Dlc_BatchNormTrainOp : Dlc_Op<"batch_norm_train", [Pure]> {
  let summary = "Batch normalization with the batch's own statistics";
  let description = [{
    Per channel (the last axis) over every other axis (N, H, W for NHWC):
    `mean = sum(x) / M`, the biased `variance = sum((x - mean)^2) / M` and
    `y = (x - mean) / sqrt(variance + epsilon) * scale + offset`. Returns
    `y`, `mean` and `variance` ([C]).

    Example:
    ```mlir
    %y, %mean, %var = dlc.batch_norm_train %x, %g, %b {epsilon = 1.0e-3 : f32}
        : (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
          -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$scale,
                   Dlc_F32Tensor:$offset,
                   DefaultValuedAttr<F32Attr, "1.0e-3f">:$epsilon);
  let results = (outs Dlc_F32Tensor:$output, Dlc_F32Tensor:$mean,
                      Dlc_F32Tensor:$variance);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_BatchNormGradOp : Dlc_Op<"batch_norm_grad", [Pure]> {
  let summary = "Gradient of dlc.batch_norm_train";
  let description = [{
    With `inv = 1 / sqrt(variance + epsilon)`, `xhat = (x - mean) * inv` and
    `M` the elements per channel, the batch statistics depending on `x`
    give `dx = scale * inv / M * (M dy - sum(dy) - xhat * sum(dy * xhat))`,
    `dscale = sum(dy * xhat)` and `doffset = sum(dy)` (sums per channel).
    `mean` and `variance` are the forward's batch statistics.

    Example:
    ```mlir
    %dx, %dg, %db = dlc.batch_norm_grad %dy, %x, %g, %mean, %var
        {epsilon = 1.0e-3 : f32}
        : (tensor<8x6x6x4xf32>, tensor<8x6x6x4xf32>, tensor<4xf32>,
           tensor<4xf32>, tensor<4xf32>)
          -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$output_grad, Dlc_F32Tensor:$input,
                   Dlc_F32Tensor:$scale, Dlc_F32Tensor:$mean,
                   Dlc_F32Tensor:$variance,
                   DefaultValuedAttr<F32Attr, "1.0e-3f">:$epsilon);
  let results = (outs Dlc_F32Tensor:$input_grad, Dlc_F32Tensor:$scale_grad,
                      Dlc_F32Tensor:$offset_grad);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Dlc_DropoutTrainOp : Dlc_Op<"dropout_train",
    [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "Dropout with a counter-based mask of (seed, step, index)";
  let description = [{
    `y = x * keep / (1 - rate)`, where `keep` is a pure function of the
    op's `seed`, the step number `t = hyper[2]` (an integer stored as f32)
    and the element's row-major index `i` in `input`, so that the backward
    (the same op applied to the output gradient) redraws the same mask and
    no mask is stored. With `fmix` MurmurHash3's 32-bit finalizer and
    wrapping u32 arithmetic:
    `s = lo32(seed) ^ hi32(seed)`, `k = fmix(s + t * 0x9E3779B9)`,
    `h = fmix(k + i * 0x85EBCA6B)`; kept iff
    `(h >> 8) >= floor(rate * 2^24)`.

    Example:
    ```mlir
    %y = dlc.dropout_train %x, %hyper {rate = 0.5 : f32, seed = 7 : i64}
        : (tensor<8x16xf32>, tensor<3xf32>) -> tensor<8x16xf32>
    ```
  }];
  let arguments = (ins Dlc_F32Tensor:$input, Dlc_F32Tensor:$hyper,
                   F32Attr:$rate, DefaultValuedAttr<I64Attr, "0">:$seed);
  let results = (outs Dlc_F32Tensor:$output);
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // DLC_DIALECT_DLC_IR_DLCTRAININGNORMOPS_TD
