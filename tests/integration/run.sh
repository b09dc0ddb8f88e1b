#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the integration suite (root: BPF). Becomes root through sudo when it can.
# Arguments are substrings that select tests by name.
set -e
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3

if [ ! -x "${LEAKTRACE:-$repo/leaktrace}" ]; then
	echo "run.sh: ${LEAKTRACE:-$repo/leaktrace} not built (make leaktrace targets)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		exec sudo -n env LEAKTRACE="${LEAKTRACE:-}" LT_TARGETS="${LT_TARGETS:-}" \
			LT_VERBOSE="${LT_VERBOSE:-}" "$py" "$here/run.py" "$@"
	fi
	echo "run.sh: not root and no passwordless sudo: every test is skipped" >&2
fi
export PYTHONDONTWRITEBYTECODE=1
exec "$py" "$here/run.py" "$@"
