#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Seeds a fuzz target's corpus directory from this machine's own files: /proc tables, small
# ELF files (built here from seed_elf.c, with .eh_frame and with .debug_frame, and a system
# one), on top of the committed corpus (tests/fuzz/corpus/NAME: small seeds and every input
# that once crashed a parser, copied by the Makefile).
# Usage: tests/fuzz/seed.sh NAME DIR
set -e
name=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"

elf_seeds() {
	${CC:-cc} -O1 -o "$dir/seed-eh" "$here/seed_elf.c"
	${CC:-cc} -O1 -g -fno-asynchronous-unwind-tables -fno-unwind-tables -o "$dir/seed-debug-frame" \
		"$here/seed_elf.c"
	${CC:-cc} -O1 -shared -fPIC -o "$dir/seed-so" "$here/seed_elf.c"
	strip -o "$dir/seed-stripped" "$dir/seed-eh"
	cp /bin/true "$dir/seed-true"
}

# /proc/net tables carry a selector byte first (fuzz_procnet.c): 0 tcp, 1 tcp6, 2 unix
net_seed() {
	[ -r "/proc/net/$2" ] || return 0
	{ printf "\\$1"; head -c 16384 "/proc/net/$2"; } >"$dir/net-$2"
}

case $name in
procmaps)
	cat /proc/self/maps >"$dir/maps-self"
	cat /proc/$$/maps >"$dir/maps-shell"
	cat /proc/1/maps >"$dir/maps-init" 2>/dev/null || rm -f "$dir/maps-init"
	;;
procnet)
	net_seed 000 tcp
	net_seed 001 tcp6
	net_seed 000 udp
	net_seed 001 udp6
	net_seed 002 unix
	;;
procfd)
	for l in /proc/self/fd/*; do
		t=$(readlink "$l") || continue
		printf '\001%s' "$t" >"$dir/fd-$(basename "$l")"
	done
	;;
perf_map) ;;
elf_symbols | cfi | v8_consts)
	elf_seeds
	;;
*)
	echo "seed.sh: no fuzz target $name" >&2
	exit 1
	;;
esac
