// RUN: dlc-opt %s --dlc-lower-to-linalg --dlc-bufferize | FileCheck %s

// Pins the point of the conv + ReLU + pool fusion: after bufferization no
// buffer the size of the convolution's output (1x26x26x32) exists. Each of
// the 26 tasks (one pooled row and 16 of the 32 channels each: 13 rows
// alone would be too few tasks for the threads) keeps its conv rows (2 rows
// x 26 columns x 16 channels) and its register tile (13 x 16) on its own
// stack, in its task function; the pooled result is written straight into
// the caller's output, so the workspace is empty.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: dlc.workspace_bytes = 0
// CHECK-NOT: 26x26x32
// CHECK: func.func private @[[KERNEL:[a-z_0-9]+]]_task(
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<1x1x13x16xf32>
// CHECK-DAG: memref.alloca() {alignment = 64 : i64} : memref<1x2x26x16xf32>
// CHECK: scf.for
// CHECK-NOT: 26x26x32
// CHECK: func.func private @[[KERNEL]]_tasks(
// CHECK-SAME: dlc.task_count = 26
func.func @infer(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>, %b: tensor<32xf32>) -> tensor<1x13x13x32xf32> {
  %y = dlc.fused_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>,
         padding = array<i64: 0, 0, 0, 0>, activation = #dlc.activation<relu>,
         pool = #dlc.pool_kind<max>, pool_window = array<i64: 2, 2>, pool_strides = array<i64: 2, 2>}
       : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<1x13x13x32xf32>
  return %y : tensor<1x13x13x32xf32>
}
