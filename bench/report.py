"""Turns the figures gathered by compare.py into the Markdown report.

Kept apart from the measuring so the layout can change (and be re-rendered
from build/results.json: `python3 bench/report.py bench/build/results.json`)
without running anything again.
"""

import json
import sys

import rounds

SYSTEM_ORDER = ["dlc JIT", "dlc AOT", "dlc JIT --no-fusion", "ONNX Runtime", "PyTorch"]


def fmt(v, digits=3):
    """Three significant figures, trailing zeros kept (0.0301, 1.30, 140)."""
    if v is None:
        return "–"
    text = "{:#.{}g}".format(v, digits)
    if "e" in text:
        return "%.0f" % v
    return text.rstrip(".")


def table(headers, rows, align=None):
    align = align or ["l"] + ["r"] * (len(headers) - 1)
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)] if rows else \
        [len(h) for h in headers]
    sep = ["-" * (w - 1) + ":" if a == "r" else "-" * w for w, a in zip(widths, align)]

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) if a == "r" else str(c).ljust(w)
                                 for c, w, a in zip(cells, widths, align)) + " |"
    return "\n".join([line(headers), line(sep)] + [line(r) for r in rows])


def _peak(results, threads):
    gflops = results.get("peak", {}).get("gflops", {})
    return gflops.get(str(threads))


def _find(rows, system, batch, threads):
    for r in rows:
        if r["system"] == system and r["batch"] == batch and r["threads"] == threads \
                and "median_ms" in r:
            return r
    return None


def _status(r):
    if "skipped" in r:
        return "skipped: " + r["skipped"]
    return "failed: " + r.get("error", "?")


def _gflops(results, r):
    return results["flops_per_image"] * r["batch"] / (r["median_ms"] * 1e-3) / 1e9


def _percent_of_peak(results, r, threads):
    peak = _peak(results, threads)
    return "%.0f%%" % (100.0 * _gflops(results, r) / peak) if peak else "–"


def _ratio(r, ref, ref_threads, threads):
    if ref is None:
        return "–"
    mark = "" if ref_threads == threads else "†"
    return "%.2f×%s" % (r["median_ms"] / ref["median_ms"], mark)


def main_table(results, notes):
    rows_out, rows = [], results["rows"]
    dagger = False
    for batch in results["main_batches"]:
        for threads in results["threads"]:
            # dlc's reference rows: same thread count, else its 1-thread figure.
            refs = {}
            for system in ("dlc JIT", "dlc AOT"):
                ref = _find(rows, system, batch, threads)
                refs[system] = (ref, threads) if ref else (_find(rows, system, batch, 1), 1)
            for system in SYSTEM_ORDER:
                if system == "dlc JIT --no-fusion" and threads != 1:
                    continue
                match = [r for r in rows if r["system"] == system and r["batch"] == batch
                         and r["threads"] == threads]
                if not match:
                    continue
                r = match[0]
                name = system
                if system in ("ONNX Runtime", "PyTorch") and r.get("version"):
                    name = "%s %s" % (system, r["version"])
                if "median_ms" not in r:
                    if system.startswith("dlc") and "skipped" in r:
                        continue  # said once in the notes below the table
                    status = _status(r)
                    note = "%s: %s" % (system, status)
                    if note not in notes:
                        notes.append(note)
                    rows_out.append([batch, threads, name, status.split(":")[0]] + ["–"] * 6)
                    continue
                ratios = []
                for ref_system in ("dlc JIT", "dlc AOT"):
                    ref, ref_threads = refs[ref_system]
                    dagger |= ref is not None and ref_threads != threads
                    ratios.append(_ratio(r, ref, ref_threads, threads))
                rows_out.append([
                    batch, threads, name, fmt(r["median_ms"]),
                    "%s–%s" % (fmt(r["p10_ms"]), fmt(r["p90_ms"])),
                    "%.0f" % (batch * 1e3 / r["median_ms"]),
                    "%.1f" % _gflops(results, r), _percent_of_peak(results, r, threads)] + ratios)
    headers = ["batch", "threads", "system", "median ms", "p10–p90 ms", "images/s", "GFLOP/s",
               "% peak", "÷ dlc JIT", "÷ dlc AOT"]
    text = table(headers, rows_out, ["r", "r", "l"] + ["r"] * 7)
    if dagger:
        text += ("\n\n† dlc has no multi-threaded figure here, so this ratio is against dlc's "
                 "1-thread time.")
    return text


