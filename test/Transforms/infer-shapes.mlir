// RUN: dlc-opt %s --dlc-infer-shapes --split-input-file --verify-diagnostics | FileCheck %s
// RUN: dlc-opt %s --dlc-infer-shapes="batch=4" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=BATCH

// Without a batch, a dynamic function stays as it is; with batch=4 the
// static batch flows through conv, pool, the flatten reshape (one dynamic
// dimension, fixed by the element count), dense and softmax, and into the
// signature. The weights keep their shapes.
// CHECK-LABEL: func @cnn(%arg0: tensor<?x8x8x1xf32>, %arg1: tensor<3x3x1x4xf32>, %arg2: tensor<36x10xf32>) -> tensor<?x10xf32>
// CHECK: dlc.reshape %{{.*}} : tensor<?x3x3x4xf32> -> tensor<?x36xf32>
// BATCH-LABEL: func @cnn(%arg0: tensor<4x8x8x1xf32>, %arg1: tensor<3x3x1x4xf32>, %arg2: tensor<36x10xf32>) -> tensor<4x10xf32>
// BATCH: dlc.conv2d {{.*}} -> tensor<4x6x6x4xf32>
// BATCH: dlc.max_pool2d {{.*}} : tensor<4x6x6x4xf32> -> tensor<4x3x3x4xf32>
// BATCH: dlc.reshape %{{.*}} : tensor<4x3x3x4xf32> -> tensor<4x36xf32>
// BATCH: dlc.dense {{.*}} -> tensor<4x10xf32>
// BATCH: dlc.softmax %{{.*}} : tensor<4x10xf32>
// BATCH: return %{{.*}} : tensor<4x10xf32>
func.func @cnn(%x: tensor<?x8x8x1xf32>, %w: tensor<3x3x1x4xf32>,
               %d: tensor<36x10xf32>) -> tensor<?x10xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<?x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<?x6x6x4xf32>
  %1 = dlc.max_pool2d %0 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<?x6x6x4xf32> -> tensor<?x3x3x4xf32>
  %2 = dlc.reshape %1 : tensor<?x3x3x4xf32> -> tensor<?x36xf32>
  %3 = dlc.dense %2, %d : (tensor<?x36xf32>, tensor<36x10xf32>)
       -> tensor<?x10xf32>
  %4 = dlc.softmax %3 : tensor<?x10xf32>
  return %4 : tensor<?x10xf32>
}

// -----

// Broadcasting binary ops and concat refine too; an argument that is
// already static is left alone.
// CHECK-LABEL: func @binary_concat
// BATCH-LABEL: func @binary_concat(%arg0: tensor<4x3xf32>, %arg1: tensor<3xf32>, %arg2: tensor<2x3xf32>) -> tensor<6x3xf32>
// BATCH: dlc.add {{.*}} -> tensor<4x3xf32>
// BATCH: dlc.concat {{.*}} : (tensor<4x3xf32>, tensor<2x3xf32>) -> tensor<6x3xf32>
func.func @binary_concat(%a: tensor<?x3xf32>, %b: tensor<3xf32>,
                         %c: tensor<2x3xf32>) -> tensor<?x3xf32> {
  %0 = dlc.add %a, %b : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  %1 = dlc.concat %0, %c {axis = 0 : i64}
       : (tensor<?x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %1 : tensor<?x3xf32>
}

// -----

// Result types left dynamic by the importer are refined even without a
// batch: here the reshape's dynamic dimension follows from the static input.
// CHECK-LABEL: func @static_input() -> tensor<2x6xf32>
// CHECK: dlc.reshape %{{.*}} : tensor<2x3x2xf32> -> tensor<2x6xf32>
// CHECK: dlc.relu %{{.*}} : tensor<2x6xf32>
// CHECK: return %{{.*}} : tensor<2x6xf32>
func.func @static_input() -> tensor<?x6xf32> {
  %c = dlc.constant dense<1.0> : tensor<2x3x2xf32>
  %0 = dlc.reshape %c : tensor<2x3x2xf32> -> tensor<?x6xf32>
  %1 = dlc.relu %0 : tensor<?x6xf32>
  return %1 : tensor<?x6xf32>
}

// -----

// A user that cannot refine its types gets a cast to the type it had.
// BATCH-LABEL: func @opaque_user
// BATCH: %[[R:.*]] = dlc.relu %arg0 : tensor<4x2xf32>
// BATCH: %[[C:.*]] = tensor.cast %[[R]] : tensor<4x2xf32> to tensor<?x2xf32>
// BATCH: call @sink(%[[C]])
// BATCH: return %[[R]] : tensor<4x2xf32>
func.func private @sink(tensor<?x2xf32>)
func.func @opaque_user(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = dlc.relu %x : tensor<?x2xf32>
  call @sink(%0) : (tensor<?x2xf32>) -> ()
  return %0 : tensor<?x2xf32>
}

// -----

// A reshape whose element count does not divide is an error.
func.func @bad_reshape() -> tensor<?x4xf32> {
  %c = dlc.constant dense<1.0> : tensor<2x3xf32>
  // expected-error @below {{cannot reshape 6 elements into 'tensor<?x4xf32>'}}
  %0 = dlc.reshape %c : tensor<2x3xf32> -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}
