func.func @pools(%x: tensor<1x26x26x32xf32>)
    -> (tensor<1x13x13x32xf32>, tensor<1x26x26x32xf32>, tensor<1x32xf32>) {
  %0 = dlc.max_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x26x26x32xf32> -> tensor<1x13x13x32xf32>
  %1 = dlc.avg_pool2d %x {window = array<i64: 3, 3>,
         strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>,
         count_include_pad = true}
       : tensor<1x26x26x32xf32> -> tensor<1x26x26x32xf32>
  %2 = dlc.global_avg_pool %x : tensor<1x26x26x32xf32> -> tensor<1x32xf32>
  return %0, %1, %2
      : tensor<1x13x13x32xf32>, tensor<1x26x26x32xf32>, tensor<1x32xf32>
}
