// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-select-tiling))' | FileCheck %s
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-select-tiling{outer-tiles=1,2,0,0 inner-tiles=1,1,4,16}))' | FileCheck %s --check-prefix=OVERRIDE

// conv1 of the reference CNN: 26 conv columns needed, 32 channels = two
// vectors per position, so 13 positions x 2 = 26 accumulators.
// CHECK-LABEL: func.func @conv1_pool
// CHECK: linalg.pooling_nhwc_max
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 13, 32]>
// OVERRIDE-LABEL: func.func @conv1_pool
// OVERRIDE: dlc.tiling = #dlc.tiling<outer = [1, 2, 0, 0], inner = [1, 1, 4, 16]>
func.func @conv1_pool(%act: tensor<1x26x26x32xf32>) -> tensor<1x13x13x32xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x13x13x32xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x13x13x32xf32>) -> tensor<1x13x13x32xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x26x26x32xf32>, tensor<2x2xf32>) outs(%f : tensor<1x13x13x32xf32>) -> tensor<1x13x13x32xf32>
  return %p : tensor<1x13x13x32xf32>
}

// -----

// conv2: the pool reads 10 of the 11 conv columns; 64 channels are tiled by
// 32 (two vectors), and 10 columns x 2 vectors = 20 accumulators fit. Its
// 5 pooled rows at batch 1 are too few tasks for the threads, so each task
// takes 32 of the 64 channels (10 tasks).
// CHECK-LABEL: func.func @conv2_pool
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 32], inner = [1, 1, 10, 32]>
func.func @conv2_pool(%act: tensor<1x11x11x64xf32>) -> tensor<1x5x5x64xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x5x5x64xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x5x5x64xf32>) -> tensor<1x5x5x64xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x11x11x64xf32>, tensor<2x2xf32>) outs(%f : tensor<1x5x5x64xf32>) -> tensor<1x5x5x64xf32>
  return %p : tensor<1x5x5x64xf32>
}

// -----

// A schedule already in the IR is kept: a test or a schedule can pin it.
// The options still override its sizes.
// CHECK-LABEL: func.func @pinned
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 2, 0, 0], inner = [1, 1, 2, 8], reduction = [1, 0, 0], unroll_reduction>
// OVERRIDE-LABEL: func.func @pinned
// OVERRIDE: dlc.tiling = #dlc.tiling<outer = [1, 2, 0, 0], inner = [1, 1, 4, 16], reduction = [1, 0, 0], unroll_reduction>
func.func @pinned(%act: tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.tiling = #dlc.tiling<outer = [1, 2, 0, 0], inner = [1, 1, 2, 8], reduction = [1, 0, 0], unroll_reduction>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}

// -----

// Ops without the root marker get no tile sizes.
// CHECK-LABEL: func.func @not_a_root
// CHECK-NOT: dlc.tiling
func.func @not_a_root(%act: tensor<1x4x4x8xf32>) -> tensor<1x2x2x8xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x8xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%act, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}

// -----

// conv1 of the reference CNN as a conv: a 3x3x1 filter has its columns
// unrolled, so all 9 filter positions stay in registers, one vector each per
// channel vector. 32 channels (two vectors) would need 18 filter vectors + 26
// accumulators; one vector of 16 channels needs 9 + 13 (and no second image:
// 26 + 9 would not fit either).
// CHECK-LABEL: func.func @one_channel_conv
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 13, 16], reduction = [1, 0, 0], unroll_reduction>
func.func @one_channel_conv(%x: tensor<2x28x28x1xf32>, %w: tensor<3x3x1x32xf32>) -> tensor<2x26x26x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x26x26x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x26x26x32xf32>) -> tensor<2x26x26x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<2x28x28x1xf32>, tensor<3x3x1x32xf32>) outs(%f : tensor<2x26x26x32xf32>) -> tensor<2x26x26x32xf32>
  return %c : tensor<2x26x26x32xf32>
}

// -----

// A narrow output with 64 channels (the last conv of the reference CNN, 3
// columns): four vectors per position (12 accumulators instead of 6); with
// 64 input channels the filter's columns are a loop (reduction tile 1, 1).
// CHECK-LABEL: func.func @narrow_wide_conv
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 64], reduction = [1, 1, 0]>
func.func @narrow_wide_conv(%x: tensor<1x5x5x64xf32>, %w: tensor<3x3x64x64xf32>) -> tensor<1x3x3x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x3x3x64xf32>) -> tensor<1x3x3x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x5x5x64xf32>, tensor<3x3x64x64xf32>) outs(%f : tensor<1x3x3x64xf32>) -> tensor<1x3x3x64xf32>
  return %c : tensor<1x3x3x64xf32>
}

// -----

