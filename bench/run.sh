#!/usr/bin/env bash
# Overhead benchmarks: malloc/free pairs (bench/malloc_bench.c) and an express server (bench/app),
# each untraced, under `leaktrace --probe-floor` and under leaktrace; medians and ratios.
#
# Needs root. Knobs (environment): LEAKTRACE, BENCH_REPS (3), BENCH_PAIRS_UNTRACED (5000000),
# BENCH_PAIRS_TRACED (300000), BENCH_PAIRS_SLOW (100000, bpftrace/memleak rows),
# BENCH_APP_SECONDS (10), BENCH_APP_CONNECTIONS (10), BENCH_APP_WARMUP (15), BENCH_SAMPLES ("64K 512K": a row per
# --sample value, "" for none), BENCH_SKIP_APP=1, BENCH_SKIP_MALLOC=1, BENCH_SKIP_NEW=1 (the C++
# new/delete rows under glibc's libstdc++ and jemalloc), BENCH_SKIP_TREND=1
# (bench/trend_bench.sh: the trend sampler's CPU with 16k stacks).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
LEAKTRACE=${LEAKTRACE:-$ROOT/leaktrace}
OUT=$ROOT/build/bench
LOGS=$OUT/logs
REPS=${BENCH_REPS:-3}
PAIRS_UNTRACED=${BENCH_PAIRS_UNTRACED:-5000000}
PAIRS_TRACED=${BENCH_PAIRS_TRACED:-300000}
PAIRS_SLOW=${BENCH_PAIRS_SLOW:-100000}
APP_SECONDS=${BENCH_APP_SECONDS:-10}
APP_CONNS=${BENCH_APP_CONNECTIONS:-10}
APP_WARMUP=${BENCH_APP_WARMUP:-15} # s of load before the first row: the JIT settles (3 s left the
# untraced row, which comes first, at 60% of the rows after it)
SAMPLES=${BENCH_SAMPLES:-64K 512K}
HZ=$(getconf CLK_TCK)
START=$SECONDS

die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (uprobes)"
[ -x "$LEAKTRACE" ] || die "no $LEAKTRACE: run 'make leaktrace' first"
mkdir -p "$OUT" "$LOGS" || die "cannot create $OUT"

# Every process this script starts is recorded here until reaped, and ended on exit whatever the
# exit path. SIGTERM: leaktrace and bpftrace detach their probes on it; background jobs of a
# script ignore SIGINT unless they install their own handler.
CHILDREN=()
forget() {
	local keep=() pid

	for pid in "${CHILDREN[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	CHILDREN=("${keep[@]}")
}
cleanup() {
	local pid _

	for pid in "${CHILDREN[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${CHILDREN[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE REGEX PID SECONDS: until FILE holds a line matching REGEX; fails if PID dies first.
wait_for() {
	local file=$1 re=$2 pid=$3 deadline=$((SECONDS + $4))

	until grep -Eq "$re" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { grep -Eq "$re" "$file" 2>/dev/null; return; }
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

# stop_pid PID SIGNAL SECONDS: signal and reap, SIGKILL after SECONDS.
stop_pid() {
	local pid=$1 sig=$2 deadline=$((SECONDS + $3))

	kill "-$sig" "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			echo "bench: pid $pid did not stop on SIG$sig, killing it" >&2
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$pid" 2>/dev/null
	forget "$pid"
}

# CPU seconds (user+system) so far of a live process, from /proc/PID/stat fields 14 and 15. The
# comm field may hold spaces, so fields are counted after its closing parenthesis.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

hwm_kib() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

# median "V1 V2 ...", maximum "V1 V2 ...": over a space-separated list (the rows' accumulators).
# median takes a printf format as its second argument (default %.1f).
median() {
	tr -s ' ' '\n' <<<"$1" | grep . | sort -g | awk -v f="${2:-%.1f}" '{ v[NR] = $1 }
		END { if (NR == 0) print "nan";
		      else printf f "\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# spread "V1 V2 ...": (max - min) / median in percent, how far apart the repetitions landed.
spread() {
	tr -s ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		      if (NR < 2 || m == 0) print "-"; else printf "%.0f%%", 100 * (v[NR] - v[1]) / m }'
}

maximum() {
	tr -s ' ' '\n' <<<"$1" | grep . | sort -g | tail -1
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "-";
				     else printf "%.2f", a / b }'
}

# vs_floor MODE VALUE FLOOR: the ratio to the probe floor, for traced rows only.
vs_floor() {
	case $1 in
	untraced | app-default | jsheap-*) echo - ;; # no heap probes: no floor to compare
	*) ratio "$2" "$3" ;;
	esac
}

