// RUN: dlc-opt %s --split-input-file --dlc-destination-style-entry --verify-diagnostics

// expected-error @below {{entry function must take and return static tensors}}
func.func @infer(%x: tensor<?xf32>) -> tensor<?xf32> {
  return %x : tensor<?xf32>
}

// -----

// expected-error @below {{no entry function @infer}}
module {
  func.func @other(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

// expected-error @below {{result 0 cannot overwrite argument 1}}
func.func @infer(%p: tensor<4xf32>, %q: tensor<2xf32>)
    -> (tensor<4xf32> {dlc.in_place = 1 : i64}) {
  return %p : tensor<4xf32>
}

// -----

// expected-error @below {{result 1 cannot overwrite argument 0}}
func.func @infer(%p: tensor<4xf32>)
    -> (tensor<4xf32> {dlc.in_place = 0 : i64},
        tensor<4xf32> {dlc.in_place = 0 : i64}) {
  return %p, %p : tensor<4xf32>, tensor<4xf32>
}
