// RUN: dlc-opt %s --split-input-file --verify-diagnostics
// One case per verifier error of the training ops (DlcTrainingOps.cpp).

func.func @conv2d_input_grad_shape(%dy: tensor<1x5x5x4xf32>,
    %w: tensor<3x3x2x4xf32>) {
  // expected-error @below {{the forward convolution of 'tensor<1x8x8x2xf32>' by 'tensor<3x3x2x4xf32>' gives 'tensor<1x6x6x4xf32>', not the output gradient's 'tensor<1x5x5x4xf32>'}}
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x5x5x4xf32>, tensor<3x3x2x4xf32>) -> tensor<1x8x8x2xf32>
  return
}

// -----

// The forward shape checks of conv2d apply to the gradients too.
func.func @conv2d_input_grad_channels(%dy: tensor<1x6x6x4xf32>,
    %w: tensor<3x3x2x4xf32>) {
  // expected-error @below {{input has 3 channels but the filter expects 2}}
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x6x6x4xf32>, tensor<3x3x2x4xf32>) -> tensor<1x8x8x3xf32>
  return
}

// -----

func.func @conv2d_filter_grad_shape(%x: tensor<1x8x8x2xf32>,
    %dy: tensor<1x6x6x4xf32>) {
  // expected-error @below {{the forward convolution of 'tensor<1x8x8x2xf32>' by 'tensor<3x3x2x4xf32>' gives 'tensor<1x3x3x4xf32>', not the output gradient's 'tensor<1x6x6x4xf32>'}}
  %0 = dlc.conv2d_filter_grad %x, %dy {strides = array<i64: 2, 2>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x8x8x2xf32>, tensor<1x6x6x4xf32>) -> tensor<3x3x2x4xf32>
  return
}

// -----

func.func @depthwise_input_grad_shape(%dy: tensor<1x8x8x4xf32>,
    %w: tensor<3x3x4x2xf32>) {
  // expected-error @below {{the forward convolution of 'tensor<1x8x8x4xf32>' by 'tensor<3x3x4x2xf32>' gives 'tensor<1x8x8x8xf32>', not the output gradient's 'tensor<1x8x8x4xf32>'}}
  %0 = dlc.depthwise_conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32>
  return
}

// -----

func.func @depthwise_filter_grad_shape(%x: tensor<1x8x8x4xf32>,
    %dy: tensor<1x6x6x8xf32>) {
  // expected-error @below {{the forward convolution of 'tensor<1x8x8x4xf32>' by 'tensor<3x3x4x2xf32>' gives 'tensor<1x8x8x8xf32>', not the output gradient's 'tensor<1x6x6x8xf32>'}}
  %0 = dlc.depthwise_conv2d_filter_grad %x, %dy {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x4xf32>, tensor<1x6x6x8xf32>) -> tensor<3x3x4x2xf32>
  return
}

// -----

