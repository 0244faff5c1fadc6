func.func @fused_conv2d_no_pool(%x: tensor<1x6x6x1xf32>,
    %w: tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<tanh>}
       : (tensor<1x6x6x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}
