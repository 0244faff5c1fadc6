// RUN: dlc-opt %s --split-input-file --verify-diagnostics

func.func @constant_type(%x: tensor<2xf32>) -> tensor<3xf32> {
  // expected-error @below {{failed to verify that all of {value, result} have same type}}
  %0 = "dlc.constant"() <{value = dense<1.0> : tensor<2xf32>}> : () -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @conv2d_rank(%x: tensor<28x28x1xf32>, %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{expects a rank-4 NHWC input and a rank-4 filter}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<28x28x1xf32>, tensor<3x3x1x4xf32>) -> tensor<1x26x26x4xf32>
  return
}

// -----

func.func @conv2d_channels(%x: tensor<1x8x8x2xf32>, %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{input has 2 channels but the filter expects 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x8x8x2xf32>, tensor<3x3x1x4xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv2d_bias(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x4xf32>,
                       %b: tensor<3xf32>) {
  // expected-error @below {{expects a bias of shape [4], got 'tensor<3xf32>'}}
  %0 = dlc.conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>, tensor<3xf32>)
         -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv2d_window(%x: tensor<1x2x2x1xf32>, %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{the filter window does not fit the padded input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x2x2x1xf32>, tensor<3x3x1x4xf32>) -> tensor<1x1x1x4xf32>
  return
}

// -----

func.func @conv2d_stride(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{expects strides and dilations >= 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 0, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @conv2d_result(%x: tensor<1x8x8x1xf32>, %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{inferred type(s) 'tensor<1x6x6x4xf32>' are incompatible with return type(s) of operation 'tensor<1x8x8x4xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<1x8x8x4xf32>
  return
}

// -----

func.func @conv2d_padding_count(%x: tensor<1x8x8x1xf32>,
                                %w: tensor<3x3x1x4xf32>) {
  // expected-error @below {{attribute 'padding' failed to satisfy constraint: i64 dense array attribute with exactly 4 elements}}
  %0 = dlc.conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0>}
       : (tensor<1x8x8x1xf32>, tensor<3x3x1x4xf32>) -> tensor<1x6x6x4xf32>
  return
}

// -----

func.func @depthwise_channels(%x: tensor<1x8x8x3xf32>,
                              %w: tensor<3x3x4x2xf32>) {
  // expected-error @below {{input has 3 channels but the filter expects 4}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x3xf32>, tensor<3x3x4x2xf32>) -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @depthwise_bias(%x: tensor<1x8x8x4xf32>, %w: tensor<3x3x4x2xf32>,
                          %b: tensor<4xf32>) {
  // expected-error @below {{expects a bias of shape [8], got 'tensor<4xf32>'}}
  %0 = dlc.depthwise_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
       : (tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>, tensor<4xf32>)
         -> tensor<1x8x8x8xf32>
  return
}

// -----

func.func @fused_pool_window(%x: tensor<1x4x4x1xf32>,
                             %w: tensor<3x3x1x2xf32>) {
  // expected-error @below {{the pool window does not fit the conv output}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.fused_conv2d %x, %w {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         pool = #dlc.pool_kind<max>, pool_window = array<i64: 3, 3>,
         pool_strides = array<i64: 1, 1>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) -> tensor<1x1x1x2xf32>
  return
}

// -----

func.func @fused_bias(%x: tensor<1x4x4x1xf32>, %w: tensor<3x3x1x2xf32>,
                      %b: tensor<1x2xf32>) {
  // expected-error @below {{expects a bias of shape [2], got 'tensor<1x2xf32>'}}
  %0 = dlc.fused_conv2d %x, %w, %b {strides = array<i64: 1, 1>,
         dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : (tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>, tensor<1x2xf32>)
         -> tensor<1x2x2x2xf32>
  return
}

// -----

func.func @dense_features(%x: tensor<1x10xf32>, %w: tensor<12x4xf32>) {
  // expected-error @below {{input has 10 features but the weight expects 12}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.dense %x, %w : (tensor<1x10xf32>, tensor<12x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<1x2x5xf32>, %w: tensor<5x4xf32>) {
  // expected-error @below {{expects a rank-2 input [N, K] and weight [K, M]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.dense %x, %w : (tensor<1x2x5xf32>, tensor<5x4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<1x5xf32>, %w: tensor<5x4xf32>,
                      %b: tensor<5xf32>) {
  // expected-error @below {{expects a bias of shape [4], got 'tensor<5xf32>'}}
  %0 = dlc.dense %x, %w, %b
       : (tensor<1x5xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @max_pool_window(%x: tensor<1x2x2x1xf32>) {
  // expected-error @below {{the pool window does not fit the padded input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.max_pool2d %x {window = array<i64: 3, 3>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<1x2x2x1xf32> -> tensor<1x1x1x1xf32>
  return
}

// -----

func.func @max_pool_rank(%x: tensor<2x2x1xf32>) {
  // expected-error @below {{expects a rank-4 NHWC input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.max_pool2d %x {window = array<i64: 1, 1>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
       : tensor<2x2x1xf32> -> tensor<1x2x2x1xf32>
  return
}

// -----

func.func @avg_pool_padding(%x: tensor<1x4x4x1xf32>) {
  // expected-error @below {{expects 0 <= padding < window}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.avg_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 1, 1>, padding = array<i64: 2, 0, 0, 0>}
       : tensor<1x4x4x1xf32> -> tensor<1x5x3x1xf32>
  return
}

// -----

func.func @max_pool_dilation_zero(%x: tensor<1x4x4x1xf32>) {
  // expected-error @below {{expects windows, strides and dilations >= 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.max_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 0, 1>}
       : tensor<1x4x4x1xf32> -> tensor<1x3x3x1xf32>
  return
}

// -----

func.func @max_pool_dilated_window_too_big(%x: tensor<1x4x4x1xf32>) {
  // A 3-tap window with dilation 2 spans 5 rows.
  // expected-error @below {{the pool window does not fit the padded input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.max_pool2d %x {window = array<i64: 3, 1>,
         strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>,
         dilations = array<i64: 2, 1>}
       : tensor<1x4x4x1xf32> -> tensor<1x1x4x1xf32>
  return
}

// -----

func.func @avg_pool_dilated_padding(%x: tensor<1x4x4x1xf32>) {
  // 2 taps with dilation 2 span 3 rows; padding must stay below that.
  // expected-error @below {{expects 0 <= padding < window span}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.avg_pool2d %x {window = array<i64: 2, 2>,
         strides = array<i64: 1, 1>, padding = array<i64: 3, 0, 0, 0>,
         dilations = array<i64: 2, 2>}
       : tensor<1x4x4x1xf32> -> tensor<1x5x2x1xf32>
  return
}

// -----

func.func @max_pool_window_of_padding(%x: tensor<1x1x4x1xf32>) {
  // The taps at rows -1 and 1 both miss the single input row.
  // expected-error @below {{a dilated pool window sees only padding}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.max_pool2d %x {window = array<i64: 2, 1>,
         strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>,
         dilations = array<i64: 2, 1>}
       : tensor<1x1x4x1xf32> -> tensor<1x1x4x1xf32>
  return
}

// -----

func.func @global_avg_pool_rank(%x: tensor<1x8xf32>) {
  // expected-error @below {{expects a rank-4 NHWC input}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.global_avg_pool %x : tensor<1x8xf32> -> tensor<1x8xf32>
  return
}

// -----

func.func @relu_type(%x: tensor<4xf32>) {
  // expected-error @below {{requires the same type for all operands and results}}
  %0 = "dlc.relu"(%x) : (tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @relu6_element_type(%x: tensor<4xi32>) {
  // expected-error @below {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = dlc.relu6 %x : tensor<4xi32>
  return
}

// -----

func.func @leaky_relu_alpha(%x: tensor<4xf32>) {
  // expected-error @below {{attribute 'alpha' failed to satisfy constraint: 32-bit float attribute}}
  %0 = dlc.leaky_relu %x {alpha = 1 : i32} : tensor<4xf32>
  return
}

// -----

func.func @sigmoid_unranked(%x: tensor<*xf32>) {
  // expected-error @below {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = "dlc.sigmoid"(%x) : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

func.func @tanh_type(%x: tensor<2x2xf32>) {
  // expected-error @below {{requires the same type for all operands and results}}
  %0 = "dlc.tanh"(%x) : (tensor<2x2xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @activation_grad_erf(%y: tensor<4xf32>, %dy: tensor<4xf32>) {
  // expected-error @below {{cannot differentiate erf from its output}}
  %0 = dlc.activation_grad %y, %dy {activation = #dlc.activation<erf>} : tensor<4xf32>
  return
}

// -----

func.func @clip_range(%x: tensor<4xf32>) {
  // expected-error @below {{expects min <= max}}
  %0 = dlc.clip %x {min = 6.0 : f32, max = 0.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<4xf32>) {
  // expected-error @below {{expects a rate in [0, 1)}}
  %0 = dlc.dropout %x {rate = 1.0 : f32} : tensor<4xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<1x10xf32>) {
  // expected-error @below {{axis 2 is out of range for rank 2}}
  %0 = dlc.softmax %x {axis = 2} : tensor<1x10xf32>
  return
}

// -----

func.func @log_softmax_axis(%x: tensor<1x10xf32>) {
  // expected-error @below {{axis -3 is out of range for rank 2}}
  %0 = dlc.log_softmax %x {axis = -3} : tensor<1x10xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<2xf32>) {
  // expected-error @below {{operand shapes do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.add %a, %b : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @sub_broadcast(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @below {{operand shapes do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.sub %a, %b : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @mul_result(%a: tensor<2x3xf32>, %b: tensor<1xf32>) {
  // expected-error @below {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.mul %a, %b : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @div_broadcast(%a: tensor<4x1xf32>, %b: tensor<2x3xf32>) {
  // expected-error @below {{operand shapes do not broadcast}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.div %a, %b : (tensor<4x1xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @batch_norm_stats(%x: tensor<1x8x8x4xf32>, %s: tensor<4xf32>,
                            %m: tensor<3xf32>) {
  // expected-error @below {{expects statistics of shape [4]}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.batch_norm %x, %s, %s, %m, %s
       : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3xf32>,
          tensor<4xf32>) -> tensor<1x8x8x4xf32>
  return
}

// -----

func.func @batch_norm_epsilon(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @below {{expects epsilon >= 0}}
  %0 = dlc.batch_norm %x, %s, %s, %s, %s {epsilon = -1.0 : f32}
       : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
          tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<1x3x3x64xf32>) {
  // expected-error @below {{cannot reshape 576 elements into 'tensor<1x575xf32>'}}
  %0 = dlc.reshape %x : tensor<1x3x3x64xf32> -> tensor<1x575xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<4xf32>) {
  // expected-error @below {{cannot change the element type}}
  %0 = dlc.reshape %x : tensor<4xf32> -> tensor<2x2xi32>
  return
}

// -----

func.func @transpose_perm(%x: tensor<1x8x8x4xf32>) {
  // expected-error @below {{perm is not a permutation}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.transpose %x {perm = array<i64: 0, 3, 3, 1>}
       : tensor<1x8x8x4xf32> -> tensor<1x4x4x8xf32>
  return
}

// -----

func.func @transpose_rank(%x: tensor<1x8x8x4xf32>) {
  // expected-error @below {{expects a permutation of the input's rank}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.transpose %x {perm = array<i64: 1, 0>}
       : tensor<1x8x8x4xf32> -> tensor<8x1xf32>
  return
}

// -----

func.func @concat_mismatch(%a: tensor<1x4x4x2xf32>, %b: tensor<1x5x4x3xf32>) {
  // expected-error @below {{inputs differ in dimension 1}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.concat %a, %b {axis = 3 : i64}
       : (tensor<1x4x4x2xf32>, tensor<1x5x4x3xf32>) -> tensor<1x4x4x5xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<1x4xf32>, %b: tensor<1x4xf32>) {
  // expected-error @below {{axis is out of range}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.concat %a, %b {axis = 2 : i64}
       : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x8xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<1x4x4x2xf32>) {
  // expected-error @below {{expects two paddings per dimension}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.pad %x {paddings = array<i64: 1, 1, 1, 1>}
       : tensor<1x4x4x2xf32> -> tensor<1x6x6x2xf32>
  return
}

// -----

func.func @pad_negative(%x: tensor<4xf32>) {
  // expected-error @below {{expects non-negative paddings}}
  // expected-error @below {{failed to infer returned types}}
  %0 = dlc.pad %x {paddings = array<i64: -1, 0>} : tensor<4xf32> -> tensor<3xf32>
  return
}