func.func @pool2d_grad_kind(%x: tensor<1x4x4x2xf32>, %dy: tensor<1x2x2x2xf32>) {
  // expected-error @below {{needs a max or avg pool kind}}
  %0 = dlc.pool2d_grad %x, %dy {kind = #dlc.pool_kind<none>,
         window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x4x4x2xf32>
  return
}

// -----

func.func @pool2d_grad_rank(%x: tensor<4x4x2xf32>, %dy: tensor<2x2x2xf32>) {
  // expected-error @below {{expects a rank-4 NHWC input}}
  %0 = dlc.pool2d_grad %x, %dy {kind = #dlc.pool_kind<max>,
         window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 0, 0, 0, 0>}
       : (tensor<4x4x2xf32>, tensor<2x2x2xf32>) -> tensor<4x4x2xf32>
  return
}

// -----

func.func @pool2d_grad_padding(%x: tensor<1x4x4x2xf32>,
    %dy: tensor<1x3x3x2xf32>) {
  // expected-error @below {{expects windows and strides >= 1 and 0 <= padding < window}}
  %0 = dlc.pool2d_grad %x, %dy {kind = #dlc.pool_kind<max>,
         window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 2, 0, 0, 0>}
       : (tensor<1x4x4x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x4x4x2xf32>
  return
}

// -----

func.func @pool2d_grad_shape(%x: tensor<1x5x5x2xf32>,
    %dy: tensor<1x3x3x2xf32>) {
  // expected-error @below {{the forward pool of 'tensor<1x5x5x2xf32>' gives 'tensor<1x2x2x2xf32>', not the output gradient's 'tensor<1x3x3x2xf32>'}}
  %0 = dlc.pool2d_grad %x, %dy {kind = #dlc.pool_kind<avg>,
         window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x5x5x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x5x5x2xf32>
  return
}

// -----

func.func @reduce_to_shape(%x: tensor<8x4x5xf32>) {
  // expected-error @below {{result shape 'tensor<4x3xf32>' does not broadcast to the input's 'tensor<8x4x5xf32>'}}
  %0 = dlc.reduce_to_shape %x : tensor<8x4x5xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @broadcast_to(%x: tensor<2x3xf32>) {
  // expected-error @below {{input 'tensor<2x3xf32>' does not broadcast to 'tensor<3x3xf32>'}}
  %0 = dlc.broadcast_to %x : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @below {{expects rank-2 operands}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.matmul %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<3x4xf32>, %b: tensor<3x5xf32>) {
  // expected-error @below {{contraction sizes differ: 4 vs 3}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.matmul %a, %b : (tensor<3x4xf32>, tensor<3x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @slice_rank(%x: tensor<4x4xf32>) {
  // expected-error @below {{expects one offset per dimension and equal ranks}}
  %0 = dlc.slice %x {offsets = array<i64: 0>} : tensor<4x4xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @slice_bounds(%x: tensor<4x4xf32>) {
  // expected-error @below {{slice of dimension 1 (offset 3, size 2) is outside the input's 4}}
  %0 = dlc.slice %x {offsets = array<i64: 0, 3>} : tensor<4x4xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @loss_scalar_prediction(%p: tensor<f32>, %y: tensor<f32>) {
  // expected-error @below {{expects a prediction with a batch dimension}}
  %0 = dlc.loss %p, %y {kind = #dlc.loss<mean_squared_error>}
       : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return
}

// -----

func.func @loss_sparse_labels(%p: tensor<8x10xf32>, %y: tensor<8xf32>) {
  // expected-error @below {{sparse categorical cross-entropy expects a [N, C] prediction and [N] i32 class indices}}
  %0 = dlc.loss %p, %y {kind = #dlc.loss<sparse_categorical_crossentropy>}
       : (tensor<8x10xf32>, tensor<8xf32>) -> tensor<f32>
  return
}

// -----

func.func @loss_labels(%p: tensor<8x10xf32>, %y: tensor<8x9xf32>) {
  // expected-error @below {{expects f32 labels of the prediction's shape 'tensor<8x10xf32>', got 'tensor<8x9xf32>'}}
  %0 = dlc.loss %p, %y {kind = #dlc.loss<binary_crossentropy>}
       : (tensor<8x10xf32>, tensor<8x9xf32>) -> tensor<f32>
  return
}

// -----

func.func @loss_categorical_rank(%p: tensor<8x10x2xf32>,
    %y: tensor<8x10x2xf32>) {
  // expected-error @below {{categorical cross-entropy expects [N, C]}}
  %0 = dlc.loss %p, %y {kind = #dlc.loss<categorical_crossentropy>}
       : (tensor<8x10x2xf32>, tensor<8x10x2xf32>) -> tensor<f32>
  return
}

// -----

func.func @loss_mse_logits(%p: tensor<8x10xf32>, %y: tensor<8x10xf32>) {
  // expected-error @below {{mean squared error has no logits form}}
  %0 = dlc.loss %p, %y {kind = #dlc.loss<mean_squared_error>,
         from_logits = true}
       : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<f32>
  return
}

// -----

// loss_grad shares the checks of loss.
func.func @loss_grad_labels(%p: tensor<8x10xf32>, %y: tensor<8xi32>) {
  // expected-error @below {{expects f32 labels of the prediction's shape 'tensor<8x10xf32>', got 'tensor<8xi32>'}}
  %0 = dlc.loss_grad %p, %y {kind = #dlc.loss<categorical_crossentropy>}
       : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<8x10xf32>
  return
}

// -----

func.func @loss_grad_mse_logits(%p: tensor<8x10xf32>, %y: tensor<8x10xf32>) {
  // expected-error @below {{mean squared error has no logits form}}
  %0 = dlc.loss_grad %p, %y {kind = #dlc.loss<mean_squared_error>,
         from_logits = true}
       : (tensor<8x10xf32>, tensor<8x10xf32>) -> tensor<8x10xf32>
  return
}

// -----

func.func @update_grad_type(%p: tensor<64xf32>, %g: tensor<32xf32>,
    %h: tensor<2xf32>) {
  // expected-error @below {{gradient type 'tensor<32xf32>' differs from the parameter's 'tensor<64xf32>'}}
  %0 = dlc.sgd_update %p, %g, %h
       : (tensor<64xf32>, tensor<32xf32>, tensor<2xf32>) -> tensor<64xf32>
  return
}

// -----

func.func @update_state_type(%p: tensor<64xf32>, %g: tensor<64xf32>,
    %h: tensor<2xf32>, %a: tensor<8x8xf32>) {
  // expected-error @below {{state type 'tensor<8x8xf32>' differs from the parameter's 'tensor<64xf32>'}}
  %0:2 = dlc.adagrad_update %p, %g, %h, %a
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<8x8xf32>)
         -> (tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @update_result_type(%p: tensor<64xf32>, %g: tensor<64xf32>,
    %h: tensor<2xf32>, %s: tensor<64xf32>) {
  // expected-error @below {{results must have the parameter's type}}
  %0:2 = dlc.rmsprop_update %p, %g, %h, %s
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
         -> (tensor<64xf32>, tensor<32xf32>)
  return
}

// -----

func.func @update_hyper(%p: tensor<64xf32>, %g: tensor<64xf32>,
    %h: tensor<1xf32>, %m: tensor<64xf32>, %v: tensor<64xf32>) {
  // expected-error @below {{expects hyper-parameters of type tensor<Nxf32> with N >= 2}}
  %0:3 = dlc.adam_update %p, %g, %h, %m, %v
       : (tensor<64xf32>, tensor<64xf32>, tensor<1xf32>, tensor<64xf32>,
          tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>, tensor<64xf32>)
  return
}

// -----

func.func @sgd_momentum_without_velocity(%p: tensor<64xf32>,
    %g: tensor<64xf32>, %h: tensor<2xf32>) {
  // expected-error @below {{has a velocity exactly when momentum is non-zero}}
  %0 = dlc.sgd_update %p, %g, %h {momentum = 0.9 : f32}
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>) -> tensor<64xf32>
  return
}

// -----

func.func @sgd_velocity_result(%p: tensor<64xf32>, %g: tensor<64xf32>,
    %h: tensor<2xf32>, %v: tensor<64xf32>) {
  // expected-error @below {{returns a new velocity exactly when given one}}
  %0 = dlc.sgd_update %p, %g, %h, %v {momentum = 0.9 : f32}
       : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>)
         -> tensor<64xf32>
  return
}

// -----

func.func @batch_norm_train_channels(%x: tensor<8x6x6x4xf32>,
    %g: tensor<3xf32>, %b: tensor<4xf32>) {
  // expected-error @below {{expects per-channel tensors of type 'tensor<4xf32>', got 'tensor<3xf32>'}}
  %y:3 = dlc.batch_norm_train %x, %g, %b
      : (tensor<8x6x6x4xf32>, tensor<3xf32>, tensor<4xf32>)
        -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @batch_norm_train_result(%x: tensor<8x6x6x4xf32>,
    %g: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @below {{result type 'tensor<8x6x4x4xf32>' differs from the input's}}
  %y:3 = dlc.batch_norm_train %x, %g, %b
      : (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
        -> (tensor<8x6x4x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @batch_norm_grad_shapes(%dy: tensor<8x4xf32>, %x: tensor<8x6x6x4xf32>,
    %g: tensor<4xf32>) {
  // expected-error @below {{output gradient and input gradient must have the input's type}}
  %r:3 = dlc.batch_norm_grad %dy, %x, %g, %g, %g
      : (tensor<8x4xf32>, tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<4xf32>) -> (tensor<8x6x6x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @batch_norm_grad_stats(%dy: tensor<8x4xf32>, %x: tensor<8x4xf32>,
    %g: tensor<4xf32>, %m: tensor<4x1xf32>) {
  // expected-error @below {{expects per-channel tensors of type 'tensor<4xf32>', got 'tensor<4x1xf32>'}}
  %r:3 = dlc.batch_norm_grad %dy, %x, %g, %m, %g
      : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>, tensor<4x1xf32>,
         tensor<4xf32>) -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @dropout_train_rate(%x: tensor<4x8xf32>, %h: tensor<3xf32>) {
  // expected-error @below {{expects a rate in (0, 1), got 1}}
  %0 = dlc.dropout_train %x, %h {rate = 1.0 : f32}
       : (tensor<4x8xf32>, tensor<3xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @dropout_train_hyper(%x: tensor<4x8xf32>, %h: tensor<2xf32>) {
  // expected-error @below {{expects the step's hyper-parameters, tensor<3xf32>, got 'tensor<2xf32>'}}
  %0 = dlc.dropout_train %x, %h {rate = 0.5 : f32}
       : (tensor<4x8xf32>, tensor<2xf32>) -> tensor<4x8xf32>
  return
}
