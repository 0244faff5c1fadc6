#!/usr/bin/env bash
# Training benchmark: `dlc train` beside PyTorch 1.13 on Fashion-MNIST, in one
# command (full: about 3 minutes on a quiet 2-core machine; quick: about 1):
#
#   bench/train.sh [--quick] [--epochs E] [--data DIR] [--threads T]
#                  [--no-install] [--build] [--skip-dlc] [--skip-torch]
#                  [--dlc-args "EXTRA ARGS"]
#
# Full mode trains 5 epochs on each side; --quick trains 1. Both also time 200
# PyTorch train steps on their own (torch_train.py --steps). Both sides run
# --threads T (default 2). The data default is Debian's dataset-fashion-mnist
# (/usr/share/datasets/fashion-mnist).
#
# 1. Installs PyTorch (python3-torch) and the data set from Debian when they
#    are missing, unless --no-install. A side that cannot run is reported as
#    skipped or not available; the run still completes.
# 2. With --build, builds dlc first (scripts/build.sh); by default the
#    existing build/bin/dlc is used as it is.
# 3. dlc: build/bin/dlc train examples/mnist_cnn.fb --data DIR --epochs E
#    --batch 64 --threads T --json -o bench/build/train/dlc_trained.fb [--dlc-args]
# 4. PyTorch: bench/torch_train.py --epochs E --steps 200 --threads T --json
# 5. bench/train_report.py prints the tables and saves them to
#    bench/build/train_results.{md,json}; raw outputs are in bench/build/train/.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/build"
work="$out/train"
cd "$root" || exit 1
mkdir -p "$work"

say() { echo "train: $*" >&2; }

mode=full
epochs=""
data=/usr/share/datasets/fashion-mnist
threads=2
install=1
build=0
run_dlc=1
run_torch=1
dlc_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --epochs) epochs="$2"; shift ;;
    --data) data="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --no-install) install=0 ;;
    --build) build=1 ;;
    --skip-dlc) run_dlc=0 ;;
    --skip-torch) run_torch=0 ;;
    --dlc-args) dlc_args="$2"; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) say "unknown option $1 (try --help)"; exit 2 ;;
  esac
  shift
done
if [ -z "$epochs" ]; then
  if [ "$mode" = quick ]; then epochs=1; else epochs=5; fi
fi

. "$here/common.sh"

python=/usr/bin/python3
[ -x "$python" ] || python=python3

if [ "$install" = 1 ]; then
  if [ "$run_torch" = 1 ] && ! "$python" -c 'import torch' >/dev/null 2>&1; then
    say "installing PyTorch (Debian python3-torch) ..."
    apt_install python3-torch >"$work/install-torch.log" 2>&1 ||
      say "PyTorch could not be installed (bench/build/train/install-torch.log)"
  fi
  if [ "$data" = /usr/share/datasets/fashion-mnist ] && [ ! -d "$data" ]; then
    say "installing Fashion-MNIST (Debian dataset-fashion-mnist) ..."
    apt_install dataset-fashion-mnist >"$work/install-data.log" 2>&1 ||
      say "the data set could not be installed (bench/build/train/install-data.log)"
  fi
fi
if [ ! -d "$data" ]; then
  say "no data set at $data (apt-get install dataset-fashion-mnist, or --data DIR)"
  exit 1
fi

if [ "$build" = 1 ]; then
  lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/dlc-build.lock)
  "${lock[@]}" scripts/build.sh dlc >"$work/build-dlc.log" 2>&1 ||
    say "building dlc failed (bench/build/train/build-dlc.log)"
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
report=("--mode" "$mode" "--epochs" "$epochs" "--load-before" "$load_before" "--out" "$out")

# dlc side. Its --json result is the last line of its stdout.
rm -f "$work/dlc.out" "$work/dlc.err" "$work/torch.out" "$work/torch.err"
if [ "$run_dlc" = 0 ]; then
  report+=("--dlc-skipped=not run (--skip-dlc)")
elif [ ! -x build/bin/dlc ]; then
  say "dlc: not available (build/bin/dlc is missing; run scripts/build.sh or pass --build)"
  report+=("--dlc-skipped=build/bin/dlc is missing")
else
  say "dlc: training $epochs epoch(s) ..."
  # The same thread count on both sides, or the ratios compare unlike things.
  # shellcheck disable=SC2086  # --dlc-args is split into words on purpose
  build/bin/dlc train examples/mnist_cnn.fb --data "$data" --epochs "$epochs" --batch 64 \
    --threads "$threads" --json -o "$work/dlc_trained.fb" $dlc_args \
    >"$work/dlc.out" 2>"$work/dlc.err"
  rc=$?
  [ "$rc" = 0 ] || say "dlc: not available (dlc train exited with status $rc; bench/build/train/dlc.err)"
  report+=(--dlc "$work/dlc.out" --dlc-rc "$rc" --dlc-log "$work/dlc.err")
fi

# PyTorch side.
if [ "$run_torch" = 0 ]; then
  report+=("--torch-skipped=not run (--skip-torch)")
elif ! "$python" -c 'import torch' >/dev/null 2>&1; then
  say "PyTorch: skipped (not installed: apt-get install python3-torch)"
  report+=("--torch-skipped=PyTorch is not installed")
else
  say "PyTorch: training $epochs epoch(s) and timing 200 steps ..."
  "$python" "$here/torch_train.py" --epochs "$epochs" --steps 200 --threads "$threads" \
    --data "$data" --json >"$work/torch.out" 2>"$work/torch.err"
  rc=$?
  [ "$rc" = 0 ] || say "PyTorch: failed with status $rc (bench/build/train/torch.err)"
  report+=(--torch "$work/torch.out" --torch-rc "$rc" --torch-log "$work/torch.err")
fi

exec "$python" "$here/train_report.py" "${report[@]}"
