# SPDX-License-Identifier: GPL-2.0
"""The stack walker's window on the user stack: stacks whose frames lie beyond one window
(a 6 KiB frame between the leak and main) and stacks that end closer to an unreadable page
than a window (code run by makecontext at the top of a guarded stack) come out whole, by
frame pointers and by CFI. Deep stacks come out complete: a C leak 120 frames deep (by frame
pointers and by CFI) and a native allocation under 95 JS frames in Node, neither truncated."""

import json
import os
import shutil

from checks import check_absent, check_leak, describe, leak_by_fn, sym_is, absent_names
from harness import REPO, Fail, Skip, attach_run, tail
from registry import scenario, scenarios, test

NODE = os.environ.get("LT_NODE") or shutil.which("node") or "/usr/bin/node"
JS_DEEP = os.path.join(REPO, "tests", "targets", "js_deep_stack.js")
JS_CHURN = os.path.join(REPO, "tests", "targets", "js_name_churn.js")


def node_deep():
    if not os.access(NODE, os.X_OK):
        raise Skip("node not installed")
    # -t heap: the native heap is off by default in a process with V8
    return attach_run("js_deep_stack", argv=[NODE, JS_DEEP], extra=["-t", "heap"])


def node_churn(types):
    if not os.access(NODE, os.X_OK):
        raise Skip("node not installed")
    return attach_run("js_name_churn", argv=[NODE, "--expose-gc", JS_CHURN],
                      extra=["-t", types])


scenarios({
    # with the GC probes a name cached since the last collection is trusted without a read;
    # -t heap alone attaches them too, for the names only (a cache checked by one read
    # instead, which this target defeats: docs/node.md), as -t heap,gc does
    "walk_churn_heap": lambda: node_churn("heap"),
    "walk_fp": lambda: attach_run("big_frames"),
    "walk_nofp": lambda: attach_run("big_frames_nofp"),
    "walk_deep_fp": lambda: attach_run("deep_stack"),
    "walk_deep_nofp": lambda: attach_run("deep_stack_nofp"),
    "walk_deep_js": node_deep,
})


def final(name):
    run = scenario(name)
    if run.error:
        raise Fail(run.error)
    return run, run.final()


def check_whole(run, rep, fn):
    for st, _, syms in check_leak(rep, leak_by_fn(run.truth, fn)):
        if st.get("truncated") or st.get("unwind_error"):
            raise Fail("%s stack flagged truncated or unwound with an error: %s" %
                       (fn, describe(st, 12)))
        if not sym_is(syms[-1], "_start"):
            raise Fail("%s stack does not end at _start: %s" % (fn, describe(st, 12)))


def window_moves(name):
    run, rep = final(name)
    check_whole(run, rep, "big_c")
    check_absent(rep, absent_names(run.truth))


def window_cut(name):
    run, rep = final(name)
    check_leak(rep, leak_by_fn(run.truth, "top_leaf"))


@test
def test_walk_window_moves_past_big_frame_fp():
    window_moves("walk_fp")


@test
def test_walk_window_moves_past_big_frame_cfi():
    window_moves("walk_nofp")


@test
def test_walk_window_cut_at_stack_end_fp():
    window_cut("walk_fp")


@test
def test_walk_window_cut_at_stack_end_cfi():
    window_cut("walk_nofp")


@test
def test_walk_default_traces_heap_in_c():
    # no -t on a C program: exact heap tracing, nothing left off
    run, rep = final("walk_fp")
    if rep.get("not_loaded"):
        raise Fail("the default left something off in a C program: %r" % rep["not_loaded"])
    if rep["heap"].get("count", 0) <= 0:
        raise Fail("the heap is not traced by default in a C program")


def unwind_losses(rep):
    return {k: v for k, v in rep["lost"].items() if k.startswith("stack_unwind_") and v}


def deep_c(name):
    # deep_leaf <- 115 x deep_rec <- main (the truth's chain) <- libc's start frames <- _start
    run, rep = final(name)
    check_whole(run, rep, "deep_leaf")
    for st, _, syms in check_leak(rep, leak_by_fn(run.truth, "deep_leaf")):
        if len(syms) < 120:
            raise Fail("deep_leaf stack has %d frames, expected 120 or more: %s" %
                       (len(syms), describe(st, 8)))
    if rep["lost"]["stack_truncated"]:
        raise Fail("stack_truncated=%d" % rep["lost"]["stack_truncated"])
    if unwind_losses(rep):
        raise Fail("unwinding stopped: %r" % unwind_losses(rep))


