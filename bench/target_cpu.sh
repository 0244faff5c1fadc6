#!/usr/bin/env bash
# Code for an AVX2-only CPU beside the host's build: the reference CNN at
# batch 64 and 1, and ResNet-18 at batch 1 when bench/compile.sh has
# exported it (else it is skipped), each compiled for the host and with
# `--cpu haswell`, timed by `dlc bench` in alternating rounds.
#
#   bench/target_cpu.sh [--cpu NAME] [--rounds N] [--threads T] [--no-build]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$(dirname "$here")"
build=1
args=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --no-build) build=0 ;;
    *) args+=("$arg") ;;
  esac
done
[ "$build" = 1 ] && scripts/build.sh >/dev/null
models=(examples/mnist_cnn.fb:64 examples/mnist_cnn.fb:1)
resnet="${DLC_BENCH_MODELS:-$HOME/.cache/dlc-bench/torchvision}/resnet18.onnx"
[ -f "$resnet" ] && models+=("$resnet:1")
python=/usr/bin/python3
[ -x "$python" ] || python=python3
exec "$python" "$here/target_cpu.py" "${args[@]}" "${models[@]}"
