// RUN: dlc-opt %s --dlc-fold-empty-tensors --split-input-file -verify-diagnostics | FileCheck %s

// An op whose result is empty becomes an empty constant. Empty interface
// tensors are passed as tensor<0xT> with their shape in `dlc.shape`; the
// empty argument is no longer read.
// CHECK-LABEL: func @empty_result
// CHECK-SAME: (%arg0: tensor<0xf32> {dlc.shape = array<i64: 0, 3, 4>})
// CHECK-SAME: -> (tensor<0xf32> {dlc.shape = array<i64: 3, 4, 0>})
// CHECK-NEXT: %[[E:.*]] = dlc.constant dense<> : tensor<0xf32>
// CHECK-NEXT: return %[[E]] : tensor<0xf32>
func.func @empty_result(%x: tensor<0x3x4xf32>) -> tensor<3x4x0xf32> {
  %0 = dlc.relu %x : tensor<0x3x4xf32>
  %1 = dlc.reshape %0 : tensor<0x3x4xf32> -> tensor<3x4x0xf32>
  return %1 : tensor<3x4x0xf32>
}

// -----

// A dense layer with K == 0 sums nothing: it becomes the same layer over
// one zero column, so its bias and activation still apply.
// CHECK-LABEL: func @dense_empty_k
// CHECK-SAME: (%arg0: tensor<0xf32> {dlc.shape = array<i64: 2, 0>}, %arg1: tensor<3xf32>)
// CHECK-NOT: tensor<0x3xf32>
// CHECK-DAG: %[[X:.*]] = dlc.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK-DAG: %[[W:.*]] = dlc.constant dense<0.000000e+00> : tensor<1x3xf32>
// CHECK: %[[Y:.*]] = dlc.dense %[[X]], %[[W]], %arg1 {activation = #dlc.activation<relu>}
// CHECK-SAME: (tensor<2x1xf32>, tensor<1x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: return %[[Y]]
func.func @dense_empty_k(%x: tensor<2x0xf32>, %b: tensor<3xf32>)
    -> tensor<2x3xf32> {
  %w = dlc.constant dense<> : tensor<0x3xf32>
  %y = dlc.dense %x, %w, %b {activation = #dlc.activation<relu>}
       : (tensor<2x0xf32>, tensor<0x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A matmul with K == 0 and a sum over an empty dim are zeros.
// CHECK-LABEL: func @matmul_and_sum
// CHECK-NEXT: %[[M:.*]] = dlc.constant dense<0.000000e+00> : tensor<4x3xf32>
// CHECK-NEXT: %[[S:.*]] = dlc.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT: return %[[M]], %[[S]]
func.func @matmul_and_sum(%a: tensor<0x4xf32>, %b: tensor<0x3xf32>)
    -> (tensor<4x3xf32>, tensor<3xf32>) {
  %m = dlc.matmul %a, %b {transpose_a = true}
       : (tensor<0x4xf32>, tensor<0x3xf32>) -> tensor<4x3xf32>
  %s = dlc.reduce_to_shape %b : tensor<0x3xf32> -> tensor<3xf32>
  return %m, %s : tensor<4x3xf32>, tensor<3xf32>
}

// -----

// So is a batch_matmul with K == 0.
// CHECK-LABEL: func @batch_matmul_empty_k
// CHECK-NEXT: %[[M:.*]] = dlc.constant dense<0.000000e+00> : tensor<2x3x4xf32>
// CHECK-NEXT: return %[[M]]
func.func @batch_matmul_empty_k(%a: tensor<2x3x0xf32>, %b: tensor<2x0x4xf32>)
    -> tensor<2x3x4xf32> {
  %m = dlc.batch_matmul %a, %b
       : (tensor<2x3x0xf32>, tensor<2x0x4xf32>) -> tensor<2x3x4xf32>
  return %m : tensor<2x3x4xf32>
}

// -----

// An empty input of a concat contributes nothing.
// CHECK-LABEL: func @concat_drops_empty_inputs
// CHECK: %[[C:.*]] = dlc.concat %arg0, %arg2 {axis = 0 : i64}
// CHECK-SAME: (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>
// CHECK: return %[[C]]
func.func @concat_drops_empty_inputs(%a: tensor<2x3xf32>, %b: tensor<0x3xf32>,
    %c: tensor<1x3xf32>) -> tensor<3x3xf32> {
  %0 = dlc.concat %a, %b, %c {axis = 0 : i64}
       : (tensor<2x3xf32>, tensor<0x3xf32>, tensor<1x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// Padding an empty tensor leaves only the padding.
// CHECK-LABEL: func @pad_of_empty
// CHECK-NEXT: %[[P:.*]] = dlc.constant dense<2.500000e+00> : tensor<2x3xf32>
// CHECK-NEXT: return %[[P]]
func.func @pad_of_empty(%x: tensor<0x3xf32>) -> tensor<2x3xf32> {
  %0 = dlc.pad %x {paddings = array<i64: 1, 1, 0, 0>, value = 2.5 : f32}
       : tensor<0x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Non-empty tensors are left alone.
// CHECK-LABEL: func @not_empty
// CHECK-SAME: (%arg0: tensor<1x4xf32>) -> tensor<1x4xf32>
// CHECK: %[[R:.*]] = dlc.relu %arg0
// CHECK: return %[[R]]
func.func @not_empty(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %0 = dlc.relu %x : tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

// The mean over an empty window has no value.
func.func @mean_over_empty(%x: tensor<1x0x0x3xf32>) -> tensor<1x3xf32> {
  // expected-error @+1 {{'dlc.global_avg_pool' op reduces over an empty dimension, which dlc does not support}}
  %0 = dlc.global_avg_pool %x : tensor<1x0x0x3xf32> -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}
