# SPDX-License-Identifier: GPL-2.0
"""The allocator suite (docs/allocators.md): C++ operator new/delete under glibc, jemalloc
(linked and preloaded), tcmalloc and mimalloc; each allocator's own API called directly,
jemalloc linked statically too; the C family on static glibc and musl; nothing counted
twice where operator new calls malloc; glibc's thread-cache flush at thread exit not taken
for frees of blocks allocated before attach; a Go program told apart; families left out
by -t said to be not traced."""

import os

from checks import (absent_names, check_absent, check_leak, check_unknown_free,
                    describe_section, frame_syms, truth_total)
from harness import TARGETS, Fail, attach_run, launch_run
from registry import TESTS, scenario, scenarios, test

JEMALLOC_SO = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


def preloaded(target, lib):
    return ["env", "LD_PRELOAD=" + lib, os.path.join(TARGETS, target), "wait"]


def c_only_run(target):
    """The run with the C family's probes alone, as before the C++ rows existed."""
    os.environ["LT_HEAP_C_ONLY"] = "1"
    try:
        return attach_run(target)
    finally:
        del os.environ["LT_HEAP_C_ONLY"]


CXX = {
    "glibc": lambda: attach_run("cxx_alloc"),
    "jemalloc": lambda: attach_run("cxx_alloc_jemalloc"),
    "jemalloc_preload": lambda: attach_run("cxx_alloc", argv=preloaded("cxx_alloc", JEMALLOC_SO)),
    "tcmalloc": lambda: attach_run("cxx_alloc_tcmalloc"),
    "mimalloc": lambda: attach_run("cxx_alloc_mimalloc"),
}
API = ("jemalloc", "jemalloc_static", "tcmalloc", "mimalloc")
LIBC = ("static", "musl", "musl_static")

scenarios(dict([("cxx_" + k, v) for k, v in CXX.items()] +
               [("api_" + k, (lambda k=k: attach_run("alloc_api_" + k))) for k in API] +
               [("c_" + k, (lambda k=k: attach_run("alloc_c_" + k))) for k in LIBC] + [
    ("cxx_glibc_c_only", lambda: c_only_run("cxx_alloc")),
    # kernels without uprobe sessions (6.1, 6.12): one uprobe and uretprobe per function
    ("classic_cxx_jemalloc", lambda: attach_run("cxx_alloc_jemalloc",
                                                extra=["--classic-probes"])),
    ("classic_api_jemalloc", lambda: attach_run("alloc_api_jemalloc",
                                                extra=["--classic-probes"])),
    ("classic_churn", lambda: attach_run("thread_churn", extra=["--classic-probes"])),
    ("churn", lambda: attach_run("thread_churn")),
    ("churn_c_only", lambda: c_only_run("thread_churn")),
    ("go", lambda: attach_run("go_heap")),
    ("go_heap_only", lambda: attach_run("go_heap", extra=["-t", "heap"])),
    ("go_cgo", lambda: attach_run("go_cgo")),
    ("go_launch", lambda: launch_run("go_heap")),
    ("heap_only_text", lambda: attach_run("alloc_c_static", fmt="text", extra=["-t", "heap"])),
    ("mmap_only", lambda: attach_run("alloc_c_static", extra=["-t", "mmap"])),
]))


def exact_test(scen):
    """Every leak of the target's truth exact at its function, the total exact, freed
    blocks absent, unknown_free within the truth's bounds (0: all allocated while traced)."""
    def t():
        run = scenario(scen)
        rep = run.final()
        for leak in run.truth["leaks"]:
            check_leak(rep, leak)
        nbytes, count = truth_total(run.truth)
        if rep["heap"]["bytes"] != nbytes or rep["heap"]["count"] != count:
            raise Fail("heap total %s B in %s, expected %d B in %d; %s" %
                       (rep["heap"]["bytes"], rep["heap"]["count"], nbytes, count,
                        describe_section(rep["heap"], 8)))
        check_absent(rep, absent_names(run.truth))
        check_unknown_free(rep, run.truth)
    TESTS.append(("alloc_%s_exact" % scen, t))


for _k in CXX:
    exact_test("cxx_" + _k)
for _k in API:
    exact_test("api_" + _k)
for _k in LIBC:
    exact_test("c_" + _k)
for _k in ("cxx_jemalloc", "api_jemalloc"):
    exact_test("classic_" + _k)


@test
def test_alloc_cxx_demangled_frames():
    rep = scenario("cxx_glibc").final()
    syms = [s for st in rep["heap"]["stacks"] for s in frame_syms(st) if s]
    if "leak_chars()" not in syms or any(s.startswith("_Z") for s in syms):
        raise Fail("leak_chars() not demangled, or mangled names left: %s" % sorted(set(syms)))
    if any(s.startswith("operator new") for s in syms):
        raise Fail("operator new in a stack: its caller must be frames[0]; %s" %
                   describe_section(rep["heap"]))


def stripped_stacks(rep):
    """(bytes, count, frames) of every heap stack, leading operator new frames dropped: a
    stack taken at the malloc inside glibc's operator new starts with it."""
    out = []
    for st in rep["heap"]["stacks"]:
        syms = frame_syms(st)
        while syms and syms[0] and syms[0].startswith("operator new"):
            syms = syms[1:]
        out.append((st["bytes"], st["count"], tuple(syms)))
    return sorted(out)