@test
def test_walk_deep_c_stack_whole_fp():
    deep_c("walk_deep_fp")


@test
def test_walk_deep_c_stack_whole_cfi():
    deep_c("walk_deep_nofp")


@test
def test_walk_deep_js_stack_whole():
    # deepLeaf's Buffer backing store, malloc'd under 95 frames of deepJs: every JS frame
    # named, the stack walked down to _start (node's main), nothing truncated
    run, rep = final("walk_deep_js")
    leak = run.truth["leaks"][0]
    mine = [st for st in rep["heap"]["stacks"]
            if st["count"] > 0 and st["bytes"] == st["count"] * leak["size"]]
    if sum(st["count"] for st in mine) != leak["count"]:
        raise Fail("%d blocks of %d B, expected %d: %s" %
                   (sum(st["count"] for st in mine), leak["size"], leak["count"],
                    "; ".join(describe(st, 6) for st in mine) or "none"))
    for st in mine:
        js = [f.get("symbol") for f in st["frames"] if f.get("js")]
        syms = [f.get("symbol") for f in st["frames"]]
        if st.get("truncated") or st.get("unwind_error"):
            raise Fail("stack of %d frames flagged truncated or unwound with an error: %s" %
                       (len(syms), describe(st, 6)))
        if "deepLeaf" not in js or js.count("deepJs") != leak["depth"]:
            raise Fail("JS frames: deepLeaf %s, %d deepJs, expected %d: %s" %
                       ("named" if "deepLeaf" in js else "missing", js.count("deepJs"),
                        leak["depth"], describe(st, 6)))
        k = js.index("deepLeaf")
        if js[k + 1:k + 1 + leak["depth"]] != ["deepJs"] * leak["depth"] or \
                js[k + 1 + leak["depth"]] != "runDeep":
            raise Fail("JS frames out of order: %s" % js[k:k + leak["depth"] + 3])
        if not sym_is(syms[-1], "_start"):
            raise Fail("stack of %d frames does not end at _start: ... %s" %
                       (len(syms), " <- ".join(str(x) for x in syms[-4:])))
    if unwind_losses(rep):
        raise Fail("unwinding stopped: %r" % unwind_losses(rep))


def names_across_gcs(name):
    # every leaking function's blocks under its own name, and under no other churn_ name
    run, rep = final(name)
    by_size = {l["size"]: l for l in run.truth["leaks"]}
    seen = {}
    for st in rep["heap"]["stacks"]:
        if st["count"] <= 0 or st["bytes"] % st["count"]:
            continue
        leak = by_size.get(st["bytes"] // st["count"])
        if not leak:
            continue
        names = [f.get("symbol") for f in st["frames"]
                 if f.get("js") and (f.get("symbol") or "").startswith("churn_")]
        if names != [leak["fn"]]:
            raise Fail("%d B blocks of %s under JS names %s: %s" %
                       (leak["size"], leak["fn"], names, describe(st, 12)))
        seen[leak["fn"]] = seen.get(leak["fn"], 0) + st["count"]
    missing = [l["fn"] for l in run.truth["leaks"] if seen.get(l["fn"]) != l["count"]]
    if missing:
        raise Fail("%d of %d functions without their %d blocks, e.g. %s" %
                   (len(missing), len(by_size), run.truth["leaks"][0]["count"], missing[:5]))


@test
def test_walk_js_names_across_gcs_heap_only():
    """-t heap without gc: the GC probes are attached for the names' sake, said on stderr,
    and the report has no GC section for them."""
    names_across_gcs("walk_churn_heap")
    run, rep = final("walk_churn_heap")
    if "for sound JS frame names" not in run.stderr:
        raise Fail("no word of the GC probes attached for the names: %s" % tail(run.stderr))
    gc = rep.get("gc") or {}
    if gc.get("traced") or gc.get("collections"):
        raise Fail("-t heap reported garbage collections: %s" %
                   json.dumps(gc, sort_keys=True)[:300])
