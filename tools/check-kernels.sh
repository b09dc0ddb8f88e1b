#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-kernels.sh [FILTER...]: runs tests/integration/run.sh under each kernel of a list,
# one after the other, each in a QEMU guest (tools/vm-kernel.sh). FILTERs go to run.sh.
# Needs root and a built tree (make all targets).
#
#   LT_KERNELS        kernel packages, space-separated (default: Debian 12's stock kernel,
#                     bookworm-backports and trixie-backports, see below)
#   LT_KERNEL_TIMEOUT seconds per kernel, boot included (default 1800)
#   LT_VM_OPTS        extra vm-kernel.sh options, e.g. "-c 2 -m 4096"
#   LT_SUITE_BUDGET   the suite's time budget inside a guest (default 1500 s: emulation is
#                     about 8 times slower than native; natively the suite keeps 600 s)
#   LT_STEP_TIMEOUT   how long a test waits for a target's "ready" or "done" in a guest
#                     (default 60 s; 20 natively: thread_churn once took longer on 6.1)
#   LT_SKIP_SUITES    suites not run in a guest, comma-separated (default
#                     formats,jsheap,faults,output,v8gc,v8heap: the consumers of the output formats,
#                     the inspector protocol, the 20 attach cycles and the -o file test
#                     userspace or take too long under emulation; every BPF program they
#                     use is loaded by the other suites). v8gc's tests (four Node versions)
#                     were left out by accident until run.py judged a test by the file that
#                     defines it (suite_jsheap imports suite_v8gc); they are left out still
#                     until they are timed in a guest. v8heap (the switch of the native heap) is timed on
#                     wall-clock growth, and its growing verdict failed under emulation. "" runs everything.
#
# Per kernel: the release seen inside, the suite's summary line and the wall time; the full
# log goes to build/kernels/NAME.log (NAME: the package, '/' as '_'). A table ends the run.
# Exit status: 0 when every kernel passed, 1 otherwise.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
read -ra kernels <<<"${LT_KERNELS:-linux-image-amd64 linux-image-amd64/bookworm-backports linux-image-amd64/trixie-backports}"
read -ra vmopts <<<"${LT_VM_OPTS:-}"
logs=build/kernels
mkdir -p "$logs"
[ ${#kernels[@]} -gt 0 ] || { echo "check-kernels: LT_KERNELS is empty" >&2; exit 1; }

# The guests run side by side (each is one emulated CPU; LT_KERNELS_SERIAL=1: one at a
# time); their results are read in the list's order once all have ended.
run_kernel() {
	local k=$1 log=$2 t0=$(date +%s) rc
	# The release goes first in the log; the suite's words are passed through unchanged.
	# shellcheck disable=SC2016 # expanded in the guest
	tools/vm-kernel.sh -t "${LT_KERNEL_TIMEOUT:-1800}" -e LT_SUITE_BUDGET="${LT_SUITE_BUDGET:-1500}" \
		-e LT_STEP_TIMEOUT="${LT_STEP_TIMEOUT:-60}" \
		-e LT_SKIP_SUITES="${LT_SKIP_SUITES-formats,jsheap,faults,output,v8gc,v8heap}" \
		"${vmopts[@]}" "$k" -- \
		sh -c 'echo "kernel: $(uname -r)"; exec tests/integration/run.sh "$@"' run.sh "${@:3}" \
		> "$log" 2>&1
	rc=$?
	echo "$rc $(($(date +%s) - t0))" > "$log.rc"
}

pids=()
for k in "${kernels[@]}"; do
	log=$logs/${k//\//_}.log
	rm -f "$log.rc"
	echo "== $k: started, log $log"
	if [ "${LT_KERNELS_SERIAL:-0}" = 1 ]; then
		run_kernel "$k" "$log" "$@"
	else
		run_kernel "$k" "$log" "$@" &
		pids+=($!)
	fi
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"

rows=() bad=0 tp=0 tf=0 ts=0
for k in "${kernels[@]}"; do
	log=$logs/${k//\//_}.log
	read -r rc secs < "$log.rc" 2>/dev/null || { rc=125 secs=0; }
	rel=$(sed -n 's/^kernel: //p' "$log" | head -1)
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	case $rc in
	0) verdict=ok ;;
	124) verdict="timed out" ;;
	125) verdict="no boot" ;;
	*) verdict="failed ($rc)" ;;
	esac
	[ $rc = 0 ] || bad=1
	read -r p f s <<<"$(echo "$sum" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/')"
	tp=$((tp + ${p:-0})) tf=$((tf + ${f:-0})) ts=$((ts + ${s:-0}))
	[ -n "$sum" ] || tf=$((tf + 1))
	echo "== $k"
	echo "   kernel ${rel:-?}: ${sum:-no summary line}; $verdict; ${secs} s; log $log"
	grep -E '^FAIL ' "$log" | head -20 | cut -c1-200 | sed 's/^/   /'
	[ -n "$sum" ] || tail -n 15 "$log" | sed 's/^/   | /'
	rows+=("$(printf '%-38s %-20s %-34s %-12s %5s s' "$k" "${rel:-?}" "${sum:-no summary}" "$verdict" "$secs")")
done

echo
printf '%-38s %-20s %-34s %-12s %7s\n' package release suite result time
printf '%s\n' "${rows[@]}"
# one closing line for every kernel together: a kernel without a summary counts as a failure
echo "kernels: $tp passed, $tf failed, $ts skipped"
exit $bad
