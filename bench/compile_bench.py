#!/usr/bin/env python3
"""Compile-time benchmark: how long dlc takes to compile real networks.

    compile_bench.py [--models LIST | --quick] [--no-export] [--dlc PATH]
                     [--mem-limit GIB] [--timeout S] [--json-out FILE]
                     [--no-warm] [--with-ort] [--dry-run]

bench/compile.sh installs what this needs and runs it. For each torchvision
0.14 classifier (exported at batch 1 by bench/export_torchvision.py into
$DLC_BENCH_MODELS or ~/.cache/dlc-bench/torchvision, once per torchvision
version) it measures, one process at a time:

1. cold compile: `dlc compile M.onnx --batch 1 -o M.so --time --json` with
   DLC_CACHE_DIR set to a new empty directory: wall time and peak RSS measured
   here (os.wait4), stage times, kernel counts and the .so size from dlc's
   JSON;
2. warm start: `dlc run M.onnx --input x.npy --output y.npy --time --json`
   twice with one new cache directory: the first run fills the cache (cold
   JIT), the second should hit it; `setup_seconds` is the time before the
   first inference. Without `--time --json` support in `dlc run`, the whole
   process's wall time is shown, marked *;
3. ONNX Runtime's session creation time (bench/node_modules, as bench/run.sh
   installs it), when present.

Then the reference CNN (examples/mnist_cnn.fb): inference compile
(`dlc compile --batch 64 --time --json`) and the train step's JIT compile
(`compile_s` of `dlc train --json`, as bench/train.sh reads it, on 64
synthetic images for one epoch).

Every child process runs under a guard: a watchdog polls the resident memory
of the process and its descendants (/proc/PID/status VmRSS, every 50 ms) and
kills the process group above --mem-limit or after --timeout. A killed,
failed or refused compile is a row with its reason, and the run goes on.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import export_torchvision  # noqa: E402
from machine import OtherLoad, loadavg  # noqa: E402
from procs import last_line, run  # noqa: E402
from report import fmt, table  # noqa: E402

MODELS = list(export_torchvision.MODELS)
QUICK_MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_1"]
REFERENCE_CNN = os.path.join("examples", "mnist_cnn.fb")
GIB = 1 << 30
MIB = 1 << 20

# Targets of "real networks compile in seconds".
COMPILE_TARGET_S = 10.0
COMPILE_TARGET_LARGE_S = 15.0
LARGE_COMPILE = {"resnet50", "vit_b_16", "convnext_tiny"}
MEMORY_TARGET_GIB = 1.5
MEMORY_TARGET_LARGE_GIB = 2.5
LARGE_MEMORY = {"vit_b_16", "alexnet"}
CNN_INFER_TARGET_S = 0.5
CNN_TRAIN_TARGET_S = 1.5

# Exports are guarded too, with room for the largest model (vit_b_16).
EXPORT_MEM_LIMIT = 12 * GIB
EXPORT_TIMEOUT_S = 900

SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

# Times ONNX Runtime's session creation for one model; prints one JSON line.
ORT_SESSION_JS = r"""
'use strict';
const { performance } = require('perf_hooks');
const ort = require('onnxruntime-node');
const file = process.argv[process.argv.length - 1];
(async () => {
  const t0 = performance.now();
  await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all' });
  const seconds = (performance.now() - t0) / 1000;
  const version = require('onnxruntime-node/package.json').version;
  console.log(JSON.stringify({ session_seconds: seconds, version }));
})().catch((e) => {
  console.error(String((e && e.message) || e).split('\n')[0]);
  process.exit(1);
});
"""


# ---------------------------------------------------------------------------
# Running a child process under the memory and time guard.

def _vm_rss(pid):
    """Resident memory of one process in bytes (0 once it is gone or a zombie)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid):
    """The process ids below `pid` (from /proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir("/proc/%d/task" % parent)
        except OSError:
            continue
        for task in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (parent, task)) as f:
                    kids = [int(k) for k in f.read().split()]
            except (OSError, ValueError):
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


class Watchdog(threading.Thread):
    """Polls a child's resident memory (with its descendants') every 50 ms and
    kills its process group when it exceeds `mem_limit` bytes or runs longer
    than `timeout` seconds; `reason` then says which."""

    def __init__(self, pid, mem_limit, timeout, start):
        super().__init__(daemon=True)
        self.pid, self.mem_limit, self.timeout, self.start_time = pid, mem_limit, timeout, start
        self.peak = 0
        self.reason = None
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.wait(0.05):
            rss = _vm_rss(self.pid) + sum(_vm_rss(p) for p in _descendants(self.pid))
            self.peak = max(self.peak, rss)
            elapsed = time.perf_counter() - self.start_time
            if rss > self.mem_limit:
                self._kill("killed at %.1f GiB after %.0f s" % (rss / GIB, elapsed))
            elif elapsed > self.timeout:
                self._kill("timeout %.0f s" % self.timeout)
            if self.reason:
                return

    def _kill(self, reason):
        self.reason = reason
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass

    def stop(self):
        self._stop_event.set()


def guarded_run(cmd, env=None, mem_limit=6 * GIB, timeout=300.0, cwd=ROOT):
    """Runs `cmd` in its own process group under a Watchdog. Returns a dict:
    rc, stdout, stderr, wall_s, peak_rss_bytes (the larger of wait4's
    ru_maxrss and the watchdog's peak), killed (the watchdog's reason or
    None) and other_cores (CPU that other processes used meanwhile)."""
    result = {"cmd": cmd, "rc": None, "stdout": "", "stderr": "", "wall_s": None,
              "peak_rss_bytes": None, "killed": None, "other_cores": None}
    load = OtherLoad(children=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=env, cwd=cwd, start_new_session=True)
        except OSError as e:
            result.update(rc=127, stderr=str(e))
            return result
        dog = Watchdog(proc.pid, mem_limit, timeout, start)
        dog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: the child is in its own session, end it too
            dog.stop()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            raise
        wall = time.perf_counter() - start
        dog.stop()
        dog.join()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if dog.reason:
            try:  # anything the child left running in its group
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        for f, key in ((out, "stdout"), (err, "stderr")):
            f.seek(0)
            result[key] = f.read().decode("utf-8", "replace")
    result.update(rc=proc.returncode, wall_s=wall, killed=dog.reason,
                  peak_rss_bytes=max(usage.ru_maxrss * 1024, dog.peak),
                  other_cores=load.cores())
    return result


def first_line(text, limit=120):
    """The first non-empty line of `text`, shortened."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[:limit - 1] + "…"
    return "no output"


