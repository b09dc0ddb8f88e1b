# SPDX-License-Identifier: GPL-2.0
"""Process plumbing for the integration suite: start targets and leaktrace, wait on their
output with timeouts, collect reports and the BPF objects leaktrace held, clean up."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LEAKTRACE = os.environ.get("LEAKTRACE") or os.path.join(REPO, "leaktrace")
TARGETS = os.environ.get("LT_TARGETS") or os.path.join(REPO, "build", "targets")
VERBOSE = os.environ.get("LT_VERBOSE") == "1"

ATTACH_TIMEOUT = float(os.environ.get("LT_ATTACH_TIMEOUT") or 30)  # probes in place ("attached")
STEP_TIMEOUT = float(os.environ.get("LT_STEP_TIMEOUT") or 20)  # a target reaching "ready" / "done"
EXIT_TIMEOUT = float(os.environ.get("LT_EXIT_TIMEOUT") or 30)  # final report written, exited
# seconds; tests past it fail at once. The native suite measured 2026-12-02 (LT_TIMES=1):
# about 915 s, past the 15 min it should keep (jsheap 255 s, the JS targets 123 s, alloc
# 76 s, autoheap 67 s); 1080 until it is cut back. VMs: more.
SUITE_BUDGET = float(os.environ.get("LT_SUITE_BUDGET") or 1080)

_procs = []
_tmpdir = None
_suite_start = time.monotonic()


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def log(msg):
    if VERBOSE:
        print("  # " + msg, flush=True)


def check_budget():
    if time.monotonic() - _suite_start > SUITE_BUDGET:
        raise Fail("suite time budget of %g s exhausted" % SUITE_BUDGET)


class Lines:
    """Collects the lines of a pipe from a thread, so that waits can time out."""

    def __init__(self, pipe):
        self.lines = []
        self.eof = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe):
        for raw in iter(pipe.readline, b""):
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.eof = True
            self.cond.notify_all()

    def wait_for(self, pred, timeout, what, start=0):
        """Index of the first line at or after start matching pred; Fail on timeout or EOF."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i]):
                        return i
                start = len(self.lines)
                left = deadline - time.monotonic()
                if self.eof:
                    raise Fail("%s: stream closed first" % what)
                if left <= 0:
                    raise Fail("%s: timed out after %g s" % (what, timeout))
                self.cond.wait(min(left, 0.5))

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def wait_eof(self, timeout):
        self.thread.join(timeout)


def spawn(argv, **kw):
    log("run: " + " ".join(argv))
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, **kw)
    _procs.append(p)
    p.out = Lines(p.stdout)
    p.err = Lines(p.stderr)
    return p


def wait_proc(p, timeout, what):
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        raise Fail("%s: still running after %g s" % (what, timeout)) from None


def tmp_path(name):
    global _tmpdir
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="lt-integration-")
    return os.path.join(_tmpdir, name)


def cleanup():
    """Kills every process the suite started and removes its files."""
    kill_all()
    if _tmpdir:
        shutil.rmtree(_tmpdir, ignore_errors=True)


def kill_all():
    for p in _procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass


def end_pair(tr, tgt=None):
    """The end of every test that runs leaktrace (tr) on a target (tgt), however it went:
    leaktrace killed if it still runs, the target stopped (either may be None)."""
    if tr is not None and tr.poll() is None:
        tr.kill()
        tr.wait(5)
    if tgt is not None:
        tgt.stop()


def tail(text, n=5):
    lines = [l for l in text.splitlines() if l.strip()]
    return " | ".join(lines[-n:]) if lines else "(nothing)"


def target_argv(name, mode):
    """The command of a C target in build/targets (tests/targets/target.h's protocol)."""
    path = os.path.join(TARGETS, name)
    if not os.access(path, os.X_OK):
        raise Fail("target %s not built (make targets)" % path)
    return [path, mode]