def sweep_table(results):
    rows, out = results["rows"], []
    for threads in results["threads"]:
        base = _find(rows, "dlc JIT", 1, threads)
        for batch in results["sweep_batches"]:
            jit = _find(rows, "dlc JIT", batch, threads)
            aot = _find(rows, "dlc AOT", batch, threads)
            if not jit and not aot:
                continue
            cells = [batch, threads]
            for r in (jit, aot):
                cells += [fmt(r["median_ms"]) if r else "–",
                          fmt(r["median_ms"] / batch) if r else "–"]
            best = min((r for r in (jit, aot) if r), key=lambda r: r["median_ms"])
            cells += ["%.0f" % (batch * 1e3 / best["median_ms"]),
                      "%.1f" % _gflops(results, best), _percent_of_peak(results, best, threads),
                      fmt(base["median_ms"] * batch / jit["median_ms"]) if base and jit else "–"]
            out.append(cells)
    headers = ["batch", "threads", "JIT ms", "JIT ms/image", "AOT ms", "AOT ms/image",
               "best images/s", "GFLOP/s", "% peak", "JIT per-image speed-up vs batch 1"]
    return table(headers, out, ["r"] * len(headers))


def compile_table(results):
    entries = [e for e in results["compile"] if "stages" in e]
    stages = []
    for e in entries:
        for s in e["stages"]:
            if s not in stages:
                stages.append(s)
    jit = {r["batch"]: r.get("compile_s") for r in results["rows"]
           if r["system"] == "dlc JIT" and "compile_s" in r}
    out = []
    for e in entries:
        secs = [e["stages"].get(s) for s in stages] + [sum(e["stages"].values()),
                                                         e.get("wall_s"), jit.get(e["batch"])]
        cells = ["–" if v is None else "%.3f" % v for v in secs]
        rss = "%.0f" % e["peak_rss_mib"] if "peak_rss_mib" in e else "–"
        out.append([e["batch"]] + cells[:-1] + [rss, cells[-1]])
    for e in results["compile"]:
        if "error" in e:
            out.append([e["batch"], "failed: " + e["error"]] + [""] * (len(stages) + 3))
    headers = ["batch"] + ["%s s" % s for s in stages] + [
        "stages s", "dlc compile wall s", "peak RSS MiB", "JIT compile s (dlc bench)"]
    return table(headers, out, ["r"] * len(headers))


def _kib(n):
    return "%.0f" % (n / 1024.0)


def blocks_table(results, notes):
    """Each conv block on its own at one batch: fused vs --no-fusion."""
    info = results.get("blocks")
    if not info:
        return None
    batch, rows, out = info["batch"], results["rows"], []
    for spec in info["specs"]:
        in_bytes = 4 * batch * spec["in_shape"][0] * spec["in_shape"][1] * spec["in_shape"][2]
        out_bytes = 4 * batch * spec["out_shape"][0] * spec["out_shape"][1] * spec["out_shape"][2]
        for threads in results["threads"]:
            fused = _find(rows, "block " + spec["name"], batch, threads)
            for label, system in (("fused", "block " + spec["name"]),
                                  ("--no-fusion", "block %s --no-fusion" % spec["name"])):
                match = [r for r in rows if r["system"] == system and r["batch"] == batch
                         and r["threads"] == threads]
                if not match:
                    continue
                r = match[0]
                if "median_ms" not in r:
                    note = "%s, %d thread(s): %s" % (system, threads, _status(r))
                    if note not in notes and "skipped" not in r:
                        notes.append(note)
                    if "skipped" not in r:
                        out.append([spec["label"], threads, label, "failed"] + ["–"] * 7)
                    continue
                gflops = spec["flops_per_image"] * batch / (r["median_ms"] * 1e-3) / 1e9
                peak = _peak(results, threads)
                ws = r.get("workspace_bytes")
                # Every worker thread gets a workspace of its own (one chunk).
                mem = ws * threads + in_bytes + out_bytes if ws is not None else None
                out.append([
                    spec["label"], threads, label, fmt(r["median_ms"]),
                    "%s–%s" % (fmt(r["p10_ms"]), fmt(r["p90_ms"])), "%.1f" % gflops,
                    "%.0f%%" % (100.0 * gflops / peak) if peak else "–",
                    _kib(ws) if ws is not None else "–",
                    _kib(mem) if mem is not None else "–",
                    "%.2f×" % (r["median_ms"] / fused["median_ms"]) if fused else "–"])
    headers = ["block", "threads", "fusion", "median ms", "p10–p90 ms", "GFLOP/s", "% peak",
               "workspace KiB", "peak memory KiB", "÷ fused"]
    text = table(headers, out, ["l", "r", "l"] + ["r"] * 7)
    return text + (
        "\n\nBatch %d. GFLOP/s counts the block's convolution in full, 2·OH·OW·Cout·KH·KW·Cin "
        "per image (the bias, ReLU and pool are not counted). *workspace* is the intermediate "
        "memory dlc planned for one chunk (`workspace_bytes` of `dlc bench --json`; one per "
        "thread); *peak memory* is workspace × threads + the batch's input + its output. "
        "*÷ fused* is this row's time ÷ the fused time at the same thread count: above 1 "
        "means fusion is faster." % batch)


