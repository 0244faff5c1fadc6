#!/usr/bin/python3
"""Times PyTorch 1.13 on the dlc model, with its fastest inference settings here.

    torch_bench.py --threads T [--batches 1,64] [--iters 1:500,64:100] [--warmup 20]
                   [--model examples/mnist_cnn.fb] [--check bench/build]

The path is `torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(
model.eval(), x)))` on channels_last tensors, under torch.no_grad(), with
torch.set_num_threads(T). The process environment is the best one measured on
this machine: glibc malloc thresholds raised (default malloc page-faults on
every step), OpenBLAS single-threaded (its spinning workers fight PyTorch's
OpenMP threads), OMP_NUM_THREADS=T. The script re-executes itself once with
that environment if it is missing.

With --check DIR, the optimized module's output on DIR/check_x_nchw.npy must
match dlc's (DIR/check_y.npy) within 1e-4, or the script exits with status 2.

Prints one JSON object per batch size: {"peer": "pytorch", "threads", "batch",
"iters", "median_ms", "p10_ms", "p90_ms", "images_per_s"}; the percentiles use
the nearest-rank rule of `dlc bench`.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from machine import ensure_torch_environment  # noqa: E402


def percentile(sorted_ms, p):
    index = int(p * (len(sorted_ms) - 1) + 0.5)
    return sorted_ms[min(index, len(sorted_ms) - 1)]


def parse_iters(text, batch):
    """'1:500,64:100' -> iterations for `batch` (the last entry <= batch wins)."""
    best = None
    for part in text.split(","):
        b, k = (int(v) for v in part.split(":"))
        if b <= batch:
            best = k
    return best or 50


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batches", default="1,64")
    parser.add_argument("--iters", default="1:500,8:200,64:100,256:50")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "mnist_cnn.fb"))
    parser.add_argument("--check", default=None)
    args = parser.parse_args()
    ensure_torch_environment(args.threads, "DLC_TORCH_BENCH_REEXEC")

    import torch
    import npy
    import torch_model

    torch.set_num_threads(args.threads)
    net = torch_model.load(args.model).to(memory_format=torch.channels_last)
    input_shape = net._model["tensors"][net.input_index]["shape"]
    chw = [input_shape[3], input_shape[1], input_shape[2]]

    def optimized(batch):
        x = torch.rand([batch] + chw).to(memory_format=torch.channels_last)
        with torch.no_grad():
            module = torch.jit.optimize_for_inference(
                torch.jit.freeze(torch.jit.trace(net.eval(), x)))
        return module, x

    if args.check:
        x = npy.load(os.path.join(args.check, "check_x_nchw.npy"))
        expected = npy.load(os.path.join(args.check, "check_y.npy"))
        module, _ = optimized(x.shape[0])
        with torch.no_grad():
            for _ in range(3):  # the profiling executor rewrites the graph on early runs
                got = module(x.to(memory_format=torch.channels_last))
        err = (got - expected).abs().max().item()
        if not err <= 1e-4:
            print("torch_bench: optimized PyTorch model differs from dlc: max |diff| %.3g" % err,
                  file=sys.stderr)
            sys.exit(2)

    for batch in [int(b) for b in args.batches.split(",") if b]:
        module, x = optimized(batch)
        iters = parse_iters(args.iters, batch)
        ms = []
        with torch.no_grad():
            for i in range(args.warmup + iters):
                start = time.perf_counter()
                module(x)
                elapsed = (time.perf_counter() - start) * 1e3
                if i >= args.warmup:
                    ms.append(elapsed)
        ms.sort()
        median = percentile(ms, 0.5)
        print(json.dumps({"peer": "pytorch", "version": torch.__version__,
                          "threads": args.threads, "batch": batch, "iters": iters,
                          "median_ms": median, "p10_ms": percentile(ms, 0.1),
                          "p90_ms": percentile(ms, 0.9),
                          "images_per_s": batch * 1e3 / median}), flush=True)


if __name__ == "__main__":
    main()