LIBC=$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ { print $NF; exit }')
LIBC=$(readlink -f "${LIBC:-/lib/x86_64-linux-gnu/libc.so.6}")

# The bpftrace row: memleak's design in bpftrace (size at malloc entry, address at its return, a
# hash of outstanding blocks with a user stack, delete at free entry). BEGIN runs only once every
# probe is attached, so its line is the "attached" signal. The PID filter is in the predicates:
# bpftrace 0.17 puts its uprobes on every process that maps libc, -p or not.
write_bpftrace_script() {
	cat >"$OUT/memleak.bt" <<EOF
BEGIN { printf("attached\\n"); }
uprobe:$LIBC:malloc /pid == \$1/ { @size[tid] = arg0; }
uretprobe:$LIBC:malloc /pid == \$1 && @size[tid]/ {
	@bytes[retval] = @size[tid];
	@stack[retval] = ustack;
	delete(@size[tid]);
}
uprobe:$LIBC:free /pid == \$1/ { delete(@bytes[arg0]); delete(@stack[arg0]); }
END { clear(@size); clear(@bytes); clear(@stack); }
EOF
}

# Whether leaktrace attaches through uprobe sessions here (then --classic-probes is a row).
lt_has_sessions() {
	local n

	n=$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -c BPF_TRACE_UPROBE_SESSION)
	[ "${n:-0}" -gt 0 ]
}

# start_tracer MODE PID LOG: sets TRACER_PID, TRACER_CPU0 (CPU ticks spent attaching).
start_tracer() {
	local mode=$1 pid=$2 log=$3 ready

	case $mode in
	floor)
		"$LEAKTRACE" -p "$pid" --probe-floor -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	full)
		"$LEAKTRACE" -p "$pid" -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	app-floor) # a V8 target: no native heap by default, so the floor of -t heap
		"$LEAKTRACE" -p "$pid" -t heap --probe-floor -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	app-default) # what `leaktrace -p PID` turns on for a V8 target
		"$LEAKTRACE" -p "$pid" -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	app-heap)
		"$LEAKTRACE" -p "$pid" -t heap -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	app-sample-*)
		"$LEAKTRACE" -p "$pid" -t heap --sample "${mode#app-sample-}" -o "$log.report" \
			2>"$log.err" &
		ready='attached to pid' ;;
	classic)
		"$LEAKTRACE" -p "$pid" --classic-probes -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	sample-*)
		"$LEAKTRACE" -p "$pid" --sample "${mode#sample-}" -o "$log.report" 2>"$log.err" &
		ready='attached to pid' ;;
	jsheap-*) # V8's sampling heap profiler alone (docs/jsheap.md); the report has the pauses
		"$LEAKTRACE" -p "$pid" -t jsheap --js-sample-interval "${mode#jsheap-}" \
			-o "$log.report" 2>"$log.err" &
		ready='JS heap sampling' ;;
	bpftrace)
		bpftrace "$OUT/memleak.bt" "$pid" >"$log.report" 2>"$log.err" &
		ready='^attached' ;;
	memleak)
		# A long interval: no periodic report during the timed loop.
		memleak -p "$pid" 3600 >"$log.report" 2>"$log.err" &
		ready='Tracing outstanding memory allocs' ;;
	esac
	TRACER_PID=$!
	CHILDREN+=("$TRACER_PID")
	local file=$log.err
	case $mode in bpftrace | memleak) file=$log.report ;; esac
	if ! wait_for "$file" "$ready" "$TRACER_PID" 60; then
		echo "bench: $mode did not attach, see $log.err" >&2
		stop_pid "$TRACER_PID" KILL 1
		return 1
	fi
	TRACER_CPU0=$(cpu_ticks "$TRACER_PID")
}

