// RUN: dlc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(dlc-untie-shared-inits))' | FileCheck %s

// Two pools share one -inf fill (CSE merged them): each gets its own fill
// on its own tensor.empty.
// CHECK-LABEL: func.func @shared_fill
// CHECK-DAG: %[[E0:.*]] = tensor.empty() : tensor<1x2x2x3xf32>
// CHECK-DAG: %[[E1:.*]] = tensor.empty() : tensor<1x2x2x3xf32>
// CHECK-DAG: %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<1x2x2x3xf32>)
// CHECK-DAG: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<1x2x2x3xf32>)
// CHECK-DAG: linalg.pooling_nhwc_max {{.*}} outs(%[[F0]] :
// CHECK-DAG: linalg.pooling_nhwc_max {{.*}} outs(%[[F1]] :
func.func @shared_fill(%a: tensor<1x4x4x3xf32>, %b: tensor<1x4x4x3xf32>) -> (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<1x2x2x3xf32>
  %f = linalg.fill ins(%ninf : f32) outs(%e : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %w = tensor.empty() : tensor<2x2xf32>
  %0 = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%a, %w : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %1 = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%b, %w : tensor<1x4x4x3xf32>, tensor<2x2xf32>) outs(%f : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  return %0, %1 : tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>
}

// -----

// A shared tensor.empty used as two destinations is split as well; the
// window-shape operand (an input, only read) stays shared.
// CHECK-LABEL: func.func @shared_empty
// CHECK-COUNT-2: tensor.empty() : tensor<4xf32>
// CHECK-COUNT-1: tensor.empty() : tensor<2x2xf32>
// CHECK-NOT: tensor.empty
func.func @shared_empty(%a: tensor<4xf32>, %b: tensor<4xf32>, %w: tensor<2x2xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %e = tensor.empty() : tensor<4xf32>
  %x = tensor.empty() : tensor<2x2xf32>
  %0 = linalg.copy ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %1 = linalg.copy ins(%b : tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// A single destination use: nothing to do.
// CHECK-LABEL: func.func @single_use
// CHECK-COUNT-1: linalg.fill
// CHECK-NOT: linalg.fill
func.func @single_use(%a: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %0 = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%f : tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
