// RUN: dlc-opt %s --dlc-to-linalg --split-input-file | FileCheck %s
// The lowered IR must bufferize as a whole (no op without a bufferization).
// RUN: dlc-opt %s --dlc-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --split-input-file | FileCheck %s --check-prefix=BUF
// Tiling keeps the operands marked dlc.materialize out of the tiles.
// RUN: dlc-opt %s --split-input-file -p 'builtin.module(dlc-to-linalg,func.func(dlc-select-tiling,dlc-tile-and-fuse))' | FileCheck %s --check-prefix=TILED

// BUF-NOT: tensor.
// BUF-NOT: -> tensor<

// Stride 2: dy goes to every other row and column of a zero buffer padded
// by (K-1)*d = 2; the filter is flipped and transposed to [KH, KW, F, C]
// once; the conv is a fusion root.
// CHECK-DAG: #[[FLIP:.+]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-LABEL: func.func @conv2d_input_grad
// CHECK-SAME: (%[[DY:.+]]: tensor<2x3x3x4xf32>, %[[W:.+]]: tensor<3x3x5x4xf32>)
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<2x9x9x4xf32>
// CHECK: %[[DIL:.+]] = tensor.insert_slice %[[DY]] into %[[ZERO]][0, 2, 2, 0] [2, 3, 3, 4] [1, 2, 2, 1]
// CHECK: %[[FLIPPED:.+]] = linalg.generic {indexing_maps = [#[[FLIP]], {{.*}}]{{.*}} ins(%[[W]] : tensor<3x3x5x4xf32>) outs({{.*}} : tensor<3x3x4x5xf32>) attrs = {dlc.materialize}
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, dlc.fusion_root, strides = dense<1> : tensor<2xi64>} ins(%[[DIL]], %[[FLIPPED]] : tensor<2x9x9x4xf32>, tensor<3x3x4x5xf32>) outs({{.*}} : tensor<2x7x7x5xf32>)
// CHECK: return %[[CONV]]
// TILED-LABEL: func.func @conv2d_input_grad
// TILED: linalg.generic {{.*}} {dlc.materialize}
// TILED: scf.forall
// TILED-NOT: linalg.generic
// TILED: scf.forall.in_parallel
func.func @conv2d_input_grad(%dy: tensor<2x3x3x4xf32>, %w: tensor<3x3x5x4xf32>) -> tensor<2x7x7x5xf32> {
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<2x3x3x4xf32>, tensor<3x3x5x4xf32>) -> tensor<2x7x7x5xf32>
  return %0 : tensor<2x7x7x5xf32>
}

// -----

// Stride 1: the output rows come in three bands, so that no conv reads the
// zero rows above and below dy in the padded buffer (rows 2..6 of 9): rows
// 0-1 use filter rows 1-2, rows 2-4 all three, rows 5-6 filter rows 0-1.
// CHECK-LABEL: func.func @conv2d_input_grad_bands
// CHECK: %[[PADDED:.+]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 2, 2, 0] [2, 5, 5, 4]
// CHECK: %[[TOP:.+]] = tensor.extract_slice %[[PADDED]][0, 1, 0, 0] [2, 3, 9, 4]
// CHECK: %[[TOPW:.+]] = tensor.extract_slice %{{.*}}[1, 0, 0, 0] [2, 3, 4, 6]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[TOP]], %[[TOPW]] : tensor<2x3x9x4xf32>, tensor<2x3x4x6xf32>) outs(%{{.*}} : tensor<2x2x7x6xf32>)
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0, 0] [2, 2, 7, 6]
// CHECK: %[[MID:.+]] = tensor.extract_slice %[[PADDED]][0, 2, 0, 0] [2, 5, 9, 4]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[MID]], %{{.*}} : tensor<2x5x9x4xf32>, tensor<3x3x4x6xf32>) outs(%{{.*}} : tensor<2x3x7x6xf32>)
// CHECK: tensor.insert_slice %{{.*}}[0, 2, 0, 0] [2, 3, 7, 6]
// CHECK: %[[BOT:.+]] = tensor.extract_slice %[[PADDED]][0, 5, 0, 0] [2, 3, 9, 4]
// CHECK: %[[BOTW:.+]] = tensor.extract_slice %{{.*}}[0, 0, 0, 0] [2, 3, 4, 6]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[BOT]], %[[BOTW]]
// CHECK: tensor.insert_slice %{{.*}}[0, 5, 0, 0] [2, 2, 7, 6]
func.func @conv2d_input_grad_bands(%dy: tensor<2x5x5x4xf32>, %w: tensor<3x3x6x4xf32>) -> tensor<2x7x7x6xf32> {
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<2x5x5x4xf32>, tensor<3x3x6x4xf32>) -> tensor<2x7x7x6xf32>
  return %0 : tensor<2x7x7x6xf32>
}

