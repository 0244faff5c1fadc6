// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse,canonicalize,cse))' | FileCheck %s
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse,dlc-tile-and-fuse,canonicalize,cse))' | FileCheck %s --check-prefix=TWICE

// The conv + bias + ReLU + 2x2 max-pool chain as --dlc-to-linalg emits it.
// The pool is tiled per (image, pooled row) with scf.forall; the ReLU, the
// conv and the bias broadcast are computed inside, on the two conv rows the
// pooled row reads; the register tile is 13 columns x 32 channels and the
// conv's filter rows are a loop of one row each.
// CHECK-LABEL: func.func @conv_relu_pool
// CHECK: scf.forall (%[[N:.*]], %[[ROW:.*]]) in (2, 13)
// CHECK:   scf.for
// CHECK:     scf.for %{{.*}} = %c0 to %c26 step %c13
// CHECK:       linalg.broadcast {{.*}} outs(%{{.*}} : tensor<1x1x13x32xf32>)
// CHECK:       scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:         linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x15x1xf32>, tensor<1x3x1x32xf32>) outs(%{{.*}} : tensor<1x1x13x32xf32>)
// CHECK:       linalg.generic
// CHECK:         arith.maxnumf
// CHECK:   linalg.fill {{.*}} -> tensor<1x1x13x32xf32>
// CHECK:   scf.for %{{.*}} = %c0 to %c2 step %c1
// CHECK:     linalg.pooling_nhwc_max {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x26x32xf32>, tensor<1x2xf32>)
// CHECK:   scf.forall.in_parallel
// No conv, ReLU or pool is left outside the loop nest.
// CHECK-NOT: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: linalg.pooling_nhwc_max
// CHECK: return
#map = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_relu_pool(%x: tensor<2x28x28x1xf32>, %w: tensor<3x3x1x32xf32>, %b: tensor<32xf32>) -> tensor<2x13x13x32xf32> {
  %e = tensor.empty() : tensor<2x26x26x32xf32>
  %init = linalg.broadcast ins(%b : tensor<32xf32>) outs(%e : tensor<2x26x26x32xf32>) dimensions = [0, 1, 2]
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<2x28x28x1xf32>, tensor<3x3x1x32xf32>) outs(%init : tensor<2x26x26x32xf32>) -> tensor<2x26x26x32xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%c : tensor<2x26x26x32xf32>) outs(%e : tensor<2x26x26x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %z = arith.constant 0.0 : f32
    %m = arith.maxnumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<2x26x26x32xf32>
  %ninf = arith.constant 0xFF800000 : f32
  %e2 = tensor.empty() : tensor<2x13x13x32xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e2 : tensor<2x13x13x32xf32>) -> tensor<2x13x13x32xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.outer_tiles = array<i64: 1, 1, 0, 0>, dlc.inner_tiles = array<i64: 1, 1, 13, 32>, dlc.reduction_tiles = array<i64: 1, 0, 0>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%r, %win : tensor<2x26x26x32xf32>, tensor<2x2xf32>) outs(%f : tensor<2x13x13x32xf32>) -> tensor<2x13x13x32xf32>
  return %p : tensor<2x13x13x32xf32>
}

// -----

// The tiled root is no longer a root: a second run leaves it alone.
// TWICE-LABEL: func.func @idempotent
// TWICE: scf.forall (
// TWICE-NOT: scf.forall (
// TWICE: return
func.func @idempotent(%act: tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.outer_tiles = array<i64: 1, 1, 0, 0>, dlc.inner_tiles = array<i64: 1, 1, 2, 8>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}
