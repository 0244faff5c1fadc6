#!/usr/bin/env python3
"""Speed of code built for another x86-64 CPU beside the host's build.

Compiles each model twice with `dlc compile` (the host's CPU, and
`--cpu NAME`), then runs `dlc bench` on the two libraries in alternating
rounds (the host's speed drifts within minutes: a ratio is only taken
within a round) and prints a Markdown table: median ms of each build and
the median of the per-round ratios. See bench/target_cpu.sh.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def compile_model(dlc, model, batch, out, cpu):
    cmd = [dlc, "compile", model, "--batch", str(batch), "-o", out]
    if cpu:
        cmd.append("--cpu=" + cpu)
    subprocess.run(cmd, check=True)


def bench(dlc, so, batch, threads, iters):
    out = subprocess.run(
        [dlc, "bench", so, "--batch", str(batch), "--threads", str(threads),
         "--iters", str(iters), "--warmup", "10", "--json"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def zmm_count(so):
    text = subprocess.run(["objdump", "-d", so], capture_output=True,
                          text=True).stdout
    return text.count("%zmm")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dlc", default="build/bin/dlc")
    p.add_argument("--cpu", default="haswell")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("models", nargs="+",
                   help="MODEL:BATCH, e.g. examples/mnist_cnn.fb:64")
    a = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        env_cache = os.path.join(tmp, "cache")
        os.environ["DLC_CACHE_DIR"] = env_cache
        for spec in a.models:
            model, _, batch = spec.rpartition(":")
            batch = int(batch)
            name = os.path.splitext(os.path.basename(model))[0]
            host_so = os.path.join(tmp, name + "-host.so")
            cpu_so = os.path.join(tmp, name + "-" + a.cpu + ".so")
            compile_model(a.dlc, model, batch, host_so, None)
            compile_model(a.dlc, model, batch, cpu_so, a.cpu)
            iters = 50 if batch > 1 else 200
            host_ms, cpu_ms, ratios = [], [], []
            for _ in range(a.rounds):
                h = bench(a.dlc, host_so, batch, a.threads, iters)
                c = bench(a.dlc, cpu_so, batch, a.threads, iters)
                host_ms.append(h)
                cpu_ms.append(c)
                ratios.append(c / h)
            rows.append((name, batch, statistics.median(host_ms),
                         zmm_count(host_so) > 0, statistics.median(cpu_ms),
                         zmm_count(cpu_so) > 0, statistics.median(ratios),
                         min(ratios), max(ratios)))
    print(f"| model | batch | host build ms | host uses zmm | {a.cpu} build ms "
          f"| {a.cpu} uses zmm | {a.cpu} ÷ host (median, range) |")
    print("| --- | ---: | ---: | --- | ---: | --- | ---: |")
    for name, batch, h, hz, c, cz, r, lo, hi in rows:
        print(f"| {name} | {batch} | {h:.3f} | {'yes' if hz else 'no'} | "
              f"{c:.3f} | {'yes' if cz else 'no'} | "
              f"{r:.2f} ({lo:.2f}–{hi:.2f}) |")
    print(f"\n{a.rounds} alternating rounds, {a.threads} thread(s); "
          "ratios taken within each round.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
