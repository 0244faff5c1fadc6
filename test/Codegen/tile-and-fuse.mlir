// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse,canonicalize,cse))' | FileCheck %s
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-tile-and-fuse,dlc-tile-and-fuse,canonicalize,cse))' | FileCheck %s --check-prefix=TWICE

// The conv + bias + ReLU + 2x2 max-pool chain as --dlc-to-linalg emits it.
// The pool is tiled per (image, pooled row) with scf.forall; the ReLU, the
// conv and the bias broadcast are computed inside, on the two conv rows the
// pooled row reads; the register tile is 13 columns x 32 channels; the
// conv's three filter rows (one input channel: a short contraction) and the
// pool's two window rows are unrolled into one-row ops.
// CHECK-LABEL: func.func @conv_relu_pool
// CHECK: scf.forall (%[[N:.*]], %[[ROW:.*]]) in (2, 13)
// CHECK:   scf.for
// CHECK:     scf.for %{{.*}} = %c0 to %c26 step %c13
// CHECK:       linalg.broadcast {{.*}} outs(%{{.*}} : tensor<1x1x13x32xf32>)
// CHECK-COUNT-3: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x15x1xf32>, tensor<1x3x1x32xf32>) outs(%{{.*}} : tensor<1x1x13x32xf32>)
// CHECK:       linalg.generic
// CHECK:         arith.maxnumf
// CHECK:   linalg.fill {{.*}} -> tensor<1x1x13x32xf32>
// CHECK-COUNT-2: linalg.pooling_nhwc_max {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x26x32xf32>, tensor<1x2xf32>)
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
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 13, 32], reduction = [1, 0, 0], unroll_reduction>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
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
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 2, 8]>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}

// -----

// With many input channels the filter-row loop stays a loop (unrolled, the
// long contractions spill registers), and a chain without a pool gets its
// register tile on its last op.
// CHECK-LABEL: func.func @wide_conv_no_pool
// CHECK: scf.forall (%{{.*}}) in (3)
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK:     scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:       linalg.conv_2d_nhwc_hwcf {{.*}} : tensor<1x1x5x64xf32>, tensor<1x3x64x32xf32>) outs(%{{.*}} : tensor<1x1x3x32xf32>)
func.func @wide_conv_no_pool(%x: tensor<1x5x5x64xf32>, %w: tensor<3x3x64x64xf32>) -> tensor<1x3x3x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x64xf32>) -> tensor<1x3x3x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 32], reduction = [1, 0, 0]>, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x5x5x64xf32>, tensor<3x3x64x64xf32>) outs(%init : tensor<1x3x3x64xf32>) -> tensor<1x3x3x64xf32>
  return %c : tensor<1x3x3x64xf32>
}

// -----

// A dense chain: row blocks in parallel, a 32-column register tile, and the
// K loop tiled (not unrolled).
// CHECK-LABEL: func.func @dense_chain
// CHECK: scf.forall (%{{.*}}) = (0) to (16) step (8)
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK:     scf.for %{{.*}} = %c0 to %c576 step %c32
// CHECK:       linalg.matmul {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x32xf32>, tensor<32x32xf32>) outs(%{{.*}} : tensor<8x32xf32>)
func.func @dense_chain(%x: tensor<16x576xf32>, %w: tensor<576x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %m = linalg.matmul {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [8, 0], inner = [8, 32], reduction = [32]>}
    ins(%x, %w : tensor<16x576xf32>, tensor<576x64xf32>) outs(%init : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %m : tensor<16x64xf32>
}

// -----

// outer_reduction sizes (a filter gradient's large "filter"): the
// filter-row loop runs outside the task loop and carries the output; the
// zero fill stays outside both, so each row's share accumulates.
// CHECK-LABEL: func.func @outer_reduction
// CHECK: %[[FILL:.*]] = linalg.fill
// CHECK: scf.for %[[ROW:.*]] = %c0 to %c6 step %c1 iter_args(%[[ACC:.*]] = %[[FILL]])
// CHECK: tensor.extract_slice %{{.*}}[%[[ROW]], 0, 0, 0] [1, 6, 4, 16]
// CHECK: scf.forall {{.*}} shared_outs(%{{.*}} = %[[ACC]])
// CHECK-NOT: linalg.fill
// CHECK: linalg.conv_2d_nhwc_hwcf
// TWICE-LABEL: func.func @outer_reduction
// TWICE-COUNT-1: scf.for %{{.*}} = %c0 to %c6 step %c1 iter_args
func.func @outer_reduction(%x: tensor<8x8x8x4xf32>, %dy: tensor<6x6x4x16xf32>) -> tensor<8x3x3x16xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x3x3x16xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x3x3x16xf32>) -> tensor<8x3x3x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 16], reduction = [1, 1, 0], outer_reduction = [1, 0, 0], unroll_reduction>, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %dy : tensor<8x8x8x4xf32>, tensor<6x6x4x16xf32>) outs(%f : tensor<8x3x3x16xf32>) -> tensor<8x3x3x16xf32>
  return %c : tensor<8x3x3x16xf32>
}

