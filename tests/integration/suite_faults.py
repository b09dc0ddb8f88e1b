# SPDX-License-Identifier: GPL-2.0
"""Faults: leaktrace killed with SIGKILL while it attaches and while it traces a malloc
storm, and attached and detached 20 times in a row. After each, nothing of leaktrace is
left in the kernel (no BPF program, map or link it held; no uprobe of its own in
uprobe_events), the target's code in memory is byte-identical to its files, and the
target's own checksums of its work are those of an untraced run (storm_checksum.c)."""

import os
import re
import signal
import time

from harness import (ATTACH_TIMEOUT, LEAKTRACE, STEP_TIMEOUT, Fail, Skip, Target, bpf_ids_of,
                     bpftool_ids, end_pair, spawn, tail, wait_proc)
from registry import scenario, scenarios, test

RELEASE_WAIT = 5.0  # s: the kernel frees BPF objects and uprobes after the last fd closes
UPROBE_EVENTS = ("/sys/kernel/tracing/uprobe_events",
                 "/sys/kernel/debug/tracing/uprobe_events")


def read_checksums(tgt):
    """Stop a storm_checksum target: {thread: (sum, mismatches)}."""
    n = len(tgt.proc.out.lines)
    tgt.go()
    tgt.proc.out.wait_for(lambda l: l == "done", STEP_TIMEOUT * 3, "storm_checksum done", n)
    sums = {}
    for line in tgt.proc.out.lines[n:]:
        m = re.fullmatch(r"checksum (\d+) (\d+) passes (\d+) mismatches (\d+)", line)
        if m:
            sums[int(m.group(1))] = (int(m.group(2)), int(m.group(4)))
    return sums


_baseline = []


def untraced_checksums():
    """The checksums of a run without leaktrace (made once)."""
    if not _baseline:
        tgt = Target("storm_checksum")
        try:
            time.sleep(0.5)
            _baseline.append(read_checksums(tgt))
        finally:
            tgt.stop()
    return _baseline[0]


def code_differences(pid):
    """The r-xp file mappings of pid whose bytes in memory (/proc/PID/mem) differ from their
    file at the mapping's offset (read through /proc/PID/map_files, so deleted or
    namespaced files count too): [(mapping, first differing offset)]."""
    diffs = []
    with open("/proc/%d/maps" % pid) as f:
        maps = f.read().splitlines()
    mem = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    try:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) < 6 or fields[1] != "r-xp" or not fields[5].startswith("/"):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            off = int(fields[2], 16)
            with open("/proc/%d/map_files/%s" % (pid, fields[0]), "rb") as fh:
                fh.seek(off)
                want = fh.read(end - start)
            got = os.pread(mem, len(want), start)
            if got != want:
                at = next(i for i in range(len(want)) if got[i:i + 1] != want[i:i + 1])
                diffs.append((fields[5], hex(at)))
    finally:
        os.close(mem)
    return diffs


def uprobe_lines(tracer_pid):
    """Lines of uprobe_events that libbpf created for tracer_pid (legacy uprobes only: the
    perf PMU's uprobes are not listed, the code comparison finds those)."""
    for path in UPROBE_EVENTS:
        try:
            with open(path) as f:
                return [l for l in f.read().splitlines() if "libbpf_%d_" % tracer_pid in l]
        except OSError:
            continue
    return []


class Watch:
    """The BPF objects a leaktrace process held, collected while it ran."""

    def __init__(self, tr):
        self.tr = tr
        self.ids = {"prog_id": set(), "map_id": set(), "link_id": set()}

    def sample(self):
        for k, v in bpf_ids_of(self.tr.pid).items():
            self.ids[k] |= v

    def count(self):
        return sum(len(v) for v in self.ids.values())


