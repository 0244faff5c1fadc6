// RUN: dlc-opt %s --split-input-file --dlc-destination-style-entry | FileCheck %s

// Inputs become memrefs read through restrict to_tensor; results are written
// into new trailing output memrefs; names move with them.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%[[IN:.*]]: memref<2x3xf32> {dlc.name = "x"}, %[[OUT:.*]]: memref<2x3xf32> {dlc.name = "y"})
// CHECK-NOT: ->
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[IN]] restrict
// CHECK: %[[R:.*]] = arith.addf %[[T]], %[[T]]
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[OUT]]
// CHECK: return
// CHECK-NOT: %
func.func @infer(%x: tensor<2x3xf32> {dlc.name = "x"}) -> (tensor<2x3xf32> {dlc.name = "y"}) {
  %0 = arith.addf %x, %x : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Two results, one of them an input passed straight through.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%[[IN:.*]]: memref<4xf32>, %[[O0:.*]]: memref<4xf32>, %[[O1:.*]]: memref<4xf32>)
// CHECK: %[[T:.*]] = bufferization.to_tensor %[[IN]] restrict
// CHECK: bufferization.materialize_in_destination %[[T]] in restrict writable %[[O0]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[O1]]
func.func @infer(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = arith.mulf %x, %x : tensor<4xf32>
  return %x, %0 : tensor<4xf32>, tensor<4xf32>
}


// -----

// A result marked dlc.in_place = k overwrites argument k: that argument is
// read through a writable to_tensor and gets no output argument of its own.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%[[P:.*]]: memref<4xf32>, %[[G:.*]]: memref<4xf32>, %[[L:.*]]: memref<f32>)
// CHECK: %[[TP:.*]] = bufferization.to_tensor %[[P]] restrict writable
// CHECK: %[[TG:.*]] = bufferization.to_tensor %[[G]] restrict :
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[L]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[P]]
func.func @infer(%p: tensor<4xf32>, %g: tensor<4xf32>)
    -> (tensor<f32>, tensor<4xf32> {dlc.in_place = 0 : i64}) {
  %0 = arith.subf %p, %g : tensor<4xf32>
  %c = arith.constant dense<1.0> : tensor<f32>
  return %c, %0 : tensor<f32>, tensor<4xf32>
}
