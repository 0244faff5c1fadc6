// RUN: dlc-opt %s | dlc-opt | FileCheck %s
// Round trip of every dlc op through the printer and the parser.

// CHECK-LABEL: func @constant
func.func @constant() -> tensor<2xf32> {
  // CHECK: dlc.constant dense<[5.000000e-01, -1.000000e+00]> : tensor<2xf32>
  %0 = dlc.constant dense<[0.5, -1.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func @conv2d
func.func @conv2d(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                  %b: tensor<32xf32>) -> tensor<1x26x26x32xf32> {
  // CHECK: dlc.conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = #dlc.activation<relu>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>) -> tensor<1x26x26x32xf32>
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
         -> tensor<1x26x26x32xf32>
  return %0 : tensor<1x26x26x32xf32>
}

// CHECK-LABEL: func @conv2d_dynamic_batch
func.func @conv2d_dynamic_batch(%x: tensor<?x8x8x2xf32>,
    %w: tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32> {
  // CHECK: dlc.conv2d %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32>
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32>
  return %0 : tensor<?x6x6x4xf32>
}

// CHECK-LABEL: func @depthwise_conv2d
func.func @depthwise_conv2d(%x: tensor<1x8x8x4xf32>,
    %w: tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32> {
  // CHECK: dlc.depthwise_conv2d %{{.*}}, %{{.*}} {activation = #dlc.activation<leaky_relu>, dilations = array<i64: 1, 1>, leaky_alpha = 1.000000e-01 : f32, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  // CHECK-SAME: -> tensor<1x8x8x8xf32>
  %0 = dlc.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
         activation = #dlc.activation<leaky_relu>, leaky_alpha = 0.1 : f32}
       : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}

// CHECK-LABEL: func @fused_conv2d
func.func @fused_conv2d(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                        %b: tensor<32xf32>) -> tensor<1x13x13x32xf32> {
  // CHECK: dlc.fused_conv2d %{{.*}}, %{{.*}}, %{{.*}} {activation = #dlc.activation<relu>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, pool = #dlc.pool_kind<max>, pool_strides = array<i64: 2, 2>, pool_window = array<i64: 2, 2>, strides = array<i64: 1, 1>}
  // CHECK-SAME: -> tensor<1x13x13x32xf32>
  %0 = dlc.fused_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>, pool = #dlc.pool_kind<max>,
         pool_window = array<i64: 2, 2>, pool_strides = array<i64: 2, 2>}
       : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
         -> tensor<1x13x13x32xf32>
  return %0 : tensor<1x13x13x32xf32>
}

// CHECK-LABEL: func @fused_conv2d_no_pool
func.func @fused_conv2d_no_pool(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32> {
  // CHECK: dlc.fused_conv2d %{{.*}}, %{{.*}} {activation = #dlc.activation<tanh>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>} : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<tanh>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// CHECK-LABEL: func @dense
func.func @dense(%x: tensor<1x576xf32>, %w: tensor<576x64xf32>,
                 %b: tensor<64xf32>) -> tensor<1x64xf32> {
  // CHECK: dlc.dense %{{.*}}, %{{.*}}, %{{.*}} {activation = #dlc.activation<relu6>} : (tensor<1x576xf32>, tensor<576x64xf32>, tensor<64xf32>) -> tensor<1x64xf32>
  %0 = dlc.dense %x, %w, %b {activation = #dlc.activation<relu6>}
       : (tensor<1x576xf32>, tensor<576x64xf32>, tensor<64xf32>)
         -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}

// CHECK-LABEL: func @pools
func.func @pools(%x: tensor<1x26x26x32xf32>)
    -> (tensor<1x13x13x32xf32>, tensor<1x26x26x32xf32>, tensor<1x32xf32>) {
  // CHECK: dlc.max_pool2d %{{.*}} {padding = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>, window = array<i64: 2, 2>} : tensor<1x26x26x32xf32> -> tensor<1x13x13x32xf32>
  %0 = dlc.max_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x26x26x32xf32> -> tensor<1x13x13x32xf32>
  // CHECK: dlc.avg_pool2d %{{.*}} {count_include_pad = true, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, window = array<i64: 3, 3>} : tensor<1x26x26x32xf32> -> tensor<1x26x26x32xf32>
  %1 = dlc.avg_pool2d %x {window = array<i64: 3, 3>,
         strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
         count_include_pad = true}
       : tensor<1x26x26x32xf32> -> tensor<1x26x26x32xf32>
  // CHECK: dlc.global_avg_pool %{{.*}} : tensor<1x26x26x32xf32> -> tensor<1x32xf32>
  %2 = dlc.global_avg_pool %x : tensor<1x26x26x32xf32> -> tensor<1x32xf32>
  return %0, %1, %2
      : tensor<1x13x13x32xf32>, tensor<1x26x26x32xf32>, tensor<1x32xf32>
}

// A 3x2 window with dilations 2x3 spans 5x4 positions: 26 + 2 - 5 + 1 = 24
// rows and (26 - 4) / 2 + 1 = 12 columns.
// CHECK-LABEL: func @dilated_pools
func.func @dilated_pools(%x: tensor<1x26x26x32xf32>)
    -> (tensor<1x24x12x32xf32>, tensor<1x24x12x32xf32>) {
  // CHECK: dlc.max_pool2d %{{.*}} {dilations = array<i64: 2, 3>, padding = array<i64: 1, 1, 0, 0>, strides = array<i64: 1, 2>, window = array<i64: 3, 2>} : tensor<1x26x26x32xf32> -> tensor<1x24x12x32xf32>
  %0 = dlc.max_pool2d %x {window = array<i64: 3, 2>,
         strides = array<i64: 1, 2>, padding = array<i64: 1, 1, 0, 0>,
         dilations = array<i64: 2, 3>}
       : tensor<1x26x26x32xf32> -> tensor<1x24x12x32xf32>
  // CHECK: dlc.avg_pool2d %{{.*}} {dilations = array<i64: 2, 3>,
  %1 = dlc.avg_pool2d %x {window = array<i64: 3, 2>,
         strides = array<i64: 1, 2>, padding = array<i64: 1, 1, 0, 0>,
         dilations = array<i64: 2, 3>}
       : tensor<1x26x26x32xf32> -> tensor<1x24x12x32xf32>
  return %0, %1 : tensor<1x24x12x32xf32>, tensor<1x24x12x32xf32>
}

// CHECK-LABEL: func @unary
func.func @unary(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  // CHECK: dlc.relu %{{.*}} : tensor<2x10xf32>
  %0 = dlc.relu %x : tensor<2x10xf32>
  // CHECK: dlc.relu6 %{{.*}} : tensor<2x10xf32>
  %1 = dlc.relu6 %0 : tensor<2x10xf32>
  // CHECK: dlc.leaky_relu %{{.*}} {alpha = 1.000000e-01 : f32} : tensor<2x10xf32>
  %2 = dlc.leaky_relu %1 {alpha = 0.1 : f32} : tensor<2x10xf32>
  // CHECK: dlc.sigmoid %{{.*}} : tensor<2x10xf32>
  %3 = dlc.sigmoid %2 : tensor<2x10xf32>
  // CHECK: dlc.tanh %{{.*}} : tensor<2x10xf32>
  %4 = dlc.tanh %3 : tensor<2x10xf32>
  // CHECK: dlc.clip %{{.*}} {max = 6.000000e+00 : f32, min = 0.000000e+00 : f32} : tensor<2x10xf32>
  %5 = dlc.clip %4 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x10xf32>
  // CHECK: dlc.dropout %{{.*}} {rate = 5.000000e-01 : f32, seed = 7 : i64} : tensor<2x10xf32>
  %6 = dlc.dropout %5 {rate = 0.5 : f32, seed = 7} : tensor<2x10xf32>
  // CHECK: dlc.softmax %{{.*}} {axis = 1 : i64} : tensor<2x10xf32>
  %7 = dlc.softmax %6 {axis = 1} : tensor<2x10xf32>
  // CHECK: dlc.log_softmax %{{.*}} : tensor<2x10xf32>
  %8 = dlc.log_softmax %7 : tensor<2x10xf32>
  return %8 : tensor<2x10xf32>
}

// CHECK-LABEL: func @math
func.func @math(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  // CHECK: dlc.sqrt %{{.*}} : tensor<2x10xf32>
  %0 = dlc.sqrt %x : tensor<2x10xf32>
  // CHECK: dlc.erf %{{.*}} : tensor<2x10xf32>
  %1 = dlc.erf %0 : tensor<2x10xf32>
  // CHECK: dlc.exp %{{.*}} : tensor<2x10xf32>
  %2 = dlc.exp %1 : tensor<2x10xf32>
  // CHECK: dlc.log %{{.*}} : tensor<2x10xf32>
  %3 = dlc.log %2 : tensor<2x10xf32>
  return %3 : tensor<2x10xf32>
}

// CHECK-LABEL: func @binary
func.func @binary(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x1xf32>)
    -> tensor<2x3xf32> {
  // CHECK: dlc.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = dlc.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: dlc.sub %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  %1 = dlc.sub %0, %c : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  // CHECK: dlc.mul %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %2 = dlc.mul %c, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: dlc.div %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = dlc.div %1, %2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// CHECK-LABEL: func @batch_norm
func.func @batch_norm(%x: tensor<1x8x8x4xf32>, %g: tensor<4xf32>,
    %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>)
    -> tensor<1x8x8x4xf32> {
  // CHECK: dlc.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999974E-6 : f32} : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  %0 = dlc.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-5 : f32}
       : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
          tensor<4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}

// CHECK-LABEL: func @shape_ops
func.func @shape_ops(%x: tensor<1x3x3x64xf32>, %y: tensor<1x3x3x2xf32>)
    -> (tensor<1x576xf32>, tensor<1x64x3x3xf32>, tensor<1x3x3x66xf32>,
        tensor<1x5x5x64xf32>) {
  // CHECK: dlc.reshape %{{.*}} : tensor<1x3x3x64xf32> -> tensor<1x576xf32>
  %0 = dlc.reshape %x : tensor<1x3x3x64xf32> -> tensor<1x576xf32>
  // CHECK: dlc.transpose %{{.*}} {perm = array<i64: 0, 3, 1, 2>} : tensor<1x3x3x64xf32> -> tensor<1x64x3x3xf32>
  %1 = dlc.transpose %x {perm = array<i64: 0, 3, 1, 2>}
       : tensor<1x3x3x64xf32> -> tensor<1x64x3x3xf32>
  // CHECK: dlc.concat %{{.*}}, %{{.*}} {axis = 3 : i64} : (tensor<1x3x3x64xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x66xf32>
  %2 = dlc.concat %x, %y {axis = 3 : i64}
       : (tensor<1x3x3x64xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x66xf32>
  // CHECK: dlc.pad %{{.*}} {paddings = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>, value = -1.000000e+00 : f32} : tensor<1x3x3x64xf32> -> tensor<1x5x5x64xf32>
  %3 = dlc.pad %x {paddings = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>,
                   value = -1.0 : f32}
       : tensor<1x3x3x64xf32> -> tensor<1x5x5x64xf32>
  return %0, %1, %2, %3 : tensor<1x576xf32>, tensor<1x64x3x3xf32>,
      tensor<1x3x3x66xf32>, tensor<1x5x5x64xf32>
}
