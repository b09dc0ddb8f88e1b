#!/usr/bin/env bash
# What naming JS frames costs per native allocation in Node: bench/js_names_bench.js run
# untraced, under leaktrace --no-js-names and under leaktrace; median of REPS runs each.
# Needs root and node. Knobs: REPS (5), ITERS (20000), DEPTH (10), LEAKTRACE.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LEAKTRACE=${LEAKTRACE:-$ROOT/leaktrace}
REPS=${REPS:-5}
NODE=$(command -v node) || { echo "js_names.sh: node not installed" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "js_names.sh: needs root" >&2; exit 1; }
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

# one_run MODE: ns per call, or nothing on failure
one_run() {
	local mode=$1 pid lt= ns
	"$NODE" "$ROOT/bench/js_names_bench.js" >"$TMP/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q '^ready' "$TMP/out" && break; sleep 0.1; done
	if [ "$mode" != untraced ]; then
		local extra=()
		[ "$mode" = no-js-names ] && extra=(--no-js-names)
		"$LEAKTRACE" -p "$pid" -f json -o /dev/null "${extra[@]}" 2>"$TMP/err" &
		lt=$!
		for _ in $(seq 300); do grep -q attached "$TMP/err" && break; sleep 0.1; done
	fi
	kill -USR1 "$pid"
	for _ in $(seq 600); do grep -q '^ns_per_call' "$TMP/out" && break; sleep 0.1; done
	ns=$(awk '/^ns_per_call/ {print $2}' "$TMP/out")
	[ -n "$lt" ] && { kill -INT "$lt"; wait "$lt"; }
	kill -USR1 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	echo "$ns"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

declare -A runs
for _ in $(seq "$REPS"); do
	for mode in untraced no-js-names leaktrace; do
		runs[$mode]+="$(one_run $mode) "
	done
done
echo "ns per JS call (${ITERS:-20000} calls, $((${DEPTH:-10} + 2)) JS frames each; median of $REPS)"
base=$(echo ${runs[untraced]} | tr ' ' '\n' | median)
for mode in untraced no-js-names leaktrace; do
	m=$(echo ${runs[$mode]} | tr ' ' '\n' | median)
	printf '%-12s %8s ns   all: %s\n' "$mode" "$m" "${runs[$mode]}"
done
