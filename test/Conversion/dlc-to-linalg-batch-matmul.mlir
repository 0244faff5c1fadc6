// RUN: dlc-opt %s --dlc-to-linalg --split-input-file | FileCheck %s
// The lowered IR must bufferize as a whole.
// RUN: dlc-opt %s --dlc-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --split-input-file | FileCheck %s --check-prefix=BUF

// Rank 3 maps onto linalg.batch_matmul directly.
// CHECK-LABEL: func.func @rank3
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>, %[[B:.*]]: tensor<2x4x5xf32>)
// CHECK-DAG: %[[EMPTY:.*]] = tensor.empty() : tensor<2x3x5xf32>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<2x3x5xf32>)
// CHECK: %[[MM:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : tensor<2x3x4xf32>, tensor<2x4x5xf32>) outs(%[[INIT]] : tensor<2x3x5xf32>)
// CHECK-NOT: tensor.expand_shape
// CHECK: return %[[MM]]
// BUF-LABEL: func.func @rank3
// BUF: linalg.batch_matmul ins({{.*}} : memref<2x3x4xf32{{.*}}>, memref<2x4x5xf32{{.*}}>)
func.func @rank3(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>)
    -> tensor<2x3x5xf32> {
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Rank 4: the two batch dims collapse into one and come back on the result.
// CHECK-LABEL: func.func @rank4
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4x5xf32>, %[[B:.*]]: tensor<2x3x5x6xf32>)
// CHECK: %[[FA:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2], [3]] : tensor<2x3x4x5xf32> into tensor<6x4x5xf32>
// CHECK: %[[FB:.*]] = tensor.collapse_shape %[[B]] {{\[\[}}0, 1], [2], [3]] : tensor<2x3x5x6xf32> into tensor<6x5x6xf32>
// CHECK: %[[INIT:.*]] = linalg.fill {{.*}} -> tensor<6x4x6xf32>
// CHECK: %[[MM:.*]] = linalg.batch_matmul ins(%[[FA]], %[[FB]] : tensor<6x4x5xf32>, tensor<6x5x6xf32>) outs(%[[INIT]] : tensor<6x4x6xf32>)
// CHECK: %[[OUT:.*]] = tensor.expand_shape %[[MM]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 4, 6] : tensor<6x4x6xf32> into tensor<2x3x4x6xf32>
// CHECK: return %[[OUT]]
// BUF-LABEL: func.func @rank4
// BUF: memref.collapse_shape
// BUF: linalg.batch_matmul
// BUF: memref.expand_shape
func.func @rank4(%a: tensor<2x3x4x5xf32>, %b: tensor<2x3x5x6xf32>)
    -> tensor<2x3x4x6xf32> {
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4x5xf32>, tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}
