#!/usr/bin/env bash
# Configures (once) and builds dlc in ./build with Ninja, clang-22, lld and
# ccache. Usage: scripts/build.sh [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/dlc-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Ninja's default of cores + 2 jobs runs out of memory on small machines when
# MLIR headers are compiled; one job per core is as fast here.
jobs="${DLC_JOBS:-$(nproc)}"

if [ ! -f build/build.ninja ]; then
  cmake -G Ninja -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld
fi
ninja -C build -j "$jobs" "$@"
