#!/usr/bin/env bash
# Builds the project and its tests in ./build-asan with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-22, Ninja, ccache) and runs the test suite
# through CTest. Any sanitizer report fails the test that triggered it.
#
# Instrumented: every object of this project (runtime, compiler libraries,
# tools, tests). Not instrumented: the shared libMLIR/libLLVM from Debian and
# the machine code the compiler emits (JIT or .so), which ASan cannot see.
#
# Usage: scripts/sanitize.sh [--build-only] [ctest arguments...]
#          the whole suite (about 12 min to build cold and 15 min to run on
#          2 cores), e.g. scripts/sanitize.sh -R '^e2e\.'
#        scripts/sanitize.sh --quick
#          what CI runs: builds only the runtime's and the dlc importer's
#          unit tests (every reader of untrusted files -- model validation,
#          .npy, IDX, data sets, the FlatBuffer importer -- plus the
#          trainer's fault handling, atomic saves, the memory limit and
#          concurrent runs) and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
case "${1:-}" in
--build-only) mode=build; shift ;;
--quick) mode=quick; shift ;;
esac

# The sanitizer runtimes of clang-22.
scripts/install-sanitizer-runtime.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/dlc-ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
jobs="${DLC_JOBS:-$(nproc)}"
# Builds in this checkout never overlap (the machine has few cores).
lock=/tmp/dlc-build.lock
touch "$lock" 2>/dev/null || lock=$(mktemp)

# -fno-sanitize=function: that check reads a type signature placed before
# every instrumented function; JIT-compiled and dlopen()ed model entry points
# have none, and calling them through a pointer would be flagged (or read
# the unmapped page before the code). vptr is left out by clang itself: LLVM
# builds without RTTI.
san="-fsanitize=address,undefined -fno-sanitize=function"
san="$san -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
if [ ! -f build-asan/build.ninja ]; then
  flock "$lock" cmake -G Ninja -B build-asan \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_FLAGS="$san" -DCMAKE_CXX_FLAGS="$san" \
    -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
    -DCMAKE_MODULE_LINKER_FLAGS="$san"
fi
quick_tests=(dlc_runtime_tests dlc_import_tests)
if [ "$mode" = quick ]; then
  flock "$lock" ninja -C build-asan -j "$jobs" "${quick_tests[@]}"
else
  flock "$lock" ninja -C build-asan -j "$jobs"
fi
[ "$mode" != build ] || exit 0

# allow_user_poisoning=0: llvm::BumpPtrAllocator poisons the unused part of
# each slab when its inline code is compiled with ASan (our objects) and
# unpoisons each allocation only there. MLIRContext's allocators are shared
# with the uninstrumented libMLIR, whose inline copy never unpoisons, so its
# writes into slabs our code started are reported as use-after-poison.
# Only LLVM's allocators poison memory by hand in this process; ASan's own
# checks of heap, stack and globals are unaffected. LeakSanitizer runs
# with no suppressions.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:allow_user_poisoning=0:strict_string_checks=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
start=$(date +%s)
rc=0
if [ "$mode" = quick ]; then
  for t in "${quick_tests[@]}"; do
    (cd build-asan && "bin/$t" --gtest_brief=1) || rc=1
  done
else
  (cd build-asan &&
    ctest --output-on-failure -j "$jobs" --timeout 1800 "$@") || rc=$?
fi
echo "sanitize: tests took $(( $(date +%s) - start )) s, exit code $rc"
exit "$rc"
