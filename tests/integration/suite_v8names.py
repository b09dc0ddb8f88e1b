# SPDX-License-Identifier: GPL-2.0
"""JS function names in native stacks of real Node processes: named from V8's frames in BPF,
from the perf map of a node started with --perf-basic-prof, and left as addresses when
they cannot be named. The target is tests/targets/js_native_leak.js."""

import glob
import os
import re
import shutil
import signal
import time

from checks import describe, describe_section
from harness import (ATTACH_TIMEOUT, EXIT_TIMEOUT, LEAKTRACE, REPO, STEP_TIMEOUT, Fail, Run,
                     Skip, check_budget, log, read_output, read_truth, spawn, tail, tmp_path,
                     wait_proc)
from registry import scenario, scenarios, test

NODE = os.environ.get("LT_NODE") or shutil.which("node") or "/usr/bin/node"
SCRIPT = os.path.join(REPO, "tests", "targets", "js_native_leak.js")


def node_run(fmt="json", node_args=(), extra=()):
    """Start the JS target under node, attach leaktrace -p, let it leak, stop leaktrace with
    SIGINT and check that the target still runs."""
    check_budget()
    if not os.access(NODE, os.X_OK):
        raise Skip("node not installed")
    run = Run()
    t0 = time.monotonic()
    out = tmp_path("js-%s-%d.out" % (fmt, int(t0 * 1000)))
    tgt = tr = None
    try:
        # --perf-basic-prof also writes isolate-*.log into the working directory
        tgt = spawn([NODE] + list(node_args) + [SCRIPT], cwd=os.path.dirname(out))
        i = tgt.out.wait_for(lambda l: l.startswith("ready "), STEP_TIMEOUT, "node ready")
        run.pid = int(tgt.out.lines[i].split()[1])
        # -t: the heap is off by default in a process with V8
        tr = spawn([LEAKTRACE, "-p", str(run.pid), "-f", fmt, "-o", out, "-t", "heap,mmap"] +
                   list(extra))
        tr.err.wait_for(lambda l: "attached" in l, ATTACH_TIMEOUT, "leaktrace attached")
        os.kill(run.pid, signal.SIGUSR1)
        run.truth = read_truth(tgt.out, "js_native_leak")
        tr.send_signal(signal.SIGINT)
        run.rc = wait_proc(tr, EXIT_TIMEOUT, "leaktrace after SIGINT")
        tr.err.wait_eof(5)
        run.stderr = tr.err.text()
        n = len(tgt.out.lines)
        os.kill(run.pid, signal.SIGUSR1)
        tgt.out.wait_for(lambda l: l == "alive", STEP_TIMEOUT, "node alive after detach", n)
        run.target_again = True
        read_output(run, out, fmt)
    except Fail as e:
        run.error = str(e)
        if tr is not None:
            run.error += "; leaktrace stderr: " + tail(tr.err.text())
    finally:
        for p in (tr, tgt):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(5)
        # node --perf-basic-prof leaves its map behind
        if run.pid:
            for path in glob.glob("/tmp/perf-%d.map" % run.pid):
                os.unlink(path)
    run.elapsed = time.monotonic() - t0
    log("js_native_leak %s %s: %.1f s, rc %s" % (fmt, " ".join(node_args), run.elapsed, run.rc))
    return run


PERF_FLAGS = ("--perf-basic-prof", "--interpreted-frames-native-stack")
INTERPRETER_ONLY = ("--no-opt", "--no-sparkplug")

scenarios({
    "js_bpf": lambda: node_run(),
    "js_bpf_text": lambda: node_run(fmt="text"),
    "js_bpf_text_all": lambda: node_run(fmt="text", extra=["--all-frames"]),
    "js_bpf_folded": lambda: node_run(fmt="folded"),
    "js_perf_map": lambda: node_run(node_args=PERF_FLAGS, extra=["--no-js-names"]),
    # interpreter only: JS frames keep one pc whatever V8 would have compiled meanwhile
    "js_unnamed": lambda: node_run(node_args=INTERPRETER_ONLY, extra=["--no-js-names"]),
})


def js_frames(stack):
    return [f for f in stack["frames"] if f.get("js")]


