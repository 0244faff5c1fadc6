#!/usr/bin/env python3
"""Real networks side by side with ONNX Runtime: per-model speed table.

    models.py [--models a,b] [--batches 1,16] [--threads 2] [--rounds 5]
              [--seconds 0.6] [--dlc PATH] [--out DIR] [--json-out FILE]

For each torchvision model exported by bench/compile.sh (or
export_torchvision.py) into $DLC_BENCH_MODELS (default
~/.cache/dlc-bench/torchvision):
  * a copy of the ONNX file whose batch dimension is free (the export fixes
    it at 1, and a model whose output has no batch dimension runs whole);
  * `dlc compile` of that copy with `--batch B` for every batch size B;
  * FLOPs per image from `dlc summary --format=json` (conv/dense/matmul).
Then rounds: in each, every system runs each (model, batch) briefly, back to
back, in an order rotated from round to round: dlc's .so with T threads
(`dlc bench`), ONNX Runtime with T threads (bench/ort_bench.js, native
session, graph optimizations on) and, at batch 1, dlc with one thread. A
ratio is taken within its round (this host's speed drifts by a third within
minutes); the table gives medians of the per-round ratios and their range:

  dlc ms, ORT ms      medians over rounds
  dlc/ORT             time ratio (< 1: dlc faster); target <= 1.0
  GFLOP/s, % peak     dlc's, against the FMA peak of T threads measured by
                      bench/build/fma_peak (built by bench/run.sh), if present
  T vs 1 thread       dlc's speed-up from T threads (batch 1)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_MODELS = ("resnet18,resnet50,mobilenet_v2,squeezenet1_1,"
                  "efficientnet_b0,googlenet")


def run_json(cmd, whole=False):
    """The JSON the command prints: its last line, or all of its output."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout
    return json.loads(out if whole else out.strip().splitlines()[-1])


def free_batch_copy(src, dst):
    """The ONNX file with its inputs' and outputs' first dimension free."""
    import onnx
    model = onnx.load(src)
    for value in list(model.graph.input) + list(model.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].dim_param = "N"
    # Inferred intermediate shapes would still say batch 1.
    del model.graph.value_info[:]
    onnx.save(model, dst)


