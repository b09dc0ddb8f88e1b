# SPDX-License-Identifier: GPL-2.0
"""The command-line suite: the text and folded formats, the -d, INTERVAL COUNT and --min-age
flags, and the errors a user sees (one line on stderr, a non-zero exit)."""

import json
import os
import signal
import re
import shutil
import subprocess
import time

from checks import check_leak, describe_section, leak_by_fn, sym_is, truth_total
from harness import (LEAKTRACE, Fail, Skip, Target, attach_run, check_budget, end_pair, spawn,
                     tail, tmp_path, wait_proc)
from registry import scenario, scenarios, test
from suite_formats import flamegraph_pl

scenarios({
    "text": lambda: attach_run("heap_leaks", fmt="text", extra=["-n", "100"]),
    "folded": lambda: attach_run("heap_leaks", fmt="folded"),
    "folded_mmap": lambda: attach_run("mmap_leaks", fmt="folded"),
    "duration": lambda: attach_run("heap_leaks", extra=["-d", "3"], self_stop=True),
    "interval": lambda: attach_run("heap_leaks", extra=["1", "2"], self_stop=True),
    "min_age": lambda: attach_run("heap_leaks", extra=["--min-age", "3600"]),
})


# ---- tests ----

@test
def test_format_text():
    run = scenario("text")
    if run.error:
        raise Fail(run.error)
    if run.rc != 0:
        raise Fail("exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    text = run.raw
    missing = [l["fn"] for l in run.truth["leaks"] if l["fn"] not in text]
    if missing:
        raise Fail("functions missing from the text report: %s" % missing)
    nbytes, count = truth_total(run.truth)
    if not re.search(r"\b%d\b" % count, text):
        raise Fail("total count %d not in the text report" % count)
    if not text_mentions_bytes(text, nbytes):
        raise Fail("total %d bytes not in the text report (in any unit)" % nbytes)
    small = leak_by_fn(run.truth, "leak_malloc")["bytes"]
    if not text_mentions_bytes(text, small):
        raise Fail("leak_malloc's %d bytes not in the text report" % small)


def text_mentions_bytes(text, n):
    """Whether text shows n bytes: as digits (maybe grouped) or rounded in B/KiB/MiB/KB/MB."""
    plain = re.sub(r"(?<=\d)[,_'](?=\d{3}\b)", "", text)
    if re.search(r"(?<![\d.])%d(?![\d.])" % n, plain):
        return True
    units = {"B": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30, "KB": 1000, "kB": 1000,
             "MB": 1000000, "K": 1024, "M": 1 << 20}
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(KiB|MiB|GiB|KB|kB|MB|B|K|M)\b", text):
        digits = len(num.split(".")[1]) if "." in num else 0
        if abs(float(num) * units[unit] - n) <= 0.5 * 10 ** -digits * units[unit]:
            return True
    return False


def parse_folded(raw):
    rows = []
    for n, line in enumerate(raw.splitlines()):
        if not line.strip():
            continue
        m = re.fullmatch(r"(.+) (\d+)", line)
        if not m:
            raise Fail("folded line %d does not parse as 'frames bytes': %.200s" % (n + 1, line))
        rows.append((m.group(1).split(";"), int(m.group(2))))
    return rows


def folded_sum(rows, fn):
    return sum(b for frames, b in rows if frames and sym_is(frames[-1], fn))


def check_folded_heap(run):
    """A folded run's heap lines sum to what the target leaked, and each leak's lines (but
    those through an allocator wrapper) to its bytes; returns the heap rows."""
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    rows = parse_folded(run.raw)
    heap = [(f, b) for f, b in rows if f[0] != "[mmap]"]
    nbytes, _ = truth_total(run.truth)
    if sum(b for _, b in heap) != nbytes:
        raise Fail("heap lines sum to %d, the target leaked %d" % (sum(b for _, b in heap), nbytes))
    for leak in run.truth["leaks"]:
        if not leak["via"] and folded_sum(rows, leak["fn"]) != leak["bytes"]:
            raise Fail("lines ending in %s sum to %d, expected %d" %
                       (leak["fn"], folded_sum(rows, leak["fn"]), leak["bytes"]))
    return heap


@test
def test_format_folded():
    heap = check_folded_heap(scenario("folded"))
    for frames, _ in heap:
        if frames[-1] == "leak_malloc" and "main" not in frames:
            raise Fail("leak_malloc line without main (root first?): %s" % ";".join(frames))


@test
def test_format_folded_mmap():
    run = scenario("folded_mmap")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    rows = parse_folded(run.raw)
    for leak in run.truth["leaks"]:
        lines = [(f, b) for f, b in rows if any(sym_is(x, leak["fn"]) for x in f)]
        if not lines or any(f[0] != "[mmap]" for f, _ in lines):
            raise Fail("%s: lines %s, expected rooted at [mmap]" %
                       (leak["fn"], [";".join(f) for f, _ in lines][:3]))
        if sum(b for _, b in lines) != leak["bytes"]:
            raise Fail("%s: %d bytes, expected %d" % (leak["fn"], sum(b for _, b in lines),
                                                       leak["bytes"]))


@test
def test_format_folded_flamegraph():
    tool = shutil.which("flamegraph.pl") or shutil.which("inferno-flamegraph")
    # not on PATH (no Debian package): the copy suite_formats fetches from ruby-stackprof
    cmd = [tool] if tool else ["perl", flamegraph_pl()]
    run = scenario("folded")
    if run.error:
        raise Fail(run.error)
    src = tmp_path("heap.folded")
    with open(src, "w") as f:
        f.write(run.raw)
    r = subprocess.run(cmd + ["--countname=bytes", src], capture_output=True, timeout=60)
    if r.returncode != 0 or b"<svg" not in r.stdout or b"leak_malloc" not in r.stdout:
        raise Fail("%s failed: rc %d, %s" % (cmd[-1], r.returncode, tail(r.stderr.decode())))


@test
def test_duration_flag():
    run = scenario("duration")
    rep = run.final()
    if rep.get("final") is not True:
        raise Fail("final=%r" % rep.get("final"))
    if not 2.0 <= rep.get("duration_s", 0) <= 10:
        raise Fail("-d 3 gave duration_s %r" % rep.get("duration_s"))
    check_leak(rep, leak_by_fn(run.truth, "leak_malloc"))


@test
def test_interval_reports():
    run = scenario("interval")
    run.final()
    if len(run.reports) != 2:
        raise Fail("%d reports for INTERVAL 1 COUNT 2, expected 2" % len(run.reports))
    if any(r.get("final") for r in run.reports[:-1]):
        raise Fail("a report before the last one says final")
    if run.reports[-1].get("final") is not True:
        raise Fail("last report is not final")


@test
def test_min_age():
    run = scenario("min_age")
    rep = run.final()
    if rep["heap"]["stacks"] or rep["heap"]["bytes"] != 0:
        raise Fail("--min-age 3600 still reports %s" % describe_section(rep["heap"]))


def one_line_error(argv, what, timeout=15, **kw):
    check_budget()
    p = spawn(argv, **kw)
    rc = wait_proc(p, timeout, what)
    p.err.wait_eof(5)
    p.out.wait_eof(5)
    err = [l for l in p.err.lines if l.strip()]
    if rc == 0:
        raise Fail("%s: exit code 0" % what)
    if rc < 0:
        raise Fail("%s: killed by signal %d" % (what, -rc))
    if len(err) != 1:
        raise Fail("%s: %d lines on stderr, expected one: %s" %
                   (what, len(err), tail("\n".join(err))))
    return rc, err[0]


def free_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    for pid in range(pid_max - 1, 1, -1):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise Skip("no free pid")


@test
def test_error_no_such_pid():
    pid = free_pid()
    _, line = one_line_error([LEAKTRACE, "-p", str(pid)], "leaktrace -p %d" % pid)
    if str(pid) not in line:
        raise Fail("error does not name the pid: %s" % line)


@test
def test_error_bad_format():
    _, line = one_line_error([LEAKTRACE, "-f", "xml", "-p", str(free_pid())], "leaktrace -f xml")
    if "xml" not in line and "format" not in line:
        raise Fail("error does not name the format: %s" % line)


@test
def test_error_launch_missing_program():
    prog = "/nonexistent/leaktrace-test-prog"
    _, line = one_line_error([LEAKTRACE, "-f", "json", "--", prog], "leaktrace -- /nonexistent/...")
    if prog not in line:
        raise Fail("error does not name the program: %s" % line)


@test
def test_error_not_root():
    if not shutil.which("setpriv"):
        raise Skip("setpriv not installed")
    tgt = Target("heap_leaks")
    try:
        argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                LEAKTRACE, "-p", str(tgt.pid)]
        p = subprocess.run(argv, capture_output=True, timeout=15)
        err = [l for l in p.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        if p.returncode in (126, 127) or (err and err[0].startswith("setpriv:")):
            raise Skip("cannot run leaktrace as nobody: %s" % tail("\n".join(err)))
        if p.returncode == 0:
            raise Fail("exit code 0 as nobody")
        if len(err) != 1:
            raise Fail("%d lines on stderr, expected one: %s" % (len(err), tail("\n".join(err))))
        if not tgt.alive():
            raise Fail("target died")
    except subprocess.TimeoutExpired:
        raise Fail("leaktrace as nobody still running after 15 s") from None
    finally:
        tgt.stop()



@test
def test_error_thread_id_refused():
    """-p TID of a thread: refused in one line that names the process to trace instead."""
    tgt = Target("thread_leaks")
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % tgt.pid) if int(t) != tgt.pid]
        if not tids:
            raise Skip("thread_leaks has no thread yet")
        _, line = one_line_error([LEAKTRACE, "-p", str(tids[0]), "-d", "1"],
                                 "leaktrace -p TID")
        if "thread" not in line or "-p %d" % tgt.pid not in line:
            raise Fail("the error does not name process %d to trace: %s" % (tgt.pid, line))
        if not tgt.alive():
            raise Fail("target died")
    finally:
        tgt.stop()