// -----

// Padding (2, 2) beyond a 1x1 kernel's extent: the first and last two
// output rows only saw padding, so dy is cropped to the rows that map onto
// the input, which then needs no zero border at all.
// CHECK-LABEL: func.func @conv2d_input_grad_crop
// CHECK-SAME: (%[[DY:.+]]: tensor<1x9x5x4xf32>
// CHECK-NOT: linalg.fill {{.*}} -> tensor<1x5x5x4xf32>
// CHECK: %[[ROWS:.+]] = tensor.extract_slice %[[DY]][0, 2, 0, 0] [1, 5, 5, 4] [1, 1, 1, 1]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}dlc.fusion_root{{.*}} ins(%[[ROWS]], %{{.*}} : tensor<1x5x5x4xf32>, tensor<1x1x4x3xf32>)
func.func @conv2d_input_grad_crop(%dy: tensor<1x9x5x4xf32>, %w: tensor<1x1x3x4xf32>) -> tensor<1x5x5x3xf32> {
  %0 = dlc.conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 2, 2, 0, 0>} : (tensor<1x9x5x4xf32>, tensor<1x1x3x4xf32>) -> tensor<1x5x5x3xf32>
  return %0 : tensor<1x5x5x3xf32>
}

// -----

// C plays the batch and N the channels: x -> [C, H, W, N], dy -> [OH, OW,
// N, F] (both materialized), conv strides = forward dilations, conv
// dilations = forward strides (2), then [C, KH, KW, F] -> HWCF.
// CHECK-LABEL: func.func @conv2d_filter_grad
// CHECK-SAME: (%[[X:.+]]: tensor<8x12x12x32xf32>, %[[DY:.+]]: tensor<8x5x5x64xf32>)
// CHECK: %[[XT:.+]] = linalg.transpose ins(%[[X]] : tensor<8x12x12x32xf32>) outs({{.*}} : tensor<32x12x12x8xf32>) permutation = [3, 1, 2, 0] {dlc.materialize}
// CHECK: %[[DYT:.+]] = linalg.transpose ins(%[[DY]] : tensor<8x5x5x64xf32>) outs({{.*}} : tensor<5x5x8x64xf32>) permutation = [1, 2, 0, 3] {dlc.materialize}
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, dlc.fusion_root, strides = dense<1> : tensor<2xi64>} ins(%[[XT]], %[[DYT]] : tensor<32x12x12x8xf32>, tensor<5x5x8x64xf32>) outs({{.*}} : tensor<32x3x3x64xf32>)
// CHECK: %[[DW:.+]] = linalg.transpose ins(%[[CONV]] : tensor<32x3x3x64xf32>) outs({{.*}} : tensor<3x3x32x64xf32>) permutation = [1, 2, 0, 3]
// CHECK: return %[[DW]]
// TILED-LABEL: func.func @conv2d_filter_grad
// TILED: linalg.transpose {{.*}} {dlc.materialize}
// TILED: linalg.transpose {{.*}} {dlc.materialize}
// TILED: scf.forall
// TILED-NOT: linalg.transpose
// TILED: scf.forall.in_parallel
func.func @conv2d_filter_grad(%x: tensor<8x12x12x32xf32>, %dy: tensor<8x5x5x64xf32>) -> tensor<3x3x32x64xf32> {
  %0 = dlc.conv2d_filter_grad %x, %dy {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<8x12x12x32xf32>, tensor<8x5x5x64xf32>) -> tensor<3x3x32x64xf32>
  return %0 : tensor<3x3x32x64xf32>
}

// -----

