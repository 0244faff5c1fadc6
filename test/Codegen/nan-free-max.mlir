// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-nan-free-max))' | FileCheck %s

// A max pool behind a ReLU, as dlc-vectorize leaves it: the ReLU's result
// goes through a tensor tile and back; the pool starts from -inf. Every max
// of the pool gets nnan and nsz; the ReLU itself (maxnumf) is left alone.
// CHECK-LABEL: func.func @pool_after_relu
// CHECK: arith.maxnumf %{{.*}}, %{{.*}} : vector<2x16xf32>
// CHECK: %[[A:.*]] = arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan,nsz> : vector<16xf32>
// CHECK: arith.maximumf %{{.*}}, %[[A]] fastmath<nnan,nsz> : vector<16xf32>
func.func @pool_after_relu(%conv: vector<2x16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : vector<2x16xf32>
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %relu = arith.maxnumf %conv, %zeros : vector<2x16xf32>
  %tile = tensor.empty() : tensor<2x16xf32>
  %w = vector.transfer_write %relu, %tile[%c0, %c0] {in_bounds = [true, true]} : vector<2x16xf32>, tensor<2x16xf32>
  %r = vector.transfer_read %w[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<2x16xf32>, vector<2x16xf32>
  %row0 = vector.extract %r[0] : vector<16xf32> from vector<2x16xf32>
  %row1 = vector.extract %r[1] : vector<16xf32> from vector<2x16xf32>
  %m0 = arith.maximumf %row0, %ninf : vector<16xf32>
  %m1 = arith.maximumf %row1, %m0 : vector<16xf32>
  return %m1 : vector<16xf32>
}

// -----

// Without the ReLU the input may hold NaN: the max keeps its semantics.
// CHECK-LABEL: func.func @pool_of_raw_input
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT: fastmath
func.func @pool_of_raw_input(%x: vector<16xf32>) -> vector<16xf32> {
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %m = arith.maximumf %x, %ninf : vector<16xf32>
  return %m : vector<16xf32>
}

// -----

// A constant holding a NaN is not NaN-free; maxnumf with a NaN-free side
// (the ReLU6 clamp) is, even if its other operand is not.
// CHECK-LABEL: func.func @constants_and_clamps
// CHECK: %[[BAD:.*]] = arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK: arith.minimumf %{{.*}}, %{{.*}} fastmath<nnan,nsz> : vector<16xf32>
func.func @constants_and_clamps(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %nan = arith.constant dense<0x7FC00000> : vector<16xf32>
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %six = arith.constant dense<6.0> : vector<16xf32>
  %relu = arith.maxnumf %x, %zeros : vector<16xf32>
  %bad = arith.maximumf %relu, %nan : vector<16xf32>
  %clamped = arith.minimumf %relu, %six : vector<16xf32>
  return %bad, %clamped : vector<16xf32>, vector<16xf32>
}

// -----

// A loop-carried maximum: NaN-free by induction when the initial value and
// every update are; not when the initial value is an argument.
// CHECK-LABEL: func.func @loop_carried
// CHECK: scf.for
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan,nsz> : vector<16xf32>
// CHECK: scf.for
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT: fastmath
func.func @loop_carried(%x: vector<16xf32>, %init: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %relu = arith.maxnumf %x, %zeros : vector<16xf32>
  %a = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %ninf) -> (vector<16xf32>) {
    %m = arith.maximumf %acc, %relu : vector<16xf32>
    scf.yield %m : vector<16xf32>
  }
  %b = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %init) -> (vector<16xf32>) {
    %m = arith.maximumf %acc, %relu : vector<16xf32>
    scf.yield %m : vector<16xf32>
  }
  return %a, %b : vector<16xf32>, vector<16xf32>
}

// -----

// Tiles written by parallel tasks into a shared output: NaN-free when the
// initial tensor and every inserted slice are.
// CHECK-LABEL: func.func @forall_shared_output
// CHECK: scf.forall
// CHECK: arith.maximumf %{{.*}}, %{{.*}} fastmath<nnan,nsz> : vector<16xf32>
func.func @forall_shared_output(%x: vector<16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %pad = arith.constant 0.0 : f32
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %ninf = arith.constant dense<0xFF800000> : vector<16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %t = scf.forall (%i) in (4) shared_outs(%out = %e) -> (tensor<4x16xf32>) {
    %relu = arith.maxnumf %x, %zeros : vector<16xf32>
    %slice = tensor.empty() : tensor<1x16xf32>
    %w = vector.transfer_write %relu, %slice[%c0, %c0] {in_bounds = [true]} : vector<16xf32>, tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %w into %out[%i, 0] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<4x16xf32>
    }
  }
  %r = vector.transfer_read %t[%c0, %c0], %pad {in_bounds = [true]} : tensor<4x16xf32>, vector<16xf32>
  %m = arith.maximumf %r, %ninf : vector<16xf32>
  return %m : vector<16xf32>
}
