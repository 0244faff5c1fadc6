"""What the benchmarks share about the machine: PyTorch's best environment
here, and how busy the rest of the machine was while something was timed."""

import os
import sys
import time

# glibc malloc thresholds raised: default malloc page-faults on every step.
MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456"


def ensure_torch_environment(threads, marker):
    """PyTorch's fastest environment on this machine (malloc tunables,
    OpenBLAS single-threaded so its spinning workers do not fight PyTorch's
    OpenMP threads, OMP_NUM_THREADS=threads). Environment variables only take
    effect at process start, so the script re-executes itself once; `marker`
    names the variable that says it already did."""
    want = {"GLIBC_TUNABLES": MALLOC_TUNABLES, "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": str(threads)}
    if all(os.environ.get(k) == v for k, v in want.items()) and \
            "OPENBLAS_CORETYPE" not in os.environ:
        return
    if os.environ.get(marker):
        return  # already re-executed once; run with what we have
    env = dict(os.environ)
    env.update(want)
    env.pop("OPENBLAS_CORETYPE", None)
    env[marker] = "1"
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


def loadavg():
    """The three load averages, or None where /proc is missing."""
    try:
        with open("/proc/loadavg") as f:
            return [float(v) for v in f.read().split()[:3]]
    except OSError:
        return None


class OtherLoad:
    """Cores that other processes kept busy since start(), in core-seconds per second.

    The load average lags by a minute and counts the benchmark's own threads,
    so it cannot tell which measurement was disturbed; this can: busy CPU
    time of the whole machine (/proc/stat) minus this process's own CPU time
    (and, with `children`, that of the child processes it has waited for).
    """

    def __init__(self, children=False):
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.children = children
        self.start()

    @staticmethod
    def _busy_jiffies():
        try:
            with open("/proc/stat") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        # user nice system idle iowait irq softirq steal ...: all but idle, iowait.
        return sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)

    def _own_seconds(self):
        t = os.times()
        own = t.user + t.system
        return own + (t.children_user + t.children_system if self.children else 0)

    def start(self):
        self.t0 = (time.perf_counter(), self._busy_jiffies(), self._own_seconds())

    def cores(self):
        wall0, busy0, own0 = self.t0
        busy = self._busy_jiffies()
        wall = time.perf_counter() - wall0
        if busy is None or busy0 is None or wall <= 0:
            return None
        other = (busy - busy0) / self.tick - (self._own_seconds() - own0)
        return round(max(other, 0.0) / wall, 2)
