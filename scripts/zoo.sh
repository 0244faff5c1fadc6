#!/usr/bin/env bash
# The model-zoo test (CTest label "zoo"): 14 torchvision classifiers
# exported to ONNX, compiled and run by dlc, compared with PyTorch. Installs
# python3-torchvision and python3-onnx from Debian when missing, builds dlc,
# then runs the label (about 5 minutes on 2 cores).
#
#   scripts/zoo.sh [ctest options, e.g. -R resnet]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
python=/usr/bin/python3
mkdir -p build
ensure_python_modules build/zoo-install.log "torchvision, numpy, onnx" \
  python3-torchvision python3-numpy python3-onnx ||
  { echo "zoo: could not install the Python packages (build/zoo-install.log)" >&2; exit 1; }
scripts/build.sh >/dev/null
cd build
ctest -L zoo --output-on-failure "$@"
