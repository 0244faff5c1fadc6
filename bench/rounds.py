"""dlc's speed targets, measured in alternating rounds.

This machine is a shared VM whose speed drifts by up to a third within
minutes: the same `dlc bench` call gave 2.2 ms and 2.9 ms a minute apart. The
long rows of the main table run each system for a few seconds, one system
after another, so a ratio of two rows can be off by more than a target's
margin. Here every round runs each system of every target briefly, back to
back (the order rotated from round to round so no system always goes first),
and each target's ratio is taken within the round. The verdict is the median
of the per-round ratios; the table also gives their range and how many rounds
met the goal.
"""

import os
import statistics
import sys

from machine import OtherLoad
from procs import json_lines, last_line, run

HERE = os.path.dirname(os.path.abspath(__file__))

# Short measurements: a round should take seconds, the median of many rounds
# does the averaging.
ITERS_BATCH_1 = 300
ITERS_BATCH_64 = 50
WARMUP = 10
# A round during which other processes kept more than this many cores busy
# is left out of the verdict (while at least MIN_ROUNDS remain).
OTHER_LOAD_LIMIT = 0.25
MIN_ROUNDS = 3
# The host (a shared VM) may also take a core away without any process of
# ours seeing it: a round counts only if both of its 2-thread FMA peaks
# reached this fraction of the best one of the run.
HOST_PEAK_FRACTION = 0.9


class Rounds:
    """Runs the rounds; `samples` is one {measurement: value} dict per round
    (milliseconds, or GFLOP/s for the FMA peak)."""

    def __init__(self, runner, aot, blocks):
        self.r = runner
        self.aot = aot  # (batch, threads) -> .so compiled for its chunks (or None)
        self.blocks = {b["name"]: b for b in blocks if "path" in b}
        self.samples = []
        self.errors = {}
        self.round = 0

    def _dlc(self, key, target, batch, threads, iters, extra=()):
        rc, out, err = run([self.r.dlc, "bench", target, "--batch", str(batch), "--threads",
                            str(threads), "--iters", str(iters), "--warmup", str(WARMUP),
                            "--json"] + list(extra))
        parsed = json_lines(out)
        if rc != 0 or not parsed:
            self.errors[key] = last_line(err)
            return {}
        got = {key: parsed[0]["median_ms"]}
        if parsed[0].get("compile_s"):
            got[key + " compile s"] = parsed[0]["compile_s"]
        return got

    def _aot(self, key, batch, threads, iters):
        so = self.aot.get((batch, threads))
        return self._dlc(key, so, batch, threads, iters) if so else {}

    def _ort(self, threads):
        cmd = ["node", os.path.join(HERE, "ort_bench.js"), "--threads", str(threads),
               "--dir", self.r.out, "--batches", "1,64", "--warmup", str(WARMUP),
               "--iters", "1:%d,64:%d" % (ITERS_BATCH_1, ITERS_BATCH_64)]
        if self.round == 0:
            cmd.append("--check")  # the session timed is the model dlc runs
        return self._peer("ONNX Runtime", cmd, threads)

    def _torch(self):
        cmd = [self.r.args.python, os.path.join(HERE, "torch_bench.py"), "--threads", "1",
               "--model", self.r.model, "--batches", "1", "--warmup", str(WARMUP),
               "--iters", "1:%d" % ITERS_BATCH_1]
        if self.round == 0:
            cmd += ["--check", self.r.out]
        return self._peer("PyTorch", cmd, 1)

    def _peer(self, system, cmd, threads):
        if system in self.r.peer_skip:
            return {}
        rc, out, err = run(cmd)
        if rc == 2 and "differ" in err:
            sys.stderr.write(err)
            sys.exit("bench: %s's output differs from dlc's" % system)
        got = {"%s %dx%d" % (system, r["batch"], threads): r["median_ms"]
               for r in json_lines(out) if "median_ms" in r}
        if rc != 0 or not got:
            self.errors[system] = last_line(err)
        return got

    def _peak(self, key):
        exe = os.path.join(self.r.out, "fma_peak")
        if not os.path.exists(exe):
            return {}
        rc, out, _ = run([exe, "--threads", "2", "--seconds", "0.1"])
        parsed = json_lines(out)
        return {key: parsed[0]["gflops"]["2"]} if rc == 0 and parsed else {}

    def _block(self, name, fused):
        block = self.blocks.get(name)
        if not block:
            return {}
        key = "%s %s x2" % (name, "fused" if fused else "unfused")
        return self._dlc(key, block["path"], 64, 2, ITERS_BATCH_64,
                         [] if fused else ["--no-fusion"])

    def steps(self):
        """One round, as thunks. Pairs compared by a target sit next to each
        other so that they see nearly the same machine."""
        model, aot = self.r.model, self.aot
        out = [
            lambda: self._ort(1),
            lambda: self._aot("dlc AOT 1x1", 1, 1, ITERS_BATCH_1),
            lambda: self._torch(),
            lambda: self._aot("dlc AOT 64x1", 64, 1, ITERS_BATCH_64),
            lambda: self._peak("host peak x2"),
            lambda: self._aot("dlc AOT 64x2", 64, 2, ITERS_BATCH_64),
            lambda: self._ort(2),
            lambda: self._dlc("dlc JIT 64x2", model, 64, 2, ITERS_BATCH_64),
            lambda: self._dlc("dlc JIT 64x1", model, 64, 1, ITERS_BATCH_64),
            lambda: self._peak("peak x2"),
        ]
        for name in ("conv2", "conv1"):
            out.append(lambda name=name: self._block(name, True))
            out.append(lambda name=name: self._block(name, False))
        return out

    def run(self, count):
        steps = self.steps()
        for i in range(count):
            self.round = i
            sample = {}
            load = OtherLoad(children=True)
            start = (i * 5) % len(steps)
            for step in steps[start:] + steps[:start]:
                sample.update(step())
            sample["other cores"] = load.cores()
            self.samples.append(sample)
        return {"count": count, "samples": self.samples, "errors": self.errors,
                "block_flops": {n: b["flops_per_image"] for n, b in self.blocks.items()}}