def failure(res):
    """Why a guarded run failed ("killed at ...", "timeout ...", "error: ..."),
    or None when it succeeded."""
    if res["killed"]:
        return res["killed"]
    if res["rc"] != 0:
        return "error: " + first_line(res["stderr"] or res["stdout"])
    return None


def unsupported_ops(text):
    """What dlc's ONNX import refused, from its error text: a list of op
    names (with the detail when an op is there but an attribute or input of it
    is not), or None when nothing was reported as not supported."""
    if not re.search(r"not supported|unsupported", text, re.IGNORECASE):
        return None
    ops = []

    def add(name):
        if name and name not in ops:
            ops.append(name)
    for m in re.finditer(r"(?:unsupported ops?|ops? not supported)\s*:\s*([\w ,]+)", text,
                         re.IGNORECASE):
        for name in m.group(1).split(","):
            add(name.strip())
    for m in re.finditer(r"op type (\w+)(?: \(opset \d+\))? is not supported", text):
        add(m.group(1))
    for m in re.finditer(r"node \d+ \((\w+) '[^']*'\): ([^\n]*(?:not supported|unsupported)[^\n]*)",
                         text):
        if "op type" not in m.group(2):
            add("%s (%s)" % (m.group(1), m.group(2).strip()[:80]))
    for m in re.finditer(r"ops of domain '([^']*)' are not supported", text):
        add("domain " + m.group(1))
    if not ops:
        line = next(l for l in text.splitlines()
                    if re.search(r"not supported|unsupported", l, re.IGNORECASE))
        add(first_line(line, 100))
    return ops


def find_json(*texts, key=None):
    """The first JSON object in the texts (a whole text, or a line that is
    one) that has `key` (any object when key is None); None if there is none."""
    for text in texts:
        candidates = [text.strip()] + [l.strip() for l in reversed(text.splitlines())]
        for c in candidates:
            if not c.startswith("{"):
                continue
            try:
                obj = json.loads(c)
            except ValueError:
                continue
            if isinstance(obj, dict) and (key is None or key in obj):
                return obj
    return None


