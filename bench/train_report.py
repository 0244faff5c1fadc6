#!/usr/bin/env python3
"""The training benchmark's tables: `dlc train` beside PyTorch (bench/train.sh).

    train_report.py --dlc OUT --dlc-rc RC [--dlc-log ERR] [--dlc-skipped WHY]
                    --torch OUT --torch-rc RC [--torch-log ERR] [--torch-skipped WHY]
                    [--mode quick|full] [--load-before "1.0 0.9 0.8"] [--out bench/build]

Each side's OUT is its captured stdout, whose last JSON object line is its
result. `dlc train --json` reports at least images_per_s, final_loss,
epoch_seconds (list), step_ms (median train step) and test_accuracy (a list
per epoch or one figure, as a fraction or a percentage); torch_train.py
reports the same names and more. A side that failed or was skipped is shown
as such; the report is still written.

So that both sides are read the same way, the report derives its figures
from the raw fields: epoch s is the median of epoch_seconds (the first epoch
may carry one-time costs such as a JIT compile), images/s is the training set
size (train_images, else 60000) over that median, GFLOP/s is images/s times
16.4 MFLOP per image per train step. Writes OUT/train_results.md (also
printed) and OUT/train_results.json.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from report import fmt, table  # noqa: E402

MFLOP_PER_IMAGE_STEP = 16.4
FASHION_MNIST_TRAIN = 60000
RATIO_GOAL = 0.67
ACCURACY_GOAL = 88.0  # percent, after the full 5 epochs


def last_json(path):
    """The last line of a file that parses as a JSON object, or None."""
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f.read().splitlines() if l.strip()]
    except OSError:
        return ""
    return " / ".join(lines[-n:])


def as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def percent(value):
    """Accuracy as a percentage, whether reported as a fraction or a percentage."""
    if value is None:
        return None
    return 100.0 * value if value <= 1.0 else float(value)


def median(values):
    s = sorted(values)
    if not s:
        return None
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else 0.5 * (s[mid - 1] + s[mid])


def side(name, out, rc, log, skipped):
    """One system's figures, or its status ('skipped: ...', 'failed: ...')."""
    entry = {"system": name}
    if skipped:
        entry["status"] = "skipped: " + skipped
        return entry
    raw = last_json(out) if out else None
    if rc != 0 or raw is None:
        why = tail(log) if log else ""
        if rc != 0:
            why = "exit status %d%s" % (rc, ": " + why if why else "")
        entry["status"] = "not available (%s)" % (why or "no JSON result line")
        return entry
    entry["raw"] = raw
    epochs = [float(s) for s in as_list(raw.get("epoch_seconds"))]
    accuracy = [percent(a) for a in as_list(raw.get("test_accuracy"))]
    train_images = raw.get("train_images") or FASHION_MNIST_TRAIN
    epoch_s = median(epochs)
    entry.update({
        "version": raw.get("version"),
        "threads": raw.get("threads"),
        "epochs": len(epochs),
        "epoch_seconds": epochs,
        "epoch_s": epoch_s,
        "step_ms": raw.get("step_ms"),
        "accuracy": accuracy,
        "final_accuracy": accuracy[-1] if accuracy else None,
        "epoch_loss": as_list(raw.get("epoch_loss")),
        "final_loss": raw.get("final_loss"),
    })
    if epoch_s:
        entry["images_per_s"] = train_images / epoch_s
    elif raw.get("images_per_s"):
        entry["images_per_s"] = float(raw["images_per_s"])
    if entry.get("images_per_s"):
        entry["gflops"] = entry["images_per_s"] * MFLOP_PER_IMAGE_STEP / 1e3
    if entry["step_ms"]:
        entry["step_images_per_s"] = (raw.get("batch") or 64) * 1e3 / entry["step_ms"]
    return entry


def label(entry):
    name = entry["system"]
    if entry.get("version"):
        name += " " + str(entry["version"])
    if entry.get("threads"):
        name += " (%s thr)" % entry["threads"]
    return name


def ratio(a, b):
    return a / b if a and b else None


