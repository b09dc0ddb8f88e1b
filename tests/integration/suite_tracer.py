# SPDX-License-Identifier: GPL-2.0
"""The tracer's own cost (src/report/tracer.c, docs/overhead.md): the report shows it, in a
text footer line and a JSON "tracer" object whose fields docs/json-schema.md documents; and
what keeps attaching cheap: no unwind table built for a big module that a sample of its CFI
shows keeping frame pointers (node), no classic allocator programs loaded where the uprobe
session program runs every allocator probe."""

import json
import os
import re
import shutil
import signal
import subprocess

from harness import (ATTACH_TIMEOUT, EXIT_TIMEOUT, LEAKTRACE, REPO, STEP_TIMEOUT, Fail, Skip,
                     Target, attach_run, bpf_ids_of, end_pair, log, spawn, tail, wait_proc)
from registry import scenario, scenarios, test

NODE = os.environ.get("LT_NODE") or shutil.which("node") or "/usr/bin/node"
SCRIPT = os.path.join(REPO, "tests", "targets", "js_native_leak.js")
MIB = 1 << 20
TRACER_FIELDS = ("attach_cpu_s", "cpu_s", "rss_bytes", "rss_peak_bytes", "bpf_map_bytes")
TEXT_LINE = re.compile(r"^leaktrace: (\d+\.\d\d) s CPU attaching, (\d+\.\d\d) s since; "
                       r"RSS (\d+) MiB \(peak (\d+)\); BPF maps (\d+) MiB$", re.M)


def node_attach(extra):
    """leaktrace -p on a waiting node for 1 s with extra options: its stderr."""
    if not os.access(NODE, os.X_OK):
        raise Skip("node not installed")
    tgt = tr = None
    try:
        tgt = spawn([NODE, SCRIPT], cwd="/tmp")
        i = tgt.out.wait_for(lambda l: l.startswith("ready "), STEP_TIMEOUT, "node ready")
        pid = int(tgt.out.lines[i].split()[1])
        tr = spawn([LEAKTRACE, "-p", str(pid), "-d", "1", "-o", os.devnull] + list(extra))
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace -d 1 on node")
        tr.err.wait_eof(5)
        if rc != 0:
            raise Fail("leaktrace exit code %s: %s" % (rc, tail(tr.err.text())))
        return tr.err.text()
    finally:
        if tr is not None and tr.poll() is None:
            tr.kill()
            tr.wait(5)
        if tgt is not None and tgt.poll() is None:
            tgt.send_signal(signal.SIGTERM)
            tgt.wait(10)


def held_programs(target, extra):
    """leaktrace -p on a waiting C target: the names of the BPF programs it holds while
    attached, and its stderr."""
    tgt = tr = None
    try:
        tgt = Target(target)
        tr = spawn([LEAKTRACE, "-p", str(tgt.pid), "-o", os.devnull] + list(extra))
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        names = prog_names(bpf_ids_of(tr.pid)["prog_id"])
        tr.send_signal(signal.SIGINT)
        rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace after SIGINT")
        tr.err.wait_eof(5)
        if rc != 0:
            raise Fail("leaktrace exit code %s: %s" % (rc, tail(tr.err.text())))
        return names, tr.err.text()
    finally:
        end_pair(tr, tgt)


def prog_names(ids):
    names = set()
    for pid in ids:
        r = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid)],
                           capture_output=True, text=True, timeout=30)
        if r.returncode == 0 and r.stdout.strip():
            names.add(json.loads(r.stdout).get("name", ""))
    return names


scenarios({
    "tracer_json": lambda: attach_run("heap_leaks"),
    "tracer_text": lambda: attach_run("heap_leaks", fmt="text"),
    "tracer_heap_held": lambda: held_programs("heap_leaks", ["-t", "heap"]),
    "tracer_node_v": lambda: node_attach(["-v"]),
})