# stop_tracer: samples the tracer while it is still attached, then stops it. Sets TRACER_RUN_CPU
# (CPU seconds between attach and now), TRACER_ATTACH_CPU and TRACER_HWM (MiB).
stop_tracer() {
	local now

	now=$(cpu_ticks "$TRACER_PID")
	TRACER_HWM=$(awk -v k="$(hwm_kib "$TRACER_PID")" 'BEGIN { printf "%.1f", k / 1024 }')
	TRACER_ATTACH_CPU=$(awk -v t="$TRACER_CPU0" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
	TRACER_RUN_CPU=$(awk -v a="$TRACER_CPU0" -v b="$now" -v hz="$HZ" \
		'BEGIN { printf "%.2f", (b - a) / hz }')
	stop_pid "$TRACER_PID" INT 20
}

mode_label() {
	case $1 in
	untraced) echo "untraced" ;;
	floor) echo "leaktrace --probe-floor" ;;
	full) echo "leaktrace" ;;
	app-floor) echo "leaktrace -t heap --probe-floor" ;;
	app-default) echo "leaktrace (default)" ;;
	app-heap) echo "leaktrace -t heap" ;;
	app-sample-*) echo "leaktrace -t heap --sample ${1#app-sample-}" ;;
	classic) echo "leaktrace --classic-probes" ;;
	sample-*) echo "leaktrace --sample ${1#sample-}" ;;
	jsheap-*) echo "leaktrace -t jsheap ${1#jsheap-}" ;;
	bpftrace) echo "bpftrace memleak.bt" ;;
	memleak) echo "bcc memleak" ;;
	esac
}

declare -A RES CPU_A CPU_R HWM

# malloc_once THREADS MODE REP: one run; appends ns/pair to RES[THREADS:MODE].
# malloc_once THREADS MODE REP [BINARY KEY]: one run of BINARY (malloc_bench), its result in
# RES[KEY$THREADS:MODE].
malloc_once() {
	local t=$1 mode=$2 rep=$3 bin=${4:-malloc_bench} key=${5:-}$1:$2
	local log=$LOGS/$bin-t$1-$2-$3 pairs bpid ns

	case $mode in
	untraced) pairs=$PAIRS_UNTRACED ;;
	floor | full | classic | sample-*) pairs=$PAIRS_TRACED ;;
	*) pairs=$PAIRS_SLOW ;;
	esac
	"$OUT/$bin" -t "$t" -n "$pairs" -H >"$log.out" 2>&1 &
	bpid=$!
	CHILDREN+=("$bpid")
	if ! wait_for "$log.out" '^ready' "$bpid" 30; then
		echo "bench: malloc_bench did not start, see $log.out" >&2
		return 1
	fi
	if [ "$mode" != untraced ]; then
		start_tracer "$mode" "$bpid" "$log" || { stop_pid "$bpid" KILL 1; return 1; }
	fi
	kill -USR1 "$bpid"
	if ! wait_for "$log.out" 'ns_per_pair=' "$bpid" 240; then
		echo "bench: malloc_bench t=$t $mode gave no result, see $log.out" >&2
		[ "$mode" = untraced ] || stop_pid "$TRACER_PID" INT 20
		stop_pid "$bpid" KILL 1
		return 1
	fi
	# The target is parked again (-H): the tracer is sampled and stopped while it still lives.
	if [ "$mode" != untraced ]; then
		stop_tracer
		CPU_A[$key]+="$TRACER_ATTACH_CPU "
		CPU_R[$key]+="$TRACER_RUN_CPU "
		HWM[$key]+="$TRACER_HWM "
	fi
	kill -USR1 "$bpid"
	stop_pid "$bpid" TERM 10
	ns=$(sed -n 's/.*ns_per_pair=\([0-9.]*\).*/\1/p' "$log.out")
	RES[$key]+="$ns "
	printf '  run %d: %s %d thread(s), %-24s %10s ns/pair\n' "$rep" "$bin" "$t" \
		"$(mode_label "$mode")" "$ns"
}

