#!/usr/bin/env bash
# Installs the build into a temporary prefix (`cmake --install`), then uses
# it as another project would: builds examples/installed against it with
# find_package(dlc) (dlc::runtime), compiles the example model with the
# installed `dlc`, runs it through the example, and builds a program with
# pkg-config's flags for dlc-runtime. Run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install build --prefix "$prefix" >/dev/null
cmake -S examples/installed -B "$work/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER=clang++-22 >/dev/null
cmake --build "$work/example" >/dev/null
"$prefix/bin/dlc" --version
DLC_CACHE_DIR="$work/cache" "$prefix/bin/dlc" compile examples/mnist_cnn.fb \
  --batch 4 -o "$work/mnist.so"
out="$("$work/example/run_compiled" "$work/mnist.so" 6)"
echo "$out"
case "$out" in
  "softmax: [6, 10] "*) ;;
  *) echo "check-install: unexpected output" >&2; exit 1 ;;
esac
cat > "$work/pc.cpp" <<'CPP'
#include "dlc/runtime/CompiledModel.h"
int main(int, char **argv) {
  return dlc::CompiledModel::loadSharedLibrary(argv[1]).ok() ? 0 : 1;
}
CPP
# shellcheck disable=SC2046
clang++-22 -std=c++17 "$work/pc.cpp" -o "$work/pc" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs \
    --static dlc-runtime)
"$work/pc" "$work/mnist.so"
echo "check-install: the installed tools, CMake package and pkg-config file work"
