// RUN: dlc-opt %s --dlc-to-linalg --split-input-file --verify-diagnostics | FileCheck %s
// The lowered IR must bufferize as a whole (no op without a bufferization).
// RUN: dlc-opt %s --dlc-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=BUF
// Every op generated for a fused conv carries the fused op's location.
// RUN: dlc-opt %s --dlc-to-linalg --split-input-file --verify-diagnostics --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// BUF-NOT: tensor.
// BUF-NOT: bufferization.to_tensor
// BUF-NOT: -> tensor<

// CHECK-LABEL: func.func @constant
// CHECK: %[[C:.+]] = arith.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
// CHECK: return %[[C]]
func.func @constant() -> tensor<2xf32> {
  %0 = dlc.constant dense<[0.5, -1.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Padding, bias broadcast into the init, strides, ReLU as maxnumf; the last
// op of the chain is the root the code generator tiles.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x8x2xf32>, %[[W:.+]]: tensor<3x3x2x4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PAD:.+]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 0, 0, 0]
// CHECK: tensor.yield %[[ZERO]]
// CHECK: } : tensor<1x8x8x2xf32> to tensor<1x9x9x2xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x4x4xf32>
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%[[E]] : tensor<1x4x4x4xf32>) dimensions = [0, 1, 2]
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[PAD]], %[[W]] : tensor<1x9x9x2xf32>, tensor<3x3x2x4xf32>) outs(%[[INIT]] : tensor<1x4x4x4xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<1x4x4x4xf32>
// CHECK: %[[ACT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[CONV]] : tensor<1x4x4x4xf32>) outs(%[[E2]] : tensor<1x4x4x4xf32>)
// CHECK-SAME: attrs = {dlc.fusion_root}
// CHECK: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.+]] = arith.maxnumf %[[IN]], %[[Z]] : f32
// CHECK: linalg.yield %[[R]]
// CHECK: return %[[ACT]]
func.func @conv2d(%x: tensor<1x8x8x2xf32>, %w: tensor<3x3x2x4xf32>, %b: tensor<4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 0, 1, 0>, activation = #dlc.activation<relu>} : (tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}

// -----

// No bias: zero-filled init; no padding: no tensor.pad; no activation: no generic.
// CHECK-LABEL: func.func @conv2d_no_bias_dilated
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x8x2xf32>, %[[W:.+]]: tensor<3x3x2x4xf32>)
// CHECK-NOT: tensor.pad
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x2x4xf32>
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<1x4x2x4xf32>)
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<[2, 1]> : tensor<2xi64>, dlc.fusion_root, strides = dense<[1, 3]> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>) outs(%[[INIT]] : tensor<1x4x2x4xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[CONV]]
func.func @conv2d_no_bias_dilated(%x: tensor<1x8x8x2xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<1x4x2x4xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 3>, dilations = array<i64: 2, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<1x4x2x4xf32>
  return %0 : tensor<1x4x2x4xf32>
}

// -----

