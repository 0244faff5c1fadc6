func.func @unary(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %0 = dlc.relu %x : tensor<2x10xf32>
  %1 = dlc.relu6 %0 : tensor<2x10xf32>
  %2 = dlc.leaky_relu %1 {alpha = 0.1 : f32} : tensor<2x10xf32>
  %3 = dlc.sigmoid %2 : tensor<2x10xf32>
  %4 = dlc.tanh %3 : tensor<2x10xf32>
  %5 = dlc.clip %4 {min = 0.0 : f32, max = 6.0 : f32} : tensor<2x10xf32>
  %6 = dlc.dropout %5 {rate = 0.5 : f32, seed = 7} : tensor<2x10xf32>
  %7 = dlc.softmax %6 {axis = 1} : tensor<2x10xf32>
  %8 = dlc.log_softmax %7 : tensor<2x10xf32>
  return %8 : tensor<2x10xf32>
}