class Target:
    """A target started and waited on until it prints "ready PID". argv defaults to the C
    target name in build/targets; go_sig is the signal that starts its work."""

    def __init__(self, name, mode="wait", argv=None, go_sig=signal.SIGUSR1):
        self.name = name
        self.go_sig = go_sig
        self.proc = spawn(argv or target_argv(name, mode))
        i = self.proc.out.wait_for(lambda l: l.startswith("ready "), STEP_TIMEOUT,
                                   "%s ready" % name)
        self.pid = int(self.proc.out.lines[i].split()[1])

    def go(self):
        os.kill(self.pid, self.go_sig)

    def wait_done(self):
        return read_truth(self.proc.out, self.name)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def read_truth(lines, name):
    i = lines.wait_for(lambda l: l.startswith("{\"target\""), STEP_TIMEOUT, "%s truth" % name)
    lines.wait_for(lambda l: l == "done", STEP_TIMEOUT, "%s done" % name, i)
    return json.loads(lines.lines[i])


def read_truth_into(run, lines, name):
    """The default truth reader of attach_run and launch_run: the C targets' truth line."""
    run.truth = read_truth(lines, name)


def bpf_ids_of(pid):
    """prog, map and link ids held open by pid (read from its fdinfo)."""
    ids = {"prog_id": set(), "map_id": set(), "link_id": set()}
    fddir = "/proc/%d/fdinfo" % pid
    try:
        fds = os.listdir(fddir)
    except OSError:
        return ids
    for fd in fds:
        try:
            with open(os.path.join(fddir, fd)) as f:
                info = f.read()
        except OSError:
            continue
        for key in ids:
            m = re.search(r"^%s:\s*(\d+)" % key, info, re.M)
            if m and ("anon_inode:bpf" in _readlink("/proc/%d/fd/%s" % (pid, fd))):
                ids[key].add(int(m.group(1)))
    return ids


def _readlink(path):
    try:
        return os.readlink(path)
    except OSError:
        return ""


def bpftool_ids():
    """Ids of every loaded prog, map and link, from bpftool; None if bpftool is missing."""
    if not shutil.which("bpftool"):
        return None
    ids = {}
    for kind, key in (("prog", "prog_id"), ("map", "map_id"), ("link", "link_id")):
        r = subprocess.run(["bpftool", "-j", kind, "list"], capture_output=True, timeout=30)
        if r.returncode != 0:
            return None
        ids[key] = {e["id"] for e in json.loads(r.stdout or b"[]")}
    return ids


class Run:
    """One leaktrace run against one target, and everything the tests check about it."""

    def __init__(self):
        self.pid = None        # the target's
        self.truth = None
        self.trace = []        # what a JS target's --trace-gc printed (suite_v8gc)
        self.reports = []
        self.raw = ""
        self.rc = None
        self.stderr = ""
        self.held = None       # bpf ids leaktrace held while attached
        self.after = None      # bpftool ids once leaktrace had exited
        self.target_alive_after = None
        self.target_again = None
        self.elapsed = 0.0
        self.error = None

    def final(self):
        if self.error:
            raise Fail("run failed: " + self.error)
        if self.rc != 0:
            raise Fail("leaktrace exit code %s; stderr: %s" % (self.rc, tail(self.stderr)))
        if not self.reports:
            raise Fail("no report written; stderr: %s" % tail(self.stderr))
        return self.reports[-1]


def parse_reports(raw):
    reports = []
    for n, line in enumerate(raw.splitlines()):
        if not line.strip():
            continue
        try:
            reports.append(json.loads(line))
        except ValueError as e:
            raise Fail("output line %d is not JSON (%s): %.200s" % (n + 1, e, line)) from None
    return reports


def read_output(run, out, fmt="json"):
    """What leaktrace wrote to -o: run.raw, and run.reports when it is JSON."""
    if os.path.exists(out):
        with open(out, errors="replace") as f:
            run.raw = f.read()
    if fmt == "json":
        run.reports = parse_reports(run.raw)


