// RUN: dlc-opt %s --dlc-lift-parameters --split-input-file | FileCheck %s

// Filters and biases of convs and dense layers become trailing arguments
// named after the constants' locations (the model's tensor names); other
// constants stay.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: %arg0: tensor<1x4x4x1xf32>
// CHECK-SAME: %arg1: tensor<3x3x1x2xf32> {dlc.name = "conv/kernel", dlc.parameter}
// CHECK-SAME: %arg2: tensor<2xf32> {dlc.name = "conv/bias", dlc.parameter}
// CHECK-SAME: %arg3: tensor<8x3xf32> {dlc.name = "dense/kernel", dlc.parameter}
// CHECK: dlc.conv2d %arg0, %arg1, %arg2
// CHECK: %[[C:.*]] = dlc.constant dense<2.000000e+00> : tensor<f32>
// CHECK: dlc.mul %{{.*}}, %[[C]]
// CHECK: dlc.dense %{{.*}}, %arg3
func.func @infer(%x: tensor<1x4x4x1xf32>) -> tensor<1x3xf32> {
  %w = dlc.constant dense<0.5> : tensor<3x3x1x2xf32> loc("conv/kernel")
  %b = dlc.constant dense<0.0> : tensor<2xf32> loc("conv/bias")
  %y = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<2xf32>)
         -> tensor<1x2x2x2xf32>
  %two = dlc.constant dense<2.0> : tensor<f32> loc("two")
  %z = dlc.mul %y, %two : (tensor<1x2x2x2xf32>, tensor<f32>) -> tensor<1x2x2x2xf32>
  %f = dlc.reshape %z : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  %k = dlc.constant dense<0.25> : tensor<8x3xf32> loc("dense/kernel")
  %o = dlc.dense %f, %k : (tensor<1x8xf32>, tensor<8x3xf32>) -> tensor<1x3xf32>
  return %o : tensor<1x3xf32>
}

// -----

// A weight shared by two layers is one parameter.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: %arg1: tensor<4x4xf32> {dlc.name = "shared", dlc.parameter}
// CHECK: dlc.dense %arg0, %arg1
// CHECK: dlc.dense %{{.*}}, %arg1
func.func @infer(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = dlc.constant dense<0.5> : tensor<4x4xf32> loc("shared")
  %a = dlc.dense %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %b = dlc.dense %a, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %b : tensor<2x4xf32>
}

// -----

// Batch norm: gamma and beta are trainable; the moving statistics are
// parameters too (the train step updates them, inference reads them) but
// marked not trainable.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: %arg1: tensor<2xf32> {dlc.name = "bn/gamma", dlc.parameter}
// CHECK-SAME: %arg2: tensor<2xf32> {dlc.name = "bn/beta", dlc.parameter}
// CHECK-SAME: %arg3: tensor<2xf32> {dlc.name = "bn/mean", dlc.not_trainable, dlc.parameter}
// CHECK-SAME: %arg4: tensor<2xf32> {dlc.name = "bn/var", dlc.not_trainable, dlc.parameter}
// CHECK: dlc.batch_norm %arg0, %arg1, %arg2, %arg3, %arg4
func.func @infer(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = dlc.constant dense<1.0> : tensor<2xf32> loc("bn/gamma")
  %b = dlc.constant dense<0.0> : tensor<2xf32> loc("bn/beta")
  %m = dlc.constant dense<0.0> : tensor<2xf32> loc("bn/mean")
  %v = dlc.constant dense<1.0> : tensor<2xf32> loc("bn/var")
  %y = dlc.batch_norm %x, %g, %b, %m, %v
       : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// The importer's stand-in for an absent gamma (dlc.implicit) stays a
// constant: it is not a model tensor.
// CHECK-LABEL: func.func @infer
// CHECK-SAME: (%arg0: tensor<3x2xf32>, %arg1: tensor<2xf32> {dlc.name = "bn/beta", dlc.parameter}
// CHECK: %[[ONE:.*]] = dlc.constant {dlc.implicit} dense<1.000000e+00>
// CHECK: dlc.batch_norm %arg0, %[[ONE]], %arg1
func.func @infer(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %g = dlc.constant {dlc.implicit} dense<1.0> : tensor<2xf32> loc("bn")
  %b = dlc.constant dense<0.0> : tensor<2xf32> loc("bn/beta")
  %m = dlc.constant dense<0.0> : tensor<2xf32> loc("bn/mean")
  %v = dlc.constant dense<1.0> : tensor<2xf32> loc("bn/var")
  %y = dlc.batch_norm %x, %g, %b, %m, %v
       : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
