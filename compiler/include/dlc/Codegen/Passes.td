//===- Passes.td - dlc code generation passes --------------*- tablegen -*-===//
//
// Passes that run on linalg-on-tensors produced by --dlc-to-linalg and
// prepare it for bufferization and LLVM: choosing tile sizes (recorded as IR
// attributes so tests can pin them and flags can override them), tiling and
// fusing the conv + activation + pool chains, vectorizing the tiles, and
// giving the entry function its destination-passing signature.
//
//===----------------------------------------------------------------------===//

#ifndef DLC_CODEGEN_PASSES_TD
#define DLC_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def DlcFoldTransposes : Pass<"dlc-fold-transposes", "mlir::func::FuncOp"> {
  let summary = "Make elementwise generics write their results transposed";
  let description = [{
    A `linalg.transpose` whose input is the result of an all-parallel
    `linalg.generic` (identity output map, destination not read) is folded
    into that generic: the generic writes straight into a tensor of the
    transposed shape through a permuted output map, which saves a full read
    and write of the tensor. Training creates such pairs: the gradient of a
    fused ReLU + max pool is an elementwise generic over the conv's output,
    and the conv's filter gradient reads it transposed to [H, W, N, C].

    The fold applies only when every other reader of the generic's result
    can read the transposed tensor instead: another `linalg.generic` (its
    indexing map for that operand is permuted) or a `linalg.reduce` whose
    kept dimensions stay in order (the bias gradient's reduction over
    N, H, W). The transpose's discardable attributes (`dlc.materialize`)
    move to the folded generic. Example:

    ```mlir
    %g = linalg.generic {indexing_maps = [#id, #id], ...}
        ins(%x : tensor<4x26x26x32xf32>) outs(%e : tensor<4x26x26x32xf32>)
    %t = linalg.transpose ins(%g : ...) outs(%e2 : tensor<26x26x4x32xf32>)
        permutation = [1, 2, 0, 3]
    // becomes
    %t = linalg.generic {indexing_maps = [#id, (n, h, w, c) -> (h, w, n, c)]}
        ins(%x : ...) outs(%e3 : tensor<26x26x4x32xf32>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def DlcSelectTiling : Pass<"dlc-select-tiling", "mlir::func::FuncOp"> {
  let summary = "Choose tile sizes for each fusion root and record them";
  let description = [{
    For every linalg op marked `dlc.fusion_root` -- the last op of a conv
    chain (bias init, conv, activation, optionally a pool) or of a dense
    chain (bias init, matmul, activation) -- records its schedule as one
    `dlc.tiling = #dlc.tiling<...>` attribute (see the dialect's docs):

    * `outer`: sizes of the parallel tile loop over the root's iteration
      space (NHWC: image x output row; dense: rows), one tile per task;
    * `inner`: the register tile of the contraction's output computed at
      once inside a task ([N, 1, W, F] or [rows, cols]), sized so that the
      accumulators fit the 32 vector registers of AVX-512 (N > 1 only for
      outputs too narrow to fill them, e.g. a 3x3 filter gradient);
    * `reduction`: tile sizes of the chain's contraction's reduction loops
      (conv: filter row, filter column, input channel; depthwise conv:
      filter row, filter column; matmul: K), one per loop; each step is
      unrolled, so the input channels are tiled when a step would exceed
      512 multiply-adds;
    * `outer_reduction` (only when the conv's "filter" is over 512 KiB,
      i.e. a filter gradient, whose filter is the whole output gradient):
      reduction tiles looped over outside the tasks, so that the slice
      every task reads stays in L2 instead of being streamed from memory
      once per task;
    * `unroll_reduction` (convs of at most 8 input channels): the filter-row
      loop is unrolled, keeping the accumulators in registers across rows.

    ```mlir
    %p = linalg.pooling_nhwc_max {dlc.fusion_root, ...}
    // becomes
    %p = linalg.pooling_nhwc_max {dlc.fusion_root, dlc.tiling =
        #dlc.tiling<outer = [1, 1, 0, 0], inner = [1, 1, 13, 32],
                    reduction = [1, 0, 0], unroll_reduction>, ...}
    ```

    A `dlc.tiling` already present is kept, so a test or a schedule can pin
    it; the `outer-tiles` / `inner-tiles` options override those sizes of
    every root of the matching rank.
  }];
  let options = [
    ListOption<"outerTiles", "outer-tiles", "int64_t",
               "Override the outer sizes of every fusion root's tiling">,
    ListOption<"innerTiles", "inner-tiles", "int64_t",
               "Override the inner sizes of every fusion root's tiling">,
  ];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def DlcTileAndFuse : Pass<"dlc-tile-and-fuse", "mlir::func::FuncOp"> {
  let summary = "Tile fusion roots and fuse their producers into the tiles";
  let description = [{
    Tiles each `dlc.fusion_root` with `scf.forall` by the outer sizes of its
    `dlc.tiling`
    and fuses the producer chain (activation, convolution, bias broadcast,
    fills) into the loop body, so each task computes only the convolution
    rows its pooled rows need: the full convolution output is never
    materialized. Inside a task, the activation (and through it the
    convolution) is tiled again by its inner sizes with `scf.for`, the
    contraction's reduction loops by its reduction sizes (unrolled when it
    says `unroll_reduction`) and the pool's window rows by 1, so that they
    decompose into 1-D ops that vectorize. A root with `outer_reduction`
    sizes is first tiled along those reduction loops
    with `scf.for` carrying the output (its fill stays outside), and the
    steps above apply to the root inside that loop. Producers marked
    `dlc.materialize` are not fused; the pass first marks every non-root
    linalg op whose result more than one op reads (a residual sum), which
    is then computed once instead of inside the tiles of each reader.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def DlcTileTransposes : Pass<"dlc-tile-transposes", "mlir::func::FuncOp"> {
  let summary = "Tile whole-tensor transposes into 16x16 register blocks";
  let description = [{
    A `linalg.transpose` outside any tile loop (training's materialized
    operands, e.g. a forward activation transposed from NHWC to CHWN for a
    filter gradient) that moves the innermost dimension is tiled with
    `scf.for` into blocks of 16 x 16 elements of the two dimensions involved
    (the result's innermost one and the one that reads the input's
    innermost one), 1 elsewhere. `dlc-vectorize` turns each block into one
    16x16 vector transfer whose transpose the LLVM pipeline lowers to
    shuffles (`vector-transpose-lowering=shuffle16x16`), instead of the
    gathers LLVM's loop vectorizer emits for the strided side. Transposes
    that keep the innermost dimension (contiguous rows on both sides) or
    whose two dimensions are not multiples of 16 are left alone.

    ```mlir
    linalg.transpose ins(%x : tensor<64x13x13x32xf32>)
        outs(%e : tensor<32x13x13x64xf32>) permutation = [3, 1, 2, 0]
    // becomes four nested scf.for loops (steps 16, 1, 1, 16) around a
    // linalg.transpose of tensor<16x1x1x16xf32>
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def DlcVectorize : Pass<"dlc-vectorize", "mlir::func::FuncOp"> {
  let summary = "Decompose and vectorize the linalg ops inside tiles";
  let description = [{
    Decomposes 2-D convolutions and pools whose window row is 1 into their
    1-D forms, then vectorizes every statically shaped linalg op nested in a
    tile loop (ops outside tiles are left to loop lowering, since vectorizing
    a whole large tensor would create enormous vectors), and folds the
    surrounding tensor slices into vector transfers.
  }];
  let dependentDialects = ["mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect"];
}

def DlcDestinationStyleEntry :
    Pass<"dlc-destination-style-entry", "mlir::ModuleOp"> {
  let summary = "Give the entry function a destination-passing memref ABI";
  let description = [{
    Rewrites `func.func @infer(%in: tensor<...>) -> tensor<...>` into
    `func.func @infer(%in: memref<...>, %out: memref<...>)`: inputs are
    wrapped with `bufferization.to_tensor ... restrict`, results are written
    into the caller's buffers with `bufferization.materialize_in_destination`.
    The caller owns every input and output buffer, so one-shot bufferization
    never has to return a fresh allocation across the function boundary.

    A result with the attribute `dlc.in_place = k` is written into argument
    k instead (the parameters and optimizer state of a training step): that
    argument's `to_tensor` is `writable`, so bufferization updates it in
    place when no later op reads the old value, and copies otherwise.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"infer\"",
           "Name of the function to rewrite">,
  ];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::memref::MemRefDialect"];
}

def DlcPlanWorkspace : Pass<"dlc-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Place every intermediate buffer in one caller-provided workspace";
  let description = [{
    After bufferization, replaces each statically sized `memref.alloc` in
    the entry function with a `memref.view` into a new trailing `i8`
    workspace argument, at an offset chosen by a liveness-based first-fit
    planner (buffers whose live ranges do not overlap share bytes). The
    total size is recorded as the `dlc.workspace_bytes` attribute of the
    function; the matching deallocations are removed. No heap allocation is
    left on the inference path.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"infer\"",
           "Name of the function to plan">,
  ];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def DlcLowerStridedCopies :
    Pass<"dlc-lower-strided-copies", "mlir::func::FuncOp"> {
  let summary = "Turn memref.copy between strided views into memcpy runs or loops";
  let description = [{
    Bufferization copies into and out of subviews, e.g. a `tensor.pad`
    becomes a fill of the padded buffer and a `memref.copy` of the input
    into its interior. `finalize-memref-to-llvm` lowers a copy between two
    contiguous buffers to `llvm.memcpy`, but any other copy to a call of
    `memrefCopy` from MLIR's C runner utilities, which neither the JIT nor a
    compiled `.so` links. This pass rewrites exactly those copies: when
    both sides' trailing dims hold contiguous runs of at least 64 elements
    (a concatenation's channels), into `scf.for` loops over the outer dims
    around a contiguous `memref.copy` of each run (`llvm.memcpy` later);
    when the last dim is shorter but a whole number of vectors (16 to 63
    floats, a multiple of 8), into loops over the outer dims around vector
    loads and stores of it; otherwise into `linalg.copy`, which
    `convert-linalg-to-loops` turns into plain loops. Contiguous copies are left for `llvm.memcpy`. Run it
    after bufferization and before linalg is lowered to loops.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect"];
}

def DlcApproximateMath : Pass<"dlc-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Replace exp, log, tanh and erf by inline approximations";
  let description = [{
    `math.exp`, `math.log`, `math.tanh`, `math.erf` and their relatives
    would otherwise become calls to libm (`expf`, ...): scalar calls in
    vectorized code, and an undefined symbol that a compiled `.so` needs its
    host program to have loaded. MLIR's polynomial approximations (accurate
    to a few ulp in f32) are vector code without external symbols, so a
    compiled model depends on nothing but memset/memcpy. `math.sqrt` is
    left alone: it lowers to an instruction.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::vector::VectorDialect"];
}

def DlcUntieSharedInits : Pass<"dlc-untie-shared-inits", "mlir::func::FuncOp"> {
  let summary = "Give every destination operand its own init op";
  let description = [{
    CSE merges identical init ops: two pools of the same shape share one
    `linalg.fill` of -inf, two bias-free convs one zero fill. When such a
    shared init leads to a model output, `eliminate-empty-tensors` roots it
    in that output's buffer (a `to_tensor ... restrict` of the memref), and
    one-shot bufferization can no longer see that the other user's in-place
    result lives in that buffer too: the copy into the output then
    overwrites the other value (both outputs came out equal).

    This pass clones `tensor.empty`, `linalg.fill` and `linalg.broadcast`
    ops (with their own init chain) so that each use as the init (`outs`)
    of a destination-style op has a private copy. Inits are cheap to
    recompute and every consumer overwrites its copy anyway. Run it after
    the last CSE and before `eliminate-empty-tensors`.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def DlcNanFreeMax : Pass<"dlc-nan-free-max", "mlir::func::FuncOp"> {
  let summary = "Plain max instructions for maxima that cannot see a NaN";
  let description = [{
    `arith.maximumf` / `arith.minimumf` propagate NaN and order -0 below +0;
    x86's `vmaxps` / `vminps` do neither, so LLVM lowers each one to a max
    plus a NaN test and blends (seven instructions instead of one). A max
    pool after a ReLU pays that on every element, although a ReLU
    (`arith.maxnumf(x, 0)`) never yields NaN. This pass proves, on the
    vectorized tensor IR, which operands cannot be NaN and gives every
    maximumf / minimumf whose operands all qualify the fast-math flags
    `nnan` and `nsz`, which LLVM lowers to the single instruction.

    A value is NaN-free if it is a constant without NaN, undefined
    (`tensor.empty`, `ub.poison`: any value may be assumed), the result of
    `maxnumf` / `minnumf` with one NaN-free operand, of `maximumf` /
    `minimumf` / `select` with NaN-free operands, or data movement of
    NaN-free values (vector extracts, inserts, broadcasts and transfers;
    tensor slices; `scf.for` iteration arguments and `scf.forall` shared
    outputs whose initial value and every update are NaN-free). Anything
    else, including function arguments and arithmetic, may be NaN.
    Dropping the sign of zero (`nsz`) lets a max of -0 and +0 return either.

    ```mlir
    %r = arith.maxnumf %x, %zeros : vector<16xf32>      // ReLU: NaN-free
    %p = arith.maximumf %r, %acc : vector<16xf32>       // %acc NaN-free too
    // becomes
    %p = arith.maximumf %r, %acc fastmath<nnan,nsz> : vector<16xf32>
    ```
  }];
}

def DlcOutlineKernels : Pass<"dlc-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Outline each loop nest of the entry into a kernel function; share identical ones";
  let description = [{
    Runs on buffers, after workspace planning. Every top-level loop nest
    (`scf.for`, `scf.parallel`, `scf.forall`) and every linalg op of the
    entry function -- one tiled, fused op of the model each -- becomes a
    private `func.func` (a kernel) called from the entry, which is left a
    thin sequence of views into the workspace and kernel calls. Kernels
    take the buffers they use as arguments (weights, views of the
    workspace, inputs and outputs) and clone the constants they read, so
    two layers with the same op, shapes, attributes and tiling produce the
    same kernel body; such kernels are emitted once and called from every
    site. Each kernel is named after the model op it computes (its
    location), carries `no_inline` (LLVM compiles kernels apart, in
    parallel) and the entry records `dlc.kernels = [outlined, distinct]`.

    Ops whose captured buffers have a dynamic shape (the bare-pointer
    calling convention cannot pass them) stay in the entry.

    ```mlir
    func.func @infer(%in: memref<1x8xf32>, %out: memref<1x8xf32>, %ws: memref<64xi8>) {
      %v = memref.view %ws[%c0][] : memref<64xi8> to memref<1x8xf32>
      scf.for %i = %c0 to %c8 step %c1 { ... %in ... %v ... }
      scf.for %i = %c0 to %c8 step %c1 { ... %v ... %out ... }
    }
    // becomes (the two loops compute the same thing on other buffers)
    func.func private @relu_1(%a: memref<1x8xf32>, %b: memref<1x8xf32>) attributes {no_inline}
    func.func @infer(...) {
      func.call @relu_1(%in, %v) : ...
      func.call @relu_1(%v, %out) : ...
    }
    ```
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"infer\"",
           "Name of the function whose loop nests become kernels">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

def DlcFormParallelTasks :
    Pass<"dlc-form-parallel-tasks", "mlir::func::FuncOp"> {
  let summary = "Turn each tiled op's scf.forall into a loop of parallel tasks with private scratch";
  let description = [{
    Runs right after bufferization, where a tiled op's outer tiles are still
    an `scf.forall` (independent tasks) and the buffers one task allocates
    (its fused producers' tiles, the rows a fused pool reads) are still
    inside its body. Upstream's lowering would make it a sequential loop and
    buffer hoisting would then share those buffers between all tasks. Here
    every forall with static bounds, at least two tasks, no results and at
    most `max-private-bytes` of allocations becomes one
    `scf.for` over the task index `0 .. N` tagged `dlc.parallel_tasks`, its
    allocations becoming `memref.alloca`s at the top of the body: each task
    has its own scratch, on the stack of the thread that runs it. The
    original induction variables are recovered from the task index. An
    allocation of dynamic size (a partial tile at an edge, sized by
    affine.min/max of the induction variables) gets stack bytes for the
    largest size interval arithmetic gives it and a `memref.view` of its
    actual size; one without a bound keeps the forall sequential.
    Other foralls are left to `scf-forall-to-for` (they run sequentially).
    Elementwise linalg ops over whole, same-shaped buffers in the function
    body (a residual addition, a ReLU that could not be fused; 64K elements
    or more) become tagged loops too, one slice of their first dimension
    longer than 1 per task.
    `dlc-outline-tasks` and `dlc-lower-task-dispatch` then hand the tasks
    to the runtime's thread pool.

    ```mlir
    scf.forall (%i) in (13) {
      %t = memref.alloc() {alignment = 64 : i64} : memref<1x2x26x32xf32>
      ...
    }
    // becomes
    scf.for %i = %c0 to %c13 step %c1 {
      %t = memref.alloca() {alignment = 64 : i64} : memref<1x2x26x32xf32>
      ...
    } {dlc.parallel_tasks}
    ```
  }];
  let options = [
    Option<"maxPrivateBytes", "max-private-bytes", "int64_t", "1 << 20",
           "Largest per-task scratch (bytes) that runs as parallel tasks; "
           "a forall needing more stays sequential (0: none in parallel)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect"];
}

def DlcOutlineTasks : Pass<"dlc-outline-tasks", "mlir::ModuleOp"> {
  let summary = "Split every parallel task loop into a dispatcher and a task function";
  let description = [{
    Runs after `dlc-outline-kernels`. Each `scf.for` tagged
    `dlc.parallel_tasks` becomes two private functions named after the
    function it is in: `@<f>_task(%task: index, <args>)`, its body (the
    alloca_scope unwrapped, so the task's scratch sits in the entry block:
    allocated once per call, on the running thread's stack), and
    `@<f>_tasks(<args>)`, the loop calling it, which records
    `dlc.task_count = N` and `dlc.task_function = @<f>_task` for
    `dlc-lower-task-dispatch`. `<args>` are the values the body uses from
    outside it (constants are cloned instead); the loop becomes a call of
    the dispatcher. The loop may be nested, e.g. in the loop over filter
    rows of a convolution whose reduction is split: the dispatcher then runs
    once per row. A loop whose arguments the bare-pointer calling
    convention cannot pass (a dynamic shape or offset) stays where it is and
    runs its tasks in order.

    ```mlir
    func.func private @conv(%a: memref<...>, %b: memref<...>) attributes {no_inline} {
      scf.for %i = %c0 to %c13 step %c1 { memref.alloca_scope { ...%i, %a, %b... } } {dlc.parallel_tasks}
    }
    // becomes
    func.func private @conv(%a: memref<...>, %b: memref<...>) attributes {no_inline} {
      call @conv_tasks(%a, %b)
    }
    func.func private @conv_task(%i: index, %a: memref<...>, %b: memref<...>) attributes {no_inline}
    func.func private @conv_tasks(%a: memref<...>, %b: memref<...>) attributes
        {dlc.task_count = 13 : i64, dlc.task_function = @conv_task, no_inline} {
      scf.for %i = %c0 to %c13 step %c1 { func.call @conv_task(%i, %a, %b) }
    }
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect",
                           "mlir::scf::SCFDialect"];
}

def DlcLowerTaskDispatch : Pass<"dlc-lower-task-dispatch", "mlir::ModuleOp"> {
  let summary = "Call the runtime's parallel-for from every task dispatcher (LLVM dialect)";
  let description = [{
    Runs last, on the LLVM dialect. The entry function gains a trailing
    `!llvm.ptr` argument: the caller's `dlc_parallel` (runtime/include/dlc/
    runtime/dlc_abi.h), or null. Every function carrying `dlc.task_count`
    (a dispatcher, see `dlc-outline-tasks`) gains it too, and so does every
    function that calls one (the kernels), transitively; each call passes
    its caller's on. A dispatcher then starts by testing it: when null, it
    runs its sequential loop of task calls as before; otherwise it stores
    its arguments into an array on its stack and calls
    `parallel->parallel_for(parallel->pool, N, @<kernel>_thunk, array)`,
    where the thunk `(ptr args, i64 task)` loads the arguments back and
    calls the task function. The runtime decides which threads run which
    tasks; the call returns when all are done.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"infer\"",
           "Name of the function that receives the parallel context">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // DLC_CODEGEN_PASSES_TD
