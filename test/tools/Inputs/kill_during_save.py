#!/usr/bin/env python3
"""Kills `dlc train` with SIGKILL while it writes checkpoints, repeatedly,
and checks after every kill that the checkpoint is a valid model holding
either the last epoch the run reported or the one after it (the old or the
new model, never a torn one), and that `--resume` continues from it.

Each round resumes the run with a long epoch count; once the first epoch
line appears (checkpoints are being written after every epoch), it kills
the process either the moment a temporary file of a save shows up in the
directory (half of the rounds: the kill lands inside a save) or after a
random delay. After the last, uninterrupted run no temporary file of a
killed save may remain: every successful save removes those of writers that
no longer run.

Usage: kill_during_save.py DLC MODEL DATA OUT ROUNDS SEED
"""
import os
import random
import signal
import subprocess
import sys
import time


def train_args(dlc, model, data, out, epochs, resume):
    args = [dlc, "train", model, "--data", data, "--limit", "32",
            "--validation-split", "0.5", "--batch", "16", "--threads", "1",
            "--epochs", str(epochs), "-o", out]
    return args + (["--resume"] if resume else [])


def epoch_of(line):
    """'epoch 7/1000  ...' -> 7, else None."""
    parts = line.split()
    if len(parts) >= 2 and parts[0] == "epoch" and "/" in parts[1]:
        return int(parts[1].split("/")[0])
    return None


def check_model(dlc, out):
    result = subprocess.run([dlc, "summary", out], capture_output=True,
                            text=True)
    if result.returncode != 0:
        sys.exit("FAIL: checkpoint does not load after a kill: " +
                 result.stderr.strip())


def temp_files(out):
    folder, name = os.path.split(out)
    return [f for f in os.listdir(folder) if f.startswith(name + ".tmp.")]


def main():
    dlc, model, data, out, rounds, seed = sys.argv[1:7]
    rng = random.Random(int(seed))
    # A first, complete epoch: the checkpoint every round resumes from.
    subprocess.run(train_args(dlc, model, data, out, 1, False), check=True,
                   stdout=subprocess.DEVNULL)
    saved = 1          # epochs the checkpoint is known to hold at least
    in_save = 0        # kills that left a save's temporary file behind
    for r in range(int(rounds)):
        proc = subprocess.Popen(train_args(dlc, out, data, out, 100000,
                                           True),
                                stdout=subprocess.PIPE, text=True)
        first = None
        reported = saved
        for line in proc.stdout:
            e = epoch_of(line)
            if e is None:
                continue
            if first is None:
                first = e
                break
        if first is None:
            sys.exit("FAIL: round %d: the resumed run printed no epoch" % r)
        # The resumed run starts after the epochs its checkpoint holds:
        # never behind the last report, at most one save ahead of it.
        if not saved + 1 <= first <= saved + 2:
            sys.exit("FAIL: round %d: resumed at epoch %d, but the last "
                     "reported checkpoint held %d epochs" % (r, first, saved))
        reported = first
        before = set(temp_files(out))
        if r % 2 == 0:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and \
                    not set(temp_files(out)) - before:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.002))
        else:
            time.sleep(rng.uniform(0, 0.4))
        proc.send_signal(signal.SIGKILL)
        # Epoch lines printed before the kill: each follows its save.
        for line in proc.stdout:
            e = epoch_of(line)
            if e is not None:
                reported = max(reported, e)
        proc.wait()
        if set(temp_files(out)) - before:
            in_save += 1
        check_model(dlc, out)
        saved = reported
    # A last, uninterrupted resume finishes normally.
    final = subprocess.run(train_args(dlc, out, data, out, saved + 2, True),
                           capture_output=True, text=True)
    if final.returncode != 0:
        sys.exit("FAIL: the final --resume failed: " + final.stderr.strip())
    epochs = [epoch_of(l) for l in final.stdout.splitlines()]
    epochs = [e for e in epochs if e is not None]
    if not epochs or epochs[-1] != saved + 2 or epochs[0] > saved + 2:
        sys.exit("FAIL: the final --resume trained epochs %s, expected up "
                 "to %d" % (epochs, saved + 2))
    check_model(dlc, out)
    # The final run's saves removed what the killed writers left behind.
    left = temp_files(out)
    if left:
        sys.exit("FAIL: temporaries of killed saves are still there: %s" % left)
    print("kill-during-save: %s rounds, %d killed inside a save, resumed to "
          "epoch %d, no temporaries left" % (rounds, in_save, epochs[-1]))


if __name__ == "__main__":
    main()
