# SPDX-License-Identifier: GPL-2.0
"""Exit status: 0 when every report was written, 1 after a runtime failure (2 is for usage
errors), with one line on stderr that says what could not be written. Each case writes the
report somewhere it cannot go: /dev/full, or a folded file whose directory is removed while
leaktrace runs."""

import os
import shutil

from harness import (ATTACH_TIMEOUT, EXIT_TIMEOUT, Fail, LEAKTRACE, check_budget, spawn,
                     tail, tmp_path, wait_proc)
from registry import test

# Lines leaktrace prints on stderr while all goes well.
INFO = ("leaktrace: attached", "leaktrace: descriptors:", "leaktrace: process ")


def idle_target():
    """A process to attach to that does nothing; the suite kills it at the end."""
    return spawn(["/bin/sleep", "120"])


def failed_write(extra, what, during=None):
    """Runs leaktrace -p on an idle process with extra; during(proc) runs once it attached.
    Expects exit status 1 and exactly one error line, which names what could not be
    written; returns that line."""
    check_budget()
    tgt = idle_target()
    tr = spawn([LEAKTRACE, "-p", str(tgt.pid)] + extra)
    tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
    if during:
        during(tr)
    rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace " + " ".join(extra))
    tr.err.wait_eof(5)
    errors = [l for l in tr.err.lines if l.strip() and not l.startswith(INFO)]
    if rc != 1:
        raise Fail("exit status %d, expected 1; stderr: %s" % (rc, tail(tr.err.text())))
    if len(errors) != 1:
        raise Fail("%d error lines, expected one: %s" % (len(errors), tail("\n".join(errors))))
    if "cannot write" not in errors[0] or what not in errors[0]:
        raise Fail("the error does not say that %s cannot be written: %s" % (what, errors[0]))
    return errors[0]


@test
def test_exit_last_interval_report_unwritable():
    # INTERVAL 1 COUNT 1: the one interval report is the last; it failed, so did the run
    failed_write(["-f", "json", "-o", "/dev/full", "1", "1"], "/dev/full")


@test
def test_exit_final_report_unwritable():
    failed_write(["-f", "text", "-o", "/dev/full", "-d", "1"], "/dev/full")


@test
def test_exit_folded_file_cannot_be_reopened():
    # Each interval report empties a folded file by opening it again: that open fails once
    # its directory is gone. The exit status was 256 - ENOENT.
    d = tmp_path("exit-folded")
    os.makedirs(d, exist_ok=True)
    out = os.path.join(d, "profile.folded")
    failed_write(["-f", "folded", "-o", out, "2"], out,
                 during=lambda tr: shutil.rmtree(d))


def launched_status(shell_cmd):
    """leaktrace's exit status around sh -c shell_cmd, and its report."""
    check_budget()
    out = tmp_path("status-%d.json" % len(shell_cmd))
    tr = spawn([LEAKTRACE, "-f", "json", "-o", out, "--", "sh", "-c", shell_cmd])
    rc = wait_proc(tr, ATTACH_TIMEOUT + EXIT_TIMEOUT, "leaktrace -- sh -c %r" % shell_cmd)
    tr.err.wait_eof(5)
    if not os.path.exists(out) or not os.path.getsize(out):
        raise Fail("no report written; stderr: %s" % tail(tr.err.text()))
    return rc


@test
def test_exit_status_is_the_launched_commands():
    rc = launched_status("exit 3")
    if rc != 3:
        raise Fail("exit status %s, expected the command's 3" % rc)


@test
def test_exit_status_of_a_crashed_command():
    rc = launched_status("kill -SEGV $$")
    if rc != 128 + 11:
        raise Fail("exit status %s, expected 128 + SIGSEGV = 139" % rc)
