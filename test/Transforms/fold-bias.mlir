// RUN: dlc-opt %s --dlc-fold-bias --split-input-file | FileCheck %s

// CHECK-LABEL: func @conv_add_channel_constant
// CHECK: %[[B:.*]] = dlc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = dlc.conv2d %arg0, %arg1, %[[B]]
// CHECK-NOT: dlc.add
// CHECK: return %[[C]]
func.func @conv_add_channel_constant(%x: tensor<1x4x4x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %c = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = dlc.add %0, %c : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// An existing constant bias is added to; the constant may come first and be
// shaped [1, 1, 1, C].
// CHECK-LABEL: func @conv_bias_add_nhwc_constant
// CHECK: %[[B:.*]] = dlc.constant dense<[1.500000e+00, 1.000000e+00]> : tensor<2xf32>
// CHECK: dlc.depthwise_conv2d %arg0, %arg1, %[[B]]
// CHECK-NOT: dlc.add
func.func @conv_bias_add_nhwc_constant(%x: tensor<1x4x4x2xf32>,
    %w: tensor<3x3x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %b = dlc.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %0 = dlc.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x2xf32>, tensor<3x3x2x1xf32>, tensor<2xf32>)
         -> tensor<1x2x2x2xf32>
  %c = dlc.constant dense<[[[[1.0, 2.0]]]]> : tensor<1x1x1x2xf32>
  %1 = dlc.add %c, %0 : (tensor<1x1x1x2xf32>, tensor<1x2x2x2xf32>)
       -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// A scalar-like constant is splatted over the channels; sub subtracts.
// CHECK-LABEL: func @dense_sub_scalar
// CHECK: %[[B:.*]] = dlc.constant dense<-2.500000e-01> : tensor<3xf32>
// CHECK: dlc.dense %arg0, %arg1, %[[B]]
// CHECK-NOT: dlc.sub
func.func @dense_sub_scalar(%x: tensor<2x8xf32>, %w: tensor<8x3xf32>)
    -> tensor<2x3xf32> {
  %0 = dlc.dense %x, %w : (tensor<2x8xf32>, tensor<8x3xf32>) -> tensor<2x3xf32>
  %c = dlc.constant dense<0.25> : tensor<1xf32>
  %1 = dlc.sub %0, %c : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Negative: the activation comes before the add.
// CHECK-LABEL: func @activation
// CHECK: dlc.conv2d %arg0, %arg1 {activation
// CHECK: dlc.add
func.func @activation(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %c = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %1 = dlc.add %0, %c : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: the constant varies along a spatial axis.
// CHECK-LABEL: func @spatial_constant
// CHECK: dlc.conv2d %arg0, %arg1 {
// CHECK: dlc.add
func.func @spatial_constant(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>)
    -> tensor<1x2x2x2xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %c = dlc.constant dense<1.0> : tensor<2x1xf32>
  %1 = dlc.add %0, %c : (tensor<1x2x2x2xf32>, tensor<2x1xf32>) -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}

// -----

// Negative: a bias that is not a constant, an add of a non-constant, and
// a conv output with another user.
// CHECK-LABEL: func @not_foldable
// CHECK-COUNT-3: dlc.add
func.func @not_foldable(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>,
    %b: tensor<2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>,
                           tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %c = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>)
         -> tensor<1x2x2x2xf32>
  %1 = dlc.add %0, %c : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %2 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %3 = dlc.add %2, %b : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %4 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32>
  %5 = dlc.add %4, %c : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %1, %3, %4, %5 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>,
      tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}