def input_shape(src):
    import onnx
    model = onnx.load(src, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    for value in model.graph.input:
        if value.name not in initializers:
            return [d.dim_value for d in value.type.tensor_type.shape.dim][1:]
    raise SystemExit(f"{src}: no graph input")


class Systems:
    """Timed calls of one (model, batch): each returns milliseconds."""

    def __init__(self, args, so, onnx_free, shape, batch):
        self.args, self.so, self.onnx, self.shape = args, so, onnx_free, shape
        self.batch = batch
        self.iters = {}

    def dlc(self, threads, iters):
        return run_json([self.args.dlc, "bench", self.so, "--batch",
                         str(self.batch), "--threads", str(threads), "--iters",
                         str(iters), "--warmup", "3", "--json"])["median_ms"]

    def ort(self, threads, iters):
        return run_json(["node", os.path.join(HERE, "ort_bench.js"),
                         "--threads", str(threads), "--batches", str(self.batch),
                         "--iters", f"1:{iters}", "--warmup", "3", "--model",
                         self.onnx, "--shape", ",".join(map(str, self.shape))]
                        )["median_ms"]

    def timed(self, name, threads):
        """One measurement of about --seconds (iterations calibrated on the
        first call)."""
        fn = self.dlc if name.startswith("dlc") else self.ort
        key = (name, threads)
        if key not in self.iters:
            first = fn(threads, 3)
            self.iters[key] = max(3, int(self.args.seconds * 1e3 / first))
        return fn(threads, self.iters[key])


def fma_peak(threads):
    exe = os.path.join(HERE, "build", "fma_peak")
    if not os.path.exists(exe):
        return None
    out = subprocess.run([exe, "--threads", str(threads)], capture_output=True,
                         text=True).stdout
    try:
        return json.loads(out.strip().splitlines()[-1])["gflops"][str(threads)]
    except (ValueError, KeyError, IndexError):
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=DEFAULT_MODELS)
    p.add_argument("--batches", default="1,16")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=0.6,
                   help="length of one measurement")
    p.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"))
    p.add_argument("--models-dir", default=os.environ.get(
        "DLC_BENCH_MODELS",
        os.path.expanduser("~/.cache/dlc-bench/torchvision")))
    p.add_argument("--out", default=os.path.join(HERE, "build", "models"))
    p.add_argument("--json-out")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    os.environ.setdefault("DLC_CACHE_DIR", os.path.join(a.out, "cache"))
    batches = [int(b) for b in a.batches.split(",")]
    T = a.threads

    cases = []
    for name in a.models.split(","):
        src = os.path.join(a.models_dir, name + ".onnx")
        if not os.path.exists(src):
            print(f"models: {src} is missing (bench/compile.sh exports it); "
                  "skipped", file=sys.stderr)
            continue
        free = os.path.join(a.out, name + "_free_batch.onnx")
        if not os.path.exists(free) or os.path.getmtime(free) < os.path.getmtime(src):
            free_batch_copy(src, free)
        summary = run_json([a.dlc, "summary", src, "--format=json"],
                           whole=True)["totals"]
        flops = summary.get("conv_dense_flops", summary["flops"])
        shape = input_shape(src)
        for b in batches:
            so = os.path.join(a.out, f"{name}_b{b}.so")
            print(f"models: compiling {name} at batch {b}", file=sys.stderr)
            subprocess.run([a.dlc, "compile", free, "--batch", str(b), "-o",
                            so], check=True, cwd=ROOT)
            cases.append((name, b, flops, Systems(a, so, free, shape, b)))

    peak = fma_peak(T)
    samples = {(n, b): [] for n, b, _, _ in cases}
    for r in range(a.rounds):
        print(f"models: round {r + 1} of {a.rounds}", file=sys.stderr)
        for n, b, _, systems in cases:
            order = [("dlc", T), ("ort", T)] + ([("dlc", 1)] if b == 1 else [])
            order = order[r % len(order):] + order[:r % len(order)]
            sample = {f"{s}{t}": systems.timed(s, t) for s, t in order}
            samples[(n, b)].append(sample)

    rows = []
    for n, b, flops, _ in cases:
        rounds = samples[(n, b)]
        dlc_ms = statistics.median(s[f"dlc{T}"] for s in rounds)
        ort_ms = statistics.median(s[f"ort{T}"] for s in rounds)
        ratios = [s[f"dlc{T}"] / s[f"ort{T}"] for s in rounds]
        gflops = flops * b / dlc_ms / 1e6
        row = {"model": n, "batch": b, "threads": T, "dlc_ms": dlc_ms,
               "ort_ms": ort_ms, "ratio": statistics.median(ratios),
               "ratio_min": min(ratios), "ratio_max": max(ratios),
               "gflops": gflops,
               "peak_fraction": gflops / peak if peak else None}
        if b == 1:
            row["thread_speedup"] = statistics.median(
                s["dlc1"] / s[f"dlc{T}"] for s in rounds)
        rows.append(row)

    print(f"| model | batch | dlc ms | ORT ms | dlc/ORT (range) | GFLOP/s | "
          f"% of {T}-thread peak | {T} vs 1 thread |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        pct = f"{100 * r['peak_fraction']:.0f}%" if r["peak_fraction"] else "-"
        speed = f"{r['thread_speedup']:.2f}x" if "thread_speedup" in r else "-"
        print(f"| {r['model']} | {r['batch']} | {r['dlc_ms']:.2f} | "
              f"{r['ort_ms']:.2f} | {r['ratio']:.2f} ({r['ratio_min']:.2f}-"
              f"{r['ratio_max']:.2f}) | {r['gflops']:.0f} | {pct} | {speed} |")
    print(f"\n{a.rounds} alternating rounds, {T} threads; FMA peak "
          + (f"{peak:.0f} GFLOP/s" if peak else "not measured")
          + "; dlc/ORT target <= 1.0.")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"threads": T, "peak_gflops": peak, "rows": rows}, f,
                      indent=1)


if __name__ == "__main__":
    main()
