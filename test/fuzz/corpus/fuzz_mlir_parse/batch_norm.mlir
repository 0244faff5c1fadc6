func.func @batch_norm(%x: tensor<1x8x8x4xf32>, %g: tensor<4xf32>,
    %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>)
    -> tensor<1x8x8x4xf32> {
  %0 = dlc.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-5 : f32}
       : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
          tensor<4xf32>) -> tensor<1x8x8x4xf32>
  return %0 : tensor<1x8x8x4xf32>
}
