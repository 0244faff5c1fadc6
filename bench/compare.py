#!/usr/bin/env python3
"""Runs the measurements of bench/run.sh and prints the side-by-side tables.

    compare.py [--threads 1,2] [--iters 1:500,8:200,64:100,256:50] [--quick]
               [--skip-peers] [--dlc build/bin/dlc] [--out bench/build]

run.sh installs the peers and builds dlc and fma_peak first; this script only
measures and reports, with the standard library. It writes the Markdown report
to stdout and to OUT/results.md, the raw figures to OUT/results.json.

What it runs, in order: fma_peak (the FMA peak per thread count), `dlc summary`
(FLOPs per image), `dlc compile --time` under /usr/bin/time -v for each batch
(stage times, peak RSS, and the .so for the AOT rows), export_peers.py (same
weights, checked against `dlc run`; a mismatch aborts the run), `dlc bench`
(JIT on the .fb, AOT on the .so), the conv blocks on their own, fused and
--no-fusion (blocks.py writes them), torch_bench.py and ort_bench.js.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import blocks  # noqa: E402
import report  # noqa: E402
import rounds  # noqa: E402
from procs import json_lines, last_line, run  # noqa: E402

# Debian's python3-torch installs into the system Python, not into a venv's.
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
MAIN_BATCHES = [1, 64]
SWEEP_BATCHES = [1, 8, 64, 256]


def _differs(stderr):
    """Whether a peer script refused to go on because its model is not dlc's."""
    return "does NOT match" in stderr or "differs from dlc" in stderr


def iters_for(spec, batch):
    best = 50
    for part in spec.split(","):
        b, k = (int(v) for v in part.split(":"))
        if b <= batch:
            best = k
    return best