@test
def test_alloc_cxx_glibc_no_double_count():
    # glibc's operator new calls malloc: with and without the C++ probes, the same blocks
    full, c_only = scenario("cxx_glibc").final(), scenario("cxx_glibc_c_only").final()
    a, b = stripped_stacks(full), stripped_stacks(c_only)
    if (full["heap"]["bytes"], full["heap"]["count"]) != \
            (c_only["heap"]["bytes"], c_only["heap"]["count"]) or a != b:
        raise Fail("with the C++ probes %s, C family alone %s" % (a, b))
    if full["lost"]["unknown_free"] or c_only["lost"]["unknown_free"]:
        raise Fail("unknown_free %d and %d" % (full["lost"]["unknown_free"],
                                               c_only["lost"]["unknown_free"]))


def churn_test(scen):
    run = scenario(scen)
    rep = run.final()
    for leak in run.truth["leaks"]:
        check_leak(rep, leak)
    lost = rep["lost"]
    if lost["unknown_free"] != 0:
        raise Fail("unknown_free %d over 6000 threads whose blocks were all allocated while "
                   "traced" % lost["unknown_free"])
    # glibc did flush each thread's cache: seen, and counted apart
    if lost.get("thread_exit_free", 0) < 6000:
        raise Fail("thread_exit_free %s, expected one or more per thread" %
                   lost.get("thread_exit_free"))


@test
def test_alloc_thread_churn_no_unknown_free():
    churn_test("churn")


@test
def test_alloc_thread_churn_classic_probes():
    churn_test("classic_churn")


@test
def test_alloc_thread_churn_marker_needed():
    # without the __call_tls_dtors marker (the C family alone) the same flush is taken for
    # frees of blocks allocated before attach: the churn test above can fail
    rep = scenario("churn_c_only").final()
    if rep["lost"]["unknown_free"] < 6000 or rep["lost"].get("thread_exit_free"):
        raise Fail("C family alone: unknown_free %d, thread_exit_free %s" %
                   (rep["lost"]["unknown_free"], rep["lost"].get("thread_exit_free")))


GO_LINE = "is a Go program: the Go heap is managed by the Go runtime, not malloc, and is " \
          "not traced; what is: cgo's malloc"


@test
def test_alloc_go_explained():
    run = scenario("go")
    rep = run.final()  # rc 0: mmap and descriptors trace
    lines = [l for l in run.stderr.splitlines() if GO_LINE in l]
    if len(lines) != 1:
        raise Fail("expected one line saying %r on stderr: %s" % (GO_LINE, run.stderr))
    heap = rep["heap"]
    if heap["traced"] is not False or "Go runtime" not in (heap["off_reason"] or ""):
        raise Fail("heap section of a Go program: traced %r, off_reason %r" %
                   (heap["traced"], heap["off_reason"]))
    if rep["mmap"]["traced"] is not True:
        raise Fail("mmap not traced in a Go program: %r" % rep["mmap"])


@test
def test_alloc_go_launched_not_traced():
    # launched, our own C library has probes, which the Go program never maps
    run = scenario("go_launch")
    heap = run.final()["heap"]
    if heap["traced"] is not False or GO_LINE not in run.stderr:
        raise Fail("launched Go program: heap %r; stderr %s" % (heap, run.stderr))


@test
def test_alloc_go_cgo_malloc_traced():
    # cgo's C.malloc goes through the C library: traced, beside the explanation
    run = scenario("go_cgo")
    rep = run.final()
    if GO_LINE not in run.stderr:
        raise Fail("no Go explanation for a cgo program: %s" % run.stderr)
    if rep["heap"]["traced"] is not True or \
            not any(st["bytes"] == 100000 and st["count"] == 100 for st in rep["heap"]["stacks"]):
        raise Fail("cgo's 100 x C.malloc(1000) not found: %s" % describe_section(rep["heap"]))


@test
def test_alloc_go_heap_only_refused():
    run = scenario("go_heap_only")
    if run.rc == 0 or "Go runtime" not in run.stderr:
        raise Fail("-t heap on a Go program: rc %s, stderr %s" % (run.rc, run.stderr))


@test
def test_alloc_not_selected_not_traced():
    text = scenario("heap_only_text")
    if text.rc != 0 or "\nmmap: not traced\n" not in "\n" + text.raw or "mmap: 0 B" in text.raw:
        raise Fail("-t heap text: rc %s, %r" % (text.rc, text.raw[:400]))
    rep = scenario("mmap_only").final()
    if rep["heap"]["traced"] is not False or rep["heap"]["stacks"] or \
            rep["mmap"]["traced"] is not True:
        raise Fail("-t mmap JSON: heap %r, mmap traced %r" % (rep["heap"], rep["mmap"]["traced"]))
    if "heap: 390.6 KiB outstanding" not in text.raw:  # -t heap still measures the heap
        raise Fail("-t heap text lacks the heap total: %r" % text.raw[:400])
