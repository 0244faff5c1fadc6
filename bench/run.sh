#!/usr/bin/env bash
# dlc side by side with ONNX Runtime 1.30 and PyTorch 1.13 on the reference
# CNN, in one command (a few minutes on a 2-core machine):
#
#   bench/run.sh [--no-install] [--no-build] [--threads 1,2] [--quick] [--skip-peers]
#                [--rounds N]
#
# 1. Installs the peers if they are missing: PyTorch from Debian
#    (python3-torch, ~50 MB without recommends), ONNX Runtime from npm into
#    bench/node_modules, and GNU time (for the compiler's peak memory). A peer
#    that cannot be installed is reported as skipped; it never fails the run.
# 2. Builds dlc (scripts/build.sh; a no-op when up to date) and bench/fma_peak.
# 3. Runs bench/compare.py: the measurements and the tables, printed and saved
#    to bench/build/results.{md,json}.
# --no-install and --no-build skip steps 1 and 2; other options go to compare.py.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
out="$here/build"
cd "$root" || exit 1
mkdir -p "$out"

say() { echo "bench: $*" >&2; }

install=1
build=1
pass=()
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$arg") ;;
  esac
done

. "$here/common.sh"

if [ "$install" = 1 ]; then
  if ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    say "installing PyTorch (Debian python3-torch) ..."
    apt_install python3-torch >"$out/install-torch.log" 2>&1 ||
      say "PyTorch could not be installed (bench/build/install-torch.log); its rows are skipped"
  fi
  if [ ! -f "$here/node_modules/onnxruntime-node/package.json" ]; then
    if command -v npm >/dev/null 2>&1; then
      say "installing onnxruntime-node into bench/node_modules ..."
      # Without the variable its install script tries to fetch a GPU provider
      # and fails offline; the CPU library ships inside the package.
      (cd "$here" && ONNXRUNTIME_NODE_INSTALL=skip \
        npm install --no-package-lock --no-audit --no-fund) >"$out/install-ort.log" 2>&1 ||
        say "onnxruntime-node could not be installed (bench/build/install-ort.log); ORT rows are skipped"
    else
      say "npm not found: ONNX Runtime rows are skipped (apt-get install nodejs npm)"
    fi
  fi
  if [ ! -x /usr/bin/time ]; then
    apt_install time >"$out/install-time.log" 2>&1 ||
      say "GNU time could not be installed; the compiler's peak memory is left out"
  fi
fi

if [ "$build" = 1 ]; then
  if [ ! -f build/build.ninja ]; then
    scripts/install-deps.sh || { say "installing dlc's build dependencies failed"; exit 1; }
  fi
  # Builds on this machine share one lock so that they never overlap.
  lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/dlc-build.lock)
  "${lock[@]}" scripts/build.sh dlc >"$out/build-dlc.log" 2>&1 ||
    { tail -20 "$out/build-dlc.log" >&2; say "building dlc failed (bench/build/build-dlc.log)"; exit 1; }
fi
if [ ! -x build/bin/dlc ]; then
  say "build/bin/dlc is missing; run scripts/build.sh (or drop --no-build)"
  exit 1
fi

# The FMA peak microbenchmark: built for this CPU, outside dlc's own build.
if [ ! -x "$out/fma_peak" ] || [ "$here/fma_peak.cpp" -nt "$out/fma_peak" ]; then
  cxx=""
  for c in clang++-22 clang++ g++; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
  if [ -z "$cxx" ] ||
     ! "$cxx" -std=c++17 -O2 -march=native -pthread "$here/fma_peak.cpp" -o "$out/fma_peak"; then
    say "could not build bench/fma_peak.cpp; fractions of peak are left out"
    rm -f "$out/fma_peak"
  fi
fi

python=/usr/bin/python3
[ -x "$python" ] || python=python3
exec "$python" "$here/compare.py" "${pass[@]}"