def leak_stacks(report, leak):
    """Stacks holding only blocks of this leak's size (the backing stores of its buffers)."""
    return [st for st in report["heap"]["stacks"]
            if st["count"] > 0 and st["bytes"] == st["count"] * leak["size"]]


def check_named(report, leak, want_file):
    """The leak's stacks name the leaking JS function, marked JS, then its JS caller, and
    hold exactly its blocks. Code that V8 recompiles while the leak runs has a new address:
    a perf-map-named leak may span a few stacks, one per version of the code."""
    where = "%s <- %s" % (leak["fn"], leak["caller"])
    cands = leak_stacks(report, leak)
    mine = []
    for st in cands:
        frames = js_frames(st)
        names = [f["symbol"] for f in frames]
        if leak["fn"] not in names:
            continue
        k = names.index(leak["fn"])
        if names[k + 1:k + 2] != [leak["caller"]]:
            continue
        if want_file and not (frames[k].get("file") or "").endswith("js_native_leak.js"):
            raise Fail("%s: file %r" % (where, frames[k].get("file")))
        mine.append(st)
    nbytes = sum(st["bytes"] for st in mine)
    count = sum(st["count"] for st in mine)
    if nbytes != leak["bytes"] or count != leak["count"]:
        raise Fail("%s: %d B in %d in stacks with JS frames %s then %s, expected %d B in %d; "
                   "candidates: %s; top: %s" %
                   (where, nbytes, count, leak["fn"], leak["caller"], leak["bytes"],
                    leak["count"], "; ".join(describe(st, 14) for st in cands) or "none",
                    describe_section(report["heap"], 3)))
    return mine


IDENT = re.compile(r"[A-Za-z_$][\w$]*|\(anonymous\)")


@test
def test_js_names_from_v8_frames():
    run = scenario("js_bpf")
    rep = run.final()
    for leak in run.truth["leaks"]:
        check_named(rep, leak, want_file=True)
    # every JS frame of the whole report is a readable JS name: a misread would show as junk
    for st in rep["heap"]["stacks"] + rep["mmap"]["stacks"]:
        for f in js_frames(st):
            if not IDENT.fullmatch(f["symbol"] or ""):
                raise Fail("JS frame named %r in %s" % (f["symbol"], describe(st, 12)))
            if f.get("module") is not None:
                raise Fail("JS frame %r has a module %r" % (f["symbol"], f["module"]))
    if rep["lost"].get("js_frame_unnamed") != 0 or rep["lost"].get("js_name_map_full") != 0:
        raise Fail("lost: %r" % {k: v for k, v in rep["lost"].items() if k.startswith("js_")})


@test
def test_js_callers_split_stacks():
    # Interpreted frames share one pc: only their names tell handleRequest's leak from
    # handleOtherRequest's. Unnamed (and kept interpreted), both fall into one stack.
    named = scenario("js_bpf")
    rep = named.final()
    a, b = named.truth["leaks"]
    sa, sb = check_named(rep, a, False), check_named(rep, b, False)
    if len(sa) != 1 or len(sb) != 1 or sa[0]["stack_id"] == sb[0]["stack_id"]:
        raise Fail("expected one stack per caller: %d and %d" % (len(sa), len(sb)))
    unnamed = scenario("js_unnamed")
    rep = unnamed.final()
    merged = [st for st in leak_stacks(rep, a)
              if st["count"] == a["count"] + b["count"]]
    if len(merged) != 1:
        raise Fail("without names, no single stack of %d blocks: %s" %
                   (a["count"] + b["count"], describe_section(rep["heap"], 4)))


@test
def test_js_unnamed_frames_stay_addresses():
    run = scenario("js_unnamed")
    rep = run.final()
    for st in rep["heap"]["stacks"] + rep["mmap"]["stacks"]:
        for f in st["frames"]:
            if f.get("js") or f.get("symbol") in ("leakNativeBuffer", "handleRequest"):
                raise Fail("--no-js-names still named %r: %s" % (f["symbol"], describe(st, 14)))
            if not re.fullmatch(r"0x[0-9a-f]+", f["addr"]) or int(f["addr"], 16) >> 63:
                raise Fail("frame address %r" % f["addr"])


