#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs cmocka unit test binaries, shows their output and ends with "N passed, N failed"
# counted in tests (from cmocka's summaries); a binary that dies without one counts as failed.
# Usage: tests/run-unit.sh BIN...

passed=0
failed=0
skipped=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for bin in "$@"; do
	echo "== $bin"
	# cmocka's own format; its summary goes partly to stderr.
	env -u CMOCKA_MESSAGE_OUTPUT "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -o '\[  PASSED  \] [0-9]* test(s)' "$log" | awk '{s += $4} END {print s + 0}')
	f=$(grep -o '\[  FAILED  \] [0-9]* test(s)' "$log" | awk '{s += $4} END {print s + 0}')
	s=$(grep -o '\[  SKIPPED \] [0-9]* test(s)' "$log" | awk '{s += $4} END {print s + 0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed, or a group setup failed: no per-test failure was counted
		echo "run-unit.sh: $bin exited with status $rc"
		f=1
	elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "run-unit.sh: $bin ran no test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