tracer_cols() {
	local key=$1

	if [ -z "${CPU_R[$key]:-}" ]; then
		printf '%8s %8s %9s' - - -
		return
	fi
	printf '%8s %8s %9s' "$(median "${CPU_A[$key]}" %.2f)" "$(median "${CPU_R[$key]}" %.2f)" \
		"$(maximum "${HWM[$key]}")"
}

bench_malloc() {
	local modes=(untraced floor full) t mode rep base floor ns s

	lt_has_sessions && modes+=(classic)
	for s in $SAMPLES; do modes+=("sample-$s"); done
	echo "== malloc/free pairs: bench/malloc_bench.c, sizes 16..4096 B and 1/64 of 8..32 KiB =="
	cc -O2 -Wall -pthread "$BENCH/malloc_bench.c" -o "$OUT/malloc_bench" ||
		die "cannot build malloc_bench"
	if command -v bpftrace >/dev/null; then
		write_bpftrace_script
		modes+=(bpftrace)
	fi
	command -v memleak >/dev/null && modes+=(memleak)

	# Repetitions outermost, so that a slow patch on the shared VM spreads over every row.
	for rep in $(seq "$REPS"); do
		for t in 1 2; do
			for mode in "${modes[@]}"; do
				malloc_once "$t" "$mode" "$rep"
			done
		done
	done

	echo
	echo "malloc/free: median of $REPS runs; ns per malloc+free pair per thread" \
		"(untraced ${PAIRS_UNTRACED} pairs/thread, leaktrace ${PAIRS_TRACED}, others ${PAIRS_SLOW})"
	printf '%-3s %-24s %10s %7s %11s %9s %8s %8s %9s\n' thr tracer ns/pair spread \
		"x untraced" "x floor" "cpu att" "cpu run" "rss MiB"
	for t in 1 2; do
		base=$(median "${RES[$t:untraced]:-}")
		floor=$(median "${RES[$t:floor]:-}")
		for mode in "${modes[@]}"; do
			ns=$(median "${RES[$t:$mode]:-}")
			printf '%-3s %-24s %10s %7s %11s %9s %s\n' "$t" "$(mode_label "$mode")" "$ns" \
				"$(spread "${RES[$t:$mode]:-}")" \
				"$(ratio "$ns" "$base")" \
				"$(vs_floor "$mode" "$ns" "$floor")" \
				"$(tracer_cols "$t:$mode")"
		done
	done
	command -v bpftrace >/dev/null || echo "bpftrace: not installed"
	command -v memleak >/dev/null || echo "memleak: not installed (not packaged in Debian)"
	echo "cpu att / cpu run: CPU seconds of the tracer process itself while attaching / during the"
	echo "timed loop (probe handlers run in the traced threads and are counted in ns/pair, not here);"
	echo "rss MiB: the tracer's peak RSS (VmHWM); spread: (max - min) / median of the runs."
}