def left_behind(watch):
    """Poll until none of the objects watch saw is loaded any more: [] or what is left."""
    deadline = time.monotonic() + RELEASE_WAIT
    while True:
        now = bpftool_ids()
        if now is None:
            raise Skip("bpftool missing")
        left = ["%s %d" % (k[:-3], i) for k in watch.ids for i in watch.ids[k] & now[k]]
        left += uprobe_lines(watch.tr.pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def check_target_unharmed(tgt, baseline, watch, when, last=True):
    """Nothing left, the code as in the files; with last, the target is stopped and its
    checksums compared with the untraced run's."""
    left = left_behind(watch)
    if left:
        raise Fail("%s: still loaded %g s after leaktrace died: %s" % (when, RELEASE_WAIT,
                                                                       left[:8]))
    if not tgt.alive():
        raise Fail("%s: the target died" % when)
    diffs = code_differences(tgt.pid)
    if diffs:
        raise Fail("%s: the target's code differs from its files: %s" % (when, diffs[:4]))
    if not last:
        return
    sums = read_checksums(tgt)
    if sums != baseline:
        raise Fail("%s: checksums %s, untraced %s" % (when, sums, baseline))


def attaching(tr, watch, ready):
    """Sample what tr holds until ready(watch.ids) (a point inside the attach); False when
    leaktrace said "attached" first (too late to kill it during attach)."""
    deadline = time.monotonic() + ATTACH_TIMEOUT
    while not ready(watch.ids) and time.monotonic() < deadline:
        if tr.poll() is not None:
            return False
        watch.sample()
    return ready(watch.ids) and not any("attached" in l for l in tr.err.lines)


# Points inside the attach: the first map made, the first program loaded, the first probe
# placed (its link held, others still being placed).
ATTACH_POINTS = {
    "first map": lambda ids: ids["map_id"],
    "first program": lambda ids: ids["prog_id"],
    "first probe": lambda ids: ids["link_id"],
}


def kill_run(when):
    """SIGKILL leaktrace during attach (at each of ATTACH_POINTS) or once it traces."""
    baseline = untraced_checksums()
    tgt = Target("storm_checksum")
    tr = None
    try:
        for point in (ATTACH_POINTS if when == "attach" else ["tracing"]):
            for attempt in range(3):
                tr = spawn([LEAKTRACE, "-p", str(tgt.pid), "-f", "json", "-o", os.devnull])
                watch = Watch(tr)
                if when != "attach" or attaching(tr, watch, ATTACH_POINTS[point]):
                    break
                tr.kill()
                tr.wait(10)
            else:
                raise Fail("leaktrace attached before the %s was seen, 3 times" % point)
            if when != "attach":
                tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
                watch.sample()
                if not code_differences(tgt.pid):
                    raise Fail("no probe visible in the target's code while attached: the "
                               "comparison could not see a left probe")
                time.sleep(1.0)
                watch.sample()
                now = bpftool_ids() or {}
                if any(not watch.ids[k] <= now.get(k, set()) for k in watch.ids):
                    raise Fail("bpftool does not list what leaktrace holds: the check is blind")
            if not watch.count():
                raise Fail("leaktrace held no BPF object before the kill; stderr: %s" %
                           tail(tr.err.text()))
            tr.kill()
            wait_proc(tr, 10, "leaktrace after SIGKILL")
            check_target_unharmed(tgt, baseline, watch, "killed at " + point, last=False)
        check_target_unharmed(tgt, baseline, Watch(tr), "at the end")
    finally:
        end_pair(tr, tgt)


@test
def test_kill9_during_attach():
    kill_run("attach")


@test
def test_kill9_during_trace():
    kill_run("trace")


@test
def test_attach_detach_20_cycles():
    baseline = untraced_checksums()
    tgt = Target("storm_checksum")
    try:
        for i in range(20):
            tr = spawn([LEAKTRACE, "-p", str(tgt.pid), "-t", "heap", "-f", "json", "-o",
                        os.devnull])
            watch = Watch(tr)
            tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT,
                            "cycle %d: leaktrace attached" % (i + 1))
            watch.sample()
            tr.send_signal(signal.SIGINT)
            rc = wait_proc(tr, 30, "cycle %d: leaktrace after SIGINT" % (i + 1))
            if rc != 0:
                raise Fail("cycle %d: exit %d; stderr: %s" % (i + 1, rc, tail(tr.err.text())))
            left = left_behind(watch)
            if left:
                raise Fail("cycle %d: still loaded after exit: %s" % (i + 1, left[:8]))
        check_target_unharmed(tgt, baseline, Watch(tr), "after 20 cycles")
    finally:
        tgt.stop()
