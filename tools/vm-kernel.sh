#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vm-kernel.sh: run one command under a Debian kernel package, booted in a throwaway QEMU
# (TCG) guest whose root is this machine's own / (9p, read-only, RAM overlay on top).
#
# usage: vm-kernel.sh [OPTIONS] PACKAGE [--] COMMAND [ARG...]
#
#   PACKAGE   linux-image-amd64 (this release's kernel), NAME/SUITE (e.g.
#             linux-image-amd64/bookworm-backports, .../trixie-backports) or an exact
#             package such as linux-image-6.1.0-57-amd64
#   COMMAND   run as root in the guest, in the current directory, stdin /dev/null; its
#             stdout and stderr come back on ours. Words are passed as is (use sh -c).
#   -m MIB    guest memory (2048)          -c N     guest CPUs (1)
#   -t SEC    time-out (1800): exit 124    -w DIR   share DIR read-write (repeatable)
#   -e VAR[=VALUE]  extra environment for the command (repeatable)
#   -k FILE   keep the guest console log   -v       verbose kernel console
#
# Environment: LT_VM_CACHE (default /tmp/lt-vm.UID): private apt state, .debs, prepared
# kernels; LT_VM_BOOT_TIMEOUT (240): seconds for the guest to reach the command;
# LT_VM_MIRROR: archive for a SUITE this machine's sources lack.
# Exit status: the command's; 124 time-out; 125 the guest did not run the command.
set -eu
me=${0##*/}
say() { echo "$me: $*" >&2; }
die() { say "$*"; exit 125; }
usage() { sed -n '3,/^set -eu/{/^#/s/^# \{0,1\}//p}' "$0" >&2; exit 125; }

mem=2048 cpus=1 tmo=1800 keep='' verbose=0 rw=() envs=()
while getopts m:c:t:w:e:k:vh o; do
	case $o in
	m) mem=$OPTARG ;; c) cpus=$OPTARG ;; t) tmo=$OPTARG ;; k) keep=$OPTARG ;; v) verbose=1 ;;
	w) d=$(cd "$OPTARG" 2>/dev/null && pwd) || die "-w $OPTARG: not a directory"; rw+=("$d") ;;
	e) envs+=("$OPTARG") ;; *) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
pkg=$1; shift
[ "$1" = -- ] && shift
[ $# -ge 1 ] || usage
[ "$(id -u)" = 0 ] || die "must run as root"

cache=${LT_VM_CACHE:-/tmp/lt-vm.$(id -u)}
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9 # preparation (installs, apt, initramfs) is serialised; the boot is not
x='' run='' qpid='' pids=()
# shellcheck disable=SC2317 # (called from the traps)
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -z "$qpid" ] || wait "$qpid" 2>/dev/null || true
	rm -rf "$x" "$run"
}
trap cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM
trap 'exit 125' ERR # until the boot, any failure means the command did not run

# --- host tools (Debian packages) -------------------------------------------------------
bb=$(command -v busybox || true)
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v xz >/dev/null || need+=(xz-utils)
{ [ -n "$bb" ] && LC_ALL=C ldd "$bb" 2>&1 | grep -q 'not a dynamic'; } || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
	say "installing ${need[*]}"
	inst() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"; }
	{ inst || { apt-get update -q && inst; }; } >"$cache/install.log" 2>&1 ||
		{ cat "$cache/install.log" >&2; die "cannot install ${need[*]}"; }
	bb=$(command -v busybox)
fi

