// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-lower-strided-copies))' | FileCheck %s

// The bufferized tensor.pad: the input is copied into the interior of the
// padded buffer, a strided view. That copy becomes linalg.copy (loops later)
// instead of a call to the memrefCopy runtime function.
// CHECK-LABEL: func.func @into_subview
// CHECK: %[[VIEW:.*]] = memref.subview
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<1x3x3x2xf32>) outs(%[[VIEW]] : memref<1x3x3x2xf32, strided<[50, 10, 2, 1], offset: 12>>)
func.func @into_subview(%in: memref<1x3x3x2xf32>, %padded: memref<1x5x5x2xf32>) {
  %view = memref.subview %padded[0, 1, 1, 0] [1, 3, 3, 2] [1, 1, 1, 1]
      : memref<1x5x5x2xf32> to memref<1x3x3x2xf32, strided<[50, 10, 2, 1], offset: 12>>
  memref.copy %in, %view : memref<1x3x3x2xf32> to memref<1x3x3x2xf32, strided<[50, 10, 2, 1], offset: 12>>
  return
}

// -----

// A strided source (a slice of the channels) as well.
// CHECK-LABEL: func.func @from_subview
// CHECK-NOT: memref.copy
// CHECK: linalg.copy
func.func @from_subview(%in: memref<4x8xf32>, %out: memref<4x3xf32>) {
  %view = memref.subview %in[0, 2] [4, 3] [1, 1] : memref<4x8xf32> to memref<4x3xf32, strided<[8, 1], offset: 2>>
  memref.copy %view, %out : memref<4x3xf32, strided<[8, 1], offset: 2>> to memref<4x3xf32>
  return
}

// -----

// Contiguous on both sides (identity layout, or a subview of whole rows):
// left for finalize-memref-to-llvm, which makes it an llvm.memcpy.
// CHECK-LABEL: func.func @contiguous
// CHECK-COUNT-2: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<2x8xf32>, %b: memref<2x8xf32>, %c: memref<4x8xf32>) {
  memref.copy %a, %b : memref<2x8xf32> to memref<2x8xf32>
  %rows = memref.subview %c[2, 0] [2, 8] [1, 1] : memref<4x8xf32> to memref<2x8xf32, strided<[8, 1], offset: 16>>
  memref.copy %a, %rows : memref<2x8xf32> to memref<2x8xf32, strided<[8, 1], offset: 16>>
  return
}

// -----

// A concatenation's copy into its channel slice: 64 contiguous channels per
// pixel on both sides, so a loop over the rows and columns copies each
// pixel's run as one contiguous memref.copy (an llvm.memcpy). The unit batch
// dim gets no loop.
// CHECK-LABEL: func.func @channel_runs
// CHECK-NOT: linalg.copy
// CHECK: scf.for %[[H:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[W:.*]] = %c0 to %c4 step %c1
// CHECK: %[[FROM:.*]] = memref.subview %{{.*}}[0, %[[H]], %[[W]], 0] [1, 1, 1, 64] [1, 1, 1, 1]
// CHECK: %[[TO:.*]] = memref.subview %{{.*}}[0, %[[H]], %[[W]], 0] [1, 1, 1, 64] [1, 1, 1, 1]
// CHECK: memref.copy %[[FROM]], %[[TO]] : memref<1x1x1x64xf32, strided<[768, 256, 64, 1], offset: ?>> to memref<1x1x1x64xf32, strided<[1536, 512, 128, 1], offset: ?>>
func.func @channel_runs(%in: memref<1x3x4x64xf32>, %concat: memref<1x3x4x128xf32>) {
  %view = memref.subview %concat[0, 0, 0, 64] [1, 3, 4, 64] [1, 1, 1, 1]
      : memref<1x3x4x128xf32> to memref<1x3x4x64xf32, strided<[1536, 512, 128, 1], offset: 64>>
  memref.copy %in, %view : memref<1x3x4x64xf32> to memref<1x3x4x64xf32, strided<[1536, 512, 128, 1], offset: 64>>
  return
}

// -----

// 32 channels per pixel (a DenseNet layer's output copied into the next
// concatenation): too short for a call, copied as two vectors per pixel.
// CHECK-LABEL: func.func @vector_runs
// CHECK-NOT: linalg.copy
// CHECK: scf.for %[[H:.*]] = %c0 to %c3 step %c1
// CHECK: scf.for %[[W:.*]] = %c0 to %c4 step %c1
// CHECK: %[[LO:.*]] = vector.load %{{.*}}[%c0, %[[H]], %[[W]], %[[C0:.*]]] : memref<1x3x4x32xf32>, vector<16xf32>
// CHECK: vector.store %[[LO]], %{{.*}}[%c0, %[[H]], %[[W]], %[[C0]]]
// CHECK: %[[HI:.*]] = vector.load %{{.*}}[%c0, %[[H]], %[[W]], %c16] : memref<1x3x4x32xf32>, vector<16xf32>
// CHECK: vector.store %[[HI]], %{{.*}}[%c0, %[[H]], %[[W]], %c16]
// CHECK-NOT: memref.copy
func.func @vector_runs(%in: memref<1x3x4x32xf32>, %concat: memref<1x3x4x96xf32>) {
  %view = memref.subview %concat[0, 0, 0, 64] [1, 3, 4, 32] [1, 1, 1, 1]
      : memref<1x3x4x96xf32> to memref<1x3x4x32xf32, strided<[1152, 384, 96, 1], offset: 64>>
  memref.copy %in, %view : memref<1x3x4x32xf32> to memref<1x3x4x32xf32, strided<[1152, 384, 96, 1], offset: 64>>
  return
}

// -----

// Two contiguous dims of 16 on both sides (a run of 32, under the memcpy
// length): the vectors cover the last dim only, the other is a loop.
// CHECK-LABEL: func.func @vector_runs_two_dims
// CHECK: scf.for %[[R:.*]] = %c0 to %c4 step %c1
// CHECK: scf.for %[[S:.*]] = %c0 to %c2 step %c1
// CHECK: vector.load %{{.*}}[%[[R]], %[[S]], %{{.*}}] : memref<4x2x16xf32>, vector<16xf32>
// CHECK-NOT: vector.load
func.func @vector_runs_two_dims(%in: memref<4x2x16xf32>, %out: memref<8x2x16xf32>) {
  %view = memref.subview %out[1, 0, 0] [4, 2, 16] [2, 1, 1]
      : memref<8x2x16xf32> to memref<4x2x16xf32, strided<[64, 16, 1], offset: 32>>
  memref.copy %in, %view : memref<4x2x16xf32> to memref<4x2x16xf32, strided<[64, 16, 1], offset: 32>>
  return
}
