func.func @dense(%x: tensor<1x576xf32>, %w: tensor<576x64xf32>,
                 %b: tensor<64xf32>) -> tensor<1x64xf32> {
  %0 = dlc.dense %x, %w, %b {activation = #dlc.activation<relu6>}
       : (tensor<1x576xf32>, tensor<576x64xf32>, tensor<64xf32>)
         -> tensor<1x64xf32>
  return %0 : tensor<1x64xf32>
}