def attach_run(target, fmt="json", extra=(), stop_sig=signal.SIGINT, mode="wait",
               self_stop=False, argv=None, go_sig=signal.SIGUSR1, truth=read_truth_into,
               again=True):
    """Start target, attach leaktrace -p, let the target work, stop leaktrace (or let it stop
    by itself when self_stop), and collect what came out.

    The target is a C target in build/targets unless argv gives its command; go_sig starts
    its work; truth(run, lines, target) reads what it printed about itself into run. In mode
    wait and with again, the target is signalled once more after leaktrace has exited and
    must print "alive" (run.target_again)."""
    check_budget()
    run = Run()
    t0 = time.monotonic()
    out = tmp_path("%s-%s-%d.out" % (target, fmt, len(_procs)))
    tgt = tr = None
    try:
        tgt = Target(target, mode, argv, go_sig)
        run.pid = tgt.pid
        tr = spawn([LEAKTRACE, "-p", str(tgt.pid), "-f", fmt, "-o", out] + list(extra))
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        run.held = bpf_ids_of(tr.pid)
        tgt.go()
        truth(run, tgt.proc.out, target)
        if mode == "exit":
            wait_proc(tgt.proc, STEP_TIMEOUT, "target exit")
        if not self_stop:
            tr.send_signal(stop_sig)
        run.rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace after %s" %
                           ("target exit" if self_stop else signal.Signals(stop_sig).name))
        tr.err.wait_eof(5)
        run.stderr = tr.err.text()
        run.after = bpftool_ids()
        run.target_alive_after = tgt.alive()
        if mode == "wait" and again and run.target_alive_after:
            n = len(tgt.proc.out.lines)
            tgt.go()
            try:
                tgt.proc.out.wait_for(lambda l: l == "alive", STEP_TIMEOUT, "target alive", n)
                run.target_again = True
            except Fail:
                run.target_again = False
        read_output(run, out, fmt)
    except (Fail, OSError) as e:
        run.error = str(e)
        if tr is not None:
            run.stderr = tr.err.text()
            run.error += "; leaktrace stderr: " + tail(run.stderr)
    finally:
        end_pair(tr, tgt)
    run.elapsed = time.monotonic() - t0
    log("%s %s: %.1f s, rc %s" % (target, fmt, run.elapsed, run.rc))
    return run


def launch_run(target, fmt="json", extra=(), argv=None, go_sig=signal.SIGUSR1,
               truth=read_truth_into):
    """leaktrace [opts] -- target: traced from its start, final report when it exits. A C
    target still waits for go_sig after "ready" so that the held BPF objects can be read;
    with go_sig None none is sent (a target that starts at once). argv and truth as in
    attach_run."""
    check_budget()
    run = Run()
    t0 = time.monotonic()
    out = tmp_path("launch-%s-%d.out" % (target, len(_procs)))
    tr = None
    try:
        argv = argv or [os.path.join(TARGETS, target), "exit"]
        tr = spawn([LEAKTRACE, "-f", fmt, "-o", out] + list(extra) + ["--"] + list(argv))
        i = tr.out.wait_for(lambda l: l.startswith("ready "), ATTACH_TIMEOUT,
                            "launched %s ready" % target)
        pid = run.pid = int(tr.out.lines[i].split()[1])
        run.held = bpf_ids_of(tr.pid)
        if go_sig:
            os.kill(pid, go_sig)
        truth(run, tr.out, target)
        run.rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace after the launched target exited")
        tr.err.wait_eof(5)
        run.stderr = tr.err.text()
        run.after = bpftool_ids()
        read_output(run, out)
    except (Fail, OSError) as e:
        run.error = str(e)
        if tr is not None:
            run.error += "; leaktrace stderr: " + tail(tr.err.text())
    finally:
        end_pair(tr)
    run.elapsed = time.monotonic() - t0
    return run