// Multiplier 1: the filter drops its multiplier dim and the conv writes NHWC;
// its chain ends in a fusion root, tiled like a conv chain.
// CHECK-LABEL: func.func @depthwise_conv2d
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x8x4xf32>, %[[W:.+]]: tensor<3x3x4x1xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[PAD:.+]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[F:.+]] = tensor.collapse_shape %[[W]] {{\[}}[0], [1], [2, 3]] : tensor<3x3x4x1xf32> into tensor<3x3x4xf32>
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>)
// CHECK: %[[CONV:.+]] = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME: ins(%[[PAD]], %[[F]] : tensor<1x10x10x4xf32>, tensor<3x3x4xf32>) outs(%[[INIT]] : tensor<1x8x8x4xf32>)
// CHECK: linalg.generic {{.*}}dlc.fusion_root
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
func.func @depthwise_conv2d(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x1xf32>, %b: tensor<4xf32>) -> tensor<1x8x8x4xf32> {
  %0 = dlc.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, activation = #dlc.activation<relu6>} : (tensor<1x8x8x4xf32>, tensor<3x3x4x1xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// -----

// Multiplier 2: [N, H, W, C, M] conv collapsed to C*M channels; the bias is
// split into [C, M] to initialize it. The chain ends in a reshape, which
// tiling cannot start from: no fusion root.
// CHECK-LABEL: func.func @depthwise_conv2d_multiplier
// CHECK-NOT: dlc.fusion_root
// CHECK-SAME: (%[[X:.+]]: tensor<1x6x6x3xf32>, %[[W:.+]]: tensor<3x3x3x2xf32>, %[[B:.+]]: tensor<6xf32>)
// CHECK: %[[B2:.+]] = tensor.expand_shape %[[B]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x2x2x3x2xf32>
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B2]] : tensor<3x2xf32>) outs(%[[E]] : tensor<1x2x2x3x2xf32>) dimensions = [0, 1, 2]
// CHECK: %[[CONV:.+]] = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x6x6x3xf32>, tensor<3x3x3x2xf32>) outs(%[[INIT]] : tensor<1x2x2x3x2xf32>)
// CHECK: %[[R:.+]] = tensor.collapse_shape %[[CONV]] {{\[}}[0], [1], [2], [3, 4]] : tensor<1x2x2x3x2xf32> into tensor<1x2x2x6xf32>
// CHECK: return %[[R]]
func.func @depthwise_conv2d_multiplier(%x: tensor<1x6x6x3xf32>, %w: tensor<3x3x3x2xf32>, %b: tensor<6xf32>) -> tensor<1x2x2x6xf32> {
  %0 = dlc.depthwise_conv2d %x, %w, %b {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x6x6x3xf32>, tensor<3x3x3x2xf32>, tensor<6xf32>) -> tensor<1x2x2x6xf32>
  return %0 : tensor<1x2x2x6xf32>
}

// -----

// The straight chain broadcast -> conv -> act -> fill -> pool; the pool is
// the fusion root.
// CHECK-LABEL: func.func @fused_conv2d_max
// CHECK-SAME: (%[[X:.+]]: tensor<1x10x10x1xf32>, %[[W:.+]]: tensor<3x3x1x8xf32>, %[[B:.+]]: tensor<8xf32>)
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B]]
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: ins(%[[X]], %[[W]] : tensor<1x10x10x1xf32>, tensor<3x3x1x8xf32>) outs(%[[INIT]] : tensor<1x8x8x8xf32>)
// CHECK: %[[ACT:.+]] = linalg.generic
// CHECK-SAME: ins(%[[CONV]] : tensor<1x8x8x8xf32>)
// CHECK: arith.maxnumf
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x4x8xf32>
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[FILL:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%[[E]] : tensor<1x4x4x8xf32>)
// CHECK: %[[WIN:.+]] = tensor.empty() : tensor<2x2xf32>
// CHECK: %[[POOL:.+]] = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, dlc.fusion_root, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[ACT]], %[[WIN]] : tensor<1x8x8x8xf32>, tensor<2x2xf32>) outs(%[[FILL]] : tensor<1x4x4x8xf32>)
// CHECK: return %[[POOL]]
func.func @fused_conv2d_max(%x: tensor<1x10x10x1xf32>, %w: tensor<3x3x1x8xf32>, %b: tensor<8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = dlc.fused_conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, activation = #dlc.activation<relu>, pool = #dlc.pool_kind<max>, pool_window = array<i64: 2, 2>, pool_strides = array<i64: 2, 2>} : (tensor<1x10x10x1xf32>, tensor<3x3x1x8xf32>, tensor<8xf32>) -> tensor<1x4x4x8xf32>
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// Average: 1/(2*2) folded into the activation generic, then a sum pool as
// the root (so no divide follows the root).
// CHECK-LABEL: func.func @fused_conv2d_avg
// CHECK: %[[CONV:.+]] = linalg.conv_2d_nhwc_hwcf
// CHECK: %[[ACT:.+]] = linalg.generic
// CHECK-SAME: ins(%[[CONV]] : tensor<1x9x8x8xf32>)
// CHECK: %[[R:.+]] = arith.maxnumf
// CHECK: %[[QUARTER:.+]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[S:.+]] = arith.mulf %[[R]], %[[QUARTER]] : f32
// CHECK: linalg.yield %[[S]]
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[FILL:.+]] = linalg.fill ins(%[[ZERO]] : f32)
// CHECK: %[[POOL:.+]] = linalg.pooling_nhwc_sum {{{.*}}dlc.fusion_root{{.*}}} ins(%[[ACT]], %{{.+}} : tensor<1x9x8x8xf32>, tensor<2x2xf32>) outs(%[[FILL]] : tensor<1x4x4x8xf32>)
// CHECK-NEXT: return %[[POOL]]
// LOC: #[[LOC:.+]] = loc("conv1")
// LOC-LABEL: func.func @fused_conv2d_avg
// LOC: } : tensor<1x10x10x1xf32> to tensor<1x11x10x1xf32> loc(#[[LOC]])
// LOC: linalg.fill {{.*}} loc(#[[LOC]])
// LOC: linalg.conv_2d_nhwc_hwcf {{.*}} loc(#[[LOC]])
// LOC: arith.maxnumf {{.*}} loc(#[[LOC]])
// LOC: } -> tensor<1x9x8x8xf32> loc(#[[LOC]])
// LOC: tensor.empty() : tensor<1x4x4x8xf32> loc(#[[LOC]])
// LOC: linalg.fill {{.*}} loc(#[[LOC]])
// LOC: tensor.empty() : tensor<2x2xf32> loc(#[[LOC]])
// LOC: linalg.pooling_nhwc_sum {{.*}} loc(#[[LOC]])
func.func @fused_conv2d_avg(%x: tensor<1x10x10x1xf32>, %w: tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 0, 0, 0>, activation = #dlc.activation<relu>, pool = #dlc.pool_kind<avg>, pool_window = array<i64: 2, 2>, pool_strides = array<i64: 2, 2>} : (tensor<1x10x10x1xf32>, tensor<3x3x1x8xf32>) -> tensor<1x4x4x8xf32> loc("conv1")
  return %0 : tensor<1x4x4x8xf32>
}