def _best(rows, systems, batch):
    """Fastest median of any of `systems` at `batch`, over all thread counts."""
    found = [r for r in rows if r["system"] in systems and r["batch"] == batch and "median_ms" in r]
    return min(found, key=lambda r: r["median_ms"]) if found else None


def _compile_target(results):
    compile_s = [r["compile_s"] for r in results["rows"] if r["system"] == "dlc JIT"
                 and "compile_s" in r and r["batch"] in results["main_batches"]]
    what = "JIT compile of the CNN (slowest of batch 1/64)"
    if not compile_s and "rounds" in results:
        # --targets-only: the batch-64 compiles of the rounds, median.
        compile_s = [rounds.median_compile_s(results["rounds"])] \
            if rounds.median_compile_s(results["rounds"]) else []
        what = "JIT compile of the CNN (batch 64, median over rounds)"
    if not compile_s:
        return None
    worst = max(compile_s)
    return [what, "%.2f s" % worst, "≤ 1.5 s", worst <= 1.5]


def _fused_memory_targets(results):
    """Fused peak memory below unfused for each block with a pool (planned
    memory: the same in every run)."""
    info, out = results.get("blocks"), []
    for spec in (info or {}).get("specs", []):
        if not spec.get("pooled"):
            continue
        rows = [_find(results["rows"], "block %s%s" % (spec["name"], suffix), info["batch"], 2)
                for suffix in ("", " --no-fusion")]
        if all(r and "workspace_bytes" in r for r in rows):
            fused, unfused = (r["workspace_bytes"] for r in rows)
            out.append(["%s block: fused workspace ÷ unfused (2 threads)" % spec["name"],
                        "%s ÷ %s KiB" % (_kib(fused), _kib(unfused)), "< 1", fused < unfused])
    return out


def targets_table(results):
    """dlc's speed targets. With alternating rounds (the default),
    each ratio is taken within a round and the median over rounds decides;
    without them, from the medians of the main table, each system at its best
    thread count."""
    verdict = {None: "–", True: "met", False: "not met"}
    fixed = [t for t in [_compile_target(results)] + _fused_memory_targets(results) if t]
    if "rounds" in results:
        info = results["rounds"]
        out = rounds.target_rows(info)
        out += [[what, value, "–", "–", "–", goal, verdict[ok]]
                for what, value, goal, ok in fixed]
        text = table(["speed target", "median", "range", "rounds met", "all rounds",
                      "goal", "verdict"], out, ["l", "r", "r", "r", "r", "r", "l"])
        quiet = rounds.quiet_rounds(info)
        others = sorted(s.get("other cores") or 0.0 for s in info["samples"])
        peaks = sorted(p for s in info["samples"] for p in rounds.peaks_of(s))
        note = ("\n\n%d rounds; in each, every system of a target runs %d (batch 1) or %d "
                "(batch 64) timed calls after %d warm-up calls, back to back, and the ratio is "
                "taken within the round. A round counts when it had the machine to itself: "
                "other processes kept at most %.2f cores busy and both of its 2-thread FMA "
                "peaks (one between the 1- and 2-thread runs, one next to the conv2 block, "
                "which is measured against it) reached %.0f%% of the best of the run. During "
                "this run other processes kept %.2f–%.2f cores busy and the 2-thread peak "
                "ranged over %.0f–%.0f GFLOP/s. *median*, *range* and *rounds met* are over "
                "the rounds that count, *all rounds* is the median over every round. Compile "
                "time and workspace come from the main runs. " % (
                    info["count"], rounds.ITERS_BATCH_1, rounds.ITERS_BATCH_64, rounds.WARMUP,
                    rounds.OTHER_LOAD_LIMIT, 100 * rounds.HOST_PEAK_FRACTION, others[0],
                    others[-1], peaks[0] if peaks else 0, peaks[-1] if peaks else 0))
        if len(quiet) >= rounds.MIN_ROUNDS:
            note += "%d of %d rounds count." % (len(quiet), len(info["samples"]))
        else:
            note += ("**Fewer than %d rounds had the machine to themselves, so all rounds "
                     "count and the verdict is unreliable: rerun on an idle machine.**"
                     % rounds.MIN_ROUNDS)
        errors = "; ".join("%s: %s" % kv for kv in sorted(info.get("errors", {}).items()))
        return text + note + ("\n\nFailed in some round: " + errors if errors else "")

    rows, out = results["rows"], []
    dlc = ("dlc JIT", "dlc AOT")

    def add(what, value, goal, ok):
        out.append([what, value, goal, verdict[ok]])

    d64, o64 = _best(rows, dlc, 64), _best(rows, ("ONNX Runtime",), 64)
    if d64 and o64:
        r = o64["median_ms"] / d64["median_ms"]
        add("batch 64: ORT time ÷ dlc time", "%.2f" % r, "≥ 1.0", r >= 1.0)
    d1, o1, p1 = (_best(rows, s, 1) for s in (dlc, ("ONNX Runtime",), ("PyTorch",)))
    if d1 and o1:
        r = d1["median_ms"] / o1["median_ms"]
        add("batch 1: dlc time ÷ ORT time", "%.2f" % r, "≤ 1.5", r <= 1.5)
    if d1 and p1:
        r = d1["median_ms"] / p1["median_ms"]
        add("batch 1: dlc time ÷ PyTorch time", "%.2f" % r, "≤ 0.5", r <= 0.5)
    for system in dlc:
        one, two = _find(rows, system, 64, 1), _find(rows, system, 64, 2)
        if one and two:
            r = one["median_ms"] / two["median_ms"]
            add("batch 64: %s 2 threads vs 1" % system, "%.2f×" % r, "≥ 1.7×", r >= 1.7)
    for t in fixed:
        add(*t)
    return table(["speed target", "measured", "goal", ""], out, ["l", "r", "r", "l"])


