// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-approximate-math))' | FileCheck %s

// exp, log and tanh become inline arithmetic: no math call is left for
// LLVM to turn into libm's expf/logf/tanhf.
// CHECK-LABEL: func.func @softmax_pieces
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK-NOT: math.tanh
// CHECK: arith.mulf
// CHECK: return
func.func @softmax_pieces(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %e = math.exp %x : vector<16xf32>
  %l = math.log %x : vector<16xf32>
  %t = math.tanh %x : vector<16xf32>
  return %e, %l, %t : vector<16xf32>, vector<16xf32>, vector<16xf32>
}

// -----

// Scalars too (ops outside tiles stay scalar loops).
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: math.exp
// CHECK: return
func.func @scalar(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// -----

// erf (GELU) too: a rational approximation, no call to erff.
// CHECK-LABEL: func.func @erf
// CHECK-NOT: math.erf
// CHECK: arith.divf
// CHECK: return
func.func @erf(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.erf %x : vector<8xf32>
  return %e : vector<8xf32>
}

// -----

// Functions with exact lowerings are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK: math.sqrt
func.func @untouched(%x: f32) -> f32 {
  %s = math.sqrt %x : f32
  return %s : f32
}
