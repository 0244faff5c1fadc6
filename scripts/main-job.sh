#!/usr/bin/env bash
# The main job, end to end on a fresh machine: install dependencies, build,
# train the reference CNN on Fashion-MNIST (Adam, batch 64, 5 epochs, as the
# model's Training table says), evaluate it on the 10,000 test images,
# compile the trained model ahead of time and check that the shared library
# and the JIT classify test images identically. Prints the test accuracy at
# the end. DLC_EPOCHS overrides the number of epochs (for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

data=${DLC_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
out=build/main-job
mkdir -p "$out"

echo "== dlc summary examples/mnist_cnn.fb"
build/bin/dlc summary examples/mnist_cnn.fb
echo "== dlc train (Fashion-MNIST, 60,000 images)"
build/bin/dlc train examples/mnist_cnn.fb --data "$data" \
  --epochs "${DLC_EPOCHS:-5}" -o "$out/trained.fb"
echo "== dlc eval (10,000 test images)"
build/bin/dlc eval "$out/trained.fb" --data "$data" --threads 2 \
  | tee "$out/eval.txt"
build/bin/dlc eval "$out/trained.fb" --data "$data" --threads 2 --json \
  > "$out/eval.json"

echo "== dlc compile the trained model (batch 64, AOT)"
build/bin/dlc compile "$out/trained.fb" --batch 64 -o "$out/trained.so" --time
python3 scripts/idx_to_npy.py "$data/t10k-images-idx3-ubyte.gz" \
  "$out/images.npy" --count 64
build/bin/dlc run "$out/trained.so" --input "$out/images.npy" \
  --output "$out/probs_aot.npy" > /dev/null
build/bin/dlc run "$out/trained.fb" --batch 64 --input "$out/images.npy" \
  --output "$out/probs_jit.npy" > /dev/null
cmp "$out/probs_aot.npy" "$out/probs_jit.npy" &&
  echo "AOT (.so) and JIT outputs are identical"

python3 - "$out/eval.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"== test accuracy: {100 * report['accuracy']:.2f}% "
      f"(macro F1 {report['macro_f1']:.4f}, ROC AUC {report['roc_auc']:.4f})")
PY
