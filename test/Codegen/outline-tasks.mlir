// RUN: dlc-opt %s --split-input-file --dlc-outline-tasks | FileCheck %s

// A kernel that is one task loop: the body becomes @k_task (its scratch in
// the entry block, the alloca_scope gone), the loop @k_tasks, which records
// the task count and function; constants are cloned, not passed.
// CHECK-LABEL: func.func private @k(
// CHECK-SAME: %[[A:.*]]: memref<4x32xf32>
// CHECK-NOT: scf.for
// CHECK: call @k_tasks(%[[A]]) : (memref<4x32xf32>) -> ()
// CHECK-NEXT: return
// CHECK: func.func private @k_task(%[[T:.*]]: index, %[[B:.*]]: memref<4x32xf32>) attributes {no_inline}
// CHECK-NEXT: arith.constant 1.000000e+00
// CHECK-NEXT: %[[BUF:.*]] = memref.alloca() {alignment = 64 : i64} : memref<32xf32>
// CHECK-NOT: alloca_scope
// CHECK: memref.subview %[[B]][%[[T]], 0]
// CHECK: return
// CHECK: func.func private @k_tasks(%[[C:.*]]: memref<4x32xf32>) attributes {dlc.task_count = 4 : i64, dlc.task_function = @k_task, no_inline}
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: func.call @k_task(%[[I]], %[[C]])
func.func private @k(%out: memref<4x32xf32>) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.alloca_scope {
      %t = memref.alloca() {alignment = 64 : i64} : memref<32xf32>
      linalg.fill ins(%one : f32) outs(%t : memref<32xf32>)
      %v = memref.subview %out[%i, 0] [1, 32] [1, 1] : memref<4x32xf32> to memref<32xf32, strided<[1], offset: ?>>
      memref.copy %t, %v : memref<32xf32> to memref<32xf32, strided<[1], offset: ?>>
    }
  } {dlc.parallel_tasks}
  return
}

// -----

// Inside a loop over filter rows (a split reduction): the row is an index
// argument of the tasks, and the dispatcher runs once per row.
// CHECK-LABEL: func.func private @rows(
// CHECK: scf.for %[[R:.*]] =
// CHECK-NEXT: call @rows_tasks(%{{.*}}, %{{.*}}, %[[R]]) : (f32, memref<3x4xf32>, index) -> ()
// CHECK: func.func private @rows_task(%{{.*}}: index, %{{.*}}: f32, %{{.*}}: memref<3x4xf32>, %{{.*}}: index)
// CHECK: func.func private @rows_tasks(%{{.*}}: f32, %{{.*}}: memref<3x4xf32>, %{{.*}}: index) attributes {dlc.task_count = 4 : i64
func.func private @rows(%out: memref<3x4xf32>, %x: f32) attributes {no_inline} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.for %r = %c0 to %c3 step %c1 {
    scf.for %i = %c0 to %c4 step %c1 {
      memref.store %x, %out[%r, %i] : memref<3x4xf32>
    } {dlc.parallel_tasks}
  }
  return
}

// -----

// A buffer the bare-pointer convention cannot pass (dynamic offset): the
// loop runs its tasks in order where it is, untagged.
// CHECK-LABEL: func.func private @dynamic(
// CHECK: scf.for
// CHECK-NOT: dlc.parallel_tasks
// CHECK-NOT: call
// CHECK-NOT: func.func private @dynamic_task
func.func private @dynamic(%out: memref<4xf32, strided<[1], offset: ?>>, %x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %x, %out[%i] : memref<4xf32, strided<[1], offset: ?>>
  } {dlc.parallel_tasks}
  return
}
