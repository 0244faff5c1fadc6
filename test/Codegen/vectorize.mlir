// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-vectorize))' | FileCheck %s

// A one-row conv inside a tile decomposes to a 1-D conv and becomes vector
// contractions over the register tile (13 columns x 32 channels).
// CHECK-LABEL: func.func @conv_in_tile
// CHECK: scf.for
// CHECK-NOT: linalg.conv
// CHECK: vector.contract {{.*}} : vector<13x1xf32>, vector<1x32xf32> into vector<13x32xf32>
func.func @conv_in_tile(%x: tensor<1x1x15x1xf32>, %w: tensor<1x3x1x32xf32>, %init: tensor<1x1x13x32xf32>) -> tensor<1x1x13x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %init) -> (tensor<1x1x13x32xf32>) {
    %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x1x15x1xf32>, tensor<1x3x1x32xf32>) outs(%acc : tensor<1x1x13x32xf32>) -> tensor<1x1x13x32xf32>
    scf.yield %c : tensor<1x1x13x32xf32>
  }
  return %r : tensor<1x1x13x32xf32>
}

// -----

// Ops outside any tile loop stay linalg: vectorizing whole tensors would make
// huge vectors.
// CHECK-LABEL: func.func @outside_tiles
// CHECK: linalg.matmul
// CHECK-NOT: vector.contract
func.func @outside_tiles(%a: tensor<64x576xf32>, %b: tensor<576x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %0 = linalg.matmul ins(%a, %b : tensor<64x576xf32>, tensor<576x64xf32>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %0 : tensor<64x64xf32>
}

// -----

// An elementwise op in a tile becomes vector arithmetic.
// CHECK-LABEL: func.func @relu_in_tile
// CHECK: scf.for
// CHECK: arith.maxnumf {{.*}} : vector<13x32xf32>
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @relu_in_tile(%x: tensor<1x1x13x32xf32>) -> tensor<1x1x13x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %x) -> (tensor<1x1x13x32xf32>) {
    %g = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc : tensor<1x1x13x32xf32>) outs(%acc : tensor<1x1x13x32xf32>) {
    ^bb0(%in: f32, %out: f32):
      %z = arith.constant 0.0 : f32
      %m = arith.maxnumf %in, %z : f32
      linalg.yield %m : f32
    } -> tensor<1x1x13x32xf32>
    scf.yield %g : tensor<1x1x13x32xf32>
  }
  return %r : tensor<1x1x13x32xf32>
}

// -----

// A 1x1 window with stride 3 over 2 input rows has one output row but reads
// only the first input row: the 2-D -> 1-D decomposition (which drops the
// input's H dim) must not apply, since the input is 2 rows high.
// CHECK-LABEL: func.func @strided_window_skips_rows
// CHECK: linalg.pooling_nhwc_sum
// CHECK-NOT: linalg.pooling_nwc_sum
func.func @strided_window_skips_rows(%x: tensor<1x2x4x3xf32>, %init: tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32> {
  %w = tensor.empty() : tensor<1x1xf32>
  %0 = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<[3, 1]> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x4x3xf32>, tensor<1x1xf32>) outs(%init : tensor<1x1x4x3xf32>) -> tensor<1x1x4x3xf32>
  return %0 : tensor<1x1x4x3xf32>
}
