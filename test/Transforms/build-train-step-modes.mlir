// RUN: dlc-opt %s --dlc-build-train-step="mode=gradients" | FileCheck %s --check-prefix=GRAD
// RUN: dlc-opt %s --dlc-build-train-step="mode=apply optimizer=rmsprop" | FileCheck %s --check-prefix=APPLY
// RUN: not dlc-opt %s --dlc-build-train-step="mode=both" 2>&1 | FileCheck %s --check-prefix=BAD

// The data-parallel pair: `gradients` returns the loss, the output and one
// gradient per parameter (no hyper-parameters, nothing in place) ...
// GRAD-LABEL: func.func @gradients
// GRAD-SAME: %arg1: tensor<4x2xf32> {dlc.name = "labels"}
// GRAD-SAME: %arg2: tensor<3x2xf32> {dlc.name = "w", dlc.parameter}
// GRAD-SAME: -> (tensor<f32> {dlc.name = "loss"}, tensor<4x2xf32> {dlc.name = "output"}, tensor<3x2xf32> {dlc.name = "w/grad", dlc.unbatched}, tensor<2xf32> {dlc.name = "b/grad", dlc.unbatched})
// GRAD-NOT: dlc.adam_update
// GRAD: return

// ... and `apply_gradients` takes them and updates in place, with nothing
// of the forward pass left.
// APPLY-LABEL: func.func @apply_gradients
// APPLY-SAME: (%arg0: tensor<3xf32> {dlc.name = "hyper", dlc.unbatched}, %arg1: tensor<3x2xf32> {dlc.name = "w", dlc.parameter}, %arg2: tensor<2xf32> {dlc.name = "b", dlc.parameter}, %arg3: tensor<3x2xf32> {dlc.name = "w/grad", dlc.unbatched}, %arg4: tensor<3x2xf32> {dlc.name = "w/mean_square", dlc.optimizer_state}
// APPLY-SAME: -> (tensor<3x2xf32> {dlc.in_place = 1 : i64}, tensor<3x2xf32> {dlc.in_place = 4 : i64}, tensor<2xf32> {dlc.in_place = 2 : i64}, tensor<2xf32> {dlc.in_place = 6 : i64})
// APPLY-NOT: dlc.dense
// APPLY: dlc.rmsprop_update %arg1, %arg3, %arg0, %arg4
// APPLY-NOT: dlc.loss

// BAD: unknown mode 'both'
func.func @infer(%x: tensor<4x3xf32> {dlc.name = "x"},
                 %w: tensor<3x2xf32> {dlc.name = "w", dlc.parameter},
                 %b: tensor<2xf32> {dlc.name = "b", dlc.parameter})
    -> tensor<4x2xf32> {
  %z = dlc.dense %x, %w, %b : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %p = dlc.softmax %z : tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}