def dig(obj, *keys):
    """obj[k1][k2]... as a number or string, or None where anything is missing."""
    for k in keys:
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj if isinstance(obj, (int, float, str)) and not isinstance(obj, bool) else None


def number(v):
    """v if it is a number, else None."""
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


# ---------------------------------------------------------------------------
# The machine, the models and dlc's options.

def _shown_path(path):
    """A path relative to the repository when it is inside it."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    return path if rel.startswith("..") else rel


def machine_info(dlc):
    """CPU, cores, whether it is a VM, date, load, git commit and dlc's build time."""
    cpu, vm = "unknown CPU", False
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu == "unknown CPU":
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags") and " hypervisor" in line:
                    vm = True
    except OSError:
        pass
    _, commit, _ = run(["git", "rev-parse", "--short", "HEAD"])
    _, dirty, _ = run(["git", "status", "--porcelain", "--", "compiler", "runtime", "tools"])
    built = None
    if os.path.exists(dlc):
        built = datetime.datetime.fromtimestamp(os.path.getmtime(dlc)).strftime("%Y-%m-%d %H:%M")
    return {"cpu": cpu, "cores": os.cpu_count(), "vm": vm, "dlc": _shown_path(dlc),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "load_before": (loadavg() or [None])[0],
            "commit": (commit.strip() or "unknown") + ("+local changes" if dirty.strip() else ""),
            "dlc_built": built}


def chosen_models(args):
    """The model list from --models / --quick, checked."""
    if args.models:
        names = [n.strip() for n in args.models.split(",") if n.strip()]
    else:
        names = QUICK_MODELS if args.quick else MODELS
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit("compile_bench: unknown model(s) %s (known: %s)"
                 % (", ".join(unknown), ", ".join(MODELS)))
    return names


def torchvision_version():
    """The installed torchvision's version (asked from the system Python), or None."""
    rc, out, _ = run([SYSTEM_PYTHON, "-c", "import torchvision; print(torchvision.__version__)"])
    return out.strip() if rc == 0 and out.strip() else None


def export_models(names, models_dir, args):
    """Exports the models that are missing or stale, one process per model
    under the guard; returns {name: stamp} for the models that are there and
    {name: reason} for those that are not."""
    version = None if args.no_export else torchvision_version()
    stamps, missing = {}, {}
    for name in names:
        stamp = export_torchvision.read_stamp(models_dir, name)
        if args.no_export:
            if stamp is not None:
                stamps[name] = stamp
            else:
                missing[name] = "not exported (--no-export)"
            continue
        if version is None:
            missing[name] = "torchvision is not installed"
            continue
        if export_torchvision.is_current(stamp, version):
            stamps[name] = stamp
            continue
        say("exporting %s ..." % name)
        res = guarded_run([SYSTEM_PYTHON, os.path.join(HERE, "export_torchvision.py"),
                           "--models", name, "--out", models_dir],
                          mem_limit=EXPORT_MEM_LIMIT, timeout=EXPORT_TIMEOUT_S)
        info = find_json(res["stdout"], key="status")
        if failure(res) or not info or info.get("status") == "error":
            # A Python error's message is its traceback's last line.
            why = (info or {}).get("error") or res["killed"] or last_line(res["stderr"])
            missing[name] = "export failed: " + first_line(why)
            say("%s: %s" % (name, missing[name]))
            continue
        stamps[name] = export_torchvision.read_stamp(models_dir, name) or info
        say("%s: exported in %.1f s (%.0f MB)" % (
            name, res["wall_s"], (stamps[name].get("onnx_bytes") or 0) / 1e6))
    return stamps, missing


def write_input(path):
    """The seeded float32 [1, 3, 224, 224] input of the warm-start runs."""
    import numpy as np
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224), dtype=np.float32)
    np.save(path, x)


def write_train_data(directory):
    """64 synthetic 28x28 images and labels (train and test split), enough
    for `dlc train` to compile its step and run one short epoch."""
    import numpy as np
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        np.save(os.path.join(directory, "x_%s.npy" % split),
                rng.integers(0, 256, size=(64, 28, 28), dtype=np.uint8))
        np.save(os.path.join(directory, "y_%s.npy" % split), np.arange(64, dtype=np.int64) % 10)