def verdict(value, goal, below):
    if value is None:
        return "–"
    return "met" if (value <= goal if below else value >= goal) else "not met"


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
    except OSError:
        return ""


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def render(dlc, torch, meta):
    lines = []
    lines.append("%s · %d cores · %s · dlc %s · %s mode · load average %s before, %s after"
                 % (cpu_name(), os.cpu_count() or 0, meta["date"], meta["commit"] or "?",
                    meta["mode"], meta["load_before"], meta["load_after"]))
    lines.append("")
    lines.append("Fashion-MNIST, reference CNN (examples/mnist_cnn.fb), batch 64, Adam 1e-3; "
                 "%.1f MFLOP per image per train step." % MFLOP_PER_IMAGE_STEP)
    lines.append("")

    for e in (dlc, torch):
        if "status" in e:
            lines.append("%s: %s" % (e["system"], e["status"]))
            lines.append("")
    headers = ["system", "epochs", "epoch s (median)", "step ms", "images/s", "GFLOP/s",
               "test accuracy", "final loss"]
    rows = []
    for e in (dlc, torch):
        if "status" in e:
            rows.append([label(e)] + ["–"] * (len(headers) - 1))
            continue
        acc = e["final_accuracy"]
        rows.append([label(e), str(e["epochs"]), fmt(e["epoch_s"]), fmt(e["step_ms"]),
                     "%.0f" % e["images_per_s"] if e.get("images_per_s") else "–",
                     fmt(e.get("gflops")), "%.2f%%" % acc if acc is not None else "–",
                     "%.4f" % e["final_loss"] if e.get("final_loss") is not None else "–"])
    lines.append(table(headers, rows, ["l"] + ["r"] * (len(headers) - 1)))
    lines.append("")

    n_epochs = max(len(e.get("epoch_seconds", [])) for e in (dlc, torch))
    if n_epochs:
        lines.append("Per epoch (training pass incl. shuffle and batching; test accuracy after it):")
        lines.append("")
        headers = ["epoch", "dlc s", "dlc accuracy", "dlc loss", "PyTorch s",
                   "PyTorch accuracy", "PyTorch loss", "other jobs (cores)"]
        rows = []
        for i in range(n_epochs):
            row = [str(i + 1)]
            for e in (dlc, torch):
                secs, acc, loss = (e.get("epoch_seconds", []), e.get("accuracy", []),
                                   e.get("epoch_loss", []))
                row += [fmt(secs[i]) if i < len(secs) else "–",
                        "%.2f%%" % acc[i] if i < len(acc) and len(acc) == len(secs) else "–",
                        "%.4f" % loss[i] if i < len(loss) else "–"]
            # CPU that other processes used during PyTorch's epoch (the
            # sides run one after the other, so it describes PyTorch's only).
            others = as_list(torch.get("raw", {}).get("epoch_other_cores"))
            row.append("%.2f" % others[i] if i < len(others) and others[i] is not None else "–")
            rows.append(row)
        lines.append(table(headers, rows, ["r"] * len(headers)))
        lines.append("")

    epoch_ratio = ratio(dlc.get("epoch_s"), torch.get("epoch_s"))
    step_ratio = ratio(dlc.get("step_ms"), torch.get("step_ms"))
    acc = dlc.get("final_accuracy")
    acc_note = "" if meta["mode"] == "full" else " (quick run; the goal is for 5 epochs)"
    rows = [
        ["epoch time: dlc ÷ PyTorch", "%.2f" % epoch_ratio if epoch_ratio else "–",
         "≤ %.2f" % RATIO_GOAL, verdict(epoch_ratio, RATIO_GOAL, True)],
        ["train step: dlc ÷ PyTorch", "%.2f" % step_ratio if step_ratio else "–",
         "≤ %.2f" % RATIO_GOAL, verdict(step_ratio, RATIO_GOAL, True)],
        ["dlc test accuracy after %d epochs%s" % (dlc.get("epochs") or meta["epochs"], acc_note),
         "%.2f%%" % acc if acc is not None else "–", "≥ %.1f%%" % ACCURACY_GOAL,
         verdict(acc, ACCURACY_GOAL, False)],
    ]
    lines.append(table(["target", "measured", "goal", ""], rows, ["l", "r", "r", "l"]))
    lines.append("")
    for e in (dlc, torch):
        raw = e.get("raw", {})
        check = raw.get("check")
        if check:
            lines.append("Note: %s's initial forward equals %s: max |diff| %.1e on %d images "
                         "(a wrong NCHW flatten: %.1e)."
                         % (e["system"], check["against"], check["max_abs_err"], check["images"],
                            check["control_err"]))
        if e.get("step_images_per_s"):
            other = raw.get("step_other_cores")
            lines.append("Note: %s's train step alone: %.0f images/s, %.1f GFLOP/s%s."
                         % (e["system"], e["step_images_per_s"],
                            e["step_images_per_s"] * MFLOP_PER_IMAGE_STEP / 1e3,
                            " (other jobs used %.2f cores meanwhile)" % other
                            if other is not None else ""))
    loads = []
    for text in (meta["load_before"], meta["load_after"]):
        try:
            loads.append(float(text.split()[0]))
        except (ValueError, IndexError):
            pass
    raw = torch.get("raw", {})
    others = as_list(raw.get("epoch_other_cores")) + as_list(raw.get("step_other_cores"))
    others = [v for v in others if v is not None]
    # The measured CPU of other jobs is exact; the load average lags a minute
    # and counts PyTorch's own threads, so it is only the fallback.
    busy = any(v > 0.2 for v in others) if others else any(v > 0.5 for v in loads)
    if busy:
        lines.append("Note: the machine was busy (load average above 0.5, or other jobs used more "
                     "than 0.2 core while PyTorch ran): figures are noisy.")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    for name in ("dlc", "torch"):
        p.add_argument("--" + name, default=None, help="captured stdout")
        p.add_argument("--%s-rc" % name, type=int, default=0)
        p.add_argument("--%s-log" % name, default=None, help="captured stderr")
        p.add_argument("--%s-skipped" % name, default=None)
    p.add_argument("--mode", default="full", choices=["quick", "full"])
    p.add_argument("--epochs", type=int, default=5, help="epochs asked of each side")
    p.add_argument("--load-before", default="?")
    p.add_argument("--out", default=os.path.join(HERE, "build"))
    args = p.parse_args()

    dlc = side("dlc", args.dlc, args.dlc_rc, args.dlc_log, args.dlc_skipped)
    torch = side("PyTorch", args.torch, args.torch_rc, args.torch_log, args.torch_skipped)
    meta = {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "commit": git_commit(),
            "mode": args.mode, "epochs": args.epochs, "load_before": args.load_before, "load_after": loadavg()}
    text = render(dlc, torch, meta)
    sys.stdout.write(text)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "train_results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "train_results.json"), "w") as f:
        json.dump({"meta": meta, "dlc": dlc, "pytorch": torch}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
