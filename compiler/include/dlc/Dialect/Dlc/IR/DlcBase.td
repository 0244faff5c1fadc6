//===- DlcBase.td - dlc dialect definition and attributes --*- tablegen -*-===//
//
// The dlc dialect models a neural network at graph level: ops on ranked
// tensors, activations in NHWC, weights in HWIO. Attributes are typed (enums,
// integer arrays), never strings parsed later.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_DIALECT_DLC_IR_DLCBASE_TD
#define DLC_DIALECT_DLC_IR_DLCBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Dlc_Dialect : Dialect {
  let name = "dlc";
  let cppNamespace = "::dlc";
  let summary = "Graph-level neural network operations";
  let description = [{
    The `dlc` dialect is what a model file is imported into. Its ops are
    whole-tensor operations (convolutions, pools, dense layers, activations,
    elementwise arithmetic with NumPy broadcasting, shape manipulation) with
    static shapes inferred from their operands. Graph passes (folding,
    fusion) rewrite them; the lowering turns them into linalg on tensors.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  // Checks `dlc.tiling` against the loops of the op that carries it.
  let hasOperationAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes (in DlcAttrs.cpp, beside their storage).
    void registerAttributes();
  }];
}

def Dlc_Activation : I32EnumAttr<"Activation",
    "activation applied to the result of a fused op", [
  I32EnumAttrCase<"None", 0, "none">,
  I32EnumAttrCase<"Relu", 1, "relu">,
  I32EnumAttrCase<"Relu6", 2, "relu6">,
  I32EnumAttrCase<"LeakyRelu", 3, "leaky_relu">,
  I32EnumAttrCase<"Sigmoid", 4, "sigmoid">,
  I32EnumAttrCase<"Tanh", 5, "tanh">,
  // The elementwise math functions; the lowering shares their scalar code
  // with the activations. Only standalone ops use them (see dlc.sqrt).
  I32EnumAttrCase<"Sqrt", 6, "sqrt">,
  I32EnumAttrCase<"Erf", 7, "erf">,
  I32EnumAttrCase<"Exp", 8, "exp">,
  I32EnumAttrCase<"Log", 9, "log">
]> {
  let cppNamespace = "::dlc";
  let genSpecializedAttr = 0;
}
def Dlc_ActivationAttr : EnumAttr<Dlc_Dialect, Dlc_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Dlc_PoolKind : I32EnumAttr<"PoolKind",
    "pooling window applied after a fused convolution", [
  I32EnumAttrCase<"None", 0, "none">,
  I32EnumAttrCase<"Max", 1, "max">,
  I32EnumAttrCase<"Avg", 2, "avg">
]> {
  let cppNamespace = "::dlc";
  let genSpecializedAttr = 0;
}
def Dlc_PoolKindAttr : EnumAttr<Dlc_Dialect, Dlc_PoolKind, "pool_kind"> {
  let assemblyFormat = "`<` $value `>`";
}

def Dlc_LossKind : I32EnumAttr<"LossKind",
    "training loss, averaged over the batch (docs/TRAINING.md)", [
  I32EnumAttrCase<"CategoricalCrossentropy", 0, "categorical_crossentropy">,
  I32EnumAttrCase<"SparseCategoricalCrossentropy", 1,
                  "sparse_categorical_crossentropy">,
  I32EnumAttrCase<"BinaryCrossentropy", 2, "binary_crossentropy">,
  I32EnumAttrCase<"MeanSquaredError", 3, "mean_squared_error">
]> {
  let cppNamespace = "::dlc";
  let genSpecializedAttr = 0;
}
def Dlc_LossKindAttr : EnumAttr<Dlc_Dialect, Dlc_LossKind, "loss"> {
  let assemblyFormat = "`<` $value `>`";
}

// Spatial attributes. Paddings are explicit (top, bottom, left, right): the
// importer resolves SAME/VALID, so every consumer sees one representation.
def Dlc_Pair : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<2>]>;
def Dlc_Padding4 : ConfinedAttr<DenseI64ArrayAttr, [DenseArrayCount<4>]>;

// Code generation: how a fusion root is tiled (dlc-select-tiling writes it,
// dlc-tile-and-fuse reads it).
def Dlc_TilingAttr : AttrDef<Dlc_Dialect, "Tiling"> {
  let mnemonic = "tiling";
  let summary = "tile sizes and unrolling of a fusion root";
  let description = [{
    The schedule of one fusion root (a linalg op marked `dlc.fusion_root`),
    carried as the discardable attribute `dlc.tiling`. Sizes are per loop;
    0 leaves a loop untiled.

    - `outer`: one `scf.forall` task per tile of the root's parallel loops;
      the root's producers are fused into each task.
    - `inner`: the register tile, over the same parallel loops, of the op
      feeding the root's pool (or of the root itself): what vectorization
      unrolls into accumulators.
    - `reduction`: the reduction loops of the chain's contraction (a conv's
      filter rows, filter columns and input channels; a matmul's K), one
      size per reduction loop; each step is unrolled by vectorization, so
      this bounds the size of the unrolled code.
    - `outer_reduction` (optional): reduction loops of the root tiled
      outside everything else, accumulating into the root's destination.
    - `unroll_reduction` (optional): the reduction tile loops of at most
      eight iterations (filter rows) are unrolled, forwarding the
      accumulators from one row to the next in registers.

    The verifier checks the sizes against the loops of the op carrying the
    attribute. Example, the first conv + ReLU + pool of the reference CNN:

    ```mlir
    linalg.pooling_nhwc_max {dlc.fusion_root,
        dlc.tiling = #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 13, 32],
                                 reduction = [1, 0, 0], unroll_reduction>} ...
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "task tile of the parallel loops">:$outer,
    ArrayRefParameter<"int64_t", "register tile of the parallel loops">:$inner,
    OptionalArrayRefParameter<"int64_t",
        "tile of the contraction's reduction loops">:$reduction,
    OptionalArrayRefParameter<"int64_t",
        "reduction tiles looped over outside the tasks">:$outerReduction,
    DefaultValuedParameter<"bool", "false",
        "unroll short reduction tile loops">:$unrollReduction
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Checks the sizes against the loops of `op`, the op carrying the
    /// attribute.
    ::llvm::LogicalResult verifyForOp(::mlir::Operation *op) const;
  }];
}

// Code generation: the CPU a module is compiled for (the compiler sets it
// on the module; dlc-select-tiling sizes register tiles from it).
def Dlc_TargetAttr : AttrDef<Dlc_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "the CPU the code is generated for";
  let description = [{
    Carried by the module as `dlc.target`. `cpu` and `features` are LLVM's
    names (what `dlc compile --cpu` / `--target-features` take, the host's
    by default); `vectorBits` and `vectorRegisters` are what tiling reads
    of them: 512 and 32 with AVX-512, 256 and 16 with AVX2. A module
    without it is tiled for AVX-512.

    ```mlir
    module attributes {dlc.target = #dlc.target<cpu = "haswell",
        features = "", vectorBits = 256, vectorRegisters = 16>} { ... }
    ```
  }];
  let parameters = (ins
    StringRefParameter<"LLVM's CPU name">:$cpu,
    StringRefParameter<"LLVM's target features (+avx2,...)">:$features,
    "int64_t":$vectorBits,
    "int64_t":$vectorRegisters
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Dlc_F32Tensor : RankedTensorOf<[F32]>;

class Dlc_Op<string mnemonic, list<Trait> traits = []> :
    Op<Dlc_Dialect, mnemonic, traits>;

#endif // DLC_DIALECT_DLC_IR_DLCBASE_TD