def accepts_flags(dlc, command, flags):
    """Whether `dlc COMMAND` takes these flags: its parser rejects an unknown
    option before it looks for a model, so a call without a model tells."""
    rc, out, err = run([dlc, command] + flags, timeout=30)
    if rc == 127 and not out and not err:
        return False
    return "unknown option" not in (out + err)


# ---------------------------------------------------------------------------
# The measurements.

class Bench:
    """Runs the measurements of one benchmark run and keeps their results."""

    def __init__(self, args, models_dir):
        self.args = args
        self.dlc = args.dlc
        self.models_dir = models_dir
        self.mem_limit = int(args.mem_limit * GIB)
        self.work = tempfile.mkdtemp(prefix="dlc-compile-bench-")
        self.compile_json = True
        self.run_json = True
        self.ort = self._ort_available()
        self.notes = []

    def close(self):
        """Removes the scratch directory (the .so files and caches)."""
        shutil.rmtree(self.work, ignore_errors=True)

    def note(self, text):
        """A note printed under the tables (and now, on stderr)."""
        if text not in self.notes:
            self.notes.append(text)
            say(text)

    def _ort_available(self):
        """Whether node and bench/node_modules/onnxruntime-node are there."""
        return shutil.which("node") is not None and os.path.exists(
            os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json"))

    def probe(self):
        """Which of the JSON options this dlc takes (they are new)."""
        self.compile_json = accepts_flags(self.dlc, "compile", ["--time", "--json"])
        self.run_json = accepts_flags(self.dlc, "run", ["--time", "--json"])
        if not self.compile_json:
            self.note("`dlc compile` does not take --json yet: stage times come from its "
                      "--time line, kernel counts are left out")
        if not self.run_json:
            self.note("`dlc run` does not take --time --json yet: warm-start cells marked * "
                      "are the whole process's wall time, and hit/miss is unknown")

    def fresh_cache(self, tag):
        """A new empty directory for DLC_CACHE_DIR."""
        return tempfile.mkdtemp(prefix="cache-%s-" % tag, dir=self.work)

    def env_with_cache(self, cache):
        """The environment with DLC_CACHE_DIR=cache."""
        env = dict(os.environ)
        env["DLC_CACHE_DIR"] = cache
        return env

    def compile_cmd(self, model, batch, out):
        """`dlc compile MODEL --batch N -o OUT --time [--json]`."""
        cmd = [self.dlc, "compile", model, "--batch", str(batch), "-o", out, "--time"]
        return cmd + (["--json"] if self.compile_json else [])

    def run_cmd(self, model, x, y):
        """`dlc run MODEL --input X --output Y [--time --json]`."""
        cmd = [self.dlc, "run", model, "--input", x, "--output", y]
        return cmd + (["--time", "--json"] if self.run_json else [])

    def guarded(self, cmd, env=None):
        """guarded_run with this run's limits."""
        return guarded_run(cmd, env=env, mem_limit=self.mem_limit, timeout=self.args.timeout)

    def compile_once(self, model_path, batch, tag):
        """One cold `dlc compile` (empty cache): own wall time and peak RSS,
        with dlc's stage times, kernel counts and output size when it reports
        them. Returns a dict; "failure" says why when it did not compile."""
        so = os.path.join(self.work, tag + ".so")
        res = self.guarded(self.compile_cmd(model_path, batch, so),
                           env=self.env_with_cache(self.fresh_cache(tag)))
        row = {"cmd": " ".join(res["cmd"]), "wall_s": res["wall_s"],
               "peak_rss_bytes": res["peak_rss_bytes"],
               "other_cores": res["other_cores"], "rc": res["rc"]}
        why = failure(res)
        if why:
            row["failure"] = why
            if not res["killed"]:
                row["unsupported"] = unsupported_ops(res["stderr"] + res["stdout"])
            row["stderr_tail"] = res["stderr"][-2000:]
        reported = find_json(res["stdout"], res["stderr"], key="seconds") or \
            find_json(res["stdout"], res["stderr"]) or {}
        row["dlc"] = reported
        row["seconds"] = {k: number(dig(reported, "seconds", k))
                          for k in ("import", "mlir", "llvm", "total")}
        if row["seconds"]["mlir"] is None:  # the older text line
            m = re.search(r"compile time: import ([\d.]+) s, MLIR passes ([\d.]+) s, "
                          r"LLVM ([\d.]+) s", res["stderr"] + res["stdout"])
            if m:
                imp, mlir, llvm = (float(v) for v in m.groups())
                row["seconds"] = {"import": imp, "mlir": mlir, "llvm": llvm,
                                  "total": imp + mlir + llvm}
        row["kernels"] = {k: number(dig(reported, "kernels", k)) for k in ("outlined", "distinct")}
        row["dlc_peak_rss_bytes"] = number(reported.get("peak_rss_bytes"))
        size = os.path.getsize(so) if os.path.exists(so) and not why else None
        row["output_bytes"] = size if size is not None else number(reported.get("output_bytes"))
        if os.path.exists(so):
            os.remove(so)
        return row

    def warm_start(self, model_path, tag):
        """`dlc run` twice with one new cache directory: the first fills it
        (cold JIT), the second should hit it. Returns both runs' setup time
        and cache state; "estimated" when only wall times were available."""
        x = os.path.join(self.work, "input_1x3x224x224.npy")
        if not os.path.exists(x):
            write_input(x)
        env = self.env_with_cache(self.fresh_cache(tag + "-run"))
        y = os.path.join(self.work, tag + "-y.npy")
        runs = []
        for _ in range(2):
            res = self.guarded(self.run_cmd(model_path, x, y), env=env)
            reported = find_json(res["stdout"], res["stderr"], key="setup_seconds") or {}
            setup = number(reported.get("setup_seconds"))
            runs.append({"setup_s": setup if setup is not None else res["wall_s"],
                         "estimated": setup is None, "cache": dig(reported, "cache"),
                         "wall_s": res["wall_s"], "peak_rss_bytes": res["peak_rss_bytes"],
                         "failure": failure(res)})
            if runs[-1]["failure"]:
                break
        return {"cold": runs[0], "warm": runs[1] if len(runs) > 1 else None}

    def ort_session(self, model_path):
        """ONNX Runtime's session creation time for the model, or a failure."""
        # Run from bench/ so that require() finds bench/node_modules.
        res = guarded_run(["node", "-e", ORT_SESSION_JS, model_path], mem_limit=self.mem_limit,
                          timeout=self.args.timeout, cwd=HERE)
        reported = find_json(res["stdout"], key="session_seconds")
        if failure(res) or not reported:
            return {"failure": failure(res) or "no result"}
        return {"session_s": number(reported["session_seconds"]),
                "version": reported.get("version")}

    def model_row(self, name, stamp):
        """All measurements of one exported model."""
        path, _ = export_torchvision.paths(self.models_dir, name)
        row = {"model": name, "params": stamp.get("params"), "onnx_bytes": stamp.get("onnx_bytes")}
        say("%s: cold compile ..." % name)
        row["compile"] = self.compile_once(path, 1, name)
        say("%s: %s" % (name, row["compile"].get("failure") or
                        "%.1f s, %.2f GiB" % (row["compile"]["wall_s"],
                                              row["compile"]["peak_rss_bytes"] / GIB)))
        if self.args.no_warm:
            row["warm"] = {"skipped": "--no-warm"}
        elif row["compile"].get("failure"):
            row["warm"] = {"skipped": "the compile failed"}
        else:
            say("%s: warm start (dlc run twice) ..." % name)
            row["warm"] = self.warm_start(path, name)
        if self.ort:
            say("%s: ONNX Runtime session ..." % name)
            row["ort"] = self.ort_session(path)
        return row

    def reference_cnn(self):
        """The reference CNN: inference compile (batch 64) and the train
        step's JIT compile as `dlc train --json` reports it (compile_s)."""
        cnn = {"inference": self.compile_once(REFERENCE_CNN, 64, "mnist_cnn_b64")}
        data = tempfile.mkdtemp(prefix="train-data-", dir=self.work)
        write_train_data(data)
        res = self.guarded([self.dlc, "train", REFERENCE_CNN, "--data", data, "--epochs", "1",
                            "--batch", "64", "--threads", "2", "--json",
                            "-o", os.path.join(self.work, "mnist_trained.fb")],
                           env=self.env_with_cache(self.fresh_cache("train")))
        reported = find_json(res["stdout"], key="compile_s") or {}
        cnn["train"] = {"compile_s": number(reported.get("compile_s")), "wall_s": res["wall_s"],
                        "peak_rss_bytes": res["peak_rss_bytes"], "failure": failure(res)}
        return cnn


# ---------------------------------------------------------------------------
# The report.

def targets_for(name):
    """(compile seconds, memory GiB) targets of a model."""
    return (COMPILE_TARGET_LARGE_S if name in LARGE_COMPILE else COMPILE_TARGET_S,
            MEMORY_TARGET_LARGE_GIB if name in LARGE_MEMORY else MEMORY_TARGET_GIB)


def verdict(row):
    """"met", "not met" or "not supported" (or "–" when nothing ran)."""
    c = row.get("compile")
    if not c:
        return "–"
    if c.get("unsupported"):
        return "not supported"
    if c.get("failure"):
        return "not met"
    seconds, gib = targets_for(row["model"])
    ok = c["wall_s"] <= seconds and c["peak_rss_bytes"] <= gib * GIB
    return "met" if ok else "not met"


def _secs(v):
    """Seconds with three significant figures, or –."""
    return fmt(number(v))


def _gib(n, why=None):
    """Bytes as GiB with two decimals, "≥ " when the process was killed for it."""
    if not number(n):
        return "–"
    return ("≥ " if why and why.startswith("killed") else "") + "%.2f" % (n / GIB)


def _count(v):
    """An integer count, or –."""
    return str(int(v)) if number(v) is not None else "–"


def _warm_cell(run):
    """"0.21 (hit)", with * when the time is the whole process's."""
    if not run:
        return "–"
    if run.get("failure"):
        return run["failure"]
    text = fmt(run["setup_s"]) + ("*" if run["estimated"] else "")
    return text + (" (%s)" % run["cache"] if run.get("cache") else "")


def model_table(rows, with_ort):
    """The per-model Markdown table."""
    headers = ["model", "params M", "cold compile s", "MLIR s", "LLVM s", "peak RSS GiB",
               "kernels out/distinct", ".so MiB", "JIT setup s (cold)", "warm setup s (hit?)"]
    if with_ort:
        headers.append("ORT session s")
    headers += ["target", "verdict"]
    lines = []
    for r in rows:
        c = r.get("compile") or {}
        seconds, gib = targets_for(r["model"])
        params = fmt(r["params"] / 1e6) if number(r.get("params")) else "–"
        if "missing" in r:
            cells = [r["model"], params, r["missing"]] + ["–"] * 7
        else:
            if c.get("unsupported"):
                cold = "ops not supported: " + ", ".join(c["unsupported"])
            else:
                cold = c.get("failure") or fmt(c["wall_s"])
            k = c.get("kernels") or {}
            kernels = "%s/%s" % tuple(_count(k.get(n)) for n in ("outlined", "distinct")) \
                if any(v is not None for v in k.values()) else "–"
            so = c.get("output_bytes")
            rss = c.get("peak_rss_bytes")
            warm = r.get("warm") or {}
            cold_jit = "–" if "skipped" in warm else _warm_cell(warm.get("cold"))
            warm_jit = "–" if "skipped" in warm else _warm_cell(warm.get("warm"))
            cells = [r["model"], params, cold, _secs(c["seconds"]["mlir"]),
                     _secs(c["seconds"]["llvm"]), _gib(rss, c.get("failure")),
                     kernels, "%.1f" % (so / MIB) if number(so) else "–", cold_jit, warm_jit]
        if with_ort:
            o = r.get("ort") or {}
            cells.append(o.get("failure") or _secs(o.get("session_s")))
        cells += ["≤ %g s, ≤ %g GiB" % (seconds, gib), verdict(r)]
        lines.append(cells)
    return table(headers, lines, ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r"] +
                 (["r"] if with_ort else []) + ["l", "l"])


def cnn_table(cnn):
    """The reference CNN's rows: inference compile and train-step compile."""
    if not cnn:
        return ""
    inf, train = cnn["inference"], cnn["train"]
    if inf.get("failure"):
        inf_cell, inf_ok = inf["failure"], "not met"
    else:
        inf_cell = fmt(inf["wall_s"])
        inf_ok = "met" if inf["wall_s"] <= CNN_INFER_TARGET_S else "not met"
    stages = "–"
    if inf["seconds"]["mlir"] is not None:
        stages = "MLIR %s s, LLVM %s s" % (_secs(inf["seconds"]["mlir"]),
                                           _secs(inf["seconds"]["llvm"]))
    if train.get("compile_s") is not None:
        train_cell = fmt(train["compile_s"])
        train_ok = "met" if train["compile_s"] <= CNN_TRAIN_TARGET_S else "not met"
    else:
        # Killed or timed out: too slow or too big. Any other failure: unknown.
        killed = (train.get("failure") or "").startswith(("killed", "timeout"))
        train_cell, train_ok = "–", "not met" if killed else "–"
    rows = [["inference compile (`dlc compile --batch 64`, wall)", inf_cell, stages,
             _gib(inf.get("peak_rss_bytes"), inf.get("failure")),
             "≤ %g s" % CNN_INFER_TARGET_S, inf_ok],
            ["train-step compile (`dlc train --json` compile_s)", train_cell,
             train.get("failure") or "", _gib(train.get("peak_rss_bytes"), train.get("failure")),
             "≤ %g s" % CNN_TRAIN_TARGET_S, train_ok]]
    return table(["reference CNN (examples/mnist_cnn.fb)", "s", "stages", "peak RSS GiB",
                  "target", "verdict"], rows, ["l", "r", "l", "r", "l", "l"])


def render(results):
    """The whole Markdown report."""
    m = results["machine"]
    host = "shared %d-core VM" % m["cores"] if m["vm"] else "%d-core machine" % m["cores"]
    lines = ["## dlc compile time on torchvision models (batch 1)", "",
             "%s · %d cores · %s · dlc %s%s · load average %s before" % (
                 m["cpu"], m["cores"], m["date"], m["commit"],
                 " (%s built %s)" % (m["dlc"], m["dlc_built"]) if m["dlc_built"] else "",
                 "%.2f" % m["load_before"] if m["load_before"] is not None else "?"), ""]
    lines.append(model_table(results["models"], results["ort"]))
    lines.append("")
    if results.get("cnn"):
        lines += [cnn_table(results["cnn"]), ""]
    lines.append("*Cold compile* is the wall time of `dlc compile M.onnx --batch 1` with an empty "
                 "DLC_CACHE_DIR and *peak RSS* its peak resident memory, both measured here "
                 "(os.wait4, and a 50 ms watchdog over the process and its children); MLIR, LLVM "
                 "and kernels are what dlc reports. *JIT setup* is `dlc run`'s time before its "
                 "first inference with an empty cache, *warm* the same run again with that "
                 "cache. The verdict compares cold compile and peak RSS with the target.")
    lines.append("")
    lines.append("Note: the host is a %s: other jobs and guests add noise, so compare figures "
                 "within one run." % host)
    disturbed = [r["model"] for r in results["models"]
                 if (number((r.get("compile") or {}).get("other_cores")) or 0) > 0.25]
    if disturbed:
        lines.append("Note: other processes kept more than a quarter of a core busy during the "
                     "cold compile of %s." % ", ".join(disturbed))
    for n in results["notes"]:
        lines.append("Note: " + n)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------

def say(text):
    """Progress on stderr."""
    print("compile-bench: " + text, file=sys.stderr, flush=True)


def parse_args(argv=None):
    """The command line."""
    p = argparse.ArgumentParser(description="dlc compile time on torchvision models")
    p.add_argument("--models", help="comma-separated list (default: all %d: %s)"
                   % (len(MODELS), ", ".join(MODELS)))
    p.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK_MODELS))
    p.add_argument("--no-export", action="store_true", help="only models already exported")
    p.add_argument("--dlc", default=os.path.join("build", "bin", "dlc"), help="the dlc binary")
    p.add_argument("--mem-limit", type=float, default=6.0,
                   help="GiB; a child process above it is killed (default 6)")
    p.add_argument("--timeout", type=float, default=300.0,
                   help="seconds per child process (default 300)")
    p.add_argument("--json-out", help="also save the results as JSON to this file")
    p.add_argument("--no-warm", action="store_true", help="skip the `dlc run` warm-start runs")
    p.add_argument("--with-ort", action="store_true",
                   help="report ONNX Runtime's absence instead of skipping it silently")
    p.add_argument("--no-cnn", action="store_true", help="skip the reference CNN")
    p.add_argument("--dry-run", action="store_true",
                   help="export, then print the commands that would run")
    return p.parse_args(argv)


