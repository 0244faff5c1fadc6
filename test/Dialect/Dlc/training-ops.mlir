// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// Round trip of every training op (gradients, losses, optimizer updates)
// through the printer and the parser.

// CHECK-LABEL: func @conv2d_input_grad
func.func @conv2d_input_grad(%dy: tensor<8x11x11x64xf32>,
    %w: tensor<3x3x32x64xf32>) -> tensor<8x13x13x32xf32> {
  // CHECK: dlc.conv2d_input_grad %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<8x11x11x64xf32>, tensor<3x3x32x64xf32>) -> tensor<8x13x13x32xf32>
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<8x11x11x64xf32>, tensor<3x3x32x64xf32>)
         -> tensor<8x13x13x32xf32>
  return %0 : tensor<8x13x13x32xf32>
}

// CHECK-LABEL: func @conv2d_filter_grad
func.func @conv2d_filter_grad(%x: tensor<2x9x9x3xf32>,
    %dy: tensor<2x3x5x8xf32>) -> tensor<3x2x3x8xf32> {
  // CHECK: dlc.conv2d_filter_grad %{{.*}}, %{{.*}} {dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>, strides = array<i64: 2, 2>} : (tensor<2x9x9x3xf32>, tensor<2x3x5x8xf32>) -> tensor<3x2x3x8xf32>
  %0 = dlc.conv2d_filter_grad %x, %dy {strides = array<i64: 2, 2>,
         dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 0, 1>}
       : (tensor<2x9x9x3xf32>, tensor<2x3x5x8xf32>) -> tensor<3x2x3x8xf32>
  return %0 : tensor<3x2x3x8xf32>
}

// CHECK-LABEL: func @depthwise_grads
func.func @depthwise_grads(%x: tensor<1x8x8x4xf32>, %dy: tensor<1x8x8x8xf32>,
    %w: tensor<3x3x4x2xf32>) -> (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) {
  // CHECK: dlc.depthwise_conv2d_input_grad %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x8xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32>
  %0 = dlc.depthwise_conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x8xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32>
  // CHECK: dlc.depthwise_conv2d_filter_grad %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<1x8x8x8xf32>) -> tensor<3x3x4x2xf32>
  %1 = dlc.depthwise_conv2d_filter_grad %x, %dy {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x4xf32>, tensor<1x8x8x8xf32>) -> tensor<3x3x4x2xf32>
  return %0, %1 : tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>
}

