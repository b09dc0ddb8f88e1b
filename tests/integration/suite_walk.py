# SPDX-License-Identifier: GPL-2.0
"""The stack walker's window on the user stack: stacks whose frames lie beyond one window
(a 6 KiB frame between the leak and main) and stacks that end closer to an unreadable page
than a window (code run by makecontext at the top of a guarded stack) come out whole, by
frame pointers and by CFI."""

from checks import check_absent, check_leak, describe, leak_by_fn, sym_is, absent_names
from harness import Fail, attach_run
from registry import scenario, scenarios, test

scenarios({
    "walk_fp": lambda: attach_run("big_frames"),
    "walk_nofp": lambda: attach_run("big_frames_nofp"),
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
