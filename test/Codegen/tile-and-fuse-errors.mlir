// RUN: dlc-opt %s --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse))' --verify-diagnostics

func.func @no_tiles(%act: tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  // expected-error @below {{fusion root has no tile sizes; run --dlc-select-tiling first}}
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}