@test
def test_error_max_stacks_too_large():
    """--max-stacks beyond memory: one line that blames --max-stacks, no libbpf chatter."""
    idle = spawn(["/bin/sleep", "60"])
    _, line = one_line_error([LEAKTRACE, "-p", str(idle.pid), "--max-stacks", "4000000000"],
                             "leaktrace --max-stacks 4000000000")
    if "lower --max-stacks" not in line:
        raise Fail("the error does not blame --max-stacks: %s" % line)


@test
def test_error_target_exits_during_attach():
    """A target that exits while the probes are loaded: one line that says so."""
    check_budget()
    short = spawn(["/bin/sleep", "0.3"])
    p = spawn([LEAKTRACE, "-p", str(short.pid), "-d", "1"])
    rc = wait_proc(p, 30, "leaktrace on a target that exits")
    p.err.wait_eof(5)
    err = [l for l in p.err.lines if l.strip()]
    if any("attached" in l for l in err):
        raise Skip("the target outlived the attach on this machine")
    if rc == 0 or len(err) != 1:
        raise Fail("exit code %s, stderr: %s" % (rc, tail("\n".join(err))))
    if "exited while leaktrace was attaching" not in err[0] and "no such process" not in err[0]:
        raise Fail("the error does not say the target exited: %s" % err[0])