// -----

// A residual sum read by two ops (the next convolution and the next sum) is
// computed once, whole, and marked so: fused, it would be recomputed in the
// tiles of both readers, and along a chain of blocks those recomputations
// compound. A producer with one reader (the ReLU) is still fused.
// CHECK-LABEL: func.func @shared_sum
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}dlc.materialize
// CHECK: arith.addf
// CHECK: scf.forall
// CHECK:   tensor.extract_slice %[[SUM]]
// CHECK:   linalg.conv_2d_nhwc_hwcf
// CHECK:   arith.maxnumf
// CHECK: scf.forall.in_parallel
// CHECK: arith.addf
// CHECK-NOT: arith.addf
// CHECK: return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @shared_sum(%x: tensor<1x3x3x16xf32>, %y: tensor<1x3x3x16xf32>, %w: tensor<1x1x16x16xf32>) -> tensor<1x3x3x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x16xf32>
  %sum = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<1x3x3x16xf32>, tensor<1x3x3x16xf32>) outs(%e : tensor<1x3x3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x3x3x16xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%sum, %w : tensor<1x3x3x16xf32>, tensor<1x1x16x16xf32>) outs(%init : tensor<1x3x3x16xf32>) -> tensor<1x3x3x16xf32>
  %r = linalg.generic {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 16], reduction = [1, 1, 0]>, indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x3x3x16xf32>) outs(%e : tensor<1x3x3x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maxnumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x3x3x16xf32>
  %next = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r, %sum : tensor<1x3x3x16xf32>, tensor<1x3x3x16xf32>) outs(%e : tensor<1x3x3x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x3x3x16xf32>
  return %next : tensor<1x3x3x16xf32>
}

// -----

// Input channels tiled (a deep 1x1 layer): the activation of the layer's
// input is computed a channel tile at a time inside the reduction loop, not
// on all channels above it; the accumulator's fill stays outside the loop.
// CHECK-LABEL: func.func @channel_tiled_input
// CHECK: scf.forall
// CHECK:   linalg.fill
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c16
// CHECK:     linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x4x16xf32>)
// CHECK:       arith.minnumf
// CHECK:     linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x1x4x16xf32>, tensor<1x1x16x32xf32>)
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @channel_tiled_input(%x: tensor<1x2x4x64xf32>, %w: tensor<1x1x64x32xf32>) -> tensor<1x2x4x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %ex = tensor.empty() : tensor<1x2x4x64xf32>
  %act = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x2x4x64xf32>) outs(%ex : tensor<1x2x4x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maxnumf %a, %zero : f32
    %n = arith.minnumf %m, %six : f32
    linalg.yield %n : f32
  } -> tensor<1x2x4x64xf32>
  %e = tensor.empty() : tensor<1x2x4x32xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 4, 32], reduction = [1, 1, 16]>, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%act, %w : tensor<1x2x4x64xf32>, tensor<1x1x64x32xf32>) outs(%init : tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  return %c : tensor<1x2x4x32xf32>
}