# --- the kernel package, through a private apt state -------------------------------------
suite=; [ "$pkg" != "${pkg#*/}" ] && suite=${pkg#*/}
apt=$cache/apt/${suite:-default}
apt_() {
	apt-get -q -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts="$apt/parts" \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1 "$@"
}
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts.new" "$cache/debs"
rm -f "$apt/parts.new/"*
# This machine's sources (read, never changed), plus SUITE from the same archive if absent.
eval "$(apt-config shell SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
for f in "$SL" "$SP"*.list "$SP"*.sources; do [ -f "$f" ] && cp "$f" "$apt/parts.new/"; done
# shellcheck disable=SC2016 # apt's own $(...) format
targets() { apt-get indextargets --no-release-info --format '$(RELEASE) $(REPO_URI)' 'Identifier: Packages'; }
fresh=$(find "$apt/stamp" -mmin -360 2>/dev/null || true)
# (apt-get indextargets takes a second: asked again only when the lists are refreshed)
if [ -n "$suite" ] && { [ -z "$fresh" ] || [ ! -e "$apt/extra" ]; }; then
	: > "$apt/extra"
	if ! targets | grep -q "^$suite "; then
		# shellcheck disable=SC1091
		codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
		uri=${LT_VM_MIRROR:-$(targets | awk -v c="$codename" '$1 == c { print $2; exit }')}
		[ -n "$uri" ] || die "cannot tell this machine's Debian archive: set LT_VM_MIRROR"
		echo "deb $uri $suite main" > "$apt/extra"
	fi
fi
[ ! -s "$apt/extra" ] || cp "$apt/extra" "$apt/parts.new/zz-$suite.list"
# Lists are refreshed when the sources change or are older than 6 h; Packages indexes only.
if [ -z "$fresh" ] || ! diff -r "$apt/parts.new" "$apt/parts" >/dev/null 2>&1; then
	rm -rf "$apt/parts" && mv "$apt/parts.new" "$apt/parts" && : > "$apt/sources.list"
	only=()
	for t in $(apt-config dump | sed -n 's/^Acquire::IndexTargets::deb::\([^: ]*\) "";$/\1/p'); do
		[ "$t" = Packages ] || only+=(-o "Acquire::IndexTargets::deb::$t::DefaultEnabled=false")
	done
	say "fetching package lists${suite:+ (with $suite)}"
	apt_ "${only[@]}" update >"$apt/update.log" 2>&1 || say "apt-get update had errors: $apt/update.log"
	touch "$apt/stamp"
fi
rm -rf "$apt/parts.new"
fetch() { # NAME[/SUITE] or NAME=VERSION -> path of the .deb
	local line f size
	line=$(apt_ download --print-uris "$1" 2>"$apt/dl.log" | grep -m1 "^'") ||
		{ cat "$apt/dl.log" >&2; die "$1: not found in the archive"; }
	read -r _ f size _ <<<"$line"
	if [ "$(stat -c %s "$cache/debs/$f" 2>/dev/null)" != "$size" ]; then
		say "downloading $f"
		(cd "$cache/debs" && apt_ download "$1") >"$apt/dl.log" 2>&1 ||
			{ cat "$apt/dl.log" >&2; die "cannot download $1"; }
	fi
	echo "$cache/debs/$f"
}
# Follow exact-version dependencies: metapackage -> linux-image-V -> (newer kernels, split)
# linux-binary-V, linux-modules-V, linux-base-V (config, modules.builtin). The kernel is
# /boot/vmlinuz-V or /usr/lib/modules/V/vmlinuz.
# The answer (the kernel's .deb first) is kept until the lists are next refreshed: listing a
# 100 MB .deb and asking apt cost 2-3 s per run.
memo=$apt/resolved.${pkg//\//_}
debs=() deb=''
if [ "$memo" -nt "$apt/stamp" ] && mapfile -t debs < "$memo" && ls "${debs[@]}" >/dev/null 2>&1; then
	deb=${debs[0]}
else
	debs=("$(fetch "$pkg")") i=0
	while [ "$i" -lt ${#debs[@]} ]; do
		for dep in $(dpkg-deb -f "${debs[$i]}" Depends | tr , '\n' |
			sed -n 's/^ *\(linux-\(image\|binary\|modules\|base\)-[^ ]*\) *(= *\([^)]*\)).*/\1=\3/p'); do
			f=$(fetch "$dep")
			case " ${debs[*]} " in *" $f "*) ;; *) debs+=("$f") ;; esac
		done
		i=$((i + 1))
	done
	for d in "${debs[@]}"; do
		dpkg-deb -c "$d" 2>/dev/null | grep -qE '/boot/vmlinuz-|/modules/[^/]+/vmlinuz$' && { deb=$d; break; }
	done
	[ -n "$deb" ] || die "no kernel image in ${debs[*]##*/}"
	rest=(); for d in "${debs[@]}"; do [ "$d" = "$deb" ] || rest+=("$d"); done
	debs=("$deb" "${rest[@]}")
	printf '%s\n' "${debs[@]}" > "$memo"
fi
kdir=$cache/kernels/$(basename "$deb" .deb)

# --- kernel + initramfs, prepared once per package version -------------------------------
prepare() {
	local st kz kver md m
	x=$(mktemp -d "$cache/x.XXXXXX")
	for d in "${debs[@]}"; do dpkg-deb -x "$d" "$x"; done
	kz=$(ls "$x"/boot/vmlinuz-* "$x"/usr/lib/modules/*/vmlinuz "$x"/lib/modules/*/vmlinuz 2>/dev/null | head -1)
	case $kz in */boot/*) kver=${kz##*/vmlinuz-} ;; *) kver=$(basename "$(dirname "$kz")") ;; esac
	md=$(ls -d "$x"/lib/modules/"$kver" "$x"/usr/lib/modules/"$kver" 2>/dev/null | head -1)
	[ -d "$md" ] || die "no modules for $kver in ${debs[*]##*/}"
	mkdir -p "$x/k"
	cp "$kz" "$x/k/vmlinuz"
	echo "$kver" > "$x/k/version"
	# The uncompressed vmlinux boots through its PVH entry: no emulated decompression.
	if grep -qs '^CONFIG_PVH=y' "$x/boot/config-$kver" "$md/config"; then
		local magic dec off
		for c in xz zstd gzip; do
			case $c in
			xz) magic=$'\xfd7zXZ' dec=(xz -dc --single-stream) ;;
			zstd) magic=$'\x28\xb5\x2f\xfd' dec=(zstd -qdc) ;;
			gzip) magic=$'\x1f\x8b\x08' dec=(gzip -dc) ;;
			esac
			command -v "$c" >/dev/null || continue
			for off in $(LC_ALL=C grep -aboF "$magic" "$kz" | head -3 | cut -d: -f1); do
				tail -c +$((off + 1)) "$kz" | "${dec[@]}" > "$x/k/vmlinux" 2>/dev/null || true
				[ "$(head -c 4 "$x/k/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && break 2
			done
			rm -f "$x/k/vmlinux"
		done
	fi
	st=$x/initramfs
	mkdir -p "$st"/{bin,mods,proc,sys,dev,lower,upper,root,share}
	cp "$bb" "$st/bin/busybox"
	local -A seen=()
	addmod() { # NAME: the module and, first, its dependencies (from .modinfo), decompressed
		local n=${1//-/_} f dep
		[ -z "${seen[$n]:-}" ] || return 0
		seen[$n]=1
		f=$(find "$md/kernel" -name "$n.ko*" -o -name "${n//_/-}.ko*" | head -1)
		if [ -z "$f" ]; then
			grep -qE "/($n|${n//_/-})\.ko" "$md/modules.builtin" && return 0
			die "module $n missing from ${debs[*]##*/}"
		fi
		case $f in *.xz) xz -dc "$f" ;; *.zst) zstd -qdc "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac \
			> "$st/mods/$n.ko"
		for dep in $(tr '\0' '\n' < "$st/mods/$n.ko" | sed -n 's/^depends=//p' | tr , ' '); do
			addmod "$dep"
		done
		echo "$n" >> "$st/mods/order"
	}
	: > "$st/mods/order"
	for m in virtio_pci 9pnet_virtio 9p overlay; do addmod "$m"; done
	cat > "$st/init" <<'EOF'