def dry_run(bench, names, stamps):
    """Prints the commands of a real run, without running dlc."""
    cache = "DLC_CACHE_DIR=<new empty dir>"
    x, y = "<work>/input_1x3x224x224.npy", "<work>/y.npy"
    for name in names:
        if name not in stamps:
            continue
        path, _ = export_torchvision.paths(bench.models_dir, name)
        print("# %s (%.1f M params)" % (name, (stamps[name].get("params") or 0) / 1e6))
        print(" ".join([cache] + bench.compile_cmd(path, 1, "<work>/%s.so" % name)))
        if not bench.args.no_warm:
            run_cmd = " ".join(["DLC_CACHE_DIR=<one new dir for both>"] +
                               bench.run_cmd(path, x, y))
            print(run_cmd + "    # cold JIT")
            print(run_cmd + "    # warm: should hit the cache")
        if bench.ort:
            print("node -e <session-creation script> " + path)
    if not bench.args.no_cnn:
        print("# reference CNN")
        print(" ".join([cache] + bench.compile_cmd(REFERENCE_CNN, 64, "<work>/mnist_cnn_b64.so")))
        print(" ".join([cache, bench.dlc, "train", REFERENCE_CNN, "--data",
                        "<64 synthetic images>", "--epochs", "1", "--batch", "64",
                        "--threads", "2", "--json", "-o", "<work>/mnist_trained.fb"]))


