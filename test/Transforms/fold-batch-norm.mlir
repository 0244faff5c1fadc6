// RUN: dlc-opt %s --dlc-fold-batch-norm --split-input-file | FileCheck %s

// a = scale / sqrt(var + eps) = [1, 0.5]; b = offset - mean * a = [0, -1].
// CHECK-LABEL: func @conv
// CHECK-DAG: %[[W:.*]] = dlc.constant dense<2.000000e+00> : tensor<1x1x1x2xf32>
// CHECK-DAG: %[[B:.*]] = dlc.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[C:.*]] = dlc.conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT: dlc.batch_norm
// CHECK: return %[[C]]
func.func @conv(%x: tensor<1x4x4x1xf32>) -> tensor<1x4x4x2xf32> {
  %w = dlc.constant dense<[[[[2.0, 4.0]]]]> : tensor<1x1x1x2xf32>
  %g = dlc.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.batch_norm %0, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<1x4x4x2xf32>
  return %1 : tensor<1x4x4x2xf32>
}

// -----

// Depthwise filter [1, 1, C=2, M=2]: filter[.., c, m] feeds output channel
// c * 2 + m, so with a = [1, 1, 2, 2] the flat filter [1, 2, 3, 4] becomes
// [1, 2, 6, 8]; the bias [1, 1, 1, 1] becomes bias * a + b = [2, 2, 3, 3].
// CHECK-LABEL: func @depthwise
// CHECK-DAG: %[[W:.*]] = dlc.constant dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00], [6.000000e+00, 8.000000e+00]]]]> : tensor<1x1x2x2xf32>
// CHECK-DAG: %[[B:.*]] = dlc.constant dense<[2.000000e+00, 2.000000e+00, 3.000000e+00, 3.000000e+00]> : tensor<4xf32>
// CHECK: dlc.depthwise_conv2d %arg0, %[[W]], %[[B]]
// CHECK-NOT: dlc.batch_norm
func.func @depthwise(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x4xf32> {
  %w = dlc.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %b = dlc.constant dense<1.0> : tensor<4xf32>
  %g = dlc.constant dense<[2.0, 2.0, 4.0, 4.0]> : tensor<4xf32>
  %o = dlc.constant dense<1.0> : tensor<4xf32>
  %m = dlc.constant dense<0.0> : tensor<4xf32>
  %v = dlc.constant dense<4.0> : tensor<4xf32>
  %0 = dlc.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x2xf32>, tensor<1x1x2x2xf32>, tensor<4xf32>)
         -> tensor<1x4x4x4xf32>
  %1 = dlc.batch_norm %0, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
          tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %1 : tensor<1x4x4x4xf32>
}

// -----

// Dense weights [K, M] end with the output channel as well.
// CHECK-LABEL: func @dense
// CHECK-DAG: %[[W:.*]] = dlc.constant dense<{{\[\[}}1.000000e+00, 1.000000e+00], [3.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = dlc.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: dlc.dense %arg0, %[[W]], %[[B]]
// CHECK-NOT: dlc.batch_norm
func.func @dense(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = dlc.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %g = dlc.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.dense %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = dlc.batch_norm %0, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<3x2xf32>
  return %1 : tensor<3x2xf32>
}

// -----

// Without a conv before it, the batch norm becomes x * a + b.
// CHECK-LABEL: func @affine
// CHECK-DAG: %[[A:.*]] = dlc.constant dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG: %[[B:.*]] = dlc.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK: %[[M:.*]] = dlc.mul %arg0, %[[A]]
// CHECK: %[[S:.*]] = dlc.add %[[M]], %[[B]]
// CHECK: return %[[S]]
func.func @affine(%x: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %g = dlc.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.batch_norm %x, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// -----

// A scale of one needs no multiplication.
// CHECK-LABEL: func @shift_only
// CHECK-NOT: dlc.mul
// CHECK: %[[S:.*]] = dlc.add %arg0
// CHECK: return %[[S]]
func.func @shift_only(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = dlc.constant dense<2.0> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[0.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.batch_norm %x, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// A conv with an activation or non-constant weights keeps its weights; the
// batch norm still becomes mul + add.
// CHECK-LABEL: func @not_foldable_into_conv
// CHECK: dlc.conv2d %arg0, %arg1 {activation = #dlc.activation<relu>
// CHECK: dlc.mul
// CHECK: dlc.add
// CHECK: dlc.conv2d %arg0, %arg1 {
// CHECK: dlc.mul
// CHECK: dlc.add
// CHECK-NOT: dlc.batch_norm
func.func @not_foldable_into_conv(%x: tensor<1x4x4x1xf32>,
    %w: tensor<1x1x1x2xf32>) -> (tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>) {
  %g = dlc.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.batch_norm %0, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %2 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %3 = dlc.batch_norm %2, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<1x4x4x2xf32>
  return %1, %3 : tensor<1x4x4x2xf32>, tensor<1x4x4x2xf32>
}

// -----

// Negative: statistics that are not constants.
// CHECK-LABEL: func @dynamic_statistics
// CHECK: dlc.batch_norm
func.func @dynamic_statistics(%x: tensor<3x2xf32>, %s: tensor<2xf32>)
    -> tensor<3x2xf32> {
  %0 = dlc.batch_norm %x, %s, %s, %s, %s
       : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
