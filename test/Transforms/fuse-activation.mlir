// RUN: dlc-opt %s --dlc-fuse-activation --split-input-file | FileCheck %s

// CHECK-LABEL: func @conv_relu
// CHECK: %[[C:.*]] = dlc.conv2d %arg0, %arg1 {activation = #dlc.activation<relu>,
// CHECK-NOT: dlc.relu
// CHECK: return %[[C]]
func.func @conv_relu(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.relu %0 : tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func @depthwise_relu6
// CHECK: dlc.depthwise_conv2d {{.*}}activation = #dlc.activation<relu6>
// CHECK-NOT: dlc.relu6
func.func @depthwise_relu6(%x: tensor<1x4x4x2xf32>, %w: tensor<3x3x2x1xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x2xf32>, tensor<3x3x2x1xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.relu6 %0 : tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// The leaky ReLU's slope moves along with it.
// CHECK-LABEL: func @dense_leaky_relu
// CHECK: dlc.dense %arg0, %arg1, %arg2 {activation = #dlc.activation<leaky_relu>, leaky_alpha = 1.000000e-01 : f32}
// CHECK-NOT: dlc.leaky_relu
func.func @dense_leaky_relu(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>,
                            %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = dlc.dense %x, %w, %b
       : (tensor<2x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = dlc.leaky_relu %0 {alpha = 0.1 : f32} : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// CHECK-LABEL: func @dense_sigmoid
// CHECK: dlc.dense {{.*}}activation = #dlc.activation<sigmoid>
// CHECK-NOT: dlc.sigmoid
func.func @dense_sigmoid(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>)
    -> tensor<2x4xf32> {
  %0 = dlc.dense %x, %w : (tensor<2x8xf32>, tensor<8x4xf32>) -> tensor<2x4xf32>
  %1 = dlc.sigmoid %0 : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// A max pool commutes with a monotonic activation.
// CHECK-LABEL: func @fused_max_pool_tanh
// CHECK: dlc.fused_conv2d {{.*}}activation = #dlc.activation<tanh>{{.*}}pool = #dlc.pool_kind<max>
// CHECK-NOT: dlc.tanh
func.func @fused_max_pool_tanh(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         pool = #dlc.pool_kind<max>, pool_window = array<i64: 2, 2>,
         pool_strides = array<i64: 2, 2>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.tanh %0 : tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: an average does not commute with a nonlinear activation.
// CHECK-LABEL: func @fused_avg_pool_relu
// CHECK: dlc.fused_conv2d
// CHECK-NOT: activation
// CHECK: dlc.relu
func.func @fused_avg_pool_relu(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         pool = #dlc.pool_kind<avg>, pool_window = array<i64: 2, 2>,
         pool_strides = array<i64: 2, 2>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.relu %0 : tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: a decreasing leaky ReLU does not commute with max.
// CHECK-LABEL: func @fused_max_pool_negative_leaky
// CHECK: dlc.leaky_relu
func.func @fused_max_pool_negative_leaky(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         pool = #dlc.pool_kind<max>, pool_window = array<i64: 2, 2>,
         pool_strides = array<i64: 2, 2>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.leaky_relu %0 {alpha = -0.5 : f32} : tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: the conv's output is also returned, so it must stay as is.
// CHECK-LABEL: func @other_use
// CHECK: dlc.conv2d
// CHECK-NOT: activation
// CHECK: dlc.relu
func.func @other_use(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.relu %0 : tensor<1x2x2x2xf32>
  return %0, %1 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// Negative: the conv already has an activation; only the first one fuses.
// CHECK-LABEL: func @already_activated
// CHECK: dlc.conv2d {{.*}}activation = #dlc.activation<relu>
// CHECK: dlc.sigmoid
func.func @already_activated(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %1 = dlc.relu %0 : tensor<1x2x2x2xf32>
  %2 = dlc.sigmoid %1 : tensor<1x2x2x2xf32>
  return %2 : tensor<1x2x2x2xf32>
}

// -----

// Negative: no fusable producer.
// CHECK-LABEL: func @argument
// CHECK: dlc.relu %arg0
func.func @argument(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
