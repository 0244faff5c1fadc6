#!/usr/bin/env bash
# Compile-time benchmark: how long dlc takes to compile real networks
# (torchvision 0.14 classifiers at batch 1) and the reference CNN:
#
#   bench/compile.sh [--models a,b,c | --quick] [--no-export] [--dlc PATH]
#                    [--mem-limit GIB] [--timeout S] [--json-out FILE]
#                    [--no-warm] [--no-cnn] [--with-ort] [--dry-run]
#
# 1. Installs PyTorch's torchvision and NumPy from Debian (python3-torchvision,
#    python3-numpy) when they are missing.
# 2. Exports the models that are not exported yet (bench/export_torchvision.py)
#    into $DLC_BENCH_MODELS, default ~/.cache/dlc-bench/torchvision.
# 3. Runs bench/compile_bench.py: cold `dlc compile`, warm start (`dlc run`
#    twice on one cache), ONNX Runtime's session creation when bench/run.sh
#    has installed it (--with-ort installs it here), each under a memory guard
#    (--mem-limit, default 6 GiB) and a timeout (--timeout, default 300 s).
#    Prints a Markdown table; --json-out FILE saves the figures.
# --quick: resnet18, mobilenet_v2, squeezenet1_1. --dry-run: export, then
# print the commands. Paths given to options are relative to the repository root.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

say() { echo "compile-bench: $*" >&2; }

dlc=build/bin/dlc
dry_run=0
with_ort=0
prev=""
for arg in "$@"; do
  case "$arg" in
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --dry-run) dry_run=1 ;;
    --with-ort) with_ort=1 ;;
    --dlc=*) dlc="${arg#--dlc=}" ;;
  esac
  [ "$prev" = --dlc ] && dlc="$arg"
  prev="$arg"
done

. "$here/common.sh"

python=/usr/bin/python3
[ -x "$python" ] || python=python3

mkdir -p "$here/build"
log="$here/build/compile-install.log"
if ! "$python" -c 'import torchvision, numpy' >/dev/null 2>&1; then
  say "installing torchvision and NumPy (Debian python3-torchvision, python3-numpy) ..."
  if ! apt_install python3-torchvision python3-numpy >"$log" 2>&1; then
    # An old package list may not know them yet.
    as_root apt-get update >>"$log" 2>&1 || true
    apt_install python3-torchvision python3-numpy >>"$log" 2>&1 ||
      { tail -5 "$log" >&2; say "could not install python3-torchvision (bench/build/compile-install.log)"; exit 1; }
  fi
fi
if [ "$with_ort" = 1 ] && [ ! -f "$here/node_modules/onnxruntime-node/package.json" ]; then
  if command -v npm >/dev/null 2>&1; then
    say "installing onnxruntime-node into bench/node_modules ..."
    # As bench/run.sh: without the variable its install script tries to fetch
    # a GPU provider; the CPU library ships inside the package.
    (cd "$here" && ONNXRUNTIME_NODE_INSTALL=skip \
      npm install --no-package-lock --no-audit --no-fund) >>"$log" 2>&1 ||
      say "onnxruntime-node could not be installed (bench/build/compile-install.log); its column is left out"
  else
    say "npm not found: ONNX Runtime is left out (apt-get install nodejs npm)"
  fi
fi

if [ ! -x "$dlc" ]; then
  if [ "$dry_run" = 1 ]; then
    say "$dlc is missing (fine for --dry-run; build it with scripts/build.sh)"
  else
    say "$dlc is missing: build it first with scripts/build.sh"
    exit 1
  fi
fi

exec "$python" "$here/compile_bench.py" "$@"
