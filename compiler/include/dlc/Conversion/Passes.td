//===- Passes.td - dlc conversion passes -------------------*- tablegen -*-===//
//
// Passes that leave the dlc dialect: each lowers graph-level ops to the
// upstream dialects the code generator works on.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CONVERSION_PASSES_TD
#define DLC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDlcToLinalg : Pass<"dlc-to-linalg"> {
  let summary = "Lower dlc ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Rewrites every `dlc` op into destination-passing ops on tensors:
    convolutions, matmuls and pools become linalg named ops, activations and
    broadcasting arithmetic become `linalg.generic`, and shape manipulation
    becomes `tensor` reshapes, slices and pads. Everything it produces
    bufferizes with one-shot bufferization.

    The lowering needs static shapes (the compiler specializes per batch
    size); an op it cannot convert is an error at that op's location, never
    left behind.

    `dlc.fused_conv2d` lowers to one straight chain
    (bias broadcast or zero fill -> convolution -> activation generic ->
    fill -> pooling) whose last op carries the unit attribute
    `dlc.fusion_root`: the code generator tiles that op and fuses the rest
    of the chain into its tile loops.

    Example:
    ```mlir
    %y = dlc.relu %x : tensor<4xf32>
    ```
    becomes
    ```mlir
    %e = tensor.empty() : tensor<4xf32>
    %y = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %zero = arith.constant 0.0 : f32
      %r = arith.maxnumf %in, %zero : f32
      linalg.yield %r : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // DLC_CONVERSION_PASSES_TD
