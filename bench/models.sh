#!/usr/bin/env bash
# Real networks against ONNX Runtime: a per-model speed table (dlc ms, ORT
# ms, their ratio, GFLOP/s, % of the FMA peak, the speed-up from threads),
# taken in alternating rounds. See bench/models.py for what is measured.
#
#   bench/models.sh [--models a,b] [--batches 1,16] [--threads 2]
#                   [--rounds 5] [--json-out FILE] [--no-build]
#
# Installs what is missing (python3-torchvision, python3-onnx from Debian;
# onnxruntime-node from npm), builds dlc (scripts/build.sh) and
# bench/build/fma_peak, exports the models (bench/export_torchvision.py,
# cached in $DLC_BENCH_MODELS), then runs bench/models.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$(dirname "$here")"
. "$here/common.sh"
build=1
models="resnet18,resnet50,mobilenet_v2,squeezenet1_1,efficientnet_b0,googlenet"
args=()
prev=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --no-build) build=0; continue ;;
    --models=*) models="${arg#--models=}" ;;
  esac
  [ "$prev" = --models ] && models="$arg"
  prev="$arg"
  args+=("$arg")
done
python=/usr/bin/python3
[ -x "$python" ] || python=python3
mkdir -p "$here/build"
log="$here/build/models-install.log"
ensure_python_modules "$log" "torchvision, numpy, onnx" \
  python3-torchvision python3-numpy python3-onnx ||
  { echo "bench: could not install the Python packages ($log)" >&2; exit 1; }
ensure_onnxruntime_node "$here" "$log" ||
  { echo "bench: onnxruntime-node is needed ($log)" >&2; exit 1; }
ensure_fma_peak "$here" || echo "bench: no fma_peak; % of peak left out" >&2
[ "$build" = 1 ] && scripts/build.sh >/dev/null
"$python" "$here/export_torchvision.py" --models "$models" >/dev/null
exec "$python" "$here/models.py" "${args[@]}"
