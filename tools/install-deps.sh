#!/usr/bin/env bash
# Installs the Debian 12 packages leaktrace needs to build, test and run.
# --if-missing: do nothing when every package is already installed (used by make).
set -euo pipefail

PKGS=(make gcc g++ clang clang-format llvm pkg-config perl bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
      libcapstone-dev libcmocka-dev libjson-c-dev libc6-dbg python3 iproute2 procps
      qemu-system-x86 busybox-static xz-utils
      libjemalloc-dev libgoogle-perftools-dev libmimalloc-dev musl-tools golang-go
      protobuf-c-compiler libprotobuf-c-dev golang-github-google-pprof-dev libcurl4-openssl-dev
      chromium binutils
      libclang-rt-14-dev) # libFuzzer and the sanitizer runtimes (make fuzz, make SAN=1)

# Node.js for the V8 tests and the HTTP benchmark: any node will do (the tests fetch the other
# versions from npm), so Debian's is installed only when there is none at all.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# The Node demo's npm dependencies (express), from its lockfile, as the calling user; a
# failure (no registry) is said and left to `make demo`, which tries again.
demo_npm() {
	local app
	app=$(cd "$(dirname "${BASH_SOURCE[0]}")/../demo/node" && pwd)
	[ -d "$app/node_modules/express" ] && return 0
	command -v npm >/dev/null || return 0
	echo "install-deps: npm ci in demo/node (the Node demo's express)"
	(cd "$app" && npm ci --no-audit --no-fund --loglevel=error) ||
		echo "install-deps: npm ci in demo/node failed; make demo will try again" >&2
}

if [ "${1:-}" = "--if-missing" ] && [ ${#missing[@]} -eq 0 ]; then
	demo_npm
	exit 0
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	demo_npm
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
demo_npm
echo "install-deps: done"