def documented_tracer_fields():
    """The fields of the "Tracer object" table of docs/json-schema.md."""
    with open(os.path.join(REPO, "docs", "json-schema.md")) as f:
        text = f.read()
    m = re.search(r"^## Tracer object[^\n]*\n(.*?)^## ", text, re.M | re.S)
    if not m:
        raise Fail("docs/json-schema.md has no Tracer object section")
    return set(re.findall(r"^\| `([a-z_]+)` \|", m.group(1), re.M))


@test
def test_tracer_json_fields_documented_and_plausible():
    d = scenario("tracer_json").final()
    t = d.get("tracer")
    if not isinstance(t, dict):
        raise Fail("no tracer object in the JSON report: keys %s" % sorted(d))
    doc = documented_tracer_fields()
    if set(t) != doc or set(TRACER_FIELDS) != doc:
        raise Fail("tracer fields %s, documented %s" % (sorted(t), sorted(doc)))
    if not 1 * MIB < t["rss_bytes"] <= t["rss_peak_bytes"] < 1024 * MIB:
        raise Fail("implausible resident set: %s" % t)
    if not (0 < t["attach_cpu_s"] < 30 and t["cpu_s"] >= 0):
        raise Fail("implausible CPU times: %s" % t)
    # the allocation table alone is megabytes of kernel memory
    if not 1 * MIB < t["bpf_map_bytes"] < 4096 * MIB:
        raise Fail("implausible BPF map memory: %s" % t)


@test
def test_tracer_text_footer_line():
    run = scenario("tracer_text")
    if run.error or run.rc != 0:
        raise Fail("run failed (%s, exit code %s): %s" % (run.error, run.rc, tail(run.stderr)))
    m = TEXT_LINE.search(run.raw)
    if not m:
        raise Fail("no tracer line in the text report: %s" % tail(run.raw))
    rss, peak = int(m.group(3)), int(m.group(4))
    if not 1 <= rss <= peak < 1024:
        raise Fail("implausible resident set in: %s" % m.group(0))
    last = run.raw.rstrip("\n").splitlines()[-1]
    if last != m.group(0):
        raise Fail("the tracer line is not the footer's last: %r" % last)


@test
def test_tracer_session_loads_no_classic_allocator_programs():
    if not shutil.which("bpftool"):
        raise Skip("bpftool not installed")
    names, err = scenario("tracer_heap_held")
    if "(uprobe sessions)" not in err:
        raise Skip("no uprobe sessions on this kernel: the classic programs are the ones used")
    if "lt_alloc_session" not in names:
        raise Fail("lt_alloc_session not among the programs held: %s" % sorted(names))
    classic = sorted(n for n in names if re.match(r"u(ret)?probe_(malloc|calloc|free|realloc)",
                                                   n))
    if classic:
        raise Fail("classic allocator programs loaded beside the session program: %s" % classic)


@test
def test_tracer_node_cfi_sampled_no_table():
    err = scenario("tracer_node_v")
    base = os.path.realpath(NODE)
    m = re.search(r"^leaktrace: %s: (\d+)%% of the rules of \d+ of its (\d+) FDEs are "
                  r"rbp-based$" % re.escape(base), err, re.M)
    if not m:
        raise Fail("no sampled frame-pointer check of %s: %s" % (base, tail(err, 20)))
    log("%s: %s%% rbp-based of %s FDEs" % (base, m.group(1), m.group(2)))
    if "%s keeps frame pointers: no unwind table" % base not in err:
        raise Fail("%s was not left to frame pointers (%s%% rbp-based)" % (base, m.group(1)))
    if re.search(r"unwind table for %s: \d+ rows" % re.escape(base), err):
        raise Fail("an unwind table was built for %s anyway" % base)
    # libc keeps no frame pointers: its table is still built
    if not re.search(r"unwind table for \S*libc\.so\.6: \d+ rows", err):
        raise Fail("no unwind table for libc: %s" % tail(err, 20))