// CHECK-LABEL: func @pool2d_grad
func.func @pool2d_grad(%r: tensor<8x26x26x32xf32>, %dy: tensor<8x13x13x32xf32>,
    %x: tensor<1x5x5x2xf32>, %dz: tensor<1x3x3x2xf32>)
    -> (tensor<8x26x26x32xf32>, tensor<1x5x5x2xf32>) {
  // CHECK: dlc.pool2d_grad %{{.*}}, %{{.*}} {activation = #dlc.activation<relu>, kind = #dlc.pool_kind<max>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : (tensor<8x26x26x32xf32>, tensor<8x13x13x32xf32>) -> tensor<8x26x26x32xf32>
  %0 = dlc.pool2d_grad %r, %dy {kind = #dlc.pool_kind<max>,
         window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 0, 0, 0, 0>, activation = #dlc.activation<relu>}
       : (tensor<8x26x26x32xf32>, tensor<8x13x13x32xf32>)
         -> tensor<8x26x26x32xf32>
  // CHECK: dlc.pool2d_grad %{{.*}}, %{{.*}} {activation = #dlc.activation<leaky_relu>, count_include_pad = true, kind = #dlc.pool_kind<avg>, leaky_alpha = 1.000000e-01 : f32, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, window = array<i64: 3, 3>} : (tensor<1x5x5x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x5x5x2xf32>
  %1 = dlc.pool2d_grad %x, %dz {kind = #dlc.pool_kind<avg>,
         window = array<i64: 3, 3>, strides = array<i64: 2, 2>,
         padding = array<i64: 1, 1, 1, 1>, count_include_pad = true,
         activation = #dlc.activation<leaky_relu>, leaky_alpha = 0.1 : f32}
       : (tensor<1x5x5x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x5x5x2xf32>
  return %0, %1 : tensor<8x26x26x32xf32>, tensor<1x5x5x2xf32>
}

// CHECK-LABEL: func @activation_and_softmax_grad
func.func @activation_and_softmax_grad(%y: tensor<8x10xf32>,
    %dy: tensor<8x10xf32>) -> (tensor<8x10xf32>, tensor<8x10xf32>) {
  // CHECK: dlc.activation_grad %{{.*}}, %{{.*}} {activation = #dlc.activation<tanh>} : tensor<8x10xf32>
  %0 = dlc.activation_grad %y, %dy {activation = #dlc.activation<tanh>}
       : tensor<8x10xf32>
  // CHECK: dlc.softmax_grad %{{.*}}, %{{.*}} {log = true} : tensor<8x10xf32>
  %1 = dlc.softmax_grad %y, %dy {log = true} : tensor<8x10xf32>
  return %0, %1 : tensor<8x10xf32>, tensor<8x10xf32>
}

// CHECK-LABEL: func @shapes
func.func @shapes(%dy: tensor<8x26x26x32xf32>, %b: tensor<8x1x1x64xf32>,
    %x: tensor<1x6x6x2xf32>)
    -> (tensor<32xf32>, tensor<8x7x7x64xf32>, tensor<1x4x4x2xf32>) {
  // CHECK: dlc.reduce_to_shape %{{.*}} : tensor<8x26x26x32xf32> -> tensor<32xf32>
  %0 = dlc.reduce_to_shape %dy : tensor<8x26x26x32xf32> -> tensor<32xf32>
  // CHECK: dlc.broadcast_to %{{.*}} : tensor<8x1x1x64xf32> -> tensor<8x7x7x64xf32>
  %1 = dlc.broadcast_to %b : tensor<8x1x1x64xf32> -> tensor<8x7x7x64xf32>
  // CHECK: dlc.slice %{{.*}} {offsets = array<i64: 0, 1, 1, 0>} : tensor<1x6x6x2xf32> -> tensor<1x4x4x2xf32>
  %2 = dlc.slice %x {offsets = array<i64: 0, 1, 1, 0>}
       : tensor<1x6x6x2xf32> -> tensor<1x4x4x2xf32>
  return %0, %1, %2 : tensor<32xf32>, tensor<8x7x7x64xf32>, tensor<1x4x4x2xf32>
}

// CHECK-LABEL: func @matmul
func.func @matmul(%x: tensor<8x576xf32>, %dy: tensor<8x64xf32>,
    %w: tensor<576x64xf32>) -> (tensor<576x64xf32>, tensor<8x576xf32>) {
  // CHECK: dlc.matmul %{{.*}}, %{{.*}} {transpose_a = true} : (tensor<8x576xf32>, tensor<8x64xf32>) -> tensor<576x64xf32>
  %0 = dlc.matmul %x, %dy {transpose_a = true}
       : (tensor<8x576xf32>, tensor<8x64xf32>) -> tensor<576x64xf32>
  // CHECK: dlc.matmul %{{.*}}, %{{.*}} {transpose_b = true} : (tensor<8x64xf32>, tensor<576x64xf32>) -> tensor<8x576xf32>
  %1 = dlc.matmul %dy, %w {transpose_b = true}
       : (tensor<8x64xf32>, tensor<576x64xf32>) -> tensor<8x576xf32>
  return %0, %1 : tensor<576x64xf32>, tensor<8x576xf32>
}

// CHECK-LABEL: func @losses
func.func @losses(%z: tensor<8x10xf32>, %y: tensor<8x10xf32>,
    %c: tensor<8xi32>) -> (tensor<f32>, tensor<f32>, tensor<8x10xf32>) {
  // CHECK: dlc.loss %{{.*}}, %{{.*}} {from_logits = true, kind = #dlc.loss<categorical_crossentropy>} : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<f32>
  %0 = dlc.loss %z, %y {kind = #dlc.loss<categorical_crossentropy>,
         from_logits = true}
       : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<f32>
  // CHECK: dlc.loss %{{.*}}, %{{.*}} {kind = #dlc.loss<sparse_categorical_crossentropy>} : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  %1 = dlc.loss %z, %c {kind = #dlc.loss<sparse_categorical_crossentropy>}
       : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  // CHECK: dlc.loss_grad %{{.*}}, %{{.*}} {kind = #dlc.loss<binary_crossentropy>} : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
  %2 = dlc.loss_grad %z, %y {kind = #dlc.loss<binary_crossentropy>}
       : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
  return %0, %1, %2 : tensor<f32>, tensor<f32>, tensor<8x10xf32>
}

// CHECK-LABEL: func @updates
func.func @updates(%p: tensor<64xf32>, %g: tensor<64xf32>,
    %h: tensor<2xf32>, %s: tensor<64xf32>, %t: tensor<64xf32>) {
  // CHECK: dlc.sgd_update %{{.*}}, %{{.*}}, %{{.*}} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>) -> tensor<64xf32>
  %0 = dlc.sgd_update %p, %g, %h
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>) -> tensor<64xf32>
  // CHECK: dlc.sgd_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {momentum = 0.899999976 : f32, nesterov = true, weight_decay = 0.00999999977 : f32} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  %1:2 = dlc.sgd_update %p, %g, %h, %s {momentum = 0.9 : f32,
           nesterov = true, weight_decay = 0.01 : f32}
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
         -> (tensor<64xf32>, tensor<64xf32>)
  // CHECK: dlc.adam_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {beta1 = 8.000000e-01 : f32} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  %2:3 = dlc.adam_update %p, %g, %h, %s, %t {beta1 = 0.8 : f32}
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>,
          tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  // CHECK: dlc.adagrad_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  %3:2 = dlc.adagrad_update %p, %g, %h, %s
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
         -> (tensor<64xf32>, tensor<64xf32>)
  // CHECK: dlc.rmsprop_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 1.000000e-03 : f32, rho = 5.000000e-01 : f32} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  %4:2 = dlc.rmsprop_update %p, %g, %h, %s {rho = 0.5 : f32,
           epsilon = 1.0e-3 : f32}
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
         -> (tensor<64xf32>, tensor<64xf32>)
  return
}

// CHECK-LABEL: func @batch_norm_training
func.func @batch_norm_training(%x: tensor<8x6x6x4xf32>, %g: tensor<4xf32>,
    %b: tensor<4xf32>, %dy: tensor<8x6x6x4xf32>, %x2: tensor<5x4xf32>) {
  // CHECK: %{{.*}}, %[[M:.*]], %[[V:.*]] = dlc.batch_norm_train %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 0.00999999977 : f32} : (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %y, %m, %v = dlc.batch_norm_train %x, %g, %b {epsilon = 1.0e-2 : f32}
      : (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
        -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: dlc.batch_norm_grad %{{.*}}, %{{.*}}, %{{.*}}, %[[M]], %[[V]] {epsilon = 0.00999999977 : f32} : (tensor<8x6x6x4xf32>, tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %dx, %dg, %db = dlc.batch_norm_grad %dy, %x, %g, %m, %v
      {epsilon = 1.0e-2 : f32}
      : (tensor<8x6x6x4xf32>, tensor<8x6x6x4xf32>, tensor<4xf32>,
         tensor<4xf32>, tensor<4xf32>)
        -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  // Rank 2 (after a dense layer); the default epsilon is not printed.
  // CHECK: dlc.batch_norm_train %{{.*}}, %{{.*}}, %{{.*}} : (tensor<5x4xf32>
  %y2:3 = dlc.batch_norm_train %x2, %g, %b
      : (tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>)
        -> (tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// CHECK-LABEL: func @dropout_training
func.func @dropout_training(%x: tensor<8x16xf32>, %h: tensor<3xf32>)
    -> tensor<8x16xf32> {
  // CHECK: dlc.dropout_train %{{.*}}, %{{.*}} {rate = 5.000000e-01 : f32, seed = 7 : i64} : (tensor<8x16xf32>, tensor<3xf32>) -> tensor<8x16xf32>
  %y = dlc.dropout_train %x, %h {rate = 0.5 : f32, seed = 7 : i64}
      : (tensor<8x16xf32>, tensor<3xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
