func.func @conv2d(%x: tensor<1x28x28x1xf32>, %w: tensor<3x3x1x32xf32>,
                  %b: tensor<32xf32>) -> tensor<1x26x26x32xf32> {
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         activation = #dlc.activation<relu>}
       : (tensor<1x28x28x1xf32>, tensor<3x3x1x32xf32>, tensor<32xf32>)
         -> tensor<1x26x26x32xf32>
  return %0 : tensor<1x26x26x32xf32>
}
