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
