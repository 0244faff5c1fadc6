// RUN: dlc-opt %s --dlc-graph-opt | FileCheck %s
// RUN: dlc-opt %s --dlc-graph-opt="fuse-conv-act-pool=false" | FileCheck %s --check-prefix=NOFUSE

// conv -> batch_norm -> relu -> max_pool -> flatten -> dense -> add -> relu:
// the batch norm folds into the conv weights, the add into the dense bias,
// the ReLUs into their producers, and the pool into a fused_conv2d.
// CHECK-LABEL: func @cnn
// CHECK-DAG: %[[W:.*]] = dlc.constant dense<{{\[\[\[\[}}2.000000e+00, 1.000000e+00]]]]> : tensor<1x1x1x2xf32>
// CHECK-DAG: %[[B:.*]] = dlc.constant dense<[0.000000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[DB:.*]] = dlc.constant dense<5.000000e-01> : tensor<3xf32>
// CHECK: %[[F:.*]] = dlc.fused_conv2d %arg0, %[[W]], %[[B]] {activation = #dlc.activation<relu>, {{.*}}pool = #dlc.pool_kind<max>, pool_strides = array<i64: 2, 2>, pool_window = array<i64: 2, 2>
// CHECK: %[[R:.*]] = dlc.reshape %[[F]]
// CHECK: %[[D:.*]] = dlc.dense %[[R]], %arg1, %[[DB]] {activation = #dlc.activation<relu>}
// CHECK-NOT: dlc.batch_norm
// CHECK-NOT: dlc.add
// CHECK: return %[[D]]

// NOFUSE-LABEL: func @cnn
// NOFUSE: %[[C:.*]] = dlc.conv2d %arg0, %{{.*}}, %{{.*}} {activation = #dlc.activation<relu>
// NOFUSE: dlc.max_pool2d %[[C]]
// NOFUSE-NOT: dlc.fused_conv2d
func.func @cnn(%x: tensor<1x4x4x1xf32>, %d: tensor<8x3xf32>) -> tensor<1x3xf32> {
  %w = dlc.constant dense<[[[[2.0, 2.0]]]]> : tensor<1x1x1x2xf32>
  %g = dlc.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %o = dlc.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = dlc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %v = dlc.constant dense<4.0> : tensor<2xf32>
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<1x1x1x2xf32>) -> tensor<1x4x4x2xf32>
  %1 = dlc.batch_norm %0, %g, %o, %m, %v {epsilon = 0.0 : f32}
       : (tensor<1x4x4x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>,
          tensor<2xf32>) -> tensor<1x4x4x2xf32>
  %2 = dlc.relu %1 : tensor<1x4x4x2xf32>
  %3 = dlc.max_pool2d %2 {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x4x4x2xf32> -> tensor<1x2x2x2xf32>
  %4 = dlc.reshape %3 : tensor<1x2x2x2xf32> -> tensor<1x8xf32>
  %5 = dlc.dense %4, %d : (tensor<1x8xf32>, tensor<8x3xf32>) -> tensor<1x3xf32>
  // A bias computed from constants folds during canonicalization first.
  %h = dlc.constant dense<0.25> : tensor<3xf32>
  %hb = dlc.add %h, %h : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %6 = dlc.add %5, %hb : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
  %7 = dlc.relu %6 : tensor<1x3xf32>
  return %7 : tensor<1x3xf32>
}
