// RUN: dlc-opt %s --split-input-file --dlc-build-train-step --verify-diagnostics | FileCheck %s
// RUN: dlc-opt %s --split-input-file --dlc-build-train-step="optimizer=sgd momentum=0.9 loss=sparse_categorical_crossentropy" --verify-diagnostics | FileCheck %s --check-prefix=SGD

// A dense + relu + dense + softmax classifier. The loss is computed from
// the softmax's logits; its gradient skips the softmax; each parameter gets
// an Adam update whose results overwrite the parameter and its two slots.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %arg0: tensor<4x3xf32> {dlc.name = "x"}
// CHECK-SAME: %arg1: tensor<4x2xf32> {dlc.name = "labels"}
// CHECK-SAME: %arg2: tensor<3xf32> {dlc.name = "hyper", dlc.unbatched}
// CHECK-SAME: %arg3: tensor<3x5xf32> {dlc.name = "w1", dlc.parameter}
// CHECK-SAME: %arg6: tensor<3x5xf32> {dlc.name = "w1/m", dlc.optimizer_state}
// CHECK-SAME: %arg7: tensor<3x5xf32> {dlc.name = "w1/v", dlc.optimizer_state}
// CHECK-SAME: -> (tensor<f32> {dlc.name = "loss"}, tensor<4x2xf32> {dlc.name = "output"}, tensor<3x5xf32> {dlc.in_place = 3 : i64}, tensor<3x5xf32> {dlc.in_place = 6 : i64}, tensor<3x5xf32> {dlc.in_place = 7 : i64}
// CHECK: %[[H:.*]] = dlc.dense %arg0, %arg3, %arg4 {activation = #dlc.activation<relu>}
// CHECK: %[[Z:.*]] = dlc.dense %[[H]], %arg5
// CHECK: %[[P:.*]] = dlc.softmax %[[Z]]
// CHECK: %[[DZ:.*]] = dlc.loss_grad %[[P]], %arg1 {from_logits = true, kind = #dlc.loss<categorical_crossentropy>}
// CHECK: %[[L:.*]] = dlc.loss %[[Z]], %arg1 {from_logits = true
// CHECK-NOT: dlc.softmax_grad
// CHECK: %[[DW2:.*]] = dlc.matmul %[[H]], %[[DZ]] {transpose_a = true}
// CHECK: %[[DH:.*]] = dlc.matmul %[[DZ]], %arg5 {transpose_b = true}
// CHECK: %[[DA:.*]] = dlc.activation_grad %[[H]], %[[DH]] {activation = #dlc.activation<relu>}
// CHECK: %[[DW1:.*]] = dlc.matmul %arg0, %[[DA]] {transpose_a = true}
// CHECK: %[[DB1:.*]] = dlc.reduce_to_shape %[[DA]] : tensor<4x5xf32> -> tensor<5xf32>
// CHECK: %[[NW1:.*]], %[[M1:.*]], %[[V1:.*]] = dlc.adam_update %arg3, %[[DW1]], %arg2, %arg6, %arg7
// CHECK: return %[[L]], %[[P]], %[[NW1]], %[[M1]], %[[V1]]

