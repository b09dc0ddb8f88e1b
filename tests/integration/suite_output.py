# SPDX-License-Identifier: GPL-2.0
"""The -o file (src/output/outfile.c): a report reaches it whole or not at all. A run that
fails before its first report leaves the previous file as it was; a symlink at the
destination is replaced, never written through; a full disk is one message and a non-zero
exit; folded interval reports keep one profile, the latest."""

import os
import stat
import subprocess
import tempfile

from harness import LEAKTRACE, Fail, Skip, Target, attach_run, spawn, tail, tmp_path, wait_proc
from registry import scenario, scenarios, test
from suite_cli import check_folded_heap

scenarios({
    "folded_interval": lambda: attach_run("heap_leaks", fmt="folded", extra=["1", "3"],
                                          self_stop=True),
})


def gone_pid():
    """The pid of a process that has just exited (not reused this soon)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def strays(directory, base):
    """Temporary files leaktrace would have left beside base."""
    return [n for n in os.listdir(directory) if n.startswith("." + base + ".")]


def trace_for(seconds, out, fmt="json"):
    """leaktrace -p on a waiting heap_leaks target for -d seconds into out: (rc, stderr)."""
    tgt = Target("heap_leaks")
    try:
        tr = spawn([LEAKTRACE, "-p", str(tgt.pid), "-d", str(seconds), "-f", fmt, "-o", out])
        rc = wait_proc(tr, seconds + 40, "leaktrace -d %d" % seconds)
        tr.err.wait_eof(5)
        return rc, tr.err.text()
    finally:
        tgt.stop()


@test
def test_output_kept_on_bad_pid():
    out = tmp_path("previous-report.json")
    with open(out, "w") as f:
        f.write("the previous report\n")
    tr = spawn([LEAKTRACE, "-p", str(gone_pid()), "-o", out])
    rc = wait_proc(tr, 30, "leaktrace -p on a gone pid")
    tr.err.wait_eof(5)
    if rc == 0:
        raise Fail("exit 0 for a pid that does not exist")
    with open(out) as f:
        got = f.read()
    if got != "the previous report\n":
        raise Fail("the previous report was changed to %r; stderr: %s" % (got[:80],
                                                                          tail(tr.err.text())))
    left = strays(os.path.dirname(out), os.path.basename(out))
    if left:
        raise Fail("temporary files left: %s" % left)


@test
def test_output_symlink_not_followed():
    """Another user plants a symlink in sticky /tmp pointing at a root-owned 0600 file: the
    file keeps its bytes, mode and owner; the link is replaced by the report."""
    if os.geteuid() != 0:
        raise Skip("needs root")
    victim_fd, victim = tempfile.mkstemp(prefix="lt-victim-", dir="/var/tmp")
    link = os.path.join("/tmp", "lt-planted-%d.json" % os.getpid())
    try:
        os.write(victim_fd, b"root's secret\n")
        os.close(victim_fd)
        os.chmod(victim, 0o600)
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(victim, link)
        os.lchown(link, 65534, 65534)  # nobody's link
        rc, err = trace_for(1, link)
        with open(victim, "rb") as f:
            got = f.read()
        st = os.stat(victim)
        if got != b"root's secret\n" or stat.S_IMODE(st.st_mode) != 0o600 or st.st_uid != 0:
            raise Fail("the link's target changed: %r mode %o uid %d" %
                       (got[:40], stat.S_IMODE(st.st_mode), st.st_uid))
        if rc != 0:
            raise Fail("exit %d; stderr: %s" % (rc, tail(err)))
        lst = os.lstat(link)
        if not stat.S_ISREG(lst.st_mode):
            raise Fail("the destination is not a regular file after the run")
        with open(link) as f:
            if '"pid"' not in f.read():
                raise Fail("the file in place of the link holds no JSON report")
    finally:
        for p in (link, victim):
            if os.path.lexists(p):
                os.unlink(p)


@test
def test_output_disk_full():
    """A full file system: one line saying so, a non-zero exit, no partial file."""
    if os.geteuid() != 0:
        raise Skip("needs root")
    mnt = tmp_path("small-fs")
    os.makedirs(mnt, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip("cannot mount a tmpfs: %s" % r.stderr.strip())
    try:
        fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096) > 0:
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        out = os.path.join(mnt, "report.json")
        rc, err = trace_for(1, out)
        lines = [l for l in err.splitlines() if "No space left" in l]
        if rc == 0:
            raise Fail("exit 0 on a full disk; stderr: %s" % tail(err))
        if len(lines) != 1 or "report.json" not in lines[0]:
            raise Fail("expected one line naming the file and ENOSPC; stderr: %s" % tail(err))
        if os.path.exists(out) or strays(mnt, "report.json"):
            raise Fail("files left on the full disk: %s" % os.listdir(mnt))
    finally:
        subprocess.run(["umount", "-l", mnt])


@test
def test_output_folded_interval_latest():
    """Folded with INTERVAL COUNT: the file holds one profile, the last (the leaks are made
    before the first report, so appended profiles would sum to a multiple of the truth)."""
    run = scenario("folded_interval")
    check_folded_heap(run)
