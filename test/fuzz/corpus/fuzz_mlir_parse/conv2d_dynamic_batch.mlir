func.func @conv2d_dynamic_batch(%x: tensor<?x8x8x2xf32>,
    %w: tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32> {
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<?x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<?x6x6x4xf32>
  return %0 : tensor<?x6x6x4xf32>
}
