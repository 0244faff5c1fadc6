// RUN: dlc-opt %s --split-input-file --dlc-build-train-step --verify-diagnostics | FileCheck %s

// dlc.pool2d_grad has no dilations, so training through a dilated pool is
// refused at the pool rather than miscompiled.
func.func @infer(%x: tensor<2x5x5x1xf32> {dlc.name = "x"},
                 %w: tensor<3x3x1x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<2x2xf32> {
  %c = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<2x5x5x1xf32>, tensor<3x3x1x2xf32>) -> tensor<2x5x5x2xf32>
  // expected-error @below {{cannot train through 'dlc.max_pool2d': gradient of a dilated pool is not supported}}
  %p = dlc.max_pool2d %c {window = array<i64: 2, 2>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 4, 1>}
       : tensor<2x5x5x2xf32> -> tensor<2x1x4x2xf32>
  %r = dlc.global_avg_pool %p : tensor<2x1x4x2xf32> -> tensor<2x2xf32>
  %y = dlc.softmax %r : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Dilation 1 written out explicitly is an ordinary pool and trains.
// CHECK-LABEL: func.func @train_step
// CHECK: dlc.pool2d_grad
func.func @infer(%x: tensor<2x4x4x1xf32> {dlc.name = "x"},
                 %w: tensor<1x1x1x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<2x2xf32> {
  %c = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<2x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<2x4x4x2xf32>
  %p = dlc.avg_pool2d %c {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 1, 1>}
       : tensor<2x4x4x2xf32> -> tensor<2x2x2x2xf32>
  %r = dlc.global_avg_pool %p : tensor<2x2x2x2xf32> -> tensor<2x2xf32>
  %y = dlc.softmax %r : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// A dilated pool on the model's input needs no gradient: it trains.
// CHECK-LABEL: func.func @train_step
// CHECK: dlc.max_pool2d {{.*}}dilations = array<i64: 2, 2>
// CHECK-NOT: dlc.pool2d_grad
// CHECK: dlc.adam_update
func.func @infer(%x: tensor<2x5x5x1xf32> {dlc.name = "x"},
                 %w: tensor<1x1x1x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<2x2xf32> {
  %p = dlc.max_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 2, 2>}
       : tensor<2x5x5x1xf32> -> tensor<2x3x3x1xf32>
  %c = dlc.conv2d %p, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<2x3x3x1xf32>, tensor<1x1x1x2xf32>) -> tensor<2x3x3x2xf32>
  %r = dlc.global_avg_pool %c : tensor<2x3x3x2xf32> -> tensor<2x2xf32>
  %y = dlc.softmax %r : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