// A filter gradient computed as a convolution has the output gradient as
// its "filter", 26 columns wide: its columns are a loop, not unrolled; one
// input channel (the image) keeps two vectors of 32 channels.
// Its 692 KiB "filter" is looped over row by row outside the tasks
// (dlc.outer_reduction_tiles), so that every task reads one row from L2.
// CHECK-LABEL: func.func @filter_grad_conv
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 32], reduction = [1, 1, 0], outer_reduction = [1, 0, 0], unroll_reduction>
func.func @filter_grad_conv(%x: tensor<1x28x28x8xf32>, %dy: tensor<26x26x8x32xf32>) -> tensor<1x3x3x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %dy : tensor<1x28x28x8xf32>, tensor<26x26x8x32xf32>) outs(%f : tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32>
  return %c : tensor<1x3x3x32xf32>
}

// -----

// The second conv's filter gradient at batch 64 (the input's 32 channels
// play the batch): a 3x3 output with 64 channels takes two "images" into
// the register tile (24 accumulators), so each output-gradient vector
// loaded from L2 feeds six FMAs instead of three.
// CHECK-LABEL: func.func @batched_filter_grad_conv
// CHECK: dlc.tiling = #dlc.tiling<outer = [2, 1, 0, 0], inner = [2, 1, 3, 64], reduction = [1, 1, 0], outer_reduction = [1, 0, 0]>
func.func @batched_filter_grad_conv(%x: tensor<32x13x13x64xf32>, %dy: tensor<11x11x64x64xf32>) -> tensor<32x3x3x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<32x3x3x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<32x3x3x64xf32>) -> tensor<32x3x3x64xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %dy : tensor<32x13x13x64xf32>, tensor<11x11x64x64xf32>) outs(%f : tensor<32x3x3x64xf32>) -> tensor<32x3x3x64xf32>
  return %c : tensor<32x3x3x64xf32>
}

// -----

// A deep layer (ResNet's last 3x3 stage, 512 input channels): unrolling
// the whole reduction would be 14 accumulators x 512 channels = 7168
// multiply-adds in one step; the input channels are looped over in blocks
// of 32 (448 unrolled multiply-adds, under the 512 that keep LLVM's work
// per kernel small). Its 7 output rows make 7 tasks at batch 1: blocks of
// 128 output channels make 28.
// CHECK-LABEL: func.func @deep_conv
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 128], inner = [1, 1, 7, 32], reduction = [1, 1, 32], outer_reduction = [1, 0, 0]>
func.func @deep_conv(%x: tensor<1x9x9x512xf32>, %w: tensor<3x3x512x512xf32>) -> tensor<1x7x7x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x7x7x512xf32>) -> tensor<1x7x7x512xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x9x9x512xf32>, tensor<3x3x512x512xf32>) outs(%f : tensor<1x7x7x512xf32>) -> tensor<1x7x7x512xf32>
  return %c : tensor<1x7x7x512xf32>
}

// -----

// The same layer with a ReLU after it: the ReLU is the root, and the filter
// rows cannot be looped over outside the tasks (the ReLU would read partial
// sums), so there is no outer_reduction.
// CHECK-LABEL: func.func @deep_conv_relu
// CHECK: linalg.generic
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 128], inner = [1, 1, 7, 32], reduction = [1, 1, 32]>
#id = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @deep_conv_relu(%x: tensor<1x9x9x512xf32>, %w: tensor<3x3x512x512xf32>) -> tensor<1x7x7x512xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x512xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x7x7x512xf32>) -> tensor<1x7x7x512xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x9x9x512xf32>, tensor<3x3x512x512xf32>) outs(%f : tensor<1x7x7x512xf32>) -> tensor<1x7x7x512xf32>
  %r = linalg.generic {dlc.fusion_root, indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c : tensor<1x7x7x512xf32>) outs(%e : tensor<1x7x7x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %z : f32
    linalg.yield %m : f32
  } -> tensor<1x7x7x512xf32>
  return %r : tensor<1x7x7x512xf32>
}

// -----

// A 1000-class classifier: never one register tile over all 1000 outputs
// (63 accumulators); 1000 has no multiple of 16 as a divisor, so the tile is
// the largest divisor of at most two vectors.
// CHECK-LABEL: func.func @classifier
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 0], inner = [1, 25], reduction = [32]>
func.func @classifier(%x: tensor<1x512xf32>, %w: tensor<512x1000xf32>) -> tensor<1x1000xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %c = linalg.matmul {dlc.fusion_root} ins(%x, %w : tensor<1x512xf32>, tensor<512x1000xf32>) outs(%f : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %c : tensor<1x1000xf32>
}

// -----

