// RUN: dlc-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// A complete schedule round-trips; optional fields print only when set.
// CHECK-LABEL: func.func @conv_schedule
// CHECK: dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 32], reduction = [1, 1, 16], outer_reduction = [1, 0, 0], unroll_reduction>
func.func @conv_schedule(%x: tensor<1x5x5x64xf32>, %w: tensor<3x3x64x32xf32>, %init: tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32> {
  %c = linalg.conv_2d_nhwc_hwcf {dlc.tiling = #dlc.tiling<unroll_reduction, inner = [1, 1, 3, 32], outer = [1, 1, 0, 0], outer_reduction = [1, 0, 0], reduction = [1, 1, 16]>}
    ins(%x, %w : tensor<1x5x5x64xf32>, tensor<3x3x64x32xf32>) outs(%init : tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32>
  return %c : tensor<1x3x3x32xf32>
}

// -----

// CHECK-LABEL: func.func @matmul_schedule
// CHECK: dlc.tiling = #dlc.tiling<outer = [8, 0], inner = [8, 32]>
func.func @matmul_schedule(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %m = linalg.matmul {dlc.tiling = #dlc.tiling<outer = [8, 0], inner = [8, 32]>}
    ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %m : tensor<8x32xf32>
}

// -----

// A pool's reduction sizes are those of the conv feeding it: not checked
// against the pool's own window loops.
// CHECK-LABEL: func.func @pool_schedule
// CHECK: reduction = [1, 0, 0]
func.func @pool_schedule(%x: tensor<1x4x4x8xf32>, %init: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %win = tensor.empty() : tensor<2x2xf32>
  %p = linalg.pooling_nhwc_max {dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 2, 8], reduction = [1, 0, 0]>, dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %win : tensor<1x4x4x8xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32>
  return %p : tensor<1x2x2x8xf32>
}

// -----

func.func @wrong_parallel_count(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{has 2 parallel loops but #dlc.tiling gives 4 outer and inner sizes}}
  %m = linalg.matmul {dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 32]>}
    ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %m : tensor<8x32xf32>
}

// -----

func.func @wrong_reduction_count(%x: tensor<1x5x5x64xf32>, %w: tensor<3x3x64x32xf32>, %init: tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32> {
  // expected-error @+1 {{has 3 reduction loops but #dlc.tiling gives 1 reduction sizes}}
  %c = linalg.conv_2d_nhwc_hwcf {dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 3, 32], reduction = [16]>}
    ins(%x, %w : tensor<1x5x5x64xf32>, tensor<3x3x64x32xf32>) outs(%init : tensor<1x3x3x32xf32>) -> tensor<1x3x3x32xf32>
  return %c : tensor<1x3x3x32xf32>
}

// -----

func.func @too_many_outer_reductions(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  // expected-error @+1 {{has 1 reduction loops but #dlc.tiling gives 2 outer_reduction sizes}}
  %m = linalg.matmul {dlc.tiling = #dlc.tiling<outer = [8, 0], inner = [8, 32], outer_reduction = [16, 16]>}
    ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%init : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %m : tensor<8x32xf32>
}

// -----

func.func @not_linalg(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{carries #dlc.tiling but is not a linalg op}}
  %r = arith.addf %a, %a {dlc.tiling = #dlc.tiling<outer = [1], inner = [1]>} : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

func.func @not_a_tiling(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'dlc.tiling' must be a #dlc.tiling}}
  %r = arith.addf %a, %a {dlc.tiling = [1, 2]} : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// expected-error @+1 {{#dlc.tiling needs as many inner sizes as outer sizes (one per parallel loop), got 2 and 1}}
#bad_lengths = #dlc.tiling<outer = [8, 0], inner = [8]>

// -----

// expected-error @+1 {{#dlc.tiling inner size 4 of loop 1 exceeds its outer size 2}}
#bad_nesting = #dlc.tiling<outer = [1, 2], inner = [1, 4]>

// -----

// expected-error @+1 {{#dlc.tiling sizes must be >= 0}}
#negative = #dlc.tiling<outer = [1, 2], inner = [1, -1]>

// -----

// expected-error @+1 {{unknown #dlc.tiling field 'inner_tiles'}}
#unknown = #dlc.tiling<outer = [1, 2], inner_tiles = [1, 1]>

// -----

// expected-error @+1 {{#dlc.tiling needs 'outer' and 'inner' sizes}}
#missing = #dlc.tiling<outer = [1, 2]>

// -----

// The target a module is compiled for round-trips.
// CHECK: module attributes {dlc.target = #dlc.target<cpu = "haswell", features = "+avx2,+fma", vectorBits = 256, vectorRegisters = 16>}
module attributes {dlc.target = #dlc.target<cpu = "haswell", features = "+avx2,+fma", vectorBits = 256, vectorRegisters = 16>} {
}

// -----

// expected-error @+1 {{#dlc.target vectorBits must be a multiple of 128, got 96}}
#odd_width = #dlc.target<cpu = "x", features = "", vectorBits = 96, vectorRegisters = 16>

// -----

// expected-error @+1 {{#dlc.target needs at least 8 vector registers, got 4}}
#few_registers = #dlc.target<cpu = "x", features = "", vectorBits = 256, vectorRegisters = 4>

// -----

func.func @target_on_a_function() attributes {dlc.target = #dlc.target<cpu = "haswell", features = "", vectorBits = 256, vectorRegisters = 16>} {
  // expected-error @-1 {{attribute 'dlc.target' must be a #dlc.target on a module}}
  return
}
