# SPDX-License-Identifier: GPL-2.0
"""Loading on the running kernel: only the families traced are loaded, and a launched
command never runs when leaktrace fails before it could trace it."""

import json
import os
import signal
import subprocess

from harness import (ATTACH_TIMEOUT, EXIT_TIMEOUT, LEAKTRACE, Fail, Skip, Target, bpf_ids_of,
                     end_pair, spawn, tail, tmp_path, wait_proc)
from registry import test

HEAP_PROGS = {"uprobe_malloc", "uretprobe_malloc", "uprobe_free", "lt_alloc_session"}
FD_PROGS = {"tp_sys_exit_fd_new", "tp_sys_exit_close", "uprobe_fd_entry"}

def held_prog_names(tflag):
    """Names of the BPF programs leaktrace holds once attached with -t tflag (None: the
    default set), read while it holds them; kernel names are cut at 15 characters."""
    tgt = tr = None
    names = set()
    try:
        tgt = Target("heap_leaks")
        argv = [LEAKTRACE, "-p", str(tgt.pid), "-f", "json", "-o", tmp_path("load.json")]
        tr = spawn(argv + (["-t", tflag] if tflag else []))
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        for pid in sorted(bpf_ids_of(tr.pid)["prog_id"]):
            r = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid)],
                               capture_output=True, timeout=30)
            if r.returncode == 0:
                names.add(json.loads(r.stdout).get("name", ""))
        tr.send_signal(signal.SIGINT)
        if wait_proc(tr, EXIT_TIMEOUT, "leaktrace after SIGINT") != 0:
            raise Fail("leaktrace exit code %s: %s" % (tr.returncode, tail(tr.err.text())))
        with open(tmp_path("load.json")) as f:
            rep = json.loads(f.read().strip().splitlines()[-1])
    finally:
        end_pair(tr, tgt)
    if not names:
        raise Skip("cannot read program names with bpftool")
    if rep.get("not_loaded") != []:
        raise Fail("not_loaded is %r on a kernel that loads everything" % rep.get("not_loaded"))
    return names


def cut(names):
    return {n[:15] for n in names}


@test
def test_load_only_traced_families():
    names = held_prog_names("fd")
    loaded = cut(names) & cut(HEAP_PROGS)
    if loaded:
        raise Fail("-t fd loaded heap programs: %s" % sorted(loaded))
    if not cut(names) & cut(FD_PROGS):
        raise Fail("-t fd loaded no descriptor program: %s" % sorted(names))


@test
def test_load_default_families():
    names = held_prog_names(None)
    for want, what in ((HEAP_PROGS, "heap"), (FD_PROGS, "descriptor")):
        if not cut(names) & cut(want):
            raise Fail("the default run loaded no %s program: %s" % (what, sorted(names)))


@test
def test_launch_never_runs_when_load_fails():
    """A map too large to create fails the load after the child was forked: the command
    must not have run, and leaktrace says why in one line and exits non-zero."""
    marker = tmp_path("launch-ran")
    if os.path.exists(marker):
        os.unlink(marker)
    p = subprocess.run([LEAKTRACE, "--max-stacks", "4000000000", "--", "sh", "-c",
                        "touch '%s'" % marker], capture_output=True, timeout=60)
    err = [l for l in p.stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    if p.returncode == 0:
        raise Fail("exit code 0 although loading failed")
    if os.path.exists(marker):
        raise Fail("the launched command ran although leaktrace failed before tracing it")
    if len(err) != 1:
        raise Fail("%d lines on stderr, expected one: %s" % (len(err), tail("\n".join(err))))
    if "keeps running" in err[0]:
        raise Fail("says the command keeps running: %s" % err[0])
