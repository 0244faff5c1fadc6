#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install dependencies, build,
# compile the reference CNN ahead of time, and run it on Fashion-MNIST test
# images both through the compiled shared library and through the JIT.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

data=/usr/share/datasets/fashion-mnist
out=build/main-job
mkdir -p "$out"
python3 scripts/idx_to_npy.py "$data/t10k-images-idx3-ubyte.gz" \
  "$out/images.npy" --count 64

echo "== dlc summary examples/mnist_cnn.fb"
build/bin/dlc summary examples/mnist_cnn.fb
echo "== dlc compile (batch 64, AOT)"
build/bin/dlc compile examples/mnist_cnn.fb --batch 64 -o "$out/mnist_cnn.so" --time
echo "== dlc run the shared library"
build/bin/dlc run "$out/mnist_cnn.so" --input "$out/images.npy" --output "$out/probs_aot.npy"
echo "== dlc run through the JIT"
build/bin/dlc run examples/mnist_cnn.fb --input "$out/images.npy" --output "$out/probs_jit.npy"
cmp "$out/probs_aot.npy" "$out/probs_jit.npy" && echo "AOT and JIT outputs are identical"
