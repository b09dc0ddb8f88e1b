# SPDX-License-Identifier: GPL-2.0
"""The native heap of a Node process, off by default, switching itself on (sampled) when RSS
grows outside the JS heap (src/mem/heap_auto.c): Buffers kept in the native heap switch it on
after about 20 s of growth and the report names their stack; a growing JS heap does not;
--no-auto-heap never does. The targets run 26-35 s of work (ticks of 200 ms), leaktrace -p
with no -t."""

import copy
import re
import signal
import time

import harness
from checks import check_detached, frame_syms, sym_is
from harness import Fail, attach_run, tail
from registry import scenario, scenarios, test
from suite_v8gc import js_argv, read_js_truth, system_node

TICKS = 175  # 35 s: the switch needs 20 s of growth, the sampled heap a few more to trend
OFF_TICKS = 130  # 26 s: past the time the switch takes where it does switch on (about 23 s)
WORK_TIMEOUT = 75  # a loaded machine stretches the ticks
MIB = 1 << 20
ON = re.compile(r"native heap sampled 1 per 512 KiB since t=([\d.]+) s, switched on because "
                r"RSS outside the JS heap grew \+([\d.]+) MiB/min over (\d+) s \(JS heap "
                r"[-+][\d.]+ MiB/min\); its figures count only allocations since then; -t heap")


def truth_and_late_ids(run, lines, what):
    """The truth, and the BPF objects leaktrace holds once the heap has switched on: those
    of the object it loaded then too (run.held has the ones at attach). They are read as soon
    as stderr says it switched on, while the work goes on: bpftool takes seconds in an
    emulated guest, and a trace ended that long after the work has a flat tail, which the
    trend rightly calls stable. Where it never switches on, at the end of the work."""
    tr = harness._procs[-1]  # leaktrace, spawned last
    lines.wait_for(lambda l: l == "go", harness.STEP_TIMEOUT, "%s go" % what)
    deadline = time.monotonic() + WORK_TIMEOUT
    run.held_late = None
    while time.monotonic() < deadline and \
            not any(l.startswith('{"target"') for l in list(lines.lines)):
        if any("switched on because" in l for l in list(tr.err.lines)):
            run.held_late = harness.bpf_ids_of(tr.pid)
            break
        time.sleep(0.2)
    read_js_truth(run, lines, what, WORK_TIMEOUT)
    if run.held_late is None:
        run.held_late = harness.bpf_ids_of(tr.pid)


def auto_run(target, extra=(), ticks=TICKS):
    argv = js_argv(system_node(), target, "leak", "wait", ("--expose-gc",)) + ["ticks=%d" % ticks]
    return attach_run(target, extra=list(extra), argv=argv, go_sig=signal.SIGUSR2, again=False,
                      truth=truth_and_late_ids)


scenarios({
    "auto_native": lambda: auto_run("js_rss_native"),
    "auto_js_heap": lambda: auto_run("js_rss_heap", ticks=OFF_TICKS),
    "auto_never": lambda: auto_run("js_rss_native", extra=("--no-auto-heap",), ticks=OFF_TICKS),
})


def heap_entry(rep):
    """The not_loaded entry about the heap: (family, reason), or Fail."""
    got = [n for n in rep.get("not_loaded", []) if n.get("family", "").startswith("heap")]
    if len(got) != 1:
        raise Fail("not_loaded has %d heap entries: %r" % (len(got), rep.get("not_loaded")))
    return got[0]["family"], got[0]["reason"]


def check_stayed_off(run):
    rep = run.final()
    family, reason = heap_entry(rep)
    if family != "heap" or rep["heap"]["traced"] or rep["heap"]["stacks"] or \
            rep["sample_bytes"] != 0:
        raise Fail("the heap is on: not_loaded %r, heap traced %s, %d stacks, sample_bytes %s" %
                   (family, rep["heap"]["traced"], len(rep["heap"]["stacks"]),
                    rep["sample_bytes"]))
    if "switched on because" in run.stderr or \
            len(run.held_late["prog_id"]) != len(run.held["prog_id"]):
        raise Fail("stderr says it switched on: %s" % tail(run.stderr))
    if not run.target_alive_after:
        raise Fail("the target did not survive the trace")
    return rep, reason


