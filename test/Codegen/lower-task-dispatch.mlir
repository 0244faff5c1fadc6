// RUN: dlc-opt %s --split-input-file --verify-diagnostics --dlc-lower-task-dispatch | FileCheck %s

// The entry and the kernel on the way to the dispatcher take the pool last
// and pass it on. The dispatcher runs its loop when the pool is null and
// otherwise stores its arguments into 8-byte slots and calls the pool's
// parallel_for with the thunk, which loads them back for the task.
// CHECK-LABEL: llvm.func @infer(
// CHECK-SAME: %[[X:.*]]: !llvm.ptr, %[[POOL:.*]]: !llvm.ptr)
// CHECK: llvm.call @k(%[[X]], %[[POOL]])
// CHECK-LABEL: llvm.func @k(
// CHECK-SAME: %[[KX:.*]]: !llvm.ptr, %[[KPOOL:.*]]: !llvm.ptr)
// CHECK: llvm.call @k_tasks(%[[KX]], %{{.*}}, %[[KPOOL]])
// CHECK-LABEL: llvm.func @k_tasks(
// CHECK-SAME: %[[A:.*]]: !llvm.ptr, %[[N:.*]]: i64, %[[P:.*]]: !llvm.ptr)
// CHECK-NOT: dlc.task_count
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[SERIAL:.*]] = llvm.icmp "eq" %[[P]], %[[NULL]]
// CHECK: llvm.cond_br %[[SERIAL]], ^[[LOOP:.*]], ^[[POOLED:.*]]
// CHECK: ^[[POOLED]]:
// CHECK: %[[ARGS:.*]] = llvm.alloca %{{.*}} x i64
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0]
// CHECK: llvm.store %[[A]], %[[S0]]
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1]
// CHECK: llvm.store %[[N]], %[[S1]]
// CHECK: %[[PF:.*]] = llvm.getelementptr %[[P]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr)>
// CHECK: %[[POOLPTR:.*]] = llvm.load %[[PF]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[FF:.*]] = llvm.getelementptr %[[P]][0, 1] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(ptr, ptr)>
// CHECK: %[[FOR:.*]] = llvm.load %[[FF]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[THUNK:.*]] = llvm.mlir.addressof @k_tasks_thunk
// CHECK: %[[COUNT:.*]] = llvm.mlir.constant(4 : i64)
// CHECK: llvm.call %[[FOR]](%[[POOLPTR]], %[[COUNT]], %[[THUNK]], %[[ARGS]])
// CHECK: llvm.return
// CHECK: ^[[LOOP]]:
// CHECK: llvm.call @k_task(
// CHECK-LABEL: llvm.func internal @k_tasks_thunk(
// CHECK-SAME: %[[SLOTS:.*]]: !llvm.ptr, %[[T:.*]]: i64)
// CHECK: %[[L0:.*]] = llvm.load %{{.*}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[L1:.*]] = llvm.load %{{.*}} : !llvm.ptr -> i64
// CHECK: llvm.call @k_task(%[[T]], %[[L0]], %[[L1]])
module {
  llvm.func @infer(%x: !llvm.ptr) {
    llvm.call @k(%x) : (!llvm.ptr) -> ()
    llvm.return
  }
  llvm.func @k(%x: !llvm.ptr) {
    %n = llvm.mlir.constant(7 : i64) : i64
    llvm.call @k_tasks(%x, %n) : (!llvm.ptr, i64) -> ()
    llvm.return
  }
  llvm.func @k_task(%t: i64, %x: !llvm.ptr, %n: i64) {
    llvm.return
  }
  llvm.func @k_tasks(%x: !llvm.ptr, %n: i64) attributes {dlc.task_count = 4 : i64, dlc.task_function = @k_task} {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    llvm.br ^loop(%c0 : i64)
  ^loop(%i: i64):
    llvm.call @k_task(%i, %x, %n) : (i64, !llvm.ptr, i64) -> ()
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %next = llvm.add %i, %c1 : i64
    %c4 = llvm.mlir.constant(4 : i64) : i64
    %more = llvm.icmp "slt" %next, %c4 : i64
    llvm.cond_br %more, ^loop(%next : i64), ^done
  ^done:
    llvm.return
  }
}

// -----

// A model without tasks still takes the pool (the ABI does not change).
// CHECK-LABEL: llvm.func @infer(
// CHECK-SAME: %{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr)
llvm.func @infer(%x: !llvm.ptr) {
  llvm.return
}

// -----

llvm.func @infer() {
  llvm.return
}
// expected-error @+1 {{malformed task dispatcher}}
llvm.func @d() attributes {dlc.task_count = 2 : i64, dlc.task_function = @missing} {
  llvm.return
}