@test
def test_js_names_from_perf_map():
    run = scenario("js_perf_map")
    rep = run.final()
    for leak in run.truth["leaks"]:
        st = check_named(rep, leak, want_file=True)[0]
        frame = [f for f in js_frames(st) if f["symbol"] == leak["fn"]][0]
        # the perf map knows the line of the function's start; BPF-named frames do not
        if not frame.get("line"):
            raise Fail("perf map frame without a line: %r" % frame)
        if int(frame["addr"], 16) >> 63:
            raise Fail("perf map frame is a tagged value, not an address: %r" % frame)


@test
def test_js_folded_suffix():
    run = scenario("js_bpf_folded")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    leak = run.truth["leaks"][0]
    want = "leakNativeBuffer_[j];"
    rows = [l for l in run.raw.splitlines() if l.endswith(" %d" % leak["bytes"])]
    if not any("handleRequest_[j];" + want in l for l in rows):
        raise Fail("no folded line of %d B with handleRequest_[j];%s: %s" %
                   (leak["bytes"], want, [l[:300] for l in rows][:3]))
    if any("[j]" in fr and not fr.endswith("_[j]") for l in rows for fr in l.split(";")):
        raise Fail("a JS mark not at the end of its frame")


@test
def test_js_text_marked():
    run = scenario("js_bpf_text")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    if not re.search(r"^\s+leakNativeBuffer \[js\] \(js_native_leak\.js\)$", run.raw, re.M):
        raise Fail("no 'leakNativeBuffer [js] (js_native_leak.js)' line: %s" % tail(run.raw, 30))


COLLAPSED = re.compile(r"^    \[node internals \u00d7(\d+)\]$")


def text_stacks_with(raw, needle):
    """The frame lines (leaf first) of each text stack with a line containing needle."""
    out, cur = [], None
    for line in raw.splitlines():
        if re.match(r"^#\d+  ", line):
            cur = []
            out.append(cur)
        elif cur is not None and line.startswith("    "):
            cur.append(line)
        else:
            cur = None
    return [st for st in out if any(needle in l for l in st)]


def leak_text_stacks(run):
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    stacks = text_stacks_with(run.raw, "leakNativeBuffer [js]")
    if not stacks:
        raise Fail("no text stack through leakNativeBuffer: %s" % tail(run.raw, 30))
    return stacks


@test
def test_js_text_node_internals_collapsed():
    # between the Buffer's allocation (the leaf, shown) and the first JS frame (Node's
    # buffer.js, then the user's), V8's and Node's C++ frames are one line
    for st in leak_text_stacks(scenario("js_bpf_text")):
        j = next(i for i, l in enumerate(st) if " [js]" in l)
        k = next(i for i, l in enumerate(st) if "leakNativeBuffer [js]" in l)
        m = COLLAPSED.match(st[j - 1]) if j >= 2 else None
        if COLLAPSED.match(st[0]) or j != 2 or not m or int(m.group(1)) < 2:
            raise Fail("leaf, then [node internals ×N], then JS frames expected:\n%s" %
                       "\n".join(st))
        if any(COLLAPSED.match(l) for l in st[j:k]):
            raise Fail("a collapsed line among the JS frames:\n%s" % "\n".join(st))
        if not re.match(r"^    handleRequest \[js\]|^    handleOtherRequest \[js\]",
                        st[k + 1]):
            raise Fail("the JS caller is not right after leakNativeBuffer:\n%s" % "\n".join(st))


@test
def test_js_text_all_frames():
    run = scenario("js_bpf_text_all")
    stacks = leak_text_stacks(run)
    if "[node internals" in run.raw:
        raise Fail("--all-frames still collapses: %s" % tail(run.raw, 30))
    for st in stacks:
        j = next(i for i, l in enumerate(st) if " [js]" in l)
        inner = st[1:j]
        if len(inner) < 2 or not all(re.search(r"v8::|node::|Builtins_|\[node\]$", l)
                                     for l in inner):
            raise Fail("V8/Node frames expected between the leaf and the JS frames:\n%s" %
                       "\n".join(st))