def main(argv=None):
    args = parse_args(argv)
    # --dlc and --json-out are relative to where this was started; the
    # default dlc and everything else to the repository root.
    if args.json_out:
        args.json_out = os.path.abspath(args.json_out)
    if args.dlc != parse_args([]).dlc:
        args.dlc = os.path.abspath(args.dlc)
    os.chdir(ROOT)
    names = chosen_models(args)
    models_dir = export_torchvision.default_out_dir()
    say("models directory %s" % models_dir)
    stamps, missing = export_models(names, models_dir, args)
    bench = Bench(args, models_dir)
    have_dlc = os.path.isfile(args.dlc) and os.access(args.dlc, os.X_OK)
    try:
        if args.dry_run:
            if have_dlc:
                bench.probe()
            for name, why in missing.items():
                print("# %s: %s" % (name, why))
            dry_run(bench, names, stamps)
            return 0
        if not have_dlc:
            say("%s is missing: build it with scripts/build.sh" % args.dlc)
            return 1
        results = {"machine": machine_info(args.dlc), "models": [], "cnn": None,
                   "ort": bench.ort, "notes": bench.notes,
                   "limits": {"mem_limit_gib": args.mem_limit, "timeout_s": args.timeout}}
        if args.with_ort and not bench.ort:
            bench.note("ONNX Runtime is not installed (bench/run.sh installs it into "
                       "bench/node_modules, or run npm install there); its column is left out")
        bench.probe()
        for name in names:
            if name in missing:
                results["models"].append({"model": name, "missing": missing[name]})
                continue
            results["models"].append(bench.model_row(name, stamps[name]))
        if not args.no_cnn:
            say("reference CNN ...")
            results["cnn"] = bench.reference_cnn()
        if bench.ort:
            versions = {(r.get("ort") or {}).get("version") for r in results["models"]} - {None}
            if versions:
                bench.note("ONNX Runtime %s (onnxruntime-node, CPU, 1 thread, all graph "
                           "optimizations): `InferenceSession.create` time" % ", ".join(versions))
        results["load_after"] = (loadavg() or [None])[0]
        text = render(results)
        print(text)
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(results, f, indent=1, default=str)
                f.write("\n")
            say("results saved to %s" % args.json_out)
        return 0
    finally:
        bench.close()


if __name__ == "__main__":
    sys.exit(main())
