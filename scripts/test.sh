#!/usr/bin/env bash
# Builds everything and runs every test but the model zoo: GoogleTest
# suites and lit through CTest. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
# The model zoo (label "zoo") has a script of its own: scripts/zoo.sh.
ctest --output-on-failure -j "${DLC_JOBS:-$(nproc)}" -LE zoo
