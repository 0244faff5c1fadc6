// RUN: dlc-opt %s --split-input-file --dlc-build-train-step --verify-diagnostics
// RUN: dlc-opt %s --split-input-file --dlc-build-train-step="mode=gradients" --verify-diagnostics

// A model without inputs (its output computed from weights alone) runs,
// but cannot be trained: every example would see the same output.
// expected-error @below {{the model has no inputs; training needs the data as a graph input}}
func.func @infer(%w: tensor<3x2xf32> {dlc.name = "w", dlc.parameter})
    -> tensor<4x2xf32> {
  %x = dlc.constant dense<1.0> : tensor<4x3xf32>
  %z = dlc.dense %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %p = dlc.softmax %z : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
