#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make demo`: the Node story. Starts demo/node (an express service, its TCP "database" and
# a load generator), traces the service by PID with leaktrace's defaults for a while and
# shows the report; stops everything it started on every exit path. Needs root (sudo).
# Knobs: DEMO_SECONDS (25), DEMO_RATE (requests/s, 300), LEAKTRACE, NODE.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
app=$repo/demo/node
leaktrace=${LEAKTRACE:-$repo/leaktrace}
seconds=${DEMO_SECONDS:-25}
rate=${DEMO_RATE:-300}
work=$(mktemp -d "${TMPDIR:-/tmp}/leaktrace-demo.XXXXXX") || exit 1
pids=
setsid=$(command -v setsid || true)

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# Every process started here is ended here: the load, the service, the database, in that
# order, on a normal exit, an error, Ctrl-C or SIGTERM.
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME CMD...: runs CMD in the background with its output in $work/NAME.out, in its
# own session when setsid is there: a Ctrl-C meant for leaktrace must not reach node, which
# resets the SIGINT a shell's background job ignores.
start() {
	name=$1
	shift
	$setsid "$@" >"$work/$name.out" 2>&1 &
	pids="$! $pids"
	last=$!
}

# port_of NAME PID: the port the process printed as "listening PORT" (within 10 s).
port_of() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$work/$1.out")
		[ -n "$p" ] && { echo "$p"; return 0; }
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	printf 'demo: %s did not start:\n' "$1" >&2
	cat "$work/$1.out" >&2
	return 1
}

# trace ARGS...: leaktrace ARGS in the background, waited for, so that a SIGTERM to this
# script is handled at once: passed on to leaktrace (which detaches), then everything
# stops. A Ctrl-C reaches leaktrace from the terminal (same process group), which then
# writes its report; the script goes on. Returns leaktrace's status.
trace() {
	trap ':' INT
	$sudo "$leaktrace" "$@" &
	tracer=$!
	trap 'kill -TERM "$tracer" 2>/dev/null; wait "$tracer"; exit 143' TERM
	wait "$tracer"
	st=$?
	# a trapped signal ends wait early: wait for leaktrace itself
	while kill -0 "$tracer" 2>/dev/null; do
		wait "$tracer"
		st=$?
	done
	trap 'exit 130' INT
	trap 'exit 143' TERM
	return $st
}

[ -x "$leaktrace" ] || die "$leaktrace is not built; run 'make demo'"

# Node 18 or later (Debian 12 has 18); an older one is replaced by Node 20 from npm.
node=${NODE:-$(command -v node || true)}
major=$([ -n "$node" ] && "$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)
if [ "${major:-0}" -lt 18 ]; then
	say "node ${major:+$major }is missing or too old; fetching Node 20 (tools/fetch-node.sh)"
	node=$("$here/fetch-node.sh" -d "$repo/build/node" 20 | awk '$2 != "-" { print $2 }')
	[ -x "$node" ] || die "no usable node: install Node.js 18 or later"
fi
if [ ! -d "$app/node_modules/express" ]; then
	say "installing the demo's npm dependencies (npm ci in demo/node)"
	(cd "$app" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi

sudo=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "leaktrace needs root (BPF) and sudo is not available"
	sudo=sudo
	say "leaktrace loads BPF programs and needs root; asking sudo"
fi

start db "$node" "$app/db.js"
db_port=$(port_of db "$last") || exit 1
start server "$node" "$app/server.js" "$db_port"
server_pid=$last
server_port=$(port_of server "$server_pid") || exit 1
# the load runs past the trace, so that the service is busy until the report
start load "$node" "$app/load.js" "$server_port" $((seconds + 60)) 8 "$rate"
sleep 2

cat <<MSG

demo: an express service (pid $server_pid, 127.0.0.1:$server_port) in front of a TCP
      "database" (127.0.0.1:$db_port) answers about $rate requests a second. Every request
      adds a listener to a long-lived EventEmitter and never removes it, and caches a
      price in a Map that is never evicted: the JS heap grows. One query in 20 fails,
      and its error path skips the pool's release(): connections to 127.0.0.1:$db_port
      pile up.
demo: running: ${sudo:+$sudo }$leaktrace -p $server_pid -d $seconds  (Ctrl-C ends it early)

MSG
trace -p "$server_pid" -d "$seconds" || die "leaktrace exited with status $?"

# ---- second run: live JS objects by allocation site (-t jsheap) ----------------------
# Runs only with a leaktrace that accepts -t jsheap (issue 12). It opens the target's
# inspector for the trace and forces a full GC per read: opt-in, never a default.
if $sudo "$leaktrace" -t jsheap --help >/dev/null 2>&1; then
	# The defaults' kinds plus the JS allocation sites and the listener hook: one report that
	# names the three leaks (16K: finer than the default 512K: this small service opens about 15 connections a second, a few KiB of JS objects).
	say "running: ${sudo:+$sudo }$leaktrace -p $server_pid -t gc,fd,sock,jsheap" \
		"--js-listeners --js-sample-interval 16K -d $seconds"
	echo
	trace -p "$server_pid" -t gc,fd,sock,jsheap --js-listeners --js-sample-interval 16K \
		-d "$seconds" ||
		die "leaktrace -t jsheap exited with status $?"
fi
# ---- end of the -t jsheap run ----------------------------------------------------------

kill "$last" 2>/dev/null
wait "$last" 2>/dev/null
echo
say "the service's own count: $("$node" -e "
	require('http').get('http://127.0.0.1:$server_port/stats', (r) => {
		let b = ''; r.on('data', (d) => { b += d; }); r.on('end', () => console.log(b));
	}).on('error', (e) => console.log(e.message));")"
say "done; stopping the load, the service and the database"
exit 0
