// RUN: dlc-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// CHECK-LABEL: func @rank3
func.func @rank3(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>)
    -> tensor<2x3x5xf32> {
  // CHECK: dlc.batch_matmul %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// CHECK-LABEL: func @rank4_unit_dims
func.func @rank4_unit_dims(%a: tensor<1x2x1x4xf32>, %b: tensor<1x2x4x1xf32>)
    -> tensor<1x2x1x1xf32> {
  // CHECK: dlc.batch_matmul {{.*}} -> tensor<1x2x1x1xf32>
  %0 = dlc.batch_matmul %a, %b
       : (tensor<1x2x1x4xf32>, tensor<1x2x4x1xf32>) -> tensor<1x2x1x1xf32>
  return %0 : tensor<1x2x1x1xf32>
}

// -----

func.func @rank2(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @below {{expects operands of the same rank >= 3, got 2 and 2}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_matmul %a, %b
       : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return
}

// -----

func.func @ranks_differ(%a: tensor<2x3x4xf32>, %b: tensor<1x2x4x5xf32>) {
  // expected-error @below {{expects operands of the same rank >= 3, got 3 and 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<1x2x4x5xf32>) -> tensor<1x2x3x5xf32>
  return
}

// -----

func.func @batch_differs(%a: tensor<2x3x4xf32>, %b: tensor<1x4x5xf32>) {
  // expected-error @below {{batch dim 0 differs: 2 vs 1 (broadcast it before)}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<1x4x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @k_differs(%a: tensor<2x3x4xf32>, %b: tensor<2x6x5xf32>) {
  // expected-error @below {{contraction sizes differ: lhs has K = 4, rhs 6}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<2x6x5xf32>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @wrong_result(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) {
  // expected-error @below {{'dlc.batch_matmul' op inferred type(s) 'tensor<2x3x5xf32>' are incompatible with return type(s) of operation 'tensor<2x5x3xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_matmul %a, %b
       : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x5x3xf32>
  return
}
