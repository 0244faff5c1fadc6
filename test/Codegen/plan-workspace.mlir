// RUN: dlc-opt %s --split-input-file --dlc-plan-workspace | FileCheck %s

// Three intermediates: %a dies when %c is allocated, so %c reuses its bytes;
// %b is live across both and gets its own range. All become views into the
// trailing workspace argument, whose size is recorded on the function.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%[[IN:.*]]: memref<16xf32>, %[[OUT:.*]]: memref<16xf32>, %[[WS:.*]]: memref<128xi8>)
// CHECK-SAME: dlc.workspace_bytes = 128 : i64
// CHECK-NOT: memref.alloc
// CHECK: memref.view %[[WS]][%c0][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[WS]][%c64][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[WS]][%c0{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK-NOT: memref.dealloc
// CHECK: return
func.func @infer(%in: memref<16xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  memref.copy %a, %b : memref<16xf32> to memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  %c = memref.alloc() : memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.copy %c, %b : memref<16xf32> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// A use through a view (subview) keeps the buffer live until that use.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: %{{.*}}: memref<192xi8>
// CHECK-SAME: dlc.workspace_bytes = 192 : i64
func.func @infer(%in: memref<32xf32>, %out: memref<16xf32>) {
  %a = memref.alloc() : memref<32xf32>
  memref.copy %in, %a : memref<32xf32> to memref<32xf32>
  %v = memref.subview %a[0] [16] [1] : memref<32xf32> to memref<16xf32, strided<[1]>>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %v, %b : memref<16xf32, strided<[1]>> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// No intermediates: the workspace argument is still there (fixed ABI), with
// zero bytes needed.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: %{{.*}}: memref<64xi8>
// CHECK-SAME: dlc.workspace_bytes = 0 : i64
func.func @infer(%in: memref<4xf32>, %out: memref<4xf32>) {
  memref.copy %in, %out : memref<4xf32> to memref<4xf32>
  return
}
