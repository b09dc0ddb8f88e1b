# SPDX-License-Identifier: GPL-2.0
"""The heap suite: leaktrace attached to (or launching) the C and C++ targets in build/targets,
its JSON reports checked against what each target says it leaked: every allocator, threads,
mmap, CFI unwinding, stopping by signal or by the target's exit, and a clean detach."""

import re
import signal

from checks import (absent_names, check_absent, check_detached, check_leak, check_unknown_free,
                    describe, describe_section, frame_syms, leak_by_fn, sym_is, truth_total)
from harness import Fail, attach_run, launch_run
from registry import TESTS, scenario, scenarios, test

scenarios({
    "heap": lambda: attach_run("heap_leaks"),
    "threads": lambda: attach_run("thread_leaks"),
    "busy": lambda: attach_run("busy_leaks"),
    "cxx": lambda: attach_run("session_store"),
    "mmap": lambda: attach_run("mmap_leaks"),
    "nofp": lambda: attach_run("deep_nofp", stop_sig=signal.SIGTERM),
    "exit": lambda: attach_run("heap_leaks", mode="exit", self_stop=True),
    "launch": lambda: launch_run("heap_leaks"),
})


# ---- tests ----

def leak_test(scen, fn, via=None):
    def t():
        run = scenario(scen)
        check_leak(run.final(), leak_by_fn(run.truth, fn, via))
    name = "%s_%s" % (scen, (fn.split("::")[-1] + ("_" + via if via else "")))
    TESTS.append((name, t))


@test
def test_heap_report_shape():
    run = scenario("heap")
    rep = run.final()
    for key, typ in (("pid", int), ("comm", str), ("duration_s", (int, float)), ("final", bool),
                     ("target_exited", bool), ("heap", dict), ("mmap", dict), ("lost", dict)):
        if not isinstance(rep.get(key), typ):
            raise Fail("field %s missing or of the wrong type: %r" % (key, rep.get(key)))
    if rep["pid"] != run.pid:
        raise Fail("pid %r, the target is %d" % (rep["pid"], run.pid))
    if rep["comm"] != "heap_leaks" or rep["final"] is not True or rep["target_exited"]:
        raise Fail("comm/final/target_exited: %r/%r/%r" %
                   (rep["comm"], rep["final"], rep["target_exited"]))
    for sec in ("heap", "mmap"):
        s = rep[sec]
        for key in ("bytes", "count", "stacks"):
            if key not in s:
                raise Fail("%s.%s missing" % (sec, key))
        for st in s["stacks"]:
            for key in ("bytes", "count", "oldest_age_s", "truncated", "frames"):
                if key not in st:
                    raise Fail("%s stack without %s" % (sec, key))
            for f in st["frames"]:
                for key in ("symbol", "module", "file", "line", "addr"):
                    if key not in f:
                        raise Fail("frame without %s: %r" % (key, f))
                if not re.fullmatch(r"0x[0-9a-f]+", str(f["addr"])):
                    raise Fail("frame addr %r is not 0x-hex" % f["addr"])
    if not rep["heap"]["stacks"]:
        raise Fail("heap.stacks is empty: no stack to check the shape of")
    for key in ("unknown_free", "alloc_map_full"):
        if not isinstance(rep["lost"].get(key), int):
            raise Fail("lost.%s missing" % key)


for _fn in ("leak_malloc", "leak_calloc", "leak_realloc", "leak_realloc_null", "leak_realloc_pre",
            "leak_reallocarray", "leak_posix_memalign", "leak_aligned_alloc", "leak_memalign",
            "leak_valloc", "leak_pvalloc", "leak_strdup"):
    leak_test("heap", _fn)


@test
def test_heap_freed_and_pre_attach_absent():
    run = scenario("heap")
    check_absent(run.final(), absent_names(run.truth))


@test
def test_heap_unknown_free():
    run = scenario("heap")
    check_unknown_free(run.final(), run.truth)


@test
def test_heap_total_exact():
    # Nothing but the leak functions allocates after attach in heap_leaks.
    run = scenario("heap")
    rep = run.final()
    nbytes, count = truth_total(run.truth)
    if rep["heap"]["bytes"] != nbytes or rep["heap"]["count"] != count:
        raise Fail("heap total %s B in %s, expected %d B in %d; %s" %
                   (rep["heap"]["bytes"], rep["heap"]["count"], nbytes, count,
                    describe_section(rep["heap"], 20)))


@test
def test_heap_sorted_and_summed():
    rep = scenario("heap").final()
    for sec in ("heap", "mmap"):
        stacks = rep[sec]["stacks"]
        sizes = [s["bytes"] for s in stacks]
        if sizes != sorted(sizes, reverse=True):
            raise Fail("%s stacks not sorted by bytes: %s" % (sec, sizes))
        if sum(sizes) != rep[sec]["bytes"] or \
                sum(s["count"] for s in stacks) != rep[sec]["count"]:
            raise Fail("%s totals %s/%s differ from the stacks' sum %s/%s" %
                       (sec, rep[sec]["bytes"], rep[sec]["count"], sum(sizes),
                        sum(s["count"] for s in stacks)))


