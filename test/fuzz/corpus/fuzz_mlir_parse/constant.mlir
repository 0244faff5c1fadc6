func.func @constant() -> tensor<2xf32> {
  %0 = dlc.constant dense<[0.5, -1.0]> : tensor<2xf32>
  return %0 : tensor<2xf32>
}
