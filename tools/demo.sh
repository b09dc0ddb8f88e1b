#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`: runs the leaky toy service, traces it with leaktrace for a few seconds and
# shows the report. Needs root (uses sudo when available).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
leaktrace=${LEAKTRACE:-$repo/leaktrace}
demo=${DEMO:-$repo/build/targets/demo_leaky}
seconds=${DEMO_SECONDS:-8}

for f in "$leaktrace" "$demo"; do
	if [ ! -x "$f" ]; then
		echo "demo: $f is not built; run 'make demo' (or 'make leaktrace $demo')" >&2
		exit 1
	fi
done

sudo=
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=sudo
		echo "demo: leaktrace loads BPF programs and needs root; asking sudo"
	else
		echo "demo: leaktrace needs root (BPF) and sudo is not available" >&2
		exit 1
	fi
fi

"$demo" &
demo_pid=$!
trap 'kill "$demo_pid" 2>/dev/null; wait "$demo_pid" 2>/dev/null' EXIT
trap 'exit 130' TERM
# Ctrl-C reaches leaktrace, which then prints its report; the script goes on to clean up.
trap ':' INT
sleep 1
if ! kill -0 "$demo_pid" 2>/dev/null; then
	echo "demo: demo_leaky did not start" >&2
	exit 1
fi

cat <<MSG

demo: demo_leaky (pid $demo_pid) handles about 200 requests a second. Each request
      allocates and frees its buffers, but one in five adds a session cache entry that
      is never evicted: session_cache_put() should top the report.
demo: running: ${sudo:+$sudo }$leaktrace -p $demo_pid -d $seconds  (Ctrl-C ends it early)

MSG
$sudo "$leaktrace" -p "$demo_pid" -d "$seconds"
rc=$?
echo
if [ "$rc" -ne 0 ]; then
	echo "demo: leaktrace exited with status $rc" >&2
	exit "$rc"
fi
echo "demo: done; stopping demo_leaky (pid $demo_pid)"
exit 0