@test
def test_heap_source_line():
    run = scenario("heap")
    rep = run.final()
    for fn in ("leak_malloc", "leak_calloc"):
        leak = leak_by_fn(run.truth, fn)
        for st, pos, _ in check_leak(rep, leak):
            f = st["frames"][pos]
            if not (f.get("file") or "").endswith("heap_leaks.c") or f.get("line") != leak["line"]:
                raise Fail("%s frame at %s:%s, expected heap_leaks.c:%d" %
                           (fn, f.get("file"), f.get("line"), leak["line"]))
            if not (f.get("module") or "").endswith("/heap_leaks"):
                raise Fail("%s frame module %r" % (fn, f.get("module")))


@test
def test_heap_stack_complete():
    # Shallow stacks: not truncated, and unwound through libc (CFI) up to _start.
    run = scenario("heap")
    rep = run.final()
    for fn in ("leak_malloc", "leak_strdup"):
        for st, _, syms in check_leak(rep, leak_by_fn(run.truth, fn)):
            if st.get("truncated"):
                raise Fail("%s stack flagged truncated: %s" % (fn, describe(st, 10)))
            if not sym_is(syms[-1], "_start"):
                raise Fail("%s stack does not end at _start: %s" % (fn, describe(st, 10)))


@test
def test_busy_target():
    run = scenario("busy")
    rep = run.final()
    for leak in run.truth["leaks"]:
        for st, _, _ in check_leak(rep, leak):
            if st.get("truncated"):
                raise Fail("stack flagged truncated: %s" % describe(st, 10))
    check_absent(rep, absent_names(run.truth))


@test
def test_detach_after_sigint():
    run = scenario("heap")
    run.final()
    check_detached(run)
    if not run.target_alive_after:
        raise Fail("target died while or after leaktrace detached")
    if not run.target_again:
        raise Fail("target did not run its allocations after leaktrace detached")


leak_test("threads", "leak_in_old_thread")
leak_test("threads", "leak_in_new_thread")


@test
def test_threads_cross_thread_free():
    run = scenario("threads")
    rep = run.final()
    check_absent(rep, absent_names(run.truth))
    check_unknown_free(rep, run.truth)


leak_test("cxx", "SessionStore::record", "new")
leak_test("cxx", "SessionStore::record", "vector")


@test
def test_cxx_demangled_and_freed_absent():
    run = scenario("cxx")
    rep = run.final()
    check_absent(rep, absent_names(run.truth))
    syms = [s for st in rep["heap"]["stacks"] for s in frame_syms(st) if s]
    if any(s.startswith("_Z") for s in syms):
        raise Fail("mangled names left: %s" % [s for s in syms if s.startswith("_Z")][:3])
    # operator new itself is not in the stacks: its return probe records, at its caller
    if "SessionStore::record(int)" not in syms or \
            not any(s.startswith("void std::vector<long") for s in syms):
        raise Fail("demangled names missing; got %s" % sorted(set(syms))[:10])


leak_test("mmap", "leak_mmap_partial")
leak_test("mmap", "leak_mremap")


@test
def test_mmap_unmapped_absent_and_total():
    run = scenario("mmap")
    rep = run.final()
    check_absent(rep, absent_names(run.truth))
    nbytes, _ = truth_total(run.truth, "mmap")
    if rep["mmap"]["bytes"] != nbytes:
        raise Fail("mmap total %s, expected %d; %s" %
                   (rep["mmap"]["bytes"], nbytes, describe_section(rep["mmap"])))


@test
def test_nofp_cfi_chain():
    run = scenario("nofp")
    rep = run.final()
    check_leak(rep, leak_by_fn(run.truth, "deep_c"))
    check_absent(rep, absent_names(run.truth))


@test
def test_sigterm_final_report():
    run = scenario("nofp")
    rep = run.final()
    if rep.get("final") is not True:
        raise Fail("last report after SIGTERM has final=%r" % rep.get("final"))
    check_detached(run)


@test
def test_target_exit_final_report():
    run = scenario("exit")
    rep = run.final()
    if rep.get("final") is not True or rep.get("target_exited") is not True:
        raise Fail("final=%r target_exited=%r" % (rep.get("final"), rep.get("target_exited")))
    for leak in run.truth["leaks"]:
        check_leak(rep, leak)


@test
def test_detach_after_target_exit():
    run = scenario("exit")
    run.final()
    check_detached(run)


@test
def test_launch_mode():
    run = scenario("launch")
    rep = run.final()
    if rep.get("final") is not True or rep.get("target_exited") is not True:
        raise Fail("final=%r target_exited=%r" % (rep.get("final"), rep.get("target_exited")))
    if rep.get("comm") != "heap_leaks" or rep.get("pid") != run.pid:
        raise Fail("comm %r pid %r, expected heap_leaks %d" % (rep.get("comm"), rep.get("pid"),
                                                                run.pid))
    for leak in run.truth["leaks"]:
        check_leak(rep, leak)
    # Traced from the start, pre_attach_keep's blocks are leaks; everything else absent
    # before attach (freed or reallocated) is still absent.
    check_absent(rep, [n for n in absent_names(run.truth) if n != "pre_attach_keep"])


@test
def test_launch_traces_from_start():
    # heap_leaks.c's pre_attach_keep(): malloc(1000 + i) for i in 0..3, never freed.
    rep = scenario("launch").final()
    check_leak(rep, {"fn": "pre_attach_keep", "section": "heap", "bytes": 4 * 1000 + 6,
                     "count": 4, "via": "", "chain": "main"})


@test
def test_launch_detach():
    run = scenario("launch")
    run.final()
    check_detached(run)

