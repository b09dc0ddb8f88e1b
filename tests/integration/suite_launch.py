# SPDX-License-Identifier: GPL-2.0
"""Launch mode and changes of image: the command is never left stopped however leaktrace
ends (a program that maps code every 5 ms, under -d, Ctrl-C, a second Ctrl-C, SIGTERM and
kill -9 of leaktrace); after an exec the report is the new image's, under its name, and
says so; wrappers (env, sh) are followed through their exec or their children counted;
-t heap alone still finds the modules a program maps and dlopens."""

import json
import os
import signal
import time

from checks import absent_names, check_absent, check_leak, describe_section
from harness import (ATTACH_TIMEOUT, EXIT_TIMEOUT, LEAKTRACE, STEP_TIMEOUT, TARGETS, Fail,
                     attach_run, check_budget, launch_run, spawn, tail, tmp_path, wait_proc)
from registry import test

# How long the command is watched once leaktrace is gone: the guard looks for a second.
WATCH_S = 3.0


def proc_state(pid):
    """The state letter of /proc/PID/stat, or None once the process is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def cycles_after(lines, start):
    """The first "cycles N" line of dlopen_loop at or after index start: its index."""
    return lines.wait_for(lambda l: l.startswith("cycles "), STEP_TIMEOUT,
                          "dlopen_loop cycles", start)


def where_stuck(pid):
    """What the kernel says of a process that stopped making progress: its state, what it
    waits in, its pending and blocked signals, its kernel stack."""
    out = ["state %s" % proc_state(pid)]
    for name in ("wchan", "stack"):
        try:
            with open("/proc/%d/%s" % (pid, name)) as f:
                out.append("%s: %s" % (name, f.read().strip().replace("\n", " | ")))
        except OSError as e:
            out.append("%s: %s" % (name, e.strerror))
    try:
        with open("/proc/%d/status" % pid) as f:
            out += [l.strip() for l in f if l.split(":")[0] in
                    ("PPid", "TracerPid", "SigPnd", "ShdPnd", "SigBlk", "SigIgn")]
    except OSError:
        pass
    return "; ".join(out)


def never_stopped(end, extra=()):
    """leaktrace [extra] -- dlopen_loop, ended by end(leaktrace); then the command must run
    on: never in state T while watched, and its cycle count going up."""
    check_budget()
    tr = spawn([LEAKTRACE, "-f", "json", "-o", tmp_path("dlopen-%d.json" % time.time_ns())] +
               list(extra) + ["--", os.path.join(TARGETS, "dlopen_loop")])
    pid = None
    try:
        i = tr.out.wait_for(lambda l: l.startswith("ready "), ATTACH_TIMEOUT, "dlopen_loop ready")
        pid = int(tr.out.lines[i].split()[1])
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        # a few hundred dlopens traced, each paused until leaktrace had its table
        cycles_after(tr.out, len(tr.out.lines))
        end(tr)
        rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace")
        states = []
        t_end = time.monotonic() + WATCH_S
        while time.monotonic() < t_end:
            states.append(proc_state(pid))
            time.sleep(0.05)
        if None in states:
            raise Fail("dlopen_loop died: states %s" % "".join(s or "-" for s in states))
        if states[-1] == "T" or states.count("T") > 2:
            raise Fail("dlopen_loop left stopped after leaktrace exited (rc %s): states %s; "
                       "stderr: %s" % (rc, "".join(states), tail(tr.err.text())))
        try:
            cycles_after(tr.out, len(tr.out.lines))
        except Fail as e:
            raise Fail("%s once leaktrace had exited (rc %s, states %s): %s; stderr: %s" %
                       (e, rc, "".join(states), where_stuck(pid), tail(tr.err.text()))) from None
        return rc
    finally:
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


@test
def test_launch_dlopen_never_stopped_duration():
    rc = never_stopped(lambda tr: None, ["-d", "2"])
    if rc != 0:
        raise Fail("exit status %s after -d" % rc)


@test
def test_launch_dlopen_never_stopped_sigint():
    never_stopped(lambda tr: tr.send_signal(signal.SIGINT))


@test
def test_launch_dlopen_never_stopped_second_sigint():
    def twice(tr):
        tr.send_signal(signal.SIGINT)
        time.sleep(0.02)  # mid-detach, or after: either must leave it running
        tr.send_signal(signal.SIGINT)
    rc = never_stopped(twice)
    if rc not in (0, 130):
        raise Fail("exit status %s after a second Ctrl-C" % rc)


@test
def test_launch_dlopen_never_stopped_sigterm():
    never_stopped(lambda tr: tr.send_signal(signal.SIGTERM))


@test
def test_launch_dlopen_never_stopped_sigkill():
    never_stopped(lambda tr: tr.send_signal(signal.SIGKILL))


def check_new_image(run, paused=True):
    """exec_leaks' report: only the second image's leak, exact, under its name, the exec
    said with the name before it. A launched command is paused at its exec until the new
    image's unwind tables are in: its stacks are whole. An attached one runs on (-p never
    stops a process): a stack walked before the tables were in is marked and counted."""
    r = run.final()
    if r.get("comm") != "exec_leaks_next":
        raise Fail("comm %r, expected the new image's exec_leaks_next" % r.get("comm"))
    if r.get("execs") != 1 or r.get("exec_from") != "exec_leaks":
        raise Fail("exec not reported: execs %r, exec_from %r" % (r.get("execs"),
                                                                  r.get("exec_from")))
    if not isinstance(r.get("exec_at_s"), (int, float)) or not \
            0 <= r["exec_at_s"] <= r["duration_s"] + 0.001:
        raise Fail("exec_at_s %r outside the trace (%r s)" % (r.get("exec_at_s"),
                                                              r["duration_s"]))
    for leak in run.truth["leaks"]:
        for st, _, _ in check_leak(r, leak):
            if st.get("unwind_error") and (paused or not sum(v for k, v in r["lost"].items() if k.startswith("stack_unwind_"))):
                raise Fail("the new image's stack was cut%s: %s" %
                           ("" if paused else " and not counted"),
                           describe_section(r["heap"]))
    check_absent(r, absent_names(run.truth))
    top = r["heap"]["stacks"][0]
    if not any(f.get("symbol") == "next_image_leak" for f in top["frames"]):
        raise Fail("the new image's leak is not the first suspect: %s" %
                   describe_section(r["heap"]))


@test
def test_launch_exec_reports_new_image():
    check_new_image(launch_run("exec_leaks"))


@test
def test_attach_exec_reports_new_image():
    run = attach_run("exec_leaks")
    check_new_image(run, paused=False)
    if not run.target_again:
        raise Fail("the new image did not run on after leaktrace detached")


@test
def test_launch_wrapper_env_followed():
    path = os.path.join(TARGETS, "heap_leaks")
    run = launch_run("heap_leaks", argv=["env", "LT_WRAPPED=1", path, "exit"])
    r = run.final()
    if r.get("comm") != "heap_leaks" or r.get("exec_from") != "env":
        raise Fail("traced %r (exec from %r), expected heap_leaks after env" %
                   (r.get("comm"), r.get("exec_from")))
    for leak in run.truth["leaks"]:
        check_leak(r, leak)


@test
def test_launch_wrapper_sh_children_counted():
    """sh -c 'prog; true' forks prog: its leak is not traced, and the report says so."""
    path = os.path.join(TARGETS, "heap_leaks")
    run = launch_run("heap_leaks", argv=["sh", "-c", "%s exit; true" % path])
    r = run.final()
    if r["lost"].get("child_untraced", 0) < 1:
        raise Fail("the forked child is not counted: lost %s" % r["lost"])
    if run.raw and "child_untraced" not in run.raw:
        raise Fail("child_untraced missing from the JSON")


@test
def test_launch_heap_only_dlopen_unwound():
    """-t heap alone (no mmap family): libz, dlopen'd after start, gets its unwind table
    before its first allocation, so the stack runs from our zalloc through libz to main."""
    check_through_libz(launch_run("dlopen_leak", extra=["-t", "heap"]))


@test
def test_launch_dlopen_reloaded_unwound():
    """libz loaded, unloaded, then loaded again elsewhere: its table follows it."""
    path = os.path.join(TARGETS, "dlopen_leak")
    check_through_libz(launch_run("dlopen_leak", extra=["-t", "heap"],
                                  argv=["env", "LT_DLOPEN_RELOAD=1", path, "exit"]))


def check_through_libz(run):
    r = run.final()
    leak = run.truth["leaks"][0]
    for st, _, syms in check_leak(r, leak):
        if "deflateInit_" not in syms or "main" not in syms or st.get("unwind_error"):
            raise Fail("stack through libz cut or unsymbolized: %s" % syms)


JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


@test
def test_launch_heap_only_finds_jemalloc():
    """-t heap alone: the allocator the dynamic loader maps (jemalloc, preloaded) is found
    and probed, so the program's leaks are reported, exact."""
    if not os.path.exists(JEMALLOC):
        raise Skip("%s not installed (libjemalloc2)" % JEMALLOC)
    path = os.path.join(TARGETS, "heap_leaks")
    run = launch_run("heap_leaks", extra=["-t", "heap"],
                     argv=["env", "LD_PRELOAD=" + JEMALLOC, path, "exit"])
    r = run.final()
    for fn in ("leak_malloc", "leak_calloc", "leak_strdup"):
        check_leak(r, [l for l in run.truth["leaks"] if l["fn"] == fn][0])


@test
def test_attach_children_counted():
    """-p on a shell that keeps forking: its children are not traced, and the report says
    how many were forked (child_untraced) and which are alive (untraced_children)."""
    check_budget()
    sh = spawn(["sh", "-c", "sleep 30 & while :; do /bin/true; sleep 0.05; done"])
    out = tmp_path("children-%d.json" % sh.pid)
    tr = spawn([LEAKTRACE, "-p", str(sh.pid), "-d", "2", "-f", "json", "-o", out])
    rc = wait_proc(tr, ATTACH_TIMEOUT + EXIT_TIMEOUT, "leaktrace -p sh")
    try:
        with open("/proc/%d/task/%d/children" % (sh.pid, sh.pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        kids = []
    sh.kill()
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except OSError:
            pass
    if rc != 0:
        raise Fail("exit status %s: %s" % (rc, tail(tr.err.text())))
    with open(out) as f:
        r = json.loads(f.read().splitlines()[-1])
    if r["lost"].get("child_untraced", 0) < 2:
        raise Fail("children forked while traced not counted: %s" % r["lost"])
    if r.get("untraced_children", 0) < 1:
        raise Fail("the live child (sleep 30) not listed: untraced_children %r" %
                   r.get("untraced_children"))
