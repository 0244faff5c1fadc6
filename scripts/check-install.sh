#!/usr/bin/env bash
# Installs the build into a temporary prefix (`cmake --install`), then uses
# it as another project would: builds examples/installed against it with
# find_package(dlc) (dlc::runtime and dlc::compiler), compiles the example
# model with the installed `dlc` and runs it through the runtime, JIT-compiles
# and runs it through the compiler library, and builds a program with
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
# The JIT from the installed dlc::compiler: same model, same batch size of
# the output, compiled in-process (its cache kept out of the user's).
jit="$(DLC_CACHE_DIR="$work/cache" "$work/example/jit_compile" \
  examples/mnist_cnn.fb 6)"
echo "$jit"
# Same ramp inputs (examples/installed/RampIO.h): the JIT and the .so agree.
[ "$jit" = "$out" ] ||
  { echo "check-install: the JIT's output differs from the .so's" >&2; exit 1; }
# An ONNX file, converted in memory by the library's ONNX importer.
onnx="$(DLC_CACHE_DIR="$work/cache" "$work/example/jit_compile" \
  test/fuzz/corpus/fuzz_onnx/cnn.onnx 3)"
echo "$onnx"
case "$onnx" in
  "y: [3, 3] "*) ;;
  *) echo "check-install: unexpected JIT output for ONNX" >&2; exit 1 ;;
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
# The same tree as a Debian package (cpack): it must hold the tools, both
# libraries and the CMake package.
cpack -G DEB --config build/CPackConfig.cmake -B "$work/deb" >/dev/null
deb="$(ls "$work"/deb/dlc_*.deb)"
contents="$(dpkg-deb -c "$deb")"
for f in ./usr/bin/dlc ./usr/lib/libdlc_compiler.so.0.5 ./usr/lib/libdlc_runtime.a \
  ./usr/lib/cmake/dlc/dlcConfig.cmake ./usr/include/dlc/Compiler/Compiler.h; do
  grep -q " $f" <<<"$contents" || {
    echo "check-install: $f missing from $(basename "$deb")" >&2; exit 1; }
done
echo "check-install: $(basename "$deb") holds the tools, libraries and package"
echo "check-install: the installed tools, CMake package (runtime and JIT) and pkg-config file work"
