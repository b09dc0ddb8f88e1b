#!/usr/bin/env bash
# The trend sampler's cost: leaktrace's CPU per second of tracing an idle target that holds one
# block in each of 16384 distinct heap stacks (bench/many_stacks.c), so that each second's
# sample reads 16384 per-stack totals (and the report fits 16384 series).
#
# Needs root. Knobs (environment): LEAKTRACE, BENCH_TREND_SECONDS (20).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LEAKTRACE=${LEAKTRACE:-$ROOT/leaktrace}
OUT=$ROOT/build/bench
SECS=${BENCH_TREND_SECONDS:-20}
HZ=$(getconf CLK_TCK)

die() { echo "trend_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (uprobes)"
[ -x "$LEAKTRACE" ] || die "no $LEAKTRACE: run 'make leaktrace' first"
mkdir -p "$OUT" || die "cannot create $OUT"
cc -O2 -fno-omit-frame-pointer -Wall "$ROOT/bench/many_stacks.c" -o "$OUT/many_stacks" ||
	die "cannot build many_stacks"

TGT= TR=
cleanup() {
	[ -n "$TR" ] && kill -TERM "$TR" 2>/dev/null && wait "$TR" 2>/dev/null
	[ -n "$TGT" ] && kill -KILL "$TGT" 2>/dev/null && wait "$TGT" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

"$OUT/many_stacks" >"$OUT/many_stacks.out" &
TGT=$!
until grep -q ready "$OUT/many_stacks.out"; do sleep 0.05; done
"$LEAKTRACE" -p "$TGT" -t heap -f json -o "$OUT/trend_bench.json" 2>"$OUT/trend_bench.err" &
TR=$!
until grep -q attached "$OUT/trend_bench.err"; do
	kill -0 "$TR" 2>/dev/null || die "leaktrace failed: $(cat "$OUT/trend_bench.err")"
	sleep 0.05
done
kill -USR1 "$TGT"
until grep -q allocated "$OUT/many_stacks.out"; do sleep 0.05; done
sleep 2 # the first samples after the burst
t0=$(cpu_ticks "$TR")
sleep "$SECS"
t1=$(cpu_ticks "$TR")
kill -INT "$TR"
wait "$TR"
TR=
stacks=$(python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1];
print(len(r["heap"]["stacks"]))' "$OUT/trend_bench.json")
awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v s="$SECS" -v n="$stacks" 'BEGIN {
	printf "trend sampling: %d heap stacks, leaktrace CPU %.1f ms per second traced (%.2f%% of a CPU)\n",
	       n, 1000 * (b - a) / hz / s, 100 * (b - a) / hz / s }'