#!/bin/busybox sh
# PID 1: host / (9p, ro) + RAM overlay as root; run /share/cmd there; power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
now() { cut -d' ' -f1 /proc/uptime; }
fail() { echo "vm-kernel: $*" > /dev/kmsg; poweroff -f; }
for m in $(cat /mods/order); do insmod /mods/$m.ko || fail "insmod $m"; done
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o $o ltshare /share || fail "cannot mount the share"
mount -t 9p -o $o,ro,cache=loose ltroot /lower || fail "cannot mount the host's /"
mount -t tmpfs -o mode=755 upper /upper && mkdir /upper/u /upper/w
r=/root
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w root $r || fail "overlay"
mount -t proc proc $r/proc; mount -t sysfs sys $r/sys; mount -t devtmpfs dev $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts -o ptmxmode=666 devpts $r/dev/pts
mount -t tmpfs shm $r/dev/shm; mount -t tmpfs run $r/run
mount -t tracefs tracefs $r/sys/kernel/tracing; mount -t debugfs debugfs $r/sys/kernel/debug
mount -t bpf bpf $r/sys/fs/bpf; mount -t cgroup2 cgroup2 $r/sys/fs/cgroup
while read -r tag dir; do
	mkdir -p "$r$dir" && mount -t 9p -o $o "$tag" "$r$dir" || fail "cannot mount $dir"
