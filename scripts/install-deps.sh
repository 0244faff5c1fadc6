#!/usr/bin/env bash
# Installs what building and testing dlc needs, from Debian's packages:
# LLVM/MLIR 22 (libMLIR.so, libLLVM.so), clang-22 + lld-22, lit/FileCheck,
# FlatBuffers, GoogleTest, Ninja, ccache, the Fashion-MNIST data set, ONNX's
# protobuf definitions and backend test data, and PyTorch + onnx for the
# ONNX export test.
set -euo pipefail

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev flatbuffers-compiler libflatbuffers-dev
  ninja-build ccache cmake zlib1g-dev libgtest-dev python3 pkg-config
  dataset-fashion-mnist
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata python3-onnx
  python3-torch python3-numpy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
