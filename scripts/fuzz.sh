#!/usr/bin/env bash
# Builds the libFuzzer targets in ./build-fuzz (clang-22, ASan + UBSan) and
# runs each for SECONDS_PER_TARGET seconds (default 60) on a scratch copy of
# its seed corpus in test/fuzz/corpus/<target>/. Prints executions and
# crashes per target; exits non-zero if any target crashed, leaked, timed out
# or ran out of memory. Crash inputs are kept in build-fuzz/fuzz-out/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [targets...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_model_file fuzz_npy fuzz_idx fuzz_import fuzz_mlir_parse fuzz_tflite fuzz_onnx)

# libFuzzer and the sanitizer runtimes of clang-22.
scripts/install-sanitizer-runtime.sh

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/dlc-ccache}"
# Builds in this checkout never overlap (the machine has few cores).
lock=/tmp/dlc-build.lock
if [ ! -f build-fuzz/build.ninja ]; then
  flock "$lock" cmake -G Ninja -B build-fuzz -DDLC_ENABLE_FUZZERS=ON \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
flock "$lock" ninja -C build-fuzz -j "${DLC_JOBS:-$(nproc)}" "${targets[@]}"

out=build-fuzz/fuzz-out
rows=()
failed=0
for t in "${targets[@]}"; do
  work="$out/$t"
  rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
  # libFuzzer adds new inputs to its first corpus directory: give it a copy,
  # so the seeds in the tree stay as they are.
  cp test/fuzz/corpus/"$t"/* "$work/corpus/"
  set +e
  ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "build-fuzz/bin/$t" "$work/corpus" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
      > "$work/log.txt" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log.txt" | tail -1)
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  [ "$crashes" -eq 0 ] || failed=1
  rows+=("$(printf '%-18s %12s %8s %10s' "$t" "${execs:-?}" "$crashes" \
    "$(find "$work/corpus" -type f | wc -l)")")
  [ "$crashes" -eq 0 ] || echo "fuzz: $t failed; see $work/log.txt and $work/artifacts/" >&2
done

printf '\n%-18s %12s %8s %10s\n' target executions crashes corpus
printf '%s\n' "${rows[@]}"
exit "$failed"
