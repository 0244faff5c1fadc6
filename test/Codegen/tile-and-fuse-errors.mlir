// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse))' --verify-diagnostics

func.func @no_tiles(%act: tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  // expected-error @below {{fusion root has no #dlc.tiling; run --dlc-select-tiling first}}
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}

// -----

func.func @reduction_mismatch(%act: tensor<1x6x6x8xf32>, %w: tensor<3x3x8xf32>) -> tensor<1x4x4x8xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  // A depthwise conv has two reduction loops (filter rows and columns).
  // expected-error @below {{has 2 reduction loops but #dlc.tiling gives 3 reduction sizes}}
  %c = linalg.depthwise_conv_2d_nhwc_hwc {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 4, 8], reduction = [1, 0, 0]>, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%act, %w : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%f : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %c : tensor<1x4x4x8xf32>
}
