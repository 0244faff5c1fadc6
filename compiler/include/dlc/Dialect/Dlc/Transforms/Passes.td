//===- Passes.td - graph-level passes on the dlc dialect ---*- tablegen -*-===//
//
// Rewrites of the imported graph before lowering: shape refinement, folding
// of constant per-channel arithmetic into convolution weights, and fusion of
// chains into the ops the code generator treats as one unit.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_TRANSFORMS_PASSES_TD
#define DLC_DIALECT_DLC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DlcFuseActivation : Pass<"dlc-fuse-activation", "::mlir::func::FuncOp"> {
  let summary = "Fold an activation op into the conv or dense op before it";
  let description = [{
    A `relu`, `relu6`, `leaky_relu`, `sigmoid` or `tanh` whose operand is the
    only use of a `conv2d`, `depthwise_conv2d`, `dense` or `fused_conv2d`
    without an activation becomes that op's `activation` attribute, so the
    lowering applies it while the convolution's result is still in
    registers.

    A `fused_conv2d` that already pools applies its activation before the
    pool, so an activation after it is folded only when the two commute:
    after a max pool, for the (monotonic) activations; never after an
    average pool.

    Example:
    ```mlir
    %0 = dlc.conv2d %x, %w {...} : (...) -> tensor<1x26x26x32xf32>
    %1 = dlc.relu %0 : tensor<1x26x26x32xf32>
    // becomes
    %1 = dlc.conv2d %x, %w {activation = #dlc.activation<relu>, ...}
    ```
  }];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcFoldBias : Pass<"dlc-fold-bias", "::mlir::func::FuncOp"> {
  let summary = "Fold a constant per-channel add into a conv or dense bias";
  let description = [{
    A `dlc.add` of a constant that varies at most along the channel (last)
    axis, e.g. of shape [C], [1, C] or [1, 1, 1, C], whose other operand is
    the only use of a `conv2d`, `depthwise_conv2d` or `dense` without an
    activation, is folded into that op's bias; so is a `dlc.sub` of such a
    constant from the op's result. An existing bias must be a constant; the
    two are combined at compile time.

    Example:
    ```mlir
    %0 = dlc.conv2d %x, %w {...} : (...) -> tensor<1x8x8x4xf32>
    %c = dlc.constant dense<1.0> : tensor<4xf32>
    %1 = dlc.add %0, %c : (tensor<1x8x8x4xf32>, tensor<4xf32>) -> ...
    // becomes
    %1 = dlc.conv2d %x, %w, %c {...}
    ```
  }];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcFoldEmptyTensors : Pass<"dlc-fold-empty-tensors",
                                "::mlir::func::FuncOp"> {
  let summary = "Replace computations of empty (zero-size) tensors by "
                "constants";
  let description = [{
    A statically shaped tensor with a 0 dimension holds no data, so every
    dlc op whose result is one is replaced by an empty `dlc.constant` of the
    result's type. This keeps empty tensors away from the code generator,
    whose tiling has no path for a loop that runs zero times; the pipeline
    runs it right before `dlc-to-linalg`.

    An op with a non-empty result that reads an empty operand reduces over
    (or drops) an empty dimension. Where its value is simple it is folded:
    a `dense` with K == 0 becomes the same dense over one zero column (its
    bias and activation alone), a `matmul` with K == 0 and a
    `reduce_to_shape` (a sum) become zeros, a `pad` becomes its pad value
    everywhere, and a `concat` drops its empty inputs. Any other such op (a mean, softmax or convolution window over
    an empty dimension) is refused with an error at the op.

    Example:
    ```mlir
    %y = dlc.relu %x : tensor<0x3x4xf32>
    // becomes
    %y = dlc.constant dense<> : tensor<0x3x4xf32>

    %z = dlc.dense %a, %w, %b : (tensor<2x0xf32>, tensor<0x3xf32>,
                                 tensor<3xf32>) -> tensor<2x3xf32>
    // becomes a dense of dense<0.0> : tensor<2x1xf32> and
    // dense<0.0> : tensor<1x3xf32> with the same bias %b
    ```
  }];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcFoldBatchNorm : Pass<"dlc-fold-batch-norm", "::mlir::func::FuncOp"> {
  let summary = "Fold inference batch normalization into the conv before it";
  let description = [{
    With constant statistics, `batch_norm(x)` is the per-channel affine map
    `x * a + b` with `a = scale / sqrt(variance + epsilon)` and
    `b = offset - mean * a`.

    When `x` is the only use of a `conv2d`, `depthwise_conv2d` or `dense`
    without an activation whose weights (and bias, if any) are constants,
    the weights are scaled by `a` along the output channel and the bias
    becomes `bias * a + b`: the normalization costs nothing at run time. For
    a depthwise filter [KH, KW, C, M] the output channel of
    `filter[.., c, m]` is `c * M + m`.

    Any other batch_norm with constant statistics becomes a `dlc.mul` and a
    `dlc.add` with constant [C] operands, which are cheaper to lower than
    the general op and may fold further (e.g. into a dense bias).
  }];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcFuseConvActPool
    : Pass<"dlc-fuse-conv-act-pool", "::mlir::func::FuncOp"> {
  let summary = "Fuse a conv2d and the pool after it into dlc.fused_conv2d";
  let description = [{
    A `conv2d` (with its bias and activation) whose only use is a
    `max_pool2d` or `avg_pool2d` without padding becomes one
    `fused_conv2d` carrying the pool's kind, window and strides. The code
    generator tiles the pool and computes the convolution inside each tile,
    so the convolution's full output is never written to memory. Without
    padding every average window holds only real inputs, so
    `count_include_pad` does not matter.

    A conv2d not followed by such a pool stays a conv2d. Run
    `--dlc-fuse-activation` first so that a conv, ReLU, pool chain fuses.
  }];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcInferShapes : Pass<"dlc-infer-shapes", "::mlir::func::FuncOp"> {
  let summary = "Refine result types from operand types, then the signature";
  let description = [{
    Recomputes the result type of every op implementing
    `InferTypeOpInterface` (every dlc op does) and of `dlc.reshape`, and
    replaces it whenever the inferred type is more static; the users of a
    refined value are revisited until nothing changes. The function's result
    types are then set from its `func.return`.

    The typical use is batch specialization: an imported model has a dynamic
    batch dimension, the runtime compiles one variant per batch size, and
    static shapes make tiling and memory planning exact. With `batch=N`,
    the pass first replaces a dynamic leading dimension of every argument
    by N.
  }];
  let options = [
    Option<"batch", "batch", "int64_t", /*default=*/"0",
           "Replace a dynamic leading dimension of every argument by this "
           "batch size before inferring (0: keep the arguments as they are)">
  ];
  let dependentDialects = ["::dlc::DlcDialect",
                           "::mlir::tensor::TensorDialect"];
}

def DlcLiftParameters : Pass<"dlc-lift-parameters", "::mlir::ModuleOp"> {
  let summary = "Turn trainable weights into arguments of the entry function";
  let description = [{
    Every constant that is the filter or bias of a `conv2d`,
    `depthwise_conv2d` or `dense`, or the scale or offset of a `batch_norm`
    (the trainable parameters of docs/TRAINING.md), becomes a trailing
    argument of the entry function, named by the constant's location (the
    model's tensor name) in its `dlc.name` attribute and marked
    `dlc.parameter`. Training updates these arguments in place, and an
    evaluation function compiled this way reads the current weights instead
    of the ones baked in at compile time. Run it before the graph passes, so
    that no folding merges a parameter into something else.

    Example:
    ```mlir
    func.func @infer(%x: tensor<8x4xf32>) -> tensor<8x2xf32> {
      %w = dlc.constant dense<...> : tensor<4x2xf32> loc("dense/kernel")
      %y = dlc.dense %x, %w : ...
    // becomes
    func.func @infer(%x: tensor<8x4xf32>, %w: tensor<4x2xf32>
                     {dlc.name = "dense/kernel", dlc.parameter}) -> ...
    ```
  }];
  let options = [
    Option<"entryName", "entry", "std::string", /*default=*/"\"infer\"",
           "The function whose weights become arguments">
  ];
  let dependentDialects = ["::dlc::DlcDialect"];
}

def DlcBuildTrainStep : Pass<"dlc-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Differentiate the model and build its training step";
  let description = [{
    From the entry function (whose trainable weights are `dlc.parameter`
    arguments, see `--dlc-lift-parameters`) builds `train_step`: the forward
    pass, the loss, the backward pass (reverse-mode differentiation of every
    op, gradients of values with several uses summed) and the optimizer
    update of every parameter, all in one function. Its arguments are the
    entry's inputs, the labels, the step's hyper-parameters
    (`tensor<2xf32>`: learning rate and step size, computed by the host),
    the parameters and the optimizer state; it returns the loss and the
    model's output, then the new parameters and state, each result marked
    `dlc.in_place` with the argument it overwrites.

    Gradients stay at graph level (`dlc.conv2d_filter_grad`,
    `dlc.pool2d_grad`, ...) and lower through the same tiling as the forward
    ops. The categorical losses are computed from the logits of a final
    softmax, binary cross-entropy from those of a final sigmoid. A pool
    whose input is the only use of a conv or dense activation gets one
    `dlc.pool2d_grad` through the pool and the activation. Ops without a
    training form (batch_norm in training mode, dropout) are reported as
    unsupported at their location.

    Example:
    ```mlir
    // dlc-opt --dlc-lift-parameters --dlc-build-train-step="optimizer=adam"
    func.func @train_step(%x: tensor<8x4xf32>, %labels: tensor<8x2xf32>,
        %hyper: tensor<2xf32>, %w: tensor<4x2xf32>, %w_m: tensor<4x2xf32>,
        %w_v: tensor<4x2xf32>)
        -> (tensor<f32>, tensor<8x2xf32>, tensor<4x2xf32> {dlc.in_place = 3},
            tensor<4x2xf32> {dlc.in_place = 4},
            tensor<4x2xf32> {dlc.in_place = 5})
    ```
  }];
  let options = [
    Option<"entryName", "entry", "std::string", /*default=*/"\"infer\"",
           "The forward function to differentiate">,
    Option<"trainName", "train-entry", "std::string",
           /*default=*/"\"train_step\"", "Name of the function to create">,
    Option<"mode", "mode", "std::string", /*default=*/"\"step\"",
           "step: the whole training step; gradients: `gradients`, which "
           "returns the loss, the output and each parameter's gradient "
           "(for data-parallel steps over parts of a batch); apply: "
           "`apply_gradients(hyper, parameters, gradients, state)`, only "
           "the updates">,
    Option<"loss", "loss", "std::string",
           /*default=*/"\"categorical_crossentropy\"",
           "categorical_crossentropy, sparse_categorical_crossentropy, "
           "binary_crossentropy or mean_squared_error">,
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"adam\"",
           "sgd, adam, adagrad or rmsprop">,
    Option<"beta1", "beta1", "float", /*default=*/"0.9f", "Adam's beta1">,
    Option<"beta2", "beta2", "float", /*default=*/"0.999f", "Adam's beta2">,
    Option<"epsilon", "epsilon", "float", /*default=*/"1.0e-7f",
           "Epsilon of Adam, AdaGrad and RMSprop">,
    Option<"momentum", "momentum", "float", /*default=*/"0.0f",
           "SGD momentum">,
    Option<"nesterov", "nesterov", "bool", /*default=*/"false",
           "Nesterov momentum for SGD">,
    Option<"rho", "rho", "float", /*default=*/"0.9f", "RMSprop's decay">,
    Option<"weightDecay", "weight-decay", "float", /*default=*/"0.0f",
           "Decoupled weight decay">
  ];
  let dependentDialects = ["::dlc::DlcDialect"];
}

#endif // DLC_DIALECT_DLC_TRANSFORMS_PASSES_TD