// -----

// Without a pool the last op of the chain (here the activation) is the root.
// CHECK-LABEL: func.func @fused_conv2d_no_pool
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-NOT: dlc.fusion_root
// CHECK: %[[ACT:.+]] = linalg.generic {{{.*}}} ins(%{{.+}} : tensor<1x8x8x8xf32>) outs(%{{.+}} : tensor<1x8x8x8xf32>) attrs = {dlc.fusion_root}
// CHECK: math.tanh
// CHECK: return %[[ACT]]
func.func @fused_conv2d_no_pool(%x: tensor<1x10x10x1xf32>, %w: tensor<3x3x1x8xf32>) -> tensor<1x8x8x8xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, activation = #dlc.activation<tanh>} : (tensor<1x10x10x1xf32>, tensor<3x3x1x8xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.+]]: tensor<2x16xf32>, %[[W:.+]]: tensor<16x4xf32>, %[[B:.+]]: tensor<4xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[INIT:.+]] = linalg.broadcast ins(%[[B]] : tensor<4xf32>) outs(%[[E]] : tensor<2x4xf32>) dimensions = [0]
// CHECK: %[[MM:.+]] = linalg.matmul ins(%[[X]], %[[W]] : tensor<2x16xf32>, tensor<16x4xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]]
// CHECK: %[[NEG:.+]] = arith.negf
// CHECK: %[[EXP:.+]] = math.exp %[[NEG]]
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[DEN:.+]] = arith.addf %[[ONE]], %[[EXP]]
// CHECK: arith.divf %[[ONE]], %[[DEN]]
func.func @dense(%x: tensor<2x16xf32>, %w: tensor<16x4xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %0 = dlc.dense %x, %w, %b {activation = #dlc.activation<sigmoid>} : (tensor<2x16xf32>, tensor<16x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Padding with -inf, which never wins since every window holds an input.
// CHECK-LABEL: func.func @max_pool2d
// CHECK-SAME: (%[[X:.+]]: tensor<1x7x7x3xf32>)
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[PAD:.+]] = tensor.pad %[[X]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[NEGINF]]
// CHECK: %[[NEGINF2:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[FILL:.+]] = linalg.fill ins(%[[NEGINF2]] : f32) outs(%{{.+}} : tensor<1x4x4x3xf32>)
// CHECK: %[[WIN:.+]] = tensor.empty() : tensor<3x3xf32>
// CHECK: %[[POOL:.+]] = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, dlc.fusion_root, strides = dense<2> : tensor<2xi64>}
// CHECK-SAME: ins(%[[PAD]], %[[WIN]] : tensor<1x9x9x3xf32>, tensor<3x3xf32>) outs(%[[FILL]] : tensor<1x4x4x3xf32>)
// CHECK: return %[[POOL]]
func.func @max_pool2d(%x: tensor<1x7x7x3xf32>) -> tensor<1x4x4x3xf32> {
  %0 = dlc.max_pool2d %x {window = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x7x7x3xf32> -> tensor<1x4x4x3xf32>
  return %0 : tensor<1x4x4x3xf32>
}

// -----

// Padding not counted: divide by the real positions per window, a
// compile-time [OH, OW, 1] constant broadcast over N and C.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[HW:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, 0)>
// CHECK-LABEL: func.func @avg_pool2d
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: %[[SUM:.+]] = linalg.pooling_nhwc_sum {{.*}} ins(%[[PAD]], %{{.+}} : tensor<1x5x5x2xf32>, tensor<3x3xf32>)
// CHECK: %[[COUNT:.+]] = arith.constant dense<{{\[\[\[}}4.000000e+00], [6.000000e+00], [4.000000e+00]], {{\[\[}}6.000000e+00], [9.000000e+00], [6.000000e+00]], {{\[\[}}4.000000e+00], [6.000000e+00], [4.000000e+00]]]> : tensor<3x3x1xf32>
// CHECK: %[[AVG:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[HW]], #[[ID]]]{{.*}} ins(%[[SUM]], %[[COUNT]] : tensor<1x3x3x2xf32>, tensor<3x3x1xf32>)
// CHECK: ^bb0(%[[S:.+]]: f32, %[[N:.+]]: f32, %{{.+}}: f32):
// CHECK: arith.divf %[[S]], %[[N]]
// CHECK: return %[[AVG]]
func.func @avg_pool2d(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %0 = dlc.avg_pool2d %x {window = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : tensor<1x3x3x2xf32> -> tensor<1x3x3x2xf32>
  return %0 : tensor<1x3x3x2xf32>
}

// -----

// Padding counted: divide by the window area.
// CHECK-LABEL: func.func @avg_pool2d_count_include_pad
// CHECK: %[[SUM:.+]] = linalg.pooling_nhwc_sum
// CHECK: linalg.generic {{.*}} ins(%[[SUM]] : tensor<1x3x3x2xf32>)
// CHECK: ^bb0(%[[S:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[AREA:.+]] = arith.constant 9.000000e+00 : f32
// CHECK: arith.divf %[[S]], %[[AREA]]
func.func @avg_pool2d_count_include_pad(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %0 = dlc.avg_pool2d %x {window = array<i64: 3, 3>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, count_include_pad = true} : tensor<1x3x3x2xf32> -> tensor<1x3x3x2xf32>
  return %0 : tensor<1x3x3x2xf32>
}

// -----

// Dilations go to the linalg pools as they are. The divisor counts the taps
// on real rows: rows {oh - 1, oh + 1} of 4, so the first and last output
// rows have one real row of two.
// CHECK-LABEL: func.func @avg_pool2d_dilated
// CHECK: %[[PAD:.+]] = tensor.pad %{{.+}} low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK: linalg.pooling_nhwc_sum {dilations = dense<[2, 1]> : tensor<2xi64>, {{.*}}strides = dense<1> : tensor<2xi64>} ins(%[[PAD]], %{{.+}} : tensor<1x6x3x2xf32>, tensor<2x2xf32>)
// CHECK: arith.constant dense<{{\[\[\[}}2.000000e+00], [2.000000e+00]], {{\[\[}}4.000000e+00], [4.000000e+00]], {{\[\[}}4.000000e+00], [4.000000e+00]], {{\[\[}}2.000000e+00], [2.000000e+00]]]> : tensor<4x2x1xf32>
func.func @avg_pool2d_dilated(%x: tensor<1x4x3x2xf32>) -> tensor<1x4x2x2xf32> {
  %0 = dlc.avg_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, dilations = array<i64: 2, 1>} : tensor<1x4x3x2xf32> -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @max_pool2d_dilated
// CHECK: linalg.pooling_nhwc_max {dilations = dense<[2, 1]> : tensor<2xi64>
func.func @max_pool2d_dilated(%x: tensor<1x4x3x2xf32>) -> tensor<1x4x2x2xf32> {
  %0 = dlc.max_pool2d %x {window = array<i64: 2, 2>, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, dilations = array<i64: 2, 1>} : tensor<1x4x3x2xf32> -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

// A sum pool over the whole image, a fusion root of its own (tiled over
// channels, never fused into its reader), then the scale that drops the
// unit dims.
// CHECK-DAG: #[[POOLED:.+]] = affine_map<(d0, d1) -> (d0, 0, 0, d1)>
// CHECK-LABEL: func.func @global_avg_pool
// CHECK-SAME: (%[[X:.+]]: tensor<2x4x2x3xf32>)
// CHECK: %[[FILL:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<2x1x1x3xf32>)
// CHECK: %[[WIN:.+]] = tensor.empty() : tensor<4x2xf32>
// CHECK: %[[SUM:.+]] = linalg.pooling_nhwc_sum {{{.*}}dlc.fusion_root{{.*}}} ins(%[[X]], %[[WIN]] : tensor<2x4x2x3xf32>, tensor<4x2xf32>) outs(%[[FILL]] : tensor<2x1x1x3xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[POOLED]], {{.*}}]{{.*}} ins(%[[SUM]] : tensor<2x1x1x3xf32>) outs(%{{.+}} : tensor<2x3xf32>)
// CHECK: %[[EIGHTH:.+]] = arith.constant 1.250000e-01 : f32
// CHECK: arith.mulf %{{.+}}, %[[EIGHTH]]
func.func @global_avg_pool(%x: tensor<2x4x2x3xf32>) -> tensor<2x3xf32> {
  %0 = dlc.global_avg_pool %x : tensor<2x4x2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Broadcast dims read index 0; missing leading dims are dropped.
// CHECK-DAG: #[[LHS:.+]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[RHS:.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @add
// CHECK-SAME: (%[[A:.+]]: tensor<2x1x3xf32>, %[[B:.+]]: tensor<4x1xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x4x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x1x3xf32>, tensor<4x1xf32>) outs(%[[E]] : tensor<2x4x3xf32>)
// CHECK: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK: arith.addf %[[X]], %[[Y]]
func.func @add(%a: tensor<2x1x3xf32>, %b: tensor<4x1xf32>) -> tensor<2x4x3xf32> {
  %0 = dlc.add %a, %b : (tensor<2x1x3xf32>, tensor<4x1xf32>) -> tensor<2x4x3xf32>
  return %0 : tensor<2x4x3xf32>
}

// -----

// CHECK-DAG: #[[VEC:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @sub
// CHECK: linalg.generic {indexing_maps = [#[[VEC]], #[[ID]], #[[ID]]]
// CHECK: arith.subf
func.func @sub(%a: tensor<3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = dlc.sub %a, %b : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A size-1 dim against a size-1 result dim is not a broadcast.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @mul
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]]
// CHECK: arith.mulf
func.func @mul(%a: tensor<1x3xf32>, %b: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = dlc.mul %a, %b : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0, d1) -> (0)>
// CHECK-LABEL: func.func @div
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[SCALAR]], #{{.+}}]
// CHECK: arith.divf
func.func @div(%a: tensor<2x3xf32>, %b: tensor<1xf32>) -> tensor<2x3xf32> {
  %0 = dlc.div %a, %b : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @relu
// CHECK: linalg.generic
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maxnumf %{{.+}}, %[[Z]] : f32
func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.relu %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @relu6
// CHECK: linalg.generic
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[LO:.+]] = arith.maxnumf %{{.+}}, %[[Z]] : f32
// CHECK: %[[SIX:.+]] = arith.constant 6.000000e+00 : f32
// CHECK: arith.minnumf %[[LO]], %[[SIX]] : f32
func.func @relu6(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.relu6 %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @leaky_relu
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[POS:.+]] = arith.cmpf oge, %[[X]], %[[Z]] : f32
// CHECK: %[[A:.+]] = arith.constant 1.000000e-01 : f32
// CHECK: %[[SCALED:.+]] = arith.mulf %[[X]], %[[A]] : f32
// CHECK: arith.select %[[POS]], %[[X]], %[[SCALED]] : f32
func.func @leaky_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.leaky_relu %x {alpha = 0.1 : f32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @sigmoid
// CHECK: linalg.generic
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.addf
// CHECK: arith.divf
func.func @sigmoid(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.sigmoid %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @tanh
// CHECK: linalg.generic
// CHECK: math.tanh
func.func @tanh(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.tanh %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @math
// CHECK: math.sqrt
// CHECK: math.erf
// CHECK: math.exp
// CHECK: math.log
func.func @math(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.sqrt %x : tensor<4xf32>
  %1 = dlc.erf %0 : tensor<4xf32>
  %2 = dlc.exp %1 : tensor<4xf32>
  %3 = dlc.log %2 : tensor<4xf32>
  return %3 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @clip
// CHECK: linalg.generic
// CHECK: %[[LO:.+]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[T:.+]] = arith.maxnumf %{{.+}}, %[[LO]] : f32
// CHECK: %[[HI:.+]] = arith.constant 5.000000e-01 : f32
// CHECK: arith.minnumf %[[T]], %[[HI]] : f32
func.func @clip(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.clip %x {min = -1.0 : f32, max = 0.5 : f32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @dropout(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = dlc.dropout %x {rate = 0.5 : f32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// max-reduce, sum of exp(x - max) as a reduction generic, then exp / sum.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[RED:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.+]]: tensor<2x10x3xf32>)
// CHECK: %[[NEGINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.+]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.+}} : tensor<2x3xf32>)
// CHECK: %[[MAX:.+]] = linalg.reduce ins(%[[X]] : tensor<2x10x3xf32>) outs(%[[MAXINIT]] : tensor<2x3xf32>) dimensions = [1]
// CHECK: arith.maxnumf
// CHECK: %[[SUMINIT:.+]] = linalg.fill
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]] : tensor<2x10x3xf32>, tensor<2x3xf32>) outs(%[[SUMINIT]] : tensor<2x3xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[M:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK: %[[D:.+]] = arith.subf %[[A]], %[[M]]
// CHECK: %[[E:.+]] = math.exp %[[D]]
// CHECK: arith.addf %[[ACC]], %[[E]]
// CHECK: %[[OUT:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<2x10x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK: ^bb0(%[[A2:.+]]: f32, %[[M2:.+]]: f32, %[[S2:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[D2:.+]] = arith.subf %[[A2]], %[[M2]]
// CHECK: %[[E2:.+]] = math.exp %[[D2]]
// CHECK: arith.divf %[[E2]], %[[S2]]
// CHECK: return %[[OUT]]
func.func @softmax(%x: tensor<2x10x3xf32>) -> tensor<2x10x3xf32> {
  %0 = dlc.softmax %x {axis = 1 : i64} : tensor<2x10x3xf32>
  return %0 : tensor<2x10x3xf32>
}

// -----

// CHECK-LABEL: func.func @log_softmax
// CHECK: linalg.reduce {{.*}} dimensions = [1]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: ^bb0(%[[A:.+]]: f32, %[[M:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[D:.+]] = arith.subf %[[A]], %[[M]]
// CHECK: %[[L:.+]] = math.log %[[S]]
// CHECK: arith.subf %[[D]], %[[L]]
func.func @log_softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = dlc.log_softmax %x : tensor<2x10xf32>
  return %0 : tensor<2x10xf32>
}

// -----

// Per-channel factor scale * rsqrt(var + eps) first, then one generic over
// the input with the [C] operands on the last axis.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[C:.+]] = affine_map<(d0, d1, d2, d3) -> (d3)>
// CHECK-LABEL: func.func @batch_norm
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x2x4xf32>, %[[G:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>, %[[M:.+]]: tensor<4xf32>, %[[V:.+]]: tensor<4xf32>)
// CHECK: %[[F:.+]] = linalg.generic {{.*}} ins(%[[G]], %[[V]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[GS:.+]]: f32, %[[VS:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[EPS:.+]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[VE:.+]] = arith.addf %[[VS]], %[[EPS]]
// CHECK: %[[INV:.+]] = math.rsqrt %[[VE]]
// CHECK: arith.mulf %[[GS]], %[[INV]]
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[C]], #[[C]], #[[C]], #[[ID]]]
// CHECK-SAME: ins(%[[X]], %[[M]], %[[F]], %[[B]] :
// CHECK: ^bb0(%[[XS:.+]]: f32, %[[MS:.+]]: f32, %[[FS:.+]]: f32, %[[BS:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[CEN:.+]] = arith.subf %[[XS]], %[[MS]]
// CHECK: %[[SC:.+]] = arith.mulf %[[CEN]], %[[FS]]
// CHECK: arith.addf %[[SC]], %[[BS]]
func.func @batch_norm(%x: tensor<1x2x2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<1x2x2x4xf32> {
  %0 = dlc.batch_norm %x, %g, %b, %m, %v : (tensor<1x2x2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x2x2x4xf32>
  return %0 : tensor<1x2x2x4xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_collapse
// CHECK: %[[R:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0], [1, 2, 3]] : tensor<2x3x3x4xf32> into tensor<2x36xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_collapse(%x: tensor<2x3x3x4xf32>) -> tensor<2x36xf32> {
  %0 = dlc.reshape %x : tensor<2x3x3x4xf32> -> tensor<2x36xf32>
  return %0 : tensor<2x36xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_expand
// CHECK: %[[R:.+]] = tensor.expand_shape %{{.+}} {{\[}}[0, 1], [2]] output_shape [2, 3, 4] : tensor<6x4xf32> into tensor<2x3x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_expand(%x: tensor<6x4xf32>) -> tensor<2x3x4xf32> {
  %0 = dlc.reshape %x : tensor<6x4xf32> -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Neither a collapse nor an expand: through 1-D, still copy-free views.
// CHECK-LABEL: func.func @reshape_general
// CHECK: %[[FLAT:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: %[[R:.+]] = tensor.expand_shape %[[FLAT]] {{\[}}[0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_general(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = dlc.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_to_scalar
// CHECK: tensor.collapse_shape %{{.+}} [] : tensor<1x1xf32> into tensor<f32>
func.func @reshape_to_scalar(%x: tensor<1x1xf32>) -> tensor<f32> {
  %0 = dlc.reshape %x : tensor<1x1xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.+]]: tensor<1x8x8x4xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x8x8xf32>
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<1x8x8x4xf32>) outs(%[[E]] : tensor<1x4x8x8xf32>) permutation = [0, 3, 1, 2]
// CHECK: return %[[T]]
func.func @transpose(%x: tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32> {
  %0 = dlc.transpose %x {perm = array<i64: 0, 3, 1, 2>} : tensor<1x8x8x4xf32> -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.+]]: tensor<1x4x4x2xf32>, %[[B:.+]]: tensor<1x4x4x3xf32>, %[[C:.+]]: tensor<1x4x4x1xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<1x4x4x6xf32>
// CHECK: %[[S0:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0] [1, 4, 4, 2] [1, 1, 1, 1]
// CHECK: %[[S1:.+]] = tensor.insert_slice %[[B]] into %[[S0]][0, 0, 0, 2] [1, 4, 4, 3] [1, 1, 1, 1]
// CHECK: %[[S2:.+]] = tensor.insert_slice %[[C]] into %[[S1]][0, 0, 0, 5] [1, 4, 4, 1] [1, 1, 1, 1]
// CHECK: return %[[S2]]
func.func @concat(%a: tensor<1x4x4x2xf32>, %b: tensor<1x4x4x3xf32>, %c: tensor<1x4x4x1xf32>) -> tensor<1x4x4x6xf32> {
  %0 = dlc.concat %a, %b, %c {axis = -1 : i64} : (tensor<1x4x4x2xf32>, tensor<1x4x4x3xf32>, tensor<1x4x4x1xf32>) -> tensor<1x4x4x6xf32>
  return %0 : tensor<1x4x4x6xf32>
}

// -----

// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x2xf32>)
// CHECK: %[[V:.+]] = arith.constant 1.500000e+00 : f32
// CHECK: %[[P:.+]] = tensor.pad %[[X]] low[0, 1, 2, 0] high[0, 1, 0, 0]
// CHECK: tensor.yield %[[V]] : f32
// CHECK: } : tensor<1x4x4x2xf32> to tensor<1x6x6x2xf32>
// CHECK: return %[[P]]
func.func @pad(%x: tensor<1x4x4x2xf32>) -> tensor<1x6x6x2xf32> {
  %0 = dlc.pad %x {paddings = array<i64: 0, 0, 1, 1, 2, 0, 0, 0>, value = 1.5 : f32} : tensor<1x4x4x2xf32> -> tensor<1x6x6x2xf32>
  return %0 : tensor<1x6x6x2xf32>
}

// -----

// Dynamic shapes are rejected at the op, with the reason.
func.func @dynamic_relu(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{cannot lower 'dlc.relu' with dynamic shapes}}
  %0 = dlc.relu %x : tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

func.func @dynamic_conv(%x: tensor<?x8x8x2xf32>, %w: tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32> {
  // expected-error @+1 {{cannot lower 'dlc.conv2d' with dynamic shapes}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32>
  return %0 : tensor<?x6x6x4xf32>
}