@test
def test_autoheap_native_growth_switches_on_sampled_and_names_the_stack():
    run = scenario("auto_native")
    rep = run.final()
    family, reason = heap_entry(rep)
    m = ON.search(reason)
    if family != "heap exact" or not m:
        raise Fail("not_loaded heap entry %r: %r" % (family, reason))
    on_s, rate, span = float(m[1]), float(m[2]), float(m[3])
    # 4 Buffers of 64 KiB every 200 ms: 75 MiB/min, written so that they are resident
    if not (20 <= span <= on_s <= 32 and 40 <= rate <= 110):
        raise Fail("switched on at t=%.1f s after %.0f s at %.1f MiB/min" % (on_s, span, rate))
    # the same, for a program to read: the words' figures, rounded as the words are
    auto = rep.get("heap_auto") or {}
    if auto.get("state") != "on" or auto.get("sample_bytes") != 512 * 1024 or \
            abs(auto.get("on_s", -1) - on_s) > 0.051 or abs(auto.get("span_s", -1) - span) > 0.51 or \
            abs(auto.get("outside_js_heap_per_s", -1) * 60 / (1 << 20) - rate) > 0.051:
        raise Fail("heap_auto %r against the reason's t=%.1f s, %.0f s, %.1f MiB/min" %
                   (auto, on_s, span, rate))
    if not re.search(r"^leaktrace: heap: native heap sampled 1 per 512 KiB since t=", run.stderr,
                     re.M):
        raise Fail("stderr does not say it switched on: %s" % tail(run.stderr))
    if not rep["heap"]["traced"] or rep["sample_bytes"] != 512 * 1024:
        raise Fail("heap traced %s, sample_bytes %s" % (rep["heap"]["traced"],
                                                        rep["sample_bytes"]))
    st = [s for s in rep["heap"]["stacks"] if any(sym_is(f, "retainBuffer")
                                                   for f in frame_syms(s))]
    if not st or st[0]["trend"]["verdict"] != "growing":
        raise Fail("no growing heap stack through retainBuffer: %s" %
                   [(frame_syms(s)[:3], s["trend"]["verdict"]) for s in rep["heap"]["stacks"][:5]])
    # counted from the switch on only: the work's last (35 - on_s) s of its 35 s
    est, kept = st[0]["bytes"], run.truth["bytes"]
    if not (0 < est < kept * min(1.0, 1.5 * (TICKS * 0.2 + 2 - on_s) / (TICKS * 0.2))):
        raise Fail("retainBuffer's estimate %d B against %d B kept in all, on at t=%.1f s" %
                   (est, kept, on_s))
    if not rep["suspects"] or rep["suspects"][0]["kind"] != "heap" or \
            "retainBuffer" not in rep["suspects"][0]["what"]:
        raise Fail("suspects %s: the Buffers' heap stack must lead" %
                   [s["what"] for s in rep["suspects"]])
    if not run.target_alive_after:
        raise Fail("the target did not survive the trace")
    # the heap's programs came with the switch, in an object of their own: gone at exit too
    if len(run.held_late["prog_id"]) <= len(run.held["prog_id"]) or \
            len(run.held_late["link_id"]) <= len(run.held["link_id"]):
        raise Fail("no programs or links added by the switch: %d -> %d programs, %d -> %d links" %
                   (len(run.held["prog_id"]), len(run.held_late["prog_id"]),
                    len(run.held["link_id"]), len(run.held_late["link_id"])))
    late = copy.copy(run)
    late.held = run.held_late
    check_detached(late)


@test
def test_autoheap_js_heap_growth_stays_off():
    run = scenario("auto_js_heap")
    rep, reason = check_stayed_off(run)
    if rep.get("heap_auto") != {"state": "armed", "sample_bytes": 512 * 1024}:
        raise Fail("heap_auto %r, expected armed at 512 KiB" % rep.get("heap_auto"))
    # the run did grow RSS, through the JS heap
    if rep["gc"]["verdict"] != "growing" or rep["rss_breakdown"]["rss_per_s"] < 512 * 1024:
        raise Fail("JS heap %s, RSS +%.0f B/s: the JS heap did not grow" %
                   (rep["gc"]["verdict"], rep["rss_breakdown"]["rss_per_s"]))
    if "switched on, sampled 1 per 512 KiB, if RSS grows outside the JS heap" not in reason or \
            "--no-auto-heap" not in reason:
        raise Fail("not_loaded does not say when the heap would switch on: %r" % reason)


@test
def test_autoheap_never_with_no_auto_heap():
    run = scenario("auto_never")
    rep, reason = check_stayed_off(run)
    if rep.get("heap_auto") != {"state": "never", "sample_bytes": 0}:
        raise Fail("heap_auto %r, expected never" % rep.get("heap_auto"))
    if "switched on" in reason or "-t heap" not in reason:
        raise Fail("not_loaded reason %r" % reason)
    # the same growth that switches it on without the option
    if rep["rss_breakdown"]["rss_per_s"] < 512 * 1024 or \
            rep["rss_breakdown"]["js_heap_per_s"] > 0.2 * rep["rss_breakdown"]["rss_per_s"]:
        raise Fail("rss_breakdown %r: RSS did not grow outside the JS heap" %
                   rep["rss_breakdown"])
