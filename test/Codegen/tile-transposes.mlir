// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-transposes))' | FileCheck %s

// NHWC -> CHWN (a filter gradient's transposed activation): 16x16 blocks of
// N and C, one row and one column at a time.
// CHECK-LABEL: func.func @nhwc_to_chwn
// CHECK: scf.for %{{.*}} to %c32 step %c16
// CHECK: scf.for %{{.*}} to %c13{{.*}} step %c1
// CHECK: scf.for %{{.*}} to %c13{{.*}} step %c1
// CHECK: scf.for %{{.*}} to %c64 step %c16
// CHECK: tensor.extract_slice %{{.*}} [16, 1, 1, 16] [1, 1, 1, 1] : tensor<64x13x13x32xf32> to tensor<16x1x1x16xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<16x1x1x16xf32>) outs(%{{.*}} : tensor<16x1x1x16xf32>) permutation = [3, 1, 2, 0]
func.func @nhwc_to_chwn(%x: tensor<64x13x13x32xf32>) -> tensor<32x13x13x64xf32> {
  %e = tensor.empty() : tensor<32x13x13x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x13x13x32xf32>) outs(%e : tensor<32x13x13x64xf32>) permutation = [3, 1, 2, 0]
  return %t : tensor<32x13x13x64xf32>
}

// -----

// The innermost dimension stays (contiguous rows on both sides), or a
// moved dimension is not a multiple of 16: no tiling.
// CHECK-LABEL: func.func @keeps_innermost
// CHECK-NOT: scf.for
// CHECK: linalg.transpose ins(%{{.*}} : tensor<64x11x11x64xf32>)
// CHECK-LABEL: func.func @not_a_multiple
// CHECK-NOT: scf.for
// CHECK: linalg.transpose ins(%{{.*}} : tensor<64x28x28x1xf32>)
func.func @keeps_innermost(%x: tensor<64x11x11x64xf32>) -> tensor<11x11x64x64xf32> {
  %e = tensor.empty() : tensor<11x11x64x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x11x11x64xf32>) outs(%e : tensor<11x11x64x64xf32>) permutation = [1, 2, 0, 3]
  return %t : tensor<11x11x64x64xf32>
}
func.func @not_a_multiple(%x: tensor<64x28x28x1xf32>) -> tensor<1x28x28x64xf32> {
  %e = tensor.empty() : tensor<1x28x28x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x28x28x1xf32>) outs(%e : tensor<1x28x28x64xf32>) permutation = [3, 1, 2, 0]
  return %t : tensor<1x28x28x64xf32>
}

// -----

// A transpose already inside a tile loop is the tile's business.
// CHECK-LABEL: func.func @inside_a_loop
// CHECK-COUNT-1: scf.for
// CHECK-NOT: scf.for
func.func @inside_a_loop(%x: tensor<4x16x16xf32>) -> tensor<4x16x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %x) -> (tensor<4x16x16xf32>) {
    %s = tensor.extract_slice %x[%i, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<4x16x16xf32> to tensor<16x16xf32>
    %e = tensor.empty() : tensor<16x16xf32>
    %t = linalg.transpose ins(%s : tensor<16x16xf32>) outs(%e : tensor<16x16xf32>) permutation = [1, 0]
    %u = tensor.insert_slice %t into %acc[%i, 0, 0] [1, 16, 16] [1, 1, 1] : tensor<16x16xf32> into tensor<4x16x16xf32>
    scf.yield %u : tensor<4x16x16xf32>
  }
  return %r : tensor<4x16x16xf32>
}