def render(results, model_name):
    m = results["machine"]
    lines = ["## dlc benchmark: %s" % model_name, ""]
    lines.append("%s · %s cores · %s · dlc %s · load average %.2f before, %.2f after" % (
        m["cpu"], m["cores"], m["date"], m["commit"], m["load_before"], m.get("load_after", 0)))
    lines.append("")
    peak = results.get("peak")
    if peak:
        per = " · ".join("%s thread%s %.1f GFLOP/s" % (t, "" if t == "1" else "s", g)
                         for t, g in peak["gflops"].items())
        lines.append("fp32 FMA peak (measured now, %s, %d independent chains): %s" % (
            peak["isa"], peak["chains"], per))
    lines.append("FLOPs per image (conv + dense, `dlc summary`): %.2f M" % (
        results["flops_per_image"] / 1e6))
    ex = results.get("export")
    if ex:
        lines.append("Peers run dlc's weights: PyTorch vs `dlc run` max |diff| %.1e on %d images "
                     "(a wrong NCHW-flatten model: %.1e); the timed ORT and PyTorch modules are "
                     "checked the same way." % (ex["max_abs_err"], ex["check_images"],
                                                ex["control_err"]))
    notes = list(results.get("notes", []))
    if results.get("targets_only"):
        lines += ["", "### Targets", "", targets_table(results)]
        return "\n".join(lines + [""] + ["Note: " + n for n in notes]) + "\n"
    lines += ["", "### Inference, side by side (medians)", "", main_table(results, notes)]
    lines += ["", "### Targets", "", targets_table(results)]
    lines += ["", "### dlc batch sweep", "", sweep_table(results)]
    blocks = blocks_table(results, notes)
    if blocks:
        lines += ["", "### Conv blocks, fused vs unfused (dlc JIT)", "", blocks]
    lines += ["", "### dlc compile time by stage (`dlc compile --time`) and compiler memory", "",
              compile_table(results)]
    ort = [r for r in results["rows"] if r["system"] == "ONNX Runtime" and r.get("api") == "native"
           and "public_median_ms" in r and r["batch"] == 1]
    if ort:
        notes.append("ONNX Runtime is timed through the package's native session (its own run "
                     "time); through the public `await session.run()` the batch-1 median was "
                     + ", ".join("%s ms (%d thread%s)" % (fmt(r["public_median_ms"]), r["threads"],
                                                         "" if r["threads"] == 1 else "s")
                                 for r in ort) + ".")
    if not results.get("dlc_threads"):
        notes.append("dlc bench has no --threads option yet: dlc runs single-threaded and its "
                     "2-thread rows are left out.")
    if m["load_before"] > 0.5 or m.get("load_after", 0) > 0.5:
        notes.append("the machine was busy (load average above 0.5): figures are noisy.")
    if notes:
        lines += [""] + ["Note: " + n for n in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        data = json.load(f)
    print(render(data, sys.argv[2] if len(sys.argv) > 2 else "examples/mnist_cnn.fb"))
