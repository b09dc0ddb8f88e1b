#!/usr/bin/env bash
# Installs the Debian 12 packages leaktrace needs to build, test and run.
# --if-missing: do nothing when every package is already installed (used by make).
set -euo pipefail

PKGS=(make gcc g++ clang clang-format llvm pkg-config perl bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
      libcapstone-dev libcmocka-dev libjson-c-dev libc6-dbg python3 iproute2 procps
      qemu-system-x86 busybox-static xz-utils)

# Node.js for the V8 tests and the HTTP benchmark: any node will do (the tests fetch the other
# versions from npm), so Debian's is installed only when there is none at all.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${1:-}" = "--if-missing" ] && [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
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
echo "install-deps: done"