@test
def test_error_zombie_target():
    """A process that has exited but is not reaped yet (a zombie: no address space left)
    is said to have exited, not taken for a kernel thread."""
    check_budget()
    dead = subprocess.Popen(["/bin/true"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open("/proc/%d/stat" % dead.pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
            time.sleep(0.05)
        else:
            raise Fail("/bin/true never became a zombie")
        p = spawn([LEAKTRACE, "-p", str(dead.pid), "-d", "1"])
        rc = wait_proc(p, 30, "leaktrace on a zombie")
        p.err.wait_eof(5)
        err = [l for l in p.err.lines if l.strip()]
        if rc == 0 or len(err) != 1 or "exited" not in err[0] or "kernel thread" in err[0]:
            raise Fail("exit code %s, stderr: %s" % (rc, tail("\n".join(err))))
    finally:
        dead.wait()


@test
def test_make_cflags_keeps_include_flags():
    """make CFLAGS=... replaces the optimisation flags only: the include flags stay."""
    r = subprocess.run(["make", "-n", "-B", "CFLAGS=-O1 -fsanitize=address",
                        "OUTPUT=build/cflags-check", "build/cflags-check/src/main.o"],
                       cwd=os.path.dirname(LEAKTRACE), capture_output=True, timeout=60)
    cmd = [l for l in r.stdout.decode().splitlines() if "src/main.c" in l and " -c " in l]
    if not cmd:
        raise Fail("no compile line for src/main.c: %s" % tail(r.stderr.decode()))
    for flag in ("-Iinclude", "-fsanitize=address", "-O1", "-D_GNU_SOURCE"):
        if flag not in cmd[0].split():
            raise Fail("%s missing from %s" % (flag, cmd[0]))


@test
def test_warns_of_another_debuggers_breakpoint():
    """gdb holds `break malloc` in the target: leaktrace says its probe takes that trap."""
    if not shutil.which("gdb"):
        raise Skip("gdb not installed")
    tgt = Target("heap_leaks")
    gdb = None
    try:
        mark = tmp_path("gdb-inserted")
        # always-inserted: the int3 is in the code before the shell command runs
        gdb = spawn(["gdb", "-q", "-nx", "-p", str(tgt.pid), "-batch",
                     "-ex", "set breakpoint always-inserted on", "-ex", "break malloc",
                     "-ex", "shell touch " + mark, "-ex", "continue"])
        t_end = time.monotonic() + 60
        while not os.path.exists(mark):
            if time.monotonic() > t_end or gdb.poll() is not None:
                raise Skip("gdb could not attach: %s" % tail(gdb.err.text()))
            time.sleep(0.1)
        p = spawn([LEAKTRACE, "-p", str(tgt.pid), "-d", "1", "-t", "heap"])
        wait_proc(p, 60, "leaktrace beside gdb")
        p.err.wait_eof(5)
        warn = [l for l in p.err.lines if "another debugger's breakpoint in malloc" in l]
        if not warn:
            raise Fail("no warning of gdb's breakpoint; stderr: %s" % tail(p.err.text()))
    finally:
        tgt.stop()  # gdb's int3 stays in its code: the target goes first
        if gdb is not None and gdb.poll() is None:
            gdb.kill()
            gdb.wait(5)


def skip_if_perf_paranoid():
    """Debian's kernels default to perf_event_paranoid 3 (a Debian patch): perf events,
    uprobes' and tracepoints' included, need CAP_SYS_ADMIN, whatever CAP_PERFMON says."""
    try:
        level = int(open("/proc/sys/kernel/perf_event_paranoid").read())
    except (OSError, ValueError):
        return
    if level > 2:
        raise Skip("perf_event_paranoid is %d: without root, perf events need CAP_SYS_ADMIN "
                   "on this kernel" % level)


@test
def test_error_capabilities_name_tracefs():
    """CAP_BPF + CAP_PERFMON without CAP_DAC_READ_SEARCH, where tracefs is mode 0700: one
    line that names the capability missing (not "tracefs is not mounted")."""
    skip_if_perf_paranoid()
    if not shutil.which("setpriv"):
        raise Skip("setpriv not installed")
    if os.stat("/sys/kernel/tracing").st_mode & 0o005:
        raise Skip("tracefs is readable by all here")
    idle = spawn(["/bin/sleep", "60"])
    caps = "+bpf,+perfmon"
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=" + caps, "--ambient-caps=" + caps, LEAKTRACE, "-p", str(idle.pid),
            "-d", "1"]
    p = subprocess.run(argv, capture_output=True, timeout=30)
    err = [l for l in p.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    if err and err[0].startswith("setpriv:"):
        raise Skip("cannot run leaktrace with capabilities: %s" % err[0])
    if p.returncode == 0 or len(err) != 1:
        raise Fail("exit code %d, stderr: %s" % (p.returncode, tail("\n".join(err))))
    if "CAP_DAC_READ_SEARCH" not in err[0]:
        raise Fail("the error does not name CAP_DAC_READ_SEARCH: %s" % err[0])


@test
def test_capabilities_trace_without_root():
    """As nobody with CAP_BPF, CAP_PERFMON, CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (what the
    README names): every family attaches, and a root process's leaks are exact."""
    skip_if_perf_paranoid()
    if not shutil.which("setpriv"):
        raise Skip("setpriv not installed")
    tgt = Target("heap_leaks")
    tr = None
    try:
        caps = "+bpf,+perfmon,+dac_read_search,+sys_ptrace"
        tr = spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "--inh-caps=" + caps, "--ambient-caps=" + caps, LEAKTRACE,
                    "-p", str(tgt.pid), "-f", "json"])
        i = tr.err.wait_for(lambda l: "descriptors:" in l or "leaktrace:" in l and
                            "attached" not in l, 60, "leaktrace attached as nobody")
        line = tr.err.lines[i]
        if "setpriv:" in tr.err.text():
            raise Skip("cannot run leaktrace with capabilities: %s" % tail(tr.err.text()))
        if not line.startswith("leaktrace: descriptors:") or " 0 tracepoints" in line:
            raise Fail("not every family attached: %s" % tail(tr.err.text()))
        tgt.go()
        truth = tgt.wait_done()
        tr.send_signal(signal.SIGINT)
        wait_proc(tr, 60, "leaktrace as nobody")
        tr.out.wait_eof(5)
        reports = [json.loads(l) for l in tr.out.lines if l.startswith("{")]
        if not reports:
            raise Fail("no report; stderr: %s" % tail(tr.err.text()))
        for leak in truth["leaks"]:
            check_leak(reports[-1], leak)
    finally:
        end_pair(tr, tgt)
