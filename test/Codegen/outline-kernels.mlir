// RUN: dlc-opt %s --split-input-file --dlc-outline-kernels | FileCheck %s

// Two layers that compute the same thing on other buffers (a weight, a view
// of the workspace) share one kernel; the third, with another constant,
// gets its own. Kernels are named after the model op, take the buffers as
// arguments and clone the constants they read.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: dlc.kernels = array<i64: 3, 2>
// CHECK: %[[V:.*]] = memref.view
// CHECK: call @relu_1(%{{.*}}, %[[V]])
// CHECK: call @relu_1(%[[V]], %{{.*}})
// CHECK: call @clip_3(
// CHECK: return
// CHECK: func.func private @relu_1(%{{.*}}: memref<4x16xf32>, %{{.*}}: memref<4x16xf32>) attributes {no_inline}
// CHECK: arith.constant 0.000000e+00
// CHECK: scf.for
// CHECK: func.func private @clip_3(
// CHECK: arith.constant 6.000000e+00
// CHECK-NOT: func.func private
func.func @infer(%in: memref<4x16xf32>, %out: memref<4x16xf32>, %ws: memref<256xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %v = memref.view %ws[%c0][] : memref<256xi8> to memref<4x16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %x = vector.transfer_read %in[%i, %c0], %zero : memref<4x16xf32>, vector<16xf32>
    %z = vector.broadcast %zero : f32 to vector<16xf32>
    %y = arith.maxnumf %x, %z : vector<16xf32>
    vector.transfer_write %y, %v[%i, %c0] : vector<16xf32>, memref<4x16xf32>
  } loc(#relu1)
  scf.for %i = %c0 to %c4 step %c1 {
    %x = vector.transfer_read %v[%i, %c0], %zero : memref<4x16xf32>, vector<16xf32>
    %z = vector.broadcast %zero : f32 to vector<16xf32>
    %y = arith.maxnumf %x, %z : vector<16xf32>
    vector.transfer_write %y, %out[%i, %c0] : vector<16xf32>, memref<4x16xf32>
  } loc(#relu2)
  scf.for %i = %c0 to %c4 step %c1 {
    %x = vector.transfer_read %out[%i, %c0], %zero : memref<4x16xf32>, vector<16xf32>
    %z = vector.broadcast %six : f32 to vector<16xf32>
    %y = arith.minnumf %x, %z : vector<16xf32>
    vector.transfer_write %y, %out[%i, %c0] : vector<16xf32>, memref<4x16xf32>
  } loc(#clip3)
  return
}
#relu1 = loc("relu_1")
#relu2 = loc("relu_2")
#clip3 = loc("clip_3")

// -----

// A loop nest over a buffer of dynamic shape stays in the entry: the
// bare-pointer calling convention cannot pass it.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: dlc.kernels = array<i64: 0, 0>
// CHECK: scf.for
// CHECK-NOT: func.func private
func.func @infer(%in: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    memref.store %one, %in[%i] : memref<?xf32>
  }
  return
}

// -----

// Only the entry (the `entry` option) is outlined; a loop without a model
// op's name makes a kernel named "kernel_".
// CHECK-LABEL: func.func @infer
// CHECK: call @kernel_
// CHECK-LABEL: func.func @helper
// CHECK: scf.for
func.func @infer(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %one, %a[%i] : memref<8xf32>
  }
  return
}
func.func @helper(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %one, %a[%i] : memref<8xf32>
  }
  return
}
