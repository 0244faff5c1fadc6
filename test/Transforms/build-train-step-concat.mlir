// RUN: dlc-opt %s --dlc-build-train-step="optimizer=sgd" | FileCheck %s

// Regression: the concat rule read the I64Attr axis as unsigned, so a
// negative axis never became rank + axis and the pass indexed the shape out
// of bounds (a crash). Each part's gradient is its slice of the concat's.
// CHECK-LABEL: func.func @train_step
// CHECK: %[[A:.*]] = dlc.dense %arg0, %arg3
// CHECK: %[[B:.*]] = dlc.dense %arg0, %arg4
// CHECK: %[[C:.*]] = dlc.concat %[[A]], %[[B]] {axis = -1 : i64}
// CHECK: %[[DC:.*]] = dlc.matmul %{{.*}}, %arg5 {transpose_b = true}
// CHECK-DAG: dlc.slice %[[DC]] {offsets = array<i64: 0, 0>} : tensor<4x5xf32> -> tensor<4x3xf32>
// CHECK-DAG: dlc.slice %[[DC]] {offsets = array<i64: 0, 3>} : tensor<4x5xf32> -> tensor<4x2xf32>
func.func @infer(%x: tensor<4x3xf32> {dlc.name = "x"},
                 %wa: tensor<3x3xf32> {dlc.name = "wa", dlc.parameter},
                 %wb: tensor<3x2xf32> {dlc.name = "wb", dlc.parameter},
                 %w: tensor<5x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<4x2xf32> {
  %a = dlc.dense %x, %wa : (tensor<4x3xf32>, tensor<3x3xf32>) -> tensor<4x3xf32>
  %b = dlc.dense %x, %wb : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %c = dlc.concat %a, %b {axis = -1 : i64}
       : (tensor<4x3xf32>, tensor<4x2xf32>) -> tensor<4x5xf32>
  %z = dlc.dense %c, %w : (tensor<4x5xf32>, tensor<5x2xf32>) -> tensor<4x2xf32>
  %p = dlc.softmax %z : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