def _best(sample, keys):
    values = [sample[k] for k in keys if k in sample]
    return min(values) if values else None


def _ratio(num, den):
    return num / den if num is not None and den else None


DLC_64 = ("dlc AOT 64x1", "dlc AOT 64x2", "dlc JIT 64x1", "dlc JIT 64x2")
ORT_64 = ("ONNX Runtime 64x1", "ONNX Runtime 64x2")
ORT_1 = ("ONNX Runtime 1x1", "ONNX Runtime 1x2")


def _targets(info):
    """(what, per-round function, goal text, test) for each target."""
    flops = info.get("block_flops", {})

    def percent_of_peak(s):
        t = s.get("conv2 fused x2")
        if t is None or "peak x2" not in s or "conv2" not in flops:
            return None
        return flops["conv2"] * 64 / (t * 1e-3) / 1e9 / s["peak x2"] * 100

    out = [
        ("batch 64: ORT time ÷ dlc time (each at its best thread count)",
         lambda s: _ratio(_best(s, ORT_64), _best(s, DLC_64)), "≥ 1.0", lambda v: v >= 1.0),
        ("batch 1: dlc time ÷ ORT time",
         lambda s: _ratio(s.get("dlc AOT 1x1"), _best(s, ORT_1)), "≤ 1.5", lambda v: v <= 1.5),
        ("batch 1: dlc time ÷ PyTorch time",
         lambda s: _ratio(s.get("dlc AOT 1x1"), s.get("PyTorch 1x1")), "≤ 0.5",
         lambda v: v <= 0.5),
    ]
    for system in ("dlc AOT", "dlc JIT"):
        out.append(("batch 64: %s 2 threads vs 1" % system,
                    lambda s, system=system: _ratio(s.get(system + " 64x1"),
                                                    s.get(system + " 64x2")),
                    "≥ 1.7×", lambda v: v >= 1.7))
    out.append(("conv2 block (13×13×32→64 + ReLU + pool), batch 64, 2 threads: % of FMA peak",
                percent_of_peak, "≥ 75%", lambda v: v >= 75))
    for name in ("conv1", "conv2"):
        out.append(("%s block, 2 threads: --no-fusion time ÷ fused time" % name,
                    lambda s, name=name: _ratio(s.get(name + " unfused x2"),
                                                s.get(name + " fused x2")),
                    "> 1.0×", lambda v: v > 1.0))
    return out


def peaks_of(sample):
    return [sample[k] for k in ("peak x2", "host peak x2") if k in sample]


def is_quiet(sample, best_peak):
    """Whether a round had the machine to itself: no other process busy, and
    the host gave both cores their full speed (FMA peaks near the best)."""
    if (sample.get("other cores") or 0.0) > OTHER_LOAD_LIMIT:
        return False
    return all(p >= HOST_PEAK_FRACTION * best_peak for p in peaks_of(sample))


def quiet_rounds(info):
    """The rounds that had the machine to themselves."""
    best = max((p for s in info["samples"] for p in peaks_of(s)), default=0.0)
    return [s for s in info["samples"] if is_quiet(s, best)]


def quiet_samples(info):
    """The rounds the verdict uses: the quiet ones, unless fewer than
    MIN_ROUNDS were (then all, and the report says so)."""
    quiet = quiet_rounds(info)
    return quiet if len(quiet) >= MIN_ROUNDS else info["samples"]


def target_rows(info):
    """Rows [target, median, range, rounds met, median of all rounds, goal,
    verdict] for the report; the verdict is that of the quiet rounds."""
    rows = []
    samples = quiet_samples(info)
    for what, per_round, goal, test in _targets(info):
        values = [v for v in (per_round(s) for s in samples) if v is not None]
        every = [v for v in (per_round(s) for s in info["samples"]) if v is not None]
        if not values:
            rows.append([what, "–", "–", "–", "–", goal, "not measured"])
            continue
        unit = "%" if goal.endswith("%") else ("×" if "×" in goal else "")
        show = (lambda v: "%.0f%%" % v) if unit == "%" else (lambda v: "%.2f%s" % (v, unit))
        median = statistics.median(values)
        rows.append([what, show(median), "%s–%s" % (show(min(values)), show(max(values))),
                     "%d/%d" % (sum(1 for v in values if test(v)), len(values)),
                     show(statistics.median(every)), goal,
                     "met" if test(median) else "not met"])
    return rows


def median_compile_s(info):
    """Median JIT compile time of the batch-64 CNN over the rounds (or None)."""
    values = [v for s in info["samples"] for k, v in s.items()
              if k.startswith("dlc JIT 64x") and k.endswith(" compile s")]
    return statistics.median(values) if values else None