// Padding: the transpose writes straight into the interior of a zero buffer.
// CHECK-LABEL: func.func @conv2d_filter_grad_padded
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<5x9x9x2xf32>
// CHECK: %[[INNER:.+]] = tensor.extract_slice %[[ZERO]][0, 1, 1, 0] [5, 7, 7, 2] [1, 1, 1, 1]
// CHECK: %[[T:.+]] = linalg.transpose ins(%{{.*}} : tensor<2x7x7x5xf32>) outs(%[[INNER]] : tensor<5x7x7x2xf32>) permutation = [3, 1, 2, 0] {dlc.materialize}
// CHECK: %[[XT:.+]] = tensor.insert_slice %[[T]] into %[[ZERO]][0, 1, 1, 0] [5, 7, 7, 2] [1, 1, 1, 1]
// CHECK: linalg.conv_2d_nhwc_hwcf {{.*}}dlc.fusion_root{{.*}} ins(%[[XT]], %{{.*}} : tensor<5x9x9x2xf32>, tensor<7x7x2x4xf32>)
func.func @conv2d_filter_grad_padded(%x: tensor<2x7x7x5xf32>, %dy: tensor<2x7x7x4xf32>) -> tensor<3x3x5x4xf32> {
  %0 = dlc.conv2d_filter_grad %x, %dy {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<2x7x7x5xf32>, tensor<2x7x7x4xf32>) -> tensor<3x3x5x4xf32>
  return %0 : tensor<3x3x5x4xf32>
}

// -----

// One reduction generic over (n, h, w, ky, kx, m, c) reading the padded dy
// at the mirrored window position.
// CHECK-DAG: #[[PADDED:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 + -d3 + 2, d2 + -d4 + 2, d6, d5)>
// CHECK-DAG: #[[FILTER:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d6, d5)>
// CHECK-LABEL: func.func @depthwise_conv2d_input_grad
// CHECK: %[[DY5:.+]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2], [3, 4]] output_shape [1, 8, 8, 4, 2]
// CHECK: %[[DIL:.+]] = tensor.insert_slice %[[DY5]] into %{{.*}}[0, 1, 1, 0, 0] [1, 8, 8, 4, 2] [1, 1, 1, 1, 1]
// CHECK: linalg.generic {indexing_maps = [#[[PADDED]], #[[FILTER]], {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction", "parallel"]} ins(%[[DIL]], %{{.*}} : tensor<1x10x10x4x2xf32>, tensor<3x3x4x2xf32>) outs(%{{.*}} : tensor<1x8x8x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @depthwise_conv2d_input_grad(%dy: tensor<1x8x8x8xf32>, %w: tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32> {
  %0 = dlc.depthwise_conv2d_input_grad %dy, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x8xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-DAG: #[[DY:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d5, d6)>
// CHECK-DAG: #[[DW:.+]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3, d4, d5, d6)>
// CHECK-LABEL: func.func @depthwise_conv2d_filter_grad
// CHECK: %[[XP:.+]] = tensor.pad
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[DY]], #[[DW]]], iterator_types = ["reduction", "reduction", "reduction", "parallel", "parallel", "parallel", "parallel"]} ins(%[[XP]], %{{.*}} : tensor<1x10x10x4xf32>, tensor<1x4x4x4x2xf32>) outs(%{{.*}} : tensor<3x3x4x2xf32>)
func.func @depthwise_conv2d_filter_grad(%x: tensor<1x8x8x4xf32>, %dy: tensor<1x4x4x8xf32>) -> tensor<3x3x4x2xf32> {
  %0 = dlc.depthwise_conv2d_filter_grad %x, %dy {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>, tensor<1x4x4x8xf32>) -> tensor<3x3x4x2xf32>
  return %0 : tensor<3x3x4x2xf32>
}

// -----

