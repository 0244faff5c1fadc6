// RUN: dlc-opt %s --canonicalize --split-input-file | FileCheck %s
// The dlc dialect's folders, as the graph pipeline's canonicalization runs
// them.

// Binary ops of constants fold, with NumPy broadcasting.
// CHECK-LABEL: func @fold_binary
// CHECK-DAG: %[[ADD:.*]] = dlc.constant dense<{{\[\[}}1.100000e+01, 2.200000e+01], [1.300000e+01, 2.400000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[SUB:.*]] = dlc.constant dense<{{\[\[}}-9.000000e+00, -1.800000e+01], [-7.000000e+00, -1.600000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[MUL:.*]] = dlc.constant dense<{{\[\[}}1.000000e+01, 4.000000e+01], [3.000000e+01, 8.000000e+01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[DIV:.*]] = dlc.constant dense<{{\[\[}}5.000000e-01, 1.000000e+00], [1.500000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: dlc.add
// CHECK-NOT: dlc.sub
// CHECK-NOT: dlc.mul
// CHECK-NOT: dlc.div
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]]
func.func @fold_binary() -> (tensor<2x2xf32>, tensor<2x2xf32>,
                             tensor<2x2xf32>, tensor<2x2xf32>) {
  %a = dlc.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = dlc.constant dense<[10.0, 20.0]> : tensor<2xf32>
  %c = dlc.constant dense<2.0> : tensor<1x1xf32>
  %0 = dlc.add %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %1 = dlc.sub %a, %b : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %2 = dlc.mul %b, %a : (tensor<2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %3 = dlc.div %a, %c : (tensor<2x2xf32>, tensor<1x1xf32>) -> tensor<2x2xf32>
  return %0, %1, %2, %3 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>,
      tensor<2x2xf32>
}

// -----

// Chains of constant arithmetic fold completely, e.g. an exported graph
// computing a bias from two weights.
// CHECK-LABEL: func @fold_chain
// CHECK: %[[C:.*]] = dlc.constant dense<[1.600000e+01, 9.000000e+00]> : tensor<2xf32>
// CHECK: dlc.add %arg0, %[[C]]
func.func @fold_chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = dlc.constant dense<[3.0, 1.0]> : tensor<2xf32>
  %0 = dlc.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = dlc.mul %0, %0 : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = dlc.add %x, %1 : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %2 : tensor<3x2xf32>
}

// -----

// Negative: a non-constant operand does not fold.
// CHECK-LABEL: func @no_fold
// CHECK: dlc.mul %arg0
func.func @no_fold(%x: tensor<2xf32>) -> tensor<2xf32> {
  %a = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = dlc.mul %x, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// A reshape to the same type is its input; two reshapes are one.
// CHECK-LABEL: func @fold_reshape
// CHECK-NEXT: %[[R:.*]] = dlc.reshape %arg0 : tensor<1x3x3x4xf32> -> tensor<1x36xf32>
// CHECK-NEXT: return %arg0, %[[R]]
func.func @fold_reshape(%x: tensor<1x3x3x4xf32>)
    -> (tensor<1x3x3x4xf32>, tensor<1x36xf32>) {
  %0 = dlc.reshape %x : tensor<1x3x3x4xf32> -> tensor<1x3x3x4xf32>
  %1 = dlc.reshape %x : tensor<1x3x3x4xf32> -> tensor<9x4xf32>
  %2 = dlc.reshape %1 : tensor<9x4xf32> -> tensor<1x36xf32>
  return %0, %2 : tensor<1x3x3x4xf32>, tensor<1x36xf32>
}

// -----

// A reshape of a constant is a constant; so is an identity transpose's
// input.
// CHECK-LABEL: func @fold_constant_reshape
// CHECK-NEXT: %[[C:.*]] = dlc.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]]> : tensor<1x4xf32>
// CHECK-NEXT: return %[[C]], %arg0
func.func @fold_constant_reshape(%x: tensor<2x3xf32>)
    -> (tensor<1x4xf32>, tensor<2x3xf32>) {
  %c = dlc.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = dlc.reshape %c : tensor<2x2xf32> -> tensor<1x4xf32>
  %1 = dlc.transpose %x {perm = array<i64: 0, 1>}
       : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1 : tensor<1x4xf32>, tensor<2x3xf32>
}

// -----

// Negative: a real transpose stays.
// CHECK-LABEL: func @transpose
// CHECK: dlc.transpose
func.func @transpose(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %0 = dlc.transpose %x {perm = array<i64: 1, 0>}
       : tensor<2x3xf32> -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