done < /share/mounts
mkdir -p $r/run/vm-kernel && mount --bind /share $r/run/vm-kernel
ip link set lo up; hostname vm-kernel
now > /share/started
chroot $r /usr/bin/env -i /bin/bash /run/vm-kernel/cmd < /dev/null >> /share/out 2>> /share/err
echo $? > /share/rc.new
now > /share/ended
mv /share/rc.new /share/rc
sync; poweroff -f
EOF
	chmod 755 "$st/init"
	(cd "$st" && find . | "$bb" cpio -o -H newc 2>/dev/null) | gzip -1 > "$x/k/initrd"
	rm -rf "$kdir" && mkdir -p "$cache/kernels" && mv "$x/k" "$kdir" && rm -rf "$x"
	x=''
}
if [ ! -s "$kdir/initrd" ]; then
	say "preparing $(basename "$deb")"
	prepare
fi
flock -u 9; exec 9>&-
trap - ERR
kver=$(cat "$kdir/version")
kernel=$kdir/vmlinuz boot=bzImage
[ ! -s "$kdir/vmlinux" ] || kernel=$kdir/vmlinux boot=PVH

# --- the run ----------------------------------------------------------------------------
run=$(mktemp -d "$cache/run.XXXXXX")
{
	for v in PATH HOME USER LOGNAME LANG LC_ALL LANGUAGE TZ TERM CI; do
		[ -z "${!v+x}" ] || printf 'export %s=%q\n' "$v" "${!v}"
	done
	for v in "${envs[@]}"; do
		case $v in *=*) printf 'export %q\n' "$v" ;; *) printf 'export %s=%q\n' "$v" "${!v:-}" ;; esac
	done
	printf 'cd %q || exit 125\nexec' "$PWD"; printf ' %q' "$@"; echo
} > "$run/cmd"
: > "$run/out"; : > "$run/err"; : > "$run/mounts"
fs=(-virtfs "local,path=/,mount_tag=ltroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=${run//,/,,},mount_tag=ltshare,security_model=none")
for i in "${!rw[@]}"; do
	fs+=(-virtfs "local,path=${rw[$i]//,/,,},mount_tag=ltrw$i,security_model=none,multidevs=remap")
	echo "ltrw$i ${rw[$i]}" >> "$run/mounts"
done
append="console=ttyS0 panic=-1"; [ $verbose = 1 ] || append+=" quiet"
say "booting $kver ($(basename "$deb"), $boot) under TCG, $cpus CPU, $mem MiB"
t0=$(date +%s.%N)
timeout "$tmo" qemu-system-x86_64 -machine q35,accel=tcg -cpu max -smp "$cpus" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot -serial file:"$run/console" \
	-kernel "$kernel" -initrd "$kdir/initrd" -append "$append" "${fs[@]}" \
	</dev/null >"$run/qemu.log" 2>&1 &
qpid=$!
# Boot watchdog: a guest not at its command in time will not get there.
(
	n=$((${LT_VM_BOOT_TIMEOUT:-240} * 10))
	while [ ! -e "$run/started" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || { : > "$run/noboot"; kill "$qpid"; exit; }
		sleep 0.1
	done
	date +%s.%N > "$run/t_started"
) 2>/dev/null & pids+=($!)
tail -s 0.2 -n +1 -f --pid="$qpid" "$run/out" & pids+=($!)
tail -s 0.2 -n +1 -f --pid="$qpid" "$run/err" >&2 & pids+=($!)
qrc=0; wait "$qpid" || qrc=$?
qpid=
kill "${pids[0]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true
pids=()
t1=$(date +%s.%N)
[ -z "$keep" ] || cp "$run/console" "$keep"
if [ -s "$run/rc" ]; then
	rc=$(cat "$run/rc")
	say "$(awk -v a="$t0" -v b="$t1" -v s="$(cat "$run/t_started" 2>/dev/null || echo "$t0")" \
		-v gs="$(cat "$run/started")" -v ge="$(cat "$run/ended")" -v rc="$rc" 'BEGIN {
		printf "exit %s; command started %.1f s after qemu (guest uptime %.1f s), ran %.1f s, %.1f s in all\n",
			rc, s - a, gs, ge - gs, b - a }')"
	exit "$rc"
fi
if [ "$qrc" = 124 ]; then say "timed out after $tmo s"; exit 124; fi
if [ -e "$run/noboot" ]; then
	say "the guest did not reach the command in ${LT_VM_BOOT_TIMEOUT:-240} s"
else
	say "the guest did not run the command (qemu exit $qrc)"
fi
tail -n 20 "$run/console" "$run/qemu.log" >&2
exit 125
