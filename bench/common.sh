# Shell helpers shared by bench/run.sh and bench/train.sh (sourced, not run).

# Runs a command as root: directly, through passwordless sudo, or not at all.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    return 1
  fi
}

# Installs Debian packages without recommends, waiting for a busy dpkg lock.
apt_install() {
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "$@"
}

# Installs a Debian package set once its Python modules are missing:
#   ensure_python_modules LOG "module1, module2" package...
ensure_python_modules() {
  local log="$1" modules="$2"
  shift 2
  "${python:-/usr/bin/python3}" -c "import $modules" >/dev/null 2>&1 && return 0
  echo "bench: installing $* (Debian) ..." >&2
  if ! apt_install "$@" >"$log" 2>&1; then
    # An old package list may not know them yet.
    as_root apt-get update >>"$log" 2>&1 || true
    apt_install "$@" >>"$log" 2>&1 || { tail -5 "$log" >&2; return 1; }
  fi
}

# onnxruntime-node into bench/node_modules (npm), as bench/run.sh does.
ensure_onnxruntime_node() {
  local here="$1" log="$2"
  [ -f "$here/node_modules/onnxruntime-node/package.json" ] && return 0
  command -v npm >/dev/null 2>&1 || { echo "bench: npm not found (apt-get install nodejs npm)" >&2; return 1; }
  echo "bench: installing onnxruntime-node into bench/node_modules ..." >&2
  # Without the variable its install script tries to fetch a GPU provider;
  # the CPU library ships inside the package.
  (cd "$here" && ONNXRUNTIME_NODE_INSTALL=skip \
    npm install --no-package-lock --no-audit --no-fund) >>"$log" 2>&1
}

# bench/build/fma_peak, built for this CPU outside dlc's own build.
ensure_fma_peak() {
  local here="$1" out="$here/build" cxx=""
  [ -x "$out/fma_peak" ] && [ ! "$here/fma_peak.cpp" -nt "$out/fma_peak" ] && return 0
  for c in clang++-22 clang++ g++; do
    if command -v "$c" >/dev/null 2>&1; then cxx="$c"; break; fi
  done
  [ -n "$cxx" ] && mkdir -p "$out" &&
    "$cxx" -std=c++17 -O2 -march=native -pthread "$here/fma_peak.cpp" -o "$out/fma_peak"
}