// SGD-LABEL: func.func @train_step
// SGD-SAME: %arg1: tensor<4xi32> {dlc.name = "labels"}
// SGD-SAME: {dlc.name = "w1/velocity", dlc.optimizer_state}
// SGD: dlc.loss_grad {{.*}}kind = #dlc.loss<sparse_categorical_crossentropy>
// SGD: dlc.sgd_update %arg3, %{{.*}}, %arg2, %{{.*}} {momentum = 0.899999976 : f32}
func.func @infer(%x: tensor<4x3xf32> {dlc.name = "x"},
                 %w1: tensor<3x5xf32> {dlc.name = "w1", dlc.parameter},
                 %b1: tensor<5xf32> {dlc.name = "b1", dlc.parameter},
                 %w2: tensor<5x2xf32> {dlc.name = "w2", dlc.parameter})
    -> tensor<4x2xf32> {
  %h = dlc.dense %x, %w1, %b1 {activation = #dlc.activation<relu>}
       : (tensor<4x3xf32>, tensor<3x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
  %z = dlc.dense %h, %w2 : (tensor<4x5xf32>, tensor<5x2xf32>) -> tensor<4x2xf32>
  %p = dlc.softmax %z : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}

// -----

// conv + relu + max pool: one pool2d_grad routes the gradient through the
// pool and the relu; the input image gets no gradient.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[R:.*]] = dlc.conv2d %arg0, %arg3 {activation = #dlc.activation<relu>
// CHECK: %[[M:.*]] = dlc.max_pool2d %[[R]]
// CHECK: %[[DZ:.*]] = dlc.pool2d_grad %[[R]], %{{.*}} {activation = #dlc.activation<relu>, kind = #dlc.pool_kind<max>
// CHECK: dlc.conv2d_filter_grad %arg0, %[[DZ]]
// CHECK-NOT: dlc.conv2d_input_grad
// CHECK: dlc.adam_update %arg3
func.func @infer(%x: tensor<2x6x6x1xf32>,
                 %w: tensor<3x3x1x4xf32> {dlc.name = "k", dlc.parameter})
    -> tensor<2x4xf32> {
  %r = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<2x6x6x1xf32>, tensor<3x3x1x4xf32>) -> tensor<2x4x4x4xf32>
  %m = dlc.max_pool2d %r {window = array<i64: 2, 2>, strides = array<i64: 2, 2>,
         padding = array<i64: 0, 0, 0, 0>} : tensor<2x4x4x4xf32> -> tensor<2x2x2x4xf32>
  %g = dlc.global_avg_pool %m : tensor<2x2x2x4xf32> -> tensor<2x4xf32>
  %p = dlc.softmax %g : tensor<2x4xf32>
  return %p : tensor<2x4xf32>
}

// -----

// Batch norm trains with the batch's statistics (batch_norm_train), and its
// backward differentiates through them (batch_norm_grad). The moving
// statistics are parameters marked not trainable: no gradient, no optimizer
// slot, no update; the forward's momentum-weighted averages overwrite them
// in place, after the optimizer updates.
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %arg6: tensor<2xf32> {dlc.name = "bn/mean", dlc.not_trainable, dlc.parameter}
// CHECK-SAME: %arg7: tensor<2xf32> {dlc.name = "bn/var", dlc.not_trainable, dlc.parameter}
// CHECK-NOT: bn/mean/
// CHECK-NOT: bn/var/
// CHECK-SAME: tensor<2xf32> {dlc.in_place = 6 : i64}, tensor<2xf32> {dlc.in_place = 7 : i64})
// CHECK: %[[Z:.*]] = dlc.dense %arg0, %arg3
// CHECK: %[[Y:.*]], %[[MEAN:.*]], %[[VAR:.*]] = dlc.batch_norm_train %[[Z]], %arg4, %arg5 {epsilon = 0.00999999977 : f32}
// CHECK: %[[K:.*]] = dlc.constant dense<0.899999976>
// CHECK: %[[OLDM:.*]] = dlc.mul %arg6, %[[K]]
// CHECK: %[[K1:.*]] = dlc.constant dense<0.100000024>
// CHECK: %[[NEWM:.*]] = dlc.mul %[[MEAN]], %[[K1]]
// CHECK: %[[MM:.*]] = dlc.add %[[OLDM]], %[[NEWM]]
// CHECK: %[[MV:.*]] = dlc.add
// CHECK: dlc.softmax %[[Y]]
// CHECK: %[[DX:.*]], %[[DG:.*]], %[[DB:.*]] = dlc.batch_norm_grad %{{.*}}, %[[Z]], %arg4, %[[MEAN]], %[[VAR]] {epsilon = 0.00999999977 : f32}
// CHECK: dlc.matmul %arg0, %[[DX]] {transpose_a = true}
// CHECK: dlc.adam_update %arg4, %[[DG]]
// CHECK: dlc.adam_update %arg5, %[[DB]]
// CHECK-NOT: dlc.adam_update
// CHECK: return {{.*}}, %[[MM]], %[[MV]] :
func.func @infer(%x: tensor<4x3xf32> {dlc.name = "x"},
                 %w: tensor<3x2xf32> {dlc.name = "w", dlc.parameter},
                 %g: tensor<2xf32> {dlc.name = "bn/gamma", dlc.parameter},
                 %b: tensor<2xf32> {dlc.name = "bn/beta", dlc.parameter},
                 %m: tensor<2xf32> {dlc.name = "bn/mean", dlc.parameter,
                                    dlc.not_trainable},
                 %v: tensor<2xf32> {dlc.name = "bn/var", dlc.parameter,
                                    dlc.not_trainable})
    -> tensor<4x2xf32> {
  %z = dlc.dense %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %n = dlc.batch_norm %z, %g, %b, %m, %v {epsilon = 1.0e-2 : f32,
                                          momentum = 0.9 : f32}
       : (tensor<4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<4x2xf32>
  %p = dlc.softmax %n : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}

// -----

// Dropout draws its mask from (seed, step number = hyper[2], index); the
// backward is the same op on the gradient, so it redraws the same mask. A
// rate of 0 is the identity.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[Z:.*]] = dlc.dense %arg0, %arg3
// CHECK: %[[D:.*]] = dlc.dropout_train %[[Z]], %arg2 {rate = 5.000000e-01 : f32, seed = 3 : i64}
// CHECK-NOT: dlc.dropout
// CHECK: dlc.softmax %[[D]]
// CHECK: %[[DY:.*]] = dlc.loss_grad
// CHECK: %[[DZ:.*]] = dlc.dropout_train %[[DY]], %arg2 {rate = 5.000000e-01 : f32, seed = 3 : i64}
// CHECK: dlc.matmul %arg0, %[[DZ]] {transpose_a = true}
func.func @infer(%x: tensor<4x3xf32>,
                 %w: tensor<3x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<4x2xf32> {
  %z = dlc.dense %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %d = dlc.dropout %z {rate = 0.5 : f32, seed = 3 : i64} : tensor<4x2xf32>
  %e = dlc.dropout %d {rate = 0.0 : f32} : tensor<4x2xf32>
  %p = dlc.softmax %e : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}

// -----

// expected-error @below {{the model has no trainable parameters}}
func.func @infer(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %p = dlc.softmax %x : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
