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