// Fewer channels than two vectors: one tile over all of them.
// CHECK-LABEL: func.func @odd_channels
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 9, 24], reduction = [1, 1, 0]>
func.func @odd_channels(%x: tensor<1x9x9x24xf32>, %w: tensor<1x1x24x24xf32>) -> tensor<1x9x9x24xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x9x9x24xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x9x9x24xf32>) -> tensor<1x9x9x24xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x9x9x24xf32>, tensor<1x1x24x24xf32>) outs(%f : tensor<1x9x9x24xf32>) -> tensor<1x9x9x24xf32>
  return %c : tensor<1x9x9x24xf32>
}

// -----

// A MobileNetV2 projection (144 input channels, 14 accumulators, at most
// 512 multiply-adds per unrolled step): the channel tile is a whole number
// of vectors, 16, not the larger divisor 36, whose 2.25 vectors LLVM would
// split and shuffle.
// CHECK-LABEL: func.func @expanded_projection
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 7, 32], reduction = [1, 1, 16]>
func.func @expanded_projection(%x: tensor<1x7x7x144xf32>, %w: tensor<1x1x144x32xf32>) -> tensor<1x7x7x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x7x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x7x7x144xf32>, tensor<1x1x144x32xf32>) outs(%f : tensor<1x7x7x32xf32>) -> tensor<1x7x7x32xf32>
  return %c : tensor<1x7x7x32xf32>
}

// -----

// A pool over many channels (a global average pool over 1280) gets tasks
// of one register tile's channels: its vectors stay two registers wide
// instead of 1280 floats.
// CHECK-LABEL: func.func @wide_global_pool
// CHECK: linalg.pooling_nhwc_sum
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 32], inner = [1, 1, 7, 32]>
func.func @wide_global_pool(%act: tensor<1x7x7x1280xf32>) -> tensor<1x1x1x1280xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1x1x1280xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x1x1x1280xf32>) -> tensor<1x1x1x1280xf32>
  %win = tensor.empty() : tensor<7x7xf32>
  %p = linalg.pooling_nhwc_sum {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%act, %win : tensor<1x7x7x1280xf32>, tensor<7x7xf32>) outs(%f : tensor<1x1x1x1280xf32>) -> tensor<1x1x1x1280xf32>
  return %p : tensor<1x1x1x1280xf32>
}


// -----

// The same conv1 + pool for an AVX2 CPU (#dlc.target on the module: 8
// lanes, 16 registers, 12 of them for accumulators): 32 channels are four
// vectors, so the tile takes one vector of 8 channels, and the 9 filter
// vectors of the unrolled 3x3x1 filter leave room for 5 accumulators: 2
// columns of 2 images.
// CHECK-LABEL: func.func @avx2_conv1
// CHECK: linalg.conv_2d_nhwc_hwcf
// CHECK-SAME: dlc.tiling = #dlc.tiling<outer = [2, 1, 0, 0], inner = [2, 1, 2, 8], reduction = [1, 0, 0], unroll_reduction>
module attributes {dlc.target = #dlc.target<cpu = "haswell", features = "", vectorBits = 256, vectorRegisters = 16>} {
  func.func @avx2_conv1(%x: tensor<64x28x28x1xf32>, %w: tensor<3x3x1x32xf32>) -> tensor<64x26x26x32xf32> {
    %z = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<64x26x26x32xf32>
    %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x26x26x32xf32>) -> tensor<64x26x26x32xf32>
    %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<64x28x28x1xf32>, tensor<3x3x1x32xf32>) outs(%f : tensor<64x26x26x32xf32>) -> tensor<64x26x26x32xf32>
    return %c : tensor<64x26x26x32xf32>
  }
}

// -----

// A deep AVX2 layer: the register tile is two vectors of 8 channels by 6
// columns (12 accumulators), and the input channels are tiled by 32 so
// that a step (12 accumulators x 32 channels) stays within 512
// multiply-adds.
// CHECK-LABEL: func.func @avx2_deep_conv
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 128], inner = [1, 1, 6, 16], reduction = [1, 1, 32], outer_reduction = [1, 0, 0]>
module attributes {dlc.target = #dlc.target<cpu = "haswell", features = "", vectorBits = 256, vectorRegisters = 16>} {
  func.func @avx2_deep_conv(%x: tensor<1x14x14x256xf32>, %w: tensor<3x3x256x256xf32>) -> tensor<1x12x12x256xf32> {
    %z = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<1x12x12x256xf32>
    %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x12x12x256xf32>) -> tensor<1x12x12x256xf32>
    %c = linalg.conv_2d_nhwc_hwcf {dlc.fusion_root, dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x14x14x256xf32>, tensor<3x3x256x256xf32>) outs(%f : tensor<1x12x12x256xf32>) -> tensor<1x12x12x256xf32>
    return %c : tensor<1x12x12x256xf32>
  }
}
