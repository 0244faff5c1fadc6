// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-fold-transposes))' | FileCheck %s

// The ReLU + max-pool gradient feeding a filter gradient (transposed to
// [H, W, N, C]) and a bias gradient (reduced over N, H, W): the generic
// writes the transposed layout, the reduction reads it over the same
// dimensions, the transpose is gone and its marker moved.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[PERM:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d0, d3)>
// CHECK-LABEL: func.func @grad_to_filter_and_bias
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x4x2x8xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[PERM]]]
// CHECK-SAME: outs(%[[E]] : tensor<3x4x2x8xf32>)
// CHECK-SAME: dlc.materialize
// CHECK: arith.mulf
// CHECK: } -> tensor<3x4x2x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.reduce ins(%[[G]] : tensor<3x4x2x8xf32>) {{.*}} dimensions = [0, 1, 2]
// CHECK: return %[[G]], %{{.*}} : tensor<3x4x2x8xf32>, tensor<8xf32>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @grad_to_filter_and_bias(%a: tensor<2x3x4x8xf32>, %b: tensor<2x3x4x8xf32>) -> (tensor<3x4x2x8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<2x3x4x8xf32>
  %g = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a, %b : tensor<2x3x4x8xf32>, tensor<2x3x4x8xf32>) outs(%e : tensor<2x3x4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %m = arith.mulf %x, %y : f32
    linalg.yield %m : f32
  } -> tensor<2x3x4x8xf32>
  %z = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<8xf32>
  %f8 = linalg.fill ins(%z : f32) outs(%e8 : tensor<8xf32>) -> tensor<8xf32>
  %r = linalg.reduce ins(%g : tensor<2x3x4x8xf32>) outs(%f8 : tensor<8xf32>) dimensions = [0, 1, 2]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %et = tensor.empty() : tensor<3x4x2x8xf32>
  %t = linalg.transpose ins(%g : tensor<2x3x4x8xf32>) outs(%et : tensor<3x4x2x8xf32>) permutation = [1, 2, 0, 3] {dlc.materialize}
  return %t, %r : tensor<3x4x2x8xf32>, tensor<8xf32>
}

// -----

// Another elementwise reader (before the transpose) reads the transposed
// tensor through a permuted map.
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[T2:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-LABEL: func.func @generic_reader
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[T2]]]
// CHECK: linalg.generic {indexing_maps = [#[[T2]], #[[ID2]]]
// CHECK-SAME: ins(%[[G]] : tensor<8x4xf32>)
// CHECK-NOT: linalg.transpose
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @generic_reader(%a: tensor<4x8xf32>) -> (tensor<8x4xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%g : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%g : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  return %t, %h : tensor<8x4xf32>, tensor<4x8xf32>
}

// -----

// A reduction whose kept dimensions would change order ([N, C] kept, but C
// comes first after the transpose) keeps the transpose.
// CHECK-LABEL: func.func @reduce_would_reorder
// CHECK: linalg.transpose
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reduce_would_reorder(%a: tensor<2x3x4xf32>) -> (tensor<4x3x2xf32>, tensor<2x4xf32>) {
  %e = tensor.empty() : tensor<2x3x4xf32>
  %g = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%a : tensor<2x3x4xf32>) outs(%e : tensor<2x3x4xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<2x3x4xf32>
  %e2 = tensor.empty() : tensor<2x4xf32>
  %r = linalg.reduce ins(%g : tensor<2x3x4xf32>) outs(%e2 : tensor<2x4xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %et = tensor.empty() : tensor<4x3x2xf32>
  %t = linalg.transpose ins(%g : tensor<2x3x4xf32>) outs(%et : tensor<4x3x2xf32>) permutation = [2, 1, 0]
  return %t, %r : tensor<4x3x2xf32>, tensor<2x4xf32>
}

// -----

// A reader that is neither a generic nor a reduction (here the result
// itself is returned) keeps the transpose; so does a producer that reads
// its destination (an accumulation).
// CHECK-LABEL: func.func @other_reader
// CHECK: linalg.transpose
// CHECK-LABEL: func.func @accumulating_producer
// CHECK: linalg.transpose
#id4 = affine_map<(d0, d1) -> (d0, d1)>
func.func @other_reader(%a: tensor<4x8xf32>) -> (tensor<8x4xf32>, tensor<4x8xf32>) {
  %e = tensor.empty() : tensor<4x8xf32>
  %g = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%g : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  return %t, %g : tensor<8x4xf32>, tensor<4x8xf32>
}
func.func @accumulating_producer(%a: tensor<4x8xf32>, %acc: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %g = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.addf %x, %out : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%g : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  return %t : tensor<8x4xf32>
}

// -----

// The end of a fused chain keeps its transpose: tiling starts from the
// root, and a root folded into the transpose would not be tiled at all.
// CHECK-LABEL: func.func @fusion_root_producer
// CHECK: linalg.generic {{.*}}dlc.fusion_root
// CHECK: linalg.transpose
#id5 = affine_map<(d0, d1) -> (d0, d1)>
func.func @fusion_root_producer(%a: tensor<4x8xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<4x8xf32>
  %g = linalg.generic {indexing_maps = [#id5, #id5], iterator_types = ["parallel", "parallel"], dlc.fusion_root}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %m = arith.mulf %x, %x : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  %et = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%g : tensor<4x8xf32>) outs(%et : tensor<8x4xf32>) permutation = [1, 0]
  return %t : tensor<8x4xf32>
}