# C++ new/delete pairs: the same loop through operator new and delete, under glibc (libstdc++'s
# new calls malloc: both are probed, the nesting records once) and jemalloc (its own new).
bench_new() {
	local modes=(untraced floor full) alloc mode rep base floor ns

	echo "== C++ new/delete pairs: bench/malloc_bench.c -DLT_BENCH_NEW, 1 thread =="
	cc -O2 -Wall -pthread -DLT_BENCH_NEW "$BENCH/malloc_bench.c" -o "$OUT/new_bench_glibc" \
		-lstdc++ || die "cannot build new_bench_glibc"
	cc -O2 -Wall -pthread -DLT_BENCH_NEW "$BENCH/malloc_bench.c" -o "$OUT/new_bench_jemalloc" \
		-Wl,--no-as-needed -ljemalloc || die "cannot build new_bench_jemalloc (libjemalloc-dev)"
	for rep in $(seq "$REPS"); do
		for alloc in glibc jemalloc; do
			for mode in "${modes[@]}"; do
				malloc_once 1 "$mode" "$rep" "new_bench_$alloc" "new-$alloc-"
			done
		done
	done

	echo
	echo "C++ new/delete: median of $REPS runs; ns per new+delete pair (1 thread)"
	printf '%-9s %-24s %10s %7s %11s %9s %8s %8s %9s\n' alloc tracer ns/pair spread \
		"x untraced" "x floor" "cpu att" "cpu run" "rss MiB"
	for alloc in glibc jemalloc; do
		base=$(median "${RES[new-$alloc-1:untraced]:-}")
		floor=$(median "${RES[new-$alloc-1:floor]:-}")
		for mode in "${modes[@]}"; do
			ns=$(median "${RES[new-$alloc-1:$mode]:-}")
			printf '%-9s %-24s %10s %7s %11s %9s %s\n' "$alloc" "$(mode_label "$mode")" \
				"$ns" "$(spread "${RES[new-$alloc-1:$mode]:-}")" "$(ratio "$ns" "$base")" \
				"$(vs_floor "$mode" "$ns" "$floor")" "$(tracer_cols "new-$alloc-1:$mode")"
		done
	done
}

# autocannon_once URL SECONDS JSONFILE
autocannon_once() {
	"$BENCH/app/node_modules/.bin/autocannon" -c "$APP_CONNS" -d "$2" -j "$1" >"$3" 2>/dev/null &
	local apid=$!
	CHILDREN+=("$apid")
	wait "$apid"
	forget "$apid"
}

# json_fields FILE: "requests/s p99_ms errors" from autocannon's JSON.
json_fields() {
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		console.log(d.requests.average, d.latency.p99, d.errors + d.timeouts + d.non2xx);
	' "$1" 2>/dev/null || echo "nan nan nan"
}

declare -A RPS P99 ERRS GCS PAUSE

