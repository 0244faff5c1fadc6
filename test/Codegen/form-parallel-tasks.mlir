// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-form-parallel-tasks))' | FileCheck %s
// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-form-parallel-tasks{max-private-bytes=64}))' | FileCheck %s --check-prefix=SMALL

// A task's buffer becomes a stack buffer inside an alloca_scope at the top
// of its body, and the forall a loop over the task index, tagged.
// CHECK-LABEL: func.func @one_dim
// CHECK-NOT: scf.forall
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %c4 step %{{.*}} {
// CHECK-NEXT: memref.alloca_scope {
// CHECK-NEXT: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32xf32>
// CHECK: memref.subview %{{.*}}[%[[T]], 0]
// CHECK: memref.copy %[[BUF]]
// CHECK: } {dlc.parallel_tasks}
// 128 bytes of scratch are more than SMALL allows: the forall stays.
// SMALL-LABEL: func.func @one_dim
// SMALL: scf.forall
// SMALL-NOT: dlc.parallel_tasks
func.func @one_dim(%out: memref<4x32xf32>) {
  scf.forall (%i) in (4) {
    %t = memref.alloc() {alignment = 64 : i64} : memref<32xf32>
    %v = memref.subview %out[%i, 0] [1, 32] [1, 1] : memref<4x32xf32> to memref<32xf32, strided<[1], offset: ?>>
    memref.copy %t, %v : memref<32xf32> to memref<32xf32, strided<[1], offset: ?>>
  }
  return
}

// -----

// Two dimensions with offsets and steps: 2 x 3 tasks, the last dimension
// varying fastest; buffers nested in inner loops move to the top too.
// CHECK-LABEL: func.func @two_dims
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %c6 step %{{.*}} {
// CHECK: memref.alloca_scope {
// CHECK-NEXT: memref.alloca() {alignment = 64 : i64} : memref<2xf32>
// CHECK: %[[J:.*]] = arith.remui %[[T]], %c3
// CHECK: %[[I:.*]] = arith.divui %[[T]], %c3
// CHECK: %[[I4:.*]] = arith.muli %[[I]], %c4
// CHECK: %[[I0:.*]] = arith.addi %[[I4]], %c8
// CHECK: scf.for
// CHECK-NOT: memref.alloc(
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[I0]], %[[J]]]
// CHECK: } {dlc.parallel_tasks}
// Its 8 bytes (64 with alignment) fit SMALL's limit.
// SMALL-LABEL: func.func @two_dims
// SMALL: dlc.parallel_tasks
func.func @two_dims(%out: memref<16x3xf32>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  scf.forall (%i, %j) = (8, 0) to (16, 3) step (4, 1) {
    scf.for %k = %c0 to %c2 step %c1 {
      %t = memref.alloc() : memref<2xf32>
      memref.store %x, %t[%k] : memref<2xf32>
    }
    memref.store %x, %out[%i, %j] : memref<16x3xf32>
  }
  return
}

// -----

// A buffer of unbounded dynamic size cannot be a fixed stack buffer, and a
// single task gains nothing: both foralls stay for scf-forall-to-for.
// CHECK-LABEL: func.func @stays
// CHECK: scf.forall
// CHECK: memref.alloc(
// CHECK: scf.forall
// CHECK-NOT: dlc.parallel_tasks
func.func @stays(%out: memref<4x8xf32>, %n: index, %x: f32) {
  scf.forall (%i) in (4) {
    %t = memref.alloc(%n) : memref<?xf32>
    memref.store %x, %t[%i] : memref<?xf32>
  }
  scf.forall (%i) in (1) {
    memref.store %x, %out[%i, %i] : memref<4x8xf32>
  }
  return
}

// -----

// Only the outermost forall becomes tasks; one nested in it runs inside its
// task.
// CHECK-LABEL: func.func @nested
// CHECK: scf.for
// CHECK: scf.forall
// CHECK: } {dlc.parallel_tasks}
func.func @nested(%out: memref<4x8xf32>, %x: f32) {
  scf.forall (%i) in (4) {
    scf.forall (%j) in (8) {
      memref.store %x, %out[%i, %j] : memref<4x8xf32>
    }
  }
  return
}

// -----

// A partial tile's buffer, sized by affine.min/max of the task index, gets
// stack bytes for its largest size (7 x 3 floats) and a view of its size.
// CHECK-LABEL: func.func @partial_tile
// CHECK: scf.for
// CHECK: memref.alloca_scope {
// CHECK-NEXT: %[[BYTES:.*]] = memref.alloca() {alignment = 64 : i64} : memref<84xi8>
// CHECK: %[[N:.*]] = affine.min
// CHECK: memref.view %[[BYTES]][%{{.*}}][%[[N]]] : memref<84xi8> to memref<?x3xf32>
// CHECK-NOT: memref.alloc(
// CHECK: } {dlc.parallel_tasks}
func.func @partial_tile(%out: memref<20x3xf32>, %x: f32) {
  scf.forall (%i) in (3) {
    %start = affine.apply affine_map<(d0) -> (d0 * 7)>(%i)
    %n = affine.min affine_map<(d0) -> (7, -d0 + 20)>(%start)
    %t = memref.alloc(%n) : memref<?x3xf32>
    memref.store %x, %t[%i, %i] : memref<?x3xf32>
  }
  return
}

// -----

// A whole-buffer elementwise op (a residual addition) runs as one task per
// row; a small one stays a single call.
// CHECK-LABEL: func.func @residual_add
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %c56 step %{{.*}} {
// CHECK-DAG: %[[A:.*]] = memref.subview %arg0[0, %[[T]], 0, 0] [1, 1, 56, 64] [1, 1, 1, 1]
// CHECK-DAG: %[[B:.*]] = memref.subview %arg1[0, %[[T]], 0, 0] [1, 1, 56, 64] [1, 1, 1, 1]
// CHECK-DAG: %[[C:.*]] = memref.subview %arg2[0, %[[T]], 0, 0] [1, 1, 56, 64] [1, 1, 1, 1]
// CHECK: linalg.add ins(%[[A]], %[[B]] : {{.*}}) outs(%[[C]] : {{.*}})
// CHECK: } {dlc.parallel_tasks}
// CHECK: linalg.add ins(%arg3, %arg3 : memref<8x8xf32>, memref<8x8xf32>)
// CHECK-NOT: dlc.parallel_tasks
func.func @residual_add(%a: memref<1x56x56x64xf32>, %b: memref<1x56x56x64xf32>,
                        %c: memref<1x56x56x64xf32>, %small: memref<8x8xf32>) {
  linalg.add ins(%a, %b : memref<1x56x56x64xf32>, memref<1x56x56x64xf32>)
             outs(%c : memref<1x56x56x64xf32>)
  linalg.add ins(%small, %small : memref<8x8xf32>, memref<8x8xf32>)
             outs(%small : memref<8x8xf32>)
  return
}
