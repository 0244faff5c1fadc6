func.func @shape_ops(%x: tensor<1x3x3x64xf32>, %y: tensor<1x3x3x2xf32>)
    -> (tensor<1x576xf32>, tensor<1x64x3x3xf32>, tensor<1x3x3x66xf32>,
        tensor<1x5x5x64xf32>) {
  %0 = dlc.reshape %x : tensor<1x3x3x64xf32> -> tensor<1x576xf32>
  %1 = dlc.transpose %x {perm = array<i64: 0, 3, 1, 2>}
       : tensor<1x3x3x64xf32> -> tensor<1x64x3x3xf32>
  %2 = dlc.concat %x, %y {axis = 3 : i64}
       : (tensor<1x3x3x64xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x66xf32>
  %3 = dlc.pad %x {paddings = array<i64: 0, 0, 1, 1, 1, 1, 0, 0>,
                   value = -1.0 : f32}
       : tensor<1x3x3x64xf32> -> tensor<1x5x5x64xf32>
  return %0, %1, %2, %3 : tensor<1x576xf32>, tensor<1x64x3x3xf32>,
      tensor<1x3x3x66xf32>, tensor<1x5x5x64xf32>
}