bench_app() {
	local modes=(untraced app-floor app-default app-heap) spid port url mode rep log base_rps
	local base_p99 fl_rps r p e s

	for s in $SAMPLES; do modes+=("app-sample-$s"); done
	modes+=(jsheap-512K jsheap-32K)
	echo "== HTTP: express 4 JSON endpoint (bench/app)," \
		"autocannon -c $APP_CONNS -d $APP_SECONDS on 127.0.0.1 =="
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "app: skipped, node/npm not installed"
		return 0
	fi
	if [ ! -x "$BENCH/app/node_modules/.bin/autocannon" ]; then
		echo "app: installing npm dependencies (npm ci)"
		if ! (cd "$BENCH/app" && npm ci --no-audit --no-fund >"$LOGS/npm.log" 2>&1); then
			echo "app: skipped, npm ci failed (see $LOGS/npm.log)"
			return 0
		fi
	fi

	node "$BENCH/app/server.js" 0 >"$LOGS/server.out" 2>&1 &
	spid=$!
	CHILDREN+=("$spid")
	if ! wait_for "$LOGS/server.out" '^listening [0-9]+' "$spid" 30; then
		echo "app: skipped, the server did not start (see $LOGS/server.out)"
		return 0
	fi
	port=$(awk '/^listening/ { print $2; exit }' "$LOGS/server.out")
	url=http://127.0.0.1:$port/
	# One server for every row, warmed once: the JIT and the heap settle before the first row, and
	# no row is a fresh process. Attaching and detaching leave the process as it was.
	autocannon_once "$url" "$APP_WARMUP" "$LOGS/warmup.json"

	for rep in $(seq "$REPS"); do
		for mode in "${modes[@]}"; do
			log=$LOGS/app-$mode-$rep
			if [ "$mode" != untraced ]; then
				start_tracer "$mode" "$spid" "$log" || continue
			fi
			autocannon_once "$url" "$APP_SECONDS" "$log.json"
			if [ "$mode" != untraced ]; then
				stop_tracer
				CPU_A[app:$mode]+="$TRACER_ATTACH_CPU "
				CPU_R[app:$mode]+="$TRACER_RUN_CPU "
				HWM[app:$mode]+="$TRACER_HWM "
			fi
			case $mode in
			jsheap-*) # the report's inspector line: "N forced full GC(s), longest X ms"
				GCS[$mode]+="$(sed -n 's/.* \([0-9]*\) forced full GC(s).*/\1/p' \
					"$log.report" | head -1) "
				PAUSE[$mode]+="$(sed -n 's/.*forced full GC(s), longest \([0-9.]*\) ms.*/\1/p' \
					"$log.report" | head -1) " ;;
			esac
			read -r r p e < <(json_fields "$log.json")
			RPS[$mode]+="$r "
			P99[$mode]+="$p "
			ERRS[$mode]+="$e "
			printf '  run %d: %-32s %10s req/s  p99 %s ms  errors %s\n' "$rep" \
				"$(mode_label "$mode")" "$r" "$p" "$e"
			kill -0 "$spid" 2>/dev/null || { echo "app: the server died" >&2; return 1; }
		done
	done
	stop_pid "$spid" TERM 10

	echo
	echo "HTTP: median of $REPS runs of ${APP_SECONDS} s, $APP_CONNS connections;" \
		"ratios are traced / untraced (throughput kept, latency grown)"
	printf '%-32s %9s %7s %8s %8s %8s %8s %8s %8s %8s %9s\n' tracer req/s spread "x untr" \
		"x floor" "p99 ms" "x untr" errors "cpu att" "cpu run" "rss MiB"
	base_rps=$(median "${RPS[untraced]:-}" %.0f)
	base_p99=$(median "${P99[untraced]:-}")
	fl_rps=$(median "${RPS[app-floor]:-}" %.0f)
	for mode in "${modes[@]}"; do
		r=$(median "${RPS[$mode]:-}" %.0f)
		p=$(median "${P99[$mode]:-}")
		e=$(maximum "${ERRS[$mode]:-0}")
		printf '%-32s %9s %7s %8s %8s %8s %8s %8s %s\n' "$(mode_label "$mode")" "$r" \
			"$(spread "${RPS[$mode]:-}")" \
			"$(ratio "$r" "$base_rps")" \
			"$(vs_floor "$mode" "$r" "$fl_rps")" \
			"$p" "$(ratio "$p" "$base_p99")" "$e" "$(tracer_cols "app:$mode")"
	done
	for mode in "${modes[@]}"; do
		case $mode in
		jsheap-*)
			echo "$(mode_label "$mode"): forced full GCs per run: ${GCS[$mode]:-?}; longest" \
				"pause per run (ms): ${PAUSE[$mode]:-?}" ;;
		esac
	done
}

echo "leaktrace overhead benchmark: kernel $(uname -r), $(nproc) CPUs," \
	"node $(node --version 2>/dev/null || echo none), $LEAKTRACE"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every row)"
echo "logs in $LOGS"
echo
[ "${BENCH_SKIP_MALLOC:-0}" = 1 ] || bench_malloc
echo
[ "${BENCH_SKIP_NEW:-0}" = 1 ] || bench_new
echo
[ "${BENCH_SKIP_APP:-0}" = 1 ] || bench_app
echo
[ "${BENCH_SKIP_TREND:-0}" = 1 ] || LEAKTRACE=$LEAKTRACE "$BENCH/trend_bench.sh"
echo
echo "bench: done in $((SECONDS - START)) s"
