// RUN: dlc-opt %s --dlc-fuse-conv-act-pool --split-input-file | FileCheck %s

// CHECK-LABEL: func @conv_relu_max_pool
// CHECK: %[[F:.*]] = dlc.fused_conv2d %arg0, %arg1, %arg2 {activation = #dlc.activation<relu>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, pool = #dlc.pool_kind<max>, pool_strides = array<i64: 2, 2>, pool_window = array<i64: 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<1x13x13x32xf32>
// CHECK-NOT: dlc.conv2d
// CHECK-NOT: dlc.max_pool2d
// CHECK: return %[[F]]
func.func @conv_relu_max_pool(%x: tensor<1x28x28x1xf32>,
    %w: tensor<3x3x1x32xf32>, %b: tensor<32xf32>) -> tensor<1x13x13x32xf32> {
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
         -> tensor<1x26x26x32xf32>
  %1 = dlc.max_pool2d %0 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x26x26x32xf32> -> tensor<1x13x13x32xf32>
  return %1 : tensor<1x13x13x32xf32>
}

// -----

// Average pool; count_include_pad does not matter without padding. The
// conv's own padding, dilation, leaky slope and dynamic batch carry over.
// CHECK-LABEL: func @conv_leaky_avg_pool
// CHECK: dlc.fused_conv2d %arg0, %arg1 {activation = #dlc.activation<leaky_relu>, dilations = array<i64: 2, 2>, leaky_alpha = 1.000000e-01 : f32, padding = array<i64: 2, 2, 2, 2>, pool = #dlc.pool_kind<avg>, pool_window = array<i64: 3, 3>, strides = array<i64: 1, 1>} : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32>
// CHECK-NOT: dlc.avg_pool2d
func.func @conv_leaky_avg_pool(%x: tensor<?x8x8x2xf32>,
    %w: tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>,
         activation = #dlc.activation<leaky_relu>, leaky_alpha = 0.1 : f32}
       : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x8x8x4xf32>
  %1 = dlc.avg_pool2d %0 {window = array<i64: 3, 3>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         count_include_pad = true}
       : tensor<?x8x8x4xf32> -> tensor<?x6x6x4xf32>
  return %1 : tensor<?x6x6x4xf32>
}

// -----

// A fused_conv2d that does not pool yet takes the pool as well.
// CHECK-LABEL: func @fused_without_pool
// CHECK: dlc.fused_conv2d %arg0, %arg1 {activation = #dlc.activation<tanh>, {{.*}}pool = #dlc.pool_kind<max>
// CHECK-NOT: dlc.max_pool2d
func.func @fused_without_pool(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<tanh>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.max_pool2d %0 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: a padded pool.
// CHECK-LABEL: func @padded_pool
// CHECK: dlc.conv2d
// CHECK: dlc.max_pool2d
func.func @padded_pool(%x: tensor<1x4x4x1xf32>, %w: tensor<1x1x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.max_pool2d %0 {window = array<i64: 3, 3>,
         strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 0>}
       : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: a dilated pool (fused_conv2d has no pool dilations).
// CHECK-LABEL: func @dilated_pool
// CHECK: dlc.conv2d
// CHECK: dlc.avg_pool2d {{.*}}dilations = array<i64: 2, 1>
func.func @dilated_pool(%x: tensor<1x5x4x1xf32>, %w: tensor<1x1x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x5x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x5x4x2xf32>
  %1 = dlc.avg_pool2d %0 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 2, 1>}
       : tensor<1x5x4x2xf32> -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: the conv's output is used elsewhere too.
// CHECK-LABEL: func @other_use
// CHECK: dlc.conv2d
// CHECK: dlc.max_pool2d
func.func @other_use(%x: tensor<1x4x4x1xf32>, %w: tensor<1x1x1x2xf32>)
    -> (tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>) {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.max_pool2d %0 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  return %0, %1 : tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Negative: a conv without a pool stays a conv; a depthwise conv and a
// pool after a relu op do not fuse.
// CHECK-LABEL: func @no_pool
// CHECK: dlc.conv2d
// CHECK: dlc.relu
// CHECK: dlc.max_pool2d
// CHECK: dlc.depthwise_conv2d
// CHECK: dlc.max_pool2d
// CHECK-NOT: dlc.fused_conv2d
func.func @no_pool(%x: tensor<1x4x4x1xf32>, %w: tensor<1x1x1x2xf32>)
    -> (tensor<1x2x2x2xf32>, tensor<1x2x2x1xf32>) {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.relu %0 : tensor<1x4x4x2xf32>
  %2 = dlc.max_pool2d %1 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  %dw = dlc.constant dense<1.0> : tensor<1x1x1x1xf32>
  %3 = dlc.depthwise_conv2d %x, %dw {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32>
  %4 = dlc.max_pool2d %3 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x4x4x1xf32> -> tensor<1x2x2x1xf32>
  return %2, %4 : tensor<1x2x2x2xf32>, tensor<1x2x2x1xf32>
}