// Disjoint windows (2x2, stride 2): one gather generic over the covered
// rows and columns (the forward dropped row and column 4), reading dy and
// the four window values; the position wins if its window offset is the
// first maximum's. The ReLU mask is applied in the same body.
// CHECK-DAG: #[[DYMAP:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 2, d2 floordiv 2, d3)>
// CHECK-DAG: #[[W00:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, (d1 floordiv 2) * 2, (d2 floordiv 2) * 2, d3)>
// CHECK-DAG: #[[W11:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, (d1 floordiv 2) * 2 + 1, (d2 floordiv 2) * 2 + 1, d3)>
// CHECK-LABEL: func.func @pool2d_grad_max_disjoint
// CHECK-SAME: (%[[Y:.+]]: tensor<2x5x5x3xf32>, %[[DY:.+]]: tensor<2x2x2x3xf32>)
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<2x5x5x3xf32>
// CHECK: %[[COVERED:.+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0] [2, 4, 4, 3] [1, 1, 1, 1]
// CHECK: %[[G:.+]] = linalg.generic {indexing_maps = [#[[DYMAP]], #[[W00]], {{.*}}, {{.*}}, #[[W11]], {{.*}}, {{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[DY]], %[[Y]], %[[Y]], %[[Y]], %[[Y]], %{{.*}} : {{.*}}) outs(%[[COVERED]] : tensor<2x4x4x3xf32>)
// CHECK: arith.remui
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: arith.cmpf ogt
// CHECK: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: tensor.insert_slice %[[G]] into %[[ZERO]][0, 0, 0, 0] [2, 4, 4, 3] [1, 1, 1, 1]
func.func @pool2d_grad_max_disjoint(%y: tensor<2x5x5x3xf32>, %dy: tensor<2x2x2x3xf32>) -> tensor<2x5x5x3xf32> {
  %0 = dlc.pool2d_grad %y, %dy {kind = #dlc.pool_kind<max>, window = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>, activation = #dlc.activation<relu>} : (tensor<2x5x5x3xf32>, tensor<2x2x2x3xf32>) -> tensor<2x5x5x3xf32>
  return %0 : tensor<2x5x5x3xf32>
}

// -----

// Overlapping windows: the argmax offset of every window is computed once
// (i32), then one generic per window offset accumulates into its strided
// view of a zero buffer.
// CHECK-LABEL: func.func @pool2d_grad_max_overlapping
// CHECK: %[[ARGMAX:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x3x3xi32>)
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<1x4x4x3xf32>
// CHECK: %[[V0:.+]] = tensor.extract_slice %[[ZERO]][0, 0, 0, 0] [1, 3, 3, 3] [1, 1, 1, 1]
// CHECK: %[[G0:.+]] = linalg.generic {{.*}} ins(%{{.*}}, %[[ARGMAX]] : tensor<1x3x3x3xf32>, tensor<1x3x3x3xi32>) outs(%[[V0]] : tensor<1x3x3x3xf32>)
// CHECK: arith.cmpi eq, %{{.*}}, %c0_i32
// CHECK: %[[B1:.+]] = tensor.insert_slice %[[G0]] into %[[ZERO]][0, 0, 0, 0] [1, 3, 3, 3] [1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[B1]][0, 0, 1, 0]
// CHECK-COUNT-3: tensor.insert_slice
func.func @pool2d_grad_max_overlapping(%y: tensor<1x4x4x3xf32>, %dy: tensor<1x3x3x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = dlc.pool2d_grad %y, %dy {kind = #dlc.pool_kind<max>, window = array<i64: 2, 2>, strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x3xf32>, tensor<1x3x3x3xf32>) -> tensor<1x4x4x3xf32>
  return %0 : tensor<1x4x4x3xf32>
}

// -----

// Average with padding: divided by the real positions of each window (as
// the forward divides), then the padding is cropped.
// CHECK-LABEL: func.func @pool2d_grad_avg_padded
// CHECK: %[[COUNTS:.+]] = arith.constant dense<{{\[\[\[}}1.000000e+00], [2.000000e+00]], {{\[\[}}2.000000e+00], [4.000000e+00]]]> : tensor<2x2x1xf32>
// CHECK: %[[G:.+]] = linalg.generic {{.*}} ins(%{{.*}}, %[[COUNTS]] : tensor<1x2x2x2xf32>, tensor<2x2x1xf32>) outs(%{{.*}} : tensor<1x4x4x2xf32>)
// CHECK: arith.divf
// CHECK: tensor.extract_slice %[[G]][0, 1, 1, 0] [1, 3, 3, 2] [1, 1, 1, 1]
func.func @pool2d_grad_avg_padded(%y: tensor<1x3x3x2xf32>, %dy: tensor<1x2x2x2xf32>) -> tensor<1x3x3x2xf32> {
  %0 = dlc.pool2d_grad %y, %dy {kind = #dlc.pool_kind<avg>, window = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 0, 1, 0>} : (tensor<1x3x3x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x3x3x2xf32>
  return %0 : tensor<1x3x3x2xf32>
}

// -----

// CHECK-LABEL: func.func @activation_grad
// CHECK: linalg.generic
// CHECK: ^bb0(%[[Y:.+]]: f32, %[[DY:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[ONE_MINUS:.+]] = arith.subf %{{.*}}, %[[Y]]
// CHECK: %[[D:.+]] = arith.mulf %[[Y]], %[[ONE_MINUS]]
// CHECK: arith.mulf %[[DY]], %[[D]]
func.func @activation_grad(%y: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = dlc.activation_grad %y, %dy {activation = #dlc.activation<sigmoid>} : tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// From the output: sqrt' = 0.5 / y, log' = e^-y.
// CHECK-LABEL: func.func @activation_grad_sqrt_log
// CHECK: ^bb0(%[[Y:.+]]: f32, %[[DY:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[D:.+]] = arith.divf %{{.*}}, %[[Y]]
// CHECK: arith.mulf %[[DY]], %[[D]]
// CHECK: ^bb0(%[[Y2:.+]]: f32, %[[DY2:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[N:.+]] = arith.negf %[[Y2]]
// CHECK: %[[E:.+]] = math.exp %[[N]]
// CHECK: arith.mulf %[[DY2]], %[[E]]
func.func @activation_grad_sqrt_log(%y: tensor<4x8xf32>, %dy: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = dlc.activation_grad %y, %dy {activation = #dlc.activation<sqrt>} : tensor<4x8xf32>
  %1 = dlc.activation_grad %y, %dy {activation = #dlc.activation<log>} : tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_grad
// CHECK: %[[S:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<4xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%{{.*}}, %{{.*}}, %[[S]] : tensor<4x10xf32>, tensor<4x10xf32>, tensor<4xf32>)
func.func @softmax_grad(%y: tensor<4x10xf32>, %dy: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = dlc.softmax_grad %y, %dy : tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_to_shape
// CHECK: %[[SUM:.+]] = linalg.reduce ins(%{{.*}} : tensor<8x4x5xf32>) outs(%{{.*}} : tensor<4xf32>) dimensions = [0, 2]
// CHECK: tensor.expand_shape %[[SUM]] {{\[}}[0, 1]] output_shape [4, 1] : tensor<4xf32> into tensor<4x1xf32>
func.func @reduce_to_shape(%x: tensor<8x4x5xf32>) -> tensor<4x1xf32> {
  %0 = dlc.reduce_to_shape %x : tensor<8x4x5xf32> -> tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @broadcast_to
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}}]{{.*}} ins(%{{.*}} : tensor<4x1xf32>) outs(%{{.*}} : tensor<2x4x5xf32>)
func.func @broadcast_to(%x: tensor<4x1xf32>) -> tensor<2x4x5xf32> {
  %0 = dlc.broadcast_to %x : tensor<4x1xf32> -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}

// -----

// Transposed operands are read through the matmul's indexing maps, not
// copied.
// CHECK-DAG: #[[A:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[B:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.+]]: tensor<8x576xf32>, %[[DY:.+]]: tensor<8x64xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul indexing_maps = [#[[A]], #[[B]], #[[C]]] {dlc.fusion_root} ins(%[[X]], %[[DY]] : tensor<8x576xf32>, tensor<8x64xf32>) outs(%{{.*}} : tensor<576x64xf32>)
func.func @matmul(%x: tensor<8x576xf32>, %dy: tensor<8x64xf32>) -> tensor<576x64xf32> {
  %0 = dlc.matmul %x, %dy {transpose_a = true} : (tensor<8x576xf32>, tensor<8x64xf32>) -> tensor<576x64xf32>
  return %0 : tensor<576x64xf32>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK: tensor.extract_slice %{{.*}}[0, 1, 1, 0] [1, 4, 4, 2] [1, 1, 1, 1] : tensor<1x6x6x2xf32> to tensor<1x4x4x2xf32>
func.func @slice(%x: tensor<1x6x6x2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = dlc.slice %x {offsets = array<i64: 0, 1, 1, 0>} : tensor<1x6x6x2xf32> -> tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// -----

// Stable logsumexp per row (max, sum of exp(z - max), max + log), then
// sum of y (lse - z) into a scalar, divided by N.
// CHECK-LABEL: func.func @loss_cce_logits
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.maxnumf
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%{{.*}}, %[[MAX]]
// CHECK: math.exp
// CHECK: %[[LSE:.+]] = linalg.generic {{.*}} ins(%[[MAX]], %[[SUM]]
// CHECK: math.log
// CHECK: %[[TOTAL:.+]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%{{.*}}, %{{.*}}, %[[LSE]] : {{.*}}) outs(%{{.*}} : tensor<f32>)
// CHECK: linalg.generic {{.*}} ins(%[[TOTAL]] : tensor<f32>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.constant 4.000000e+00
// CHECK: arith.divf
func.func @loss_cce_logits(%z: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<f32> {
  %0 = dlc.loss %z, %y {kind = #dlc.loss<categorical_crossentropy>, from_logits = true} : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Class indices are compared with the class loop index, not expanded.
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @loss_sparse
// CHECK: linalg.generic {indexing_maps = [{{.*}}, #[[ROW]], {{.*}}]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x10xf32>, tensor<4xi32>)
// CHECK: %[[C:.+]] = linalg.index 1
// CHECK: %[[L:.+]] = arith.index_cast
// CHECK: arith.cmpi eq, %[[C]], %[[L]]
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK: math.log
// CHECK: arith.negf
func.func @loss_sparse(%p: tensor<4x10xf32>, %c: tensor<4xi32>) -> tensor<f32> {
  %0 = dlc.loss %p, %c {kind = #dlc.loss<sparse_categorical_crossentropy>} : (tensor<4x10xf32>, tensor<4xi32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @loss_mse
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: arith.constant 1.200000e+01
// CHECK: arith.divf
func.func @loss_mse(%p: tensor<4x3xf32>, %y: tensor<4x3xf32>) -> tensor<f32> {
  %0 = dlc.loss %p, %y {kind = #dlc.loss<mean_squared_error>} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// (p * sum_c y - y) / N.
// CHECK-LABEL: func.func @loss_grad_cce_logits
// CHECK: %[[YSUM:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[YSUM]] : tensor<4x10xf32>, tensor<4x10xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[P:.+]]: f32, %[[Y:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[PS:.+]] = arith.mulf %[[P]], %[[S]]
// CHECK: %[[D:.+]] = arith.subf %[[PS]], %[[Y]]
// CHECK: arith.divf %[[D]]
func.func @loss_grad_cce_logits(%p: tensor<4x10xf32>, %y: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = dlc.loss_grad %p, %y {kind = #dlc.loss<categorical_crossentropy>, from_logits = true} : (tensor<4x10xf32>, tensor<4x10xf32>) -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// -----

// (p - y) / (p (1 - p)) / count, zero where p lies outside the clip range.
// CHECK-LABEL: func.func @loss_grad_bce
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: arith.divf
// CHECK: arith.cmpf oge
// CHECK: arith.cmpf ole
// CHECK: arith.select
func.func @loss_grad_bce(%p: tensor<4x3xf32>, %y: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %0 = dlc.loss_grad %p, %y {kind = #dlc.loss<binary_crossentropy>} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// The updates write into the parameter and state tensors themselves
// (destination-passing), so bufferization can update them in place.
// CHECK-LABEL: func.func @sgd_update
// CHECK-SAME: (%[[P:.+]]: tensor<64xf32>, %[[G:.+]]: tensor<64xf32>, %[[H:.+]]: tensor<2xf32>)
// CHECK: %[[LR:.+]] = tensor.extract %[[H]][%c0]
// CHECK: linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]] : tensor<64xf32>)
// CHECK: ^bb0(%[[GI:.+]]: f32, %[[PI:.+]]: f32):
// CHECK: %[[STEP:.+]] = arith.mulf %[[LR]], %[[GI]]
// CHECK: arith.subf %[[PI]], %[[STEP]]
func.func @sgd_update(%p: tensor<64xf32>, %g: tensor<64xf32>, %h: tensor<2xf32>) -> tensor<64xf32> {
  %0 = dlc.sgd_update %p, %g, %h : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>) -> tensor<64xf32>
  return %0 : tensor<64xf32>
}

// -----

// CHECK-LABEL: func.func @sgd_update_momentum
// CHECK-SAME: (%[[P:.+]]: tensor<64xf32>, %[[G:.+]]: tensor<64xf32>, %[[H:.+]]: tensor<2xf32>, %[[V:.+]]: tensor<64xf32>)
// CHECK: %{{.+}}:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[V]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: linalg.yield %{{.*}}, %{{.*}} : f32, f32
func.func @sgd_update_momentum(%p: tensor<64xf32>, %g: tensor<64xf32>, %h: tensor<2xf32>, %v: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %0:2 = dlc.sgd_update %p, %g, %h, %v {momentum = 0.5 : f32, nesterov = true} : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return %0#0, %0#1 : tensor<64xf32>, tensor<64xf32>
}

// -----

// Weight decay first (lr * wd * p), alpha = hyper[1] for the step.
// CHECK-LABEL: func.func @adam_update
// CHECK-SAME: (%[[P:.+]]: tensor<8x4xf32>, %[[G:.+]]: tensor<8x4xf32>, %[[H:.+]]: tensor<2xf32>, %[[M:.+]]: tensor<8x4xf32>, %[[V:.+]]: tensor<8x4xf32>)
// CHECK-DAG: %[[LR:.+]] = tensor.extract %[[H]][%c0]
// CHECK-DAG: %[[ALPHA:.+]] = tensor.extract %[[H]][%c1]
// CHECK: %[[DECAY:.+]] = arith.mulf %[[LR]], %{{.*}}
// CHECK: %{{.+}}:3 = linalg.generic {{.*}} ins(%[[G]] : tensor<8x4xf32>) outs(%[[P]], %[[M]], %[[V]] : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>)
// CHECK: ^bb0(%{{.+}}: f32, %[[PI:.+]]: f32, %{{.+}}: f32, %{{.+}}: f32):
// CHECK: %[[WD:.+]] = arith.mulf %[[DECAY]], %[[PI]]
// CHECK: %[[PD:.+]] = arith.subf %[[PI]], %[[WD]]
// CHECK: math.sqrt
// CHECK: %[[NUM:.+]] = arith.mulf %[[ALPHA]], %{{.*}}
// CHECK: %[[STEP:.+]] = arith.divf %[[NUM]], %{{.*}}
// CHECK: %[[NEWP:.+]] = arith.subf %[[PD]], %[[STEP]]
// CHECK: linalg.yield %[[NEWP]], %{{.*}}, %{{.*}} : f32, f32, f32
func.func @adam_update(%p: tensor<8x4xf32>, %g: tensor<8x4xf32>, %h: tensor<2xf32>, %m: tensor<8x4xf32>, %v: tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>) {
  %0:3 = dlc.adam_update %p, %g, %h, %m, %v {weight_decay = 0.5 : f32} : (tensor<8x4xf32>, tensor<8x4xf32>, tensor<2xf32>, tensor<8x4xf32>, tensor<8x4xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>)
  return %0#0, %0#1, %0#2 : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

// CHECK-LABEL: func.func @adagrad_update
// CHECK-SAME: (%[[P:.+]]: tensor<64xf32>, %[[G:.+]]: tensor<64xf32>, %[[H:.+]]: tensor<2xf32>, %[[A:.+]]: tensor<64xf32>)
// CHECK: %{{.+}}:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[A]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: ^bb0(%[[GI:.+]]: f32, %{{.+}}: f32, %[[AI:.+]]: f32):
// CHECK: %[[G2:.+]] = arith.mulf %[[GI]], %[[GI]]
// CHECK: %[[NEWA:.+]] = arith.addf %[[AI]], %[[G2]]
// CHECK: math.sqrt
// CHECK: linalg.yield %{{.*}}, %[[NEWA]] : f32, f32
func.func @adagrad_update(%p: tensor<64xf32>, %g: tensor<64xf32>, %h: tensor<2xf32>, %a: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %0:2 = dlc.adagrad_update %p, %g, %h, %a : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return %0#0, %0#1 : tensor<64xf32>, tensor<64xf32>
}

// -----

// CHECK-LABEL: func.func @rmsprop_update
// CHECK-SAME: (%[[P:.+]]: tensor<64xf32>, %[[G:.+]]: tensor<64xf32>, %[[H:.+]]: tensor<2xf32>, %[[S:.+]]: tensor<64xf32>)
// CHECK: %{{.+}}:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<64xf32>) outs(%[[P]], %[[S]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: arith.constant 0.899999976
// CHECK: math.sqrt
// CHECK: linalg.yield
func.func @rmsprop_update(%p: tensor<64xf32>, %g: tensor<64xf32>, %h: tensor<2xf32>, %s: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %0:2 = dlc.rmsprop_update %p, %g, %h, %s : (tensor<64xf32>, tensor<64xf32>, tensor<2xf32>, tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>)
  return %0#0, %0#1 : tensor<64xf32>, tensor<64xf32>
}

// -----

// batch_norm_train: per-channel sums over N, H, W (reductions into [C]),
// the mean, then the variance in a second pass over x, then one
// elementwise generic for y. batch_norm_grad: sum(dy), sum(dy * xhat),
// then dx elementwise; dgamma and dbeta are those sums.
// CHECK-LABEL: func.func @batch_norm_training
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%arg0 : tensor<2x3x3x4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[MEAN:.*]] = linalg.generic {{.*}} ins(%[[SUM]] : tensor<4xf32>)
// CHECK: arith.divf
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "reduction", "reduction", "parallel"]} ins(%arg0, %[[MEAN]] : tensor<2x3x3x4xf32>, tensor<4xf32>)
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: %[[VAR:.*]] = linalg.generic {{.*}} ins(%[[SQ]] : tensor<4xf32>)
// CHECK: %[[INV:.*]] = linalg.generic {{.*}} ins(%[[VAR]] : tensor<4xf32>)
// CHECK: math.sqrt
// CHECK: %[[Y:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%arg0, %[[MEAN]], %[[INV]], %arg1, %arg2 :
// CHECK: %[[SDY:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<2x3x3x4xf32>) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[SDYX:.*]] = linalg.generic {{.*}} ins(%arg3, %arg0, %[[MEAN]], %{{.*}} : {{.*}}) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} ins(%arg3, %arg0, %[[MEAN]], %{{.*}}, %arg1, %[[SDY]], %[[SDYX]] :
// CHECK: return %[[Y]], %[[DX]], %[[SDYX]], %[[SDY]]
func.func @batch_norm_training(%x: tensor<2x3x3x4xf32>, %g: tensor<4xf32>,
    %b: tensor<4xf32>, %dy: tensor<2x3x3x4xf32>)
    -> (tensor<2x3x3x4xf32>, tensor<2x3x3x4xf32>, tensor<4xf32>,
        tensor<4xf32>) {
  %y, %m, %v = dlc.batch_norm_train %x, %g, %b
      : (tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>)
        -> (tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %dx, %dg, %db = dlc.batch_norm_grad %dy, %x, %g, %m, %v
      : (tensor<2x3x3x4xf32>, tensor<2x3x3x4xf32>, tensor<4xf32>,
         tensor<4xf32>, tensor<4xf32>)
        -> (tensor<2x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %y, %dx, %dg, %db : tensor<2x3x3x4xf32>, tensor<2x3x3x4xf32>,
                             tensor<4xf32>, tensor<4xf32>
}

// -----

// dropout_train: the key of (seed, step) once, from hyper[2]; the mask
// bits per element from its row-major index (linalg.index), never stored.
// CHECK-LABEL: func.func @dropout_training
// CHECK: %[[T:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<3xf32>
// CHECK: arith.fptoui %[[T]] : f32 to i32
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%arg0 : tensor<4x8xf32>)
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.cmpi uge
// CHECK: arith.select
func.func @dropout_training(%x: tensor<4x8xf32>, %h: tensor<3xf32>)
    -> tensor<4x8xf32> {
  %y = dlc.dropout_train %x, %h {rate = 0.25 : f32, seed = 7 : i64}
      : (tensor<4x8xf32>, tensor<3xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
