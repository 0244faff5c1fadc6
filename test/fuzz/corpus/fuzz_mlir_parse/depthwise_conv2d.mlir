func.func @depthwise_conv2d(%x: tensor<1x8x8x4xf32>,
    %w: tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32> {
  %0 = dlc.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
         activation = #dlc.activation<leaky_relu>, leaky_alpha = 0.1 : f32}
       : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32>
  return %0 : tensor<1x8x8x8xf32>
}