class Runner:
    def __init__(self, args):
        self.args = args
        self.dlc = args.dlc
        self.model = args.model
        self.out = args.out
        self.threads = [int(t) for t in args.threads.split(",") if t]
        self.results = {"rows": [], "compile": [], "notes": []}
        self.dlc_threads = False
        self.chunks = {}  # (batch, threads) -> the batch the JIT compiled for

    def note(self, text):
        self.results["notes"].append(text)
        print("bench: " + text, file=sys.stderr)

    def _dlc_has_threads(self, target):
        """Whether `dlc bench` takes --threads: a one-run trial (on a .so when
        there is one, so that nothing is compiled), not a guess from --help."""
        rc, _, err = run([self.dlc, "bench", target, "--batch", "1", "--iters", "1",
                          "--warmup", "1", "--threads", "1"])
        if rc != 0 and "--threads" not in err:
            self.note("dlc bench failed while probing --threads: " + last_line(err))
        return rc == 0

    def machine(self):
        cpu = "unknown CPU"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        _, commit, _ = run(["git", "rev-parse", "--short", "HEAD"])
        _, dirty, _ = run(["git", "status", "--porcelain", "--", "compiler", "runtime", "tools"])
        self.results["machine"] = {
            "cpu": cpu, "cores": os.cpu_count(), "load_before": os.getloadavg()[0],
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "commit": commit.strip() + ("+local changes" if dirty.strip() else ""),
        }

    def fma_peak(self):
        """Measured at the start and again at the end of the run, keeping the
        better figure per thread count: load from elsewhere only lowers it."""
        exe = os.path.join(self.out, "fma_peak")
        if not os.path.exists(exe):
            if "peak_missing" not in self.results:
                self.results["peak_missing"] = True
                self.note("fma_peak was not built; fractions of peak are left out")
            return
        rc, out, err = run([exe, "--threads", ",".join(map(str, self.threads))])
        parsed = json_lines(out)
        if rc != 0 or not parsed:
            self.note("fma_peak failed: " + last_line(err))
            return
        peak = self.results.get("peak")
        if peak:
            for t, g in parsed[0]["gflops"].items():
                peak["gflops"][t] = max(g, peak["gflops"].get(t, 0))
        else:
            self.results["peak"] = parsed[0]

    def flops(self):
        rc, out, err = run([self.dlc, "summary", self.model, "--format=json"])
        if rc != 0:
            sys.exit("bench: dlc summary failed: " + last_line(err))
        totals = json.loads(out)["totals"]
        self.results["flops_per_image"] = totals.get("conv_dense_flops", totals["flops"])

    def compile_aot(self, batch):
        """`dlc compile --time` for one batch (under /usr/bin/time -v); returns the .so."""
        so = os.path.join(self.out, "mnist_cnn_b%d.so" % batch)
        cmd = [self.dlc, "compile", self.model, "--batch", str(batch), "--time", "-o", so]
        timer = shutil.which("time") if not os.path.exists("/usr/bin/time") else "/usr/bin/time"
        if timer:
            cmd = [timer, "-v"] + cmd
        rc, out, err = run(cmd)
        if rc != 0:
            self.results["compile"].append({"batch": batch, "error": last_line(err)})
            return None
        entry = {"batch": batch, "stages": {}}
        m = re.search(r"compile time:(.*)", out + err)
        if m:
            for name, secs in re.findall(r"\s*([A-Za-z][\w ]*?)\s+([\d.]+) s", m.group(1)):
                entry["stages"][name] = float(secs)
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
        if m:
            entry["peak_rss_mib"] = int(m.group(1)) / 1024.0
        m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
        if m:
            entry["wall_s"] = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
        self.results["compile"].append(entry)
        return so

    def dlc_bench(self, system, target, batch, threads, extra=(), iters=None):
        row = {"system": system, "batch": batch, "threads": threads}
        iters = iters or iters_for(self.args.iters, batch)
        cmd = [self.dlc, "bench", target, "--batch", str(batch), "--json",
               "--iters", str(iters), "--warmup", "20"] + list(extra)
        if self.dlc_threads:
            cmd += ["--threads", str(threads)]
        elif threads != 1:
            row["skipped"] = "dlc bench has no --threads yet (single-threaded)"
            self.results["rows"].append(row)
            return row
        rc, out, err = run(cmd)
        parsed = json_lines(out)
        if rc != 0 or not parsed:
            row["error"] = last_line(err)
        else:
            if system == "dlc JIT" and "batch_compiled" in parsed[0]:
                self.chunks[(batch, threads)] = parsed[0]["batch_compiled"]
            row.update({k: parsed[0][k] for k in
                        ("median_ms", "p10_ms", "p90_ms", "compile_s", "iters", "batch_compiled",
                         "workspace_bytes") if k in parsed[0]})
        self.results["rows"].append(row)
        return row

    def chunk_batch(self, batch, threads):
        """The batch `dlc bench` compiles the CNN for at this batch and thread
        count (dlc::chunkBatchFor), asked from dlc itself: an AOT library
        for the same chunks runs the same code as the JIT."""
        key = (batch, threads)
        if key not in self.chunks:
            rc, out, _ = run([self.dlc, "bench", self.model, "--batch", str(batch), "--threads",
                              str(threads), "--iters", "1", "--warmup", "1", "--json"])
            parsed = json_lines(out)
            self.chunks[key] = parsed[0]["batch_compiled"] if rc == 0 and parsed else batch
        return self.chunks[key]

    def conv_blocks(self, batch=64):
        """Each conv block of the CNN as a model of its own, fused and
        --no-fusion (bench/blocks.py); rows go to results["blocks"]."""
        specs = blocks.write_models(self.model, self.out)
        self.block_specs = specs
        self.results["blocks"] = {"batch": batch, "specs": [
            {k: v for k, v in s.items() if k not in ("json", "path")} for s in specs]}
        rows = self.results["rows"]
        for s in specs:
            for t in self.threads:
                for fused in (True, False):
                    system = "block %s%s" % (s["name"], "" if fused else " --no-fusion")
                    if "path" not in s:
                        rows.append({"system": system, "batch": batch, "threads": t,
                                     "error": s["error"]})
                        continue
                    self.dlc_bench(system, s["path"], batch, t, [] if fused else ["--no-fusion"])

    def export_peers(self):
        """Same weights for the peers, checked against dlc; marks the peers
        skipped when PyTorch is missing or the export fails."""
        rc, _, _ = run([self.args.python, "-c", "import torch"])
        if rc != 0:
            self.peer_skip = {"PyTorch": "python3-torch is not installed",
                              "ONNX Runtime": "needs PyTorch to export the ONNX model"}
            return
        rc, out, err = run([self.args.python, os.path.join(HERE, "export_peers.py"),
                            "--dlc", self.dlc, "--model", self.model, "--out", self.out,
                            "--batches", ",".join(map(str, MAIN_BATCHES))])
        if rc != 0 and _differs(err):
            sys.stderr.write(err)
            sys.exit("bench: the peers' model differs from dlc's; no benchmark of a different model")
        parsed = json_lines(out)
        if rc != 0 or not parsed:
            self.peer_skip = {"PyTorch": "export failed: " + last_line(err),
                              "ONNX Runtime": "export failed: " + last_line(err)}
            return
        self.results["export"] = parsed[0]

    def peer(self, system, cmd_for_threads):
        if system in self.peer_skip:
            for t in self.threads:
                for b in MAIN_BATCHES:
                    self.results["rows"].append({"system": system, "batch": b, "threads": t,
                                                 "skipped": self.peer_skip[system]})
            return
        for t in self.threads:
            rc, out, err = run(cmd_for_threads(t))
            parsed = {r["batch"]: r for r in json_lines(out)}
            if rc != 0 and _differs(err):
                sys.stderr.write(err)
                sys.exit("bench: %s's output differs from dlc's" % system)
            for b in MAIN_BATCHES:
                row = {"system": system, "batch": b, "threads": t}
                if b in parsed:
                    row.update({k: v for k, v in parsed[b].items()
                                if k not in ("peer", "batch", "threads")})
                elif rc == 3:
                    row["skipped"] = last_line(err)
                else:
                    row["error"] = last_line(err)
                self.results["rows"].append(row)

    def long_rows(self, so):
        """The main table, the batch sweep and the conv blocks: each system
        timed for many runs in a row. `so` collects the compiled .so files."""
        batches = sorted(set(MAIN_BATCHES + SWEEP_BATCHES))
        so.update({b: self.compile_aot(b) for b in batches})
        self.dlc_threads = self._dlc_has_threads(so[1] or self.model)
        for t in self.threads:
            for b in batches:
                self.dlc_bench("dlc JIT", self.model, b, t)
                # The library is compiled for the chunks the JIT used.
                chunk = self.chunk_batch(b, t)
                if chunk not in so:
                    so[chunk] = self.compile_aot(chunk)
                if so[chunk]:
                    self.dlc_bench("dlc AOT", so[chunk], b, t)
                else:
                    self.results["rows"].append({"system": "dlc AOT", "batch": b, "threads": t,
                                                 "error": "dlc compile failed"})
        for b in MAIN_BATCHES:
            # The unfused path is slow; 50 runs (the minimum) keep the run short.
            self.dlc_bench("dlc JIT --no-fusion", self.model, b, 1, ["--no-fusion"], iters=50)
        self.conv_blocks()

        iters = ["--iters", self.args.iters, "--warmup", "20"]
        self.peer("ONNX Runtime", lambda t: [
            "node", os.path.join(HERE, "ort_bench.js"), "--threads", str(t), "--dir", self.out,
            "--batches", ",".join(map(str, MAIN_BATCHES)), "--check"] + iters)
        self.peer("PyTorch", lambda t: [
            self.args.python, os.path.join(HERE, "torch_bench.py"), "--threads", str(t),
            "--model", self.model, "--check", self.out,
            "--batches", ",".join(map(str, MAIN_BATCHES))] + iters)

    def run_all(self):
        os.makedirs(self.out, exist_ok=True)
        self.machine()
        self.fma_peak()
        self.flops()
        self.peer_skip = {}
        if self.args.skip_peers:
            self.peer_skip = {"PyTorch": "--skip-peers", "ONNX Runtime": "--skip-peers"}
        else:
            self.export_peers()
            if shutil.which("node") is None:
                self.peer_skip.setdefault("ONNX Runtime", "node is not installed")

        so = {}
        if not self.args.targets_only:
            self.long_rows(so)
        else:
            self.block_specs = blocks.write_models(self.model, self.out)
        if self.args.rounds > 0:
            aot = {}
            for b, t in ((1, 1), (64, 1), (64, 2)):
                chunk = self.chunk_batch(b, t)
                if chunk not in so:
                    so[chunk] = self.compile_aot(chunk)
                aot[(b, t)] = so[chunk]
            print("bench: %d alternating rounds for the targets ..." % self.args.rounds,
                  file=sys.stderr)
            self.results["rounds"] = rounds.Rounds(self, aot, self.block_specs).run(
                self.args.rounds)
        self.fma_peak()
        self.results["machine"]["load_after"] = os.getloadavg()[0]
        self.results["dlc_threads"] = self.dlc_threads
        self.results["threads"] = self.threads
        self.results["main_batches"] = MAIN_BATCHES
        self.results["targets_only"] = self.args.targets_only
        self.results["sweep_batches"] = SWEEP_BATCHES


def main():
    parser = argparse.ArgumentParser(description="dlc vs ONNX Runtime and PyTorch")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--iters", default="1:500,8:200,64:100,256:50",
                        help="timed runs per batch size, as batch:runs (>= 50 each)")
    parser.add_argument("--quick", action="store_true", help="50 runs per row")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--rounds", type=int, default=15,
                        help="alternating rounds that decide the targets (0: none)")
    parser.add_argument("--targets-only", action="store_true",
                        help="only the alternating rounds and the targets table")
    parser.add_argument("--dlc", default=os.path.join(ROOT, "build", "bin", "dlc"))
    parser.add_argument("--model", default=os.path.join(ROOT, "examples", "mnist_cnn.fb"))
    parser.add_argument("--out", default=os.path.join(HERE, "build"))
    parser.add_argument("--python", default=SYSTEM_PYTHON, help="the Python that has torch")
    args = parser.parse_args()
    if args.quick:
        args.iters = "1:50"
        args.rounds = min(args.rounds, 3)
    runner = Runner(args)
    runner.run_all()
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(runner.results, f, indent=1)
    text = report.render(runner.results, os.path.relpath(args.model, ROOT))
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
