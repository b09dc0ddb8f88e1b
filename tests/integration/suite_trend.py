# SPDX-License-Identifier: GPL-2.0
"""Trends and leak suspects (issue 11): a bounded cache beside small leaks (the leaks grow
and lead the suspects, the cache is stable and absent), a leak that starts late, a stack
that shrinks, a bounded descriptor pool beside a leaking one, sockets to one peer that grow
beside a bounded pool, interval reports that show the trend as of each report, and the RSS
breakdown of a native leak in C and in Node (retained Buffers) and of a JS-heap leak in Node.
docs/trends.md has the thresholds."""

import re

from checks import check_leak, frame_syms, leak_by_fn, sym_is
from harness import Fail, attach_run
from registry import scenario, scenarios, test
from suite_v8gc import js_attach_run

scenarios({
    # a report at 6 s and the final one at about 16 s
    "trend_shapes": lambda: attach_run("trend_shapes", extra=["-t", "heap", "6"]),
    "trend_fds": lambda: attach_run("trend_fds", extra=["-t", "fd,sock"]),
    "rss_native_text": lambda: attach_run("rss_native", fmt="text", extra=["-t", "heap,mmap"]),
    "js_rss_native": lambda: js_attach_run("js_rss_native", "leak", extra=("-t", "heap,mmap,gc")),
    "js_rss_heap": lambda: js_attach_run("js_rss_heap", "leak", extra=("-t", "heap,mmap,gc")),
})


def stack_of(section, fn):
    """The stack of section whose frames[0] is fn, or None."""
    for st in section.get("stacks", []):
        syms = frame_syms(st)
        if syms and sym_is(syms[0], fn):
            return st
    return None


def suspect_fns(rep):
    return [(s["kind"], (frame_syms(s) or [None])[0], s.get("peer")) for s in rep["suspects"]]


def trend_of(rep, section, fn):
    st = stack_of(rep[section], fn)
    if st is None:
        raise Fail("no %s stack at %s; suspects %s" % (section, fn, suspect_fns(rep)))
    return st, st["trend"]


@test
def test_trend_leaks_lead_cache_stable():
    run = scenario("trend_shapes")
    rep = run.final()
    for fn in ("leak_steady", "leak_late"):
        check_leak(rep, leak_by_fn(run.truth, fn))
        _, tr = trend_of(rep, "heap", fn)
        if tr["verdict"] != "growing":
            raise Fail("%s: trend %s, expected growing" % (fn, tr))
    first_two = {f for _, f, _ in suspect_fns(rep)[:2]}
    if first_two != {"leak_steady", "leak_late"}:
        raise Fail("suspects %s: the two leaks must come first" % suspect_fns(rep))
    st, tr = trend_of(rep, "heap", "cache_insert")
    if tr["verdict"] != "stable" or st["bytes"] != 2000 * 256:
        raise Fail("cache: %d bytes, trend %s; expected 512000 bytes, stable" %
                   (st["bytes"], tr))
    if any(f == "cache_insert" for _, f, _ in suspect_fns(rep)):
        raise Fail("the full cache is a suspect: %s" % suspect_fns(rep))


@test
def test_trend_late_leak_fitted_after_it_began():
    rep = scenario("trend_shapes").final()
    _, tr = trend_of(rep, "heap", "leak_late")
    # 128 B every 20 ms at most (a tick takes 2 ms or more), from 7 s in
    if not 0.5 * 6400 <= tr["per_s"] <= 1.1 * 6400:
        raise Fail("leak_late: %.0f B/s, expected up to 6400" % tr["per_s"])
    if tr["span_s"] > rep["duration_s"] - 5 or tr["r2"] < 0.9:
        raise Fail("leak_late: fitted over %.1f s of %.1f (R2 %.2f): the flat start was "
                   "not cut off" % (tr["span_s"], rep["duration_s"], tr["r2"]))


@test
def test_trend_shrinking_stack():
    rep = scenario("trend_shapes").final()
    _, tr = trend_of(rep, "heap", "shrink_fill")
    if tr["verdict"] != "shrinking" or tr["per_s"] >= 0:
        raise Fail("shrink_fill: trend %s, expected shrinking" % tr)
    if any(f == "shrink_fill" for _, f, _ in suspect_fns(rep)):
        raise Fail("a shrinking stack is a suspect: %s" % suspect_fns(rep))


@test
def test_trend_interval_report_as_of_then():
    run = scenario("trend_shapes")
    if len(run.reports) < 2:
        raise Fail("%d reports, expected an interval report and the final one" %
                   len(run.reports))
    first = run.reports[0]
    # at 6 s the late leak has not begun: nothing of it is growing yet
    st = stack_of(first["heap"], "leak_late")
    if st is not None and st["trend"]["verdict"] == "growing":
        raise Fail("leak_late growing at %.1f s, before it began" % first["duration_s"])
    _, tr = trend_of(first, "heap", "leak_steady")
    if tr["verdict"] != "growing" or tr["span_s"] > first["duration_s"] + 1:
        raise Fail("first report: leak_steady trend %s at %.1f s" % (tr, first["duration_s"]))


@test
def test_trend_rss_breakdown_adds_up():
    rep = scenario("trend_shapes").final()
    b = rep.get("rss_breakdown")
    if not isinstance(b, dict):
        raise Fail("no rss_breakdown: %r" % b)
    if "js_heap_per_s" in b:
        raise Fail("js_heap_per_s without V8: %s" % b)
    parts = b["native_heap_per_s"] + b["mmap_per_s"] + b["other_per_s"]
    if abs(parts - b["rss_per_s"]) > 1:
        raise Fail("parts %.0f do not add up to rss_per_s %.0f" % (parts, b["rss_per_s"]))


@test
def test_trend_fd_pool_stable_leak_growing():
    run = scenario("trend_fds")
    rep = run.final()
    leaked = leak_by_fn(run.truth, "leak_open")["count"]
    st, tr = trend_of(rep, "fds", "leak_open")
    if st["count"] != leaked or tr["verdict"] != "growing":
        raise Fail("leak_open: %d descriptors, trend %s; expected %d, growing" %
                   (st["count"], tr, leaked))
    if not 1.5 <= tr["per_s"] <= 2.1:
        raise Fail("leak_open: %.2f/s, expected 2/s at most" % tr["per_s"])
    st, tr = trend_of(rep, "fds", "pool_open")
    if st["count"] != run.truth["pool_open"] or tr["verdict"] != "stable":
        raise Fail("pool_open: %d descriptors, trend %s; expected %d, stable" %
                   (st["count"], tr, run.truth["pool_open"]))
    kinds = suspect_fns(rep)
    if ("fd", "leak_open", None) not in kinds or any(f == "pool_open" for _, f, _ in kinds):
        raise Fail("suspects %s: leak_open must be one, pool_open none" % kinds)
    s = [x for x in rep["suspects"] if x["kind"] == "fd"][0]
    if s["unit"] != "descriptors" or not s["what"].startswith("descriptors +"):
        raise Fail("descriptor suspect %s" % s)


@test
def test_trend_sockets_to_peer_grow_pool_stable():
    run = scenario("trend_fds")
    rep = run.final()
    peers = {p["peer"]: p for p in rep["sockets"]["by_peer"]}
    leak, pool = run.truth["leak_peer"], run.truth["pool_peer"]
    want = leak_by_fn(run.truth, "leak_connect")["count"]
    if leak not in peers or peers[leak]["count"] != want:
        raise Fail("peer %s: %s, expected %d sockets" % (leak, peers.get(leak), want))
    if peers[leak]["trend"]["verdict"] != "growing":
        raise Fail("peer %s trend %s" % (leak, peers[leak]["trend"]))
    if pool not in peers or peers[pool]["trend"]["verdict"] != "stable":
        raise Fail("pool peer %s: %s, expected stable" % (pool, peers.get(pool)))
    socks = [s for s in rep["suspects"] if s["kind"] == "socket"]
    if [s["peer"] for s in socks] != [leak]:
        raise Fail("socket suspects %s, expected only %s" % (suspect_fns(rep), leak))
    s = socks[0]
    if s is not rep["suspects"][0] or s["unit"] != "sockets" or \
            not s["what"].startswith("sockets to %s +" % leak) or "ESTABLISHED" not in s["what"]:
        raise Fail("socket suspect %s must be first: %s" % (s, suspect_fns(rep)))
    # the sockets' own descriptor stack is that suspect, not a second one
    if not any(sym_is(f, "leak_connect") for f in frame_syms(s)):
        raise Fail("socket suspect frames %s" % frame_syms(s)[:3])
    if any(x["kind"] == "fd" and any(sym_is(f, "leak_connect") for f in frame_syms(x))
           for x in rep["suspects"]):
        raise Fail("the leaked sockets are a descriptor suspect too: %s" % suspect_fns(rep))


@test
def test_trend_text_suspects_first_native_rss():
    run = scenario("rss_native_text")
    if run.rc != 0:
        raise Fail("leaktrace exit code %s" % run.rc)
    report = run.raw.split("leaktrace: pid")[-1].splitlines()
    if report[1] != "leak suspects:":
        raise Fail("line 2 is %r, expected the suspects: %s" % (report[1], report[:4]))
    if not re.match(r"  1\. heap \+[0-9.]+ (KiB|MiB)/s \(R² [01]\.\d\d, \d+ s\) grow_native "
                    r"\(rss_native\.c:\d+\) ← main$", report[2]):
        raise Fail("first suspect %r" % report[2])
    m = re.match(r"rss ([0-9.]+) (KiB|MiB)/s over \d+ s: native heap ([0-9.]+) (KiB|MiB)/s, "
                 r"mmap .*, other (-?[0-9.]+) (B|KiB|MiB)/s$", report[3])
    if not m:
        raise Fail("no RSS breakdown line after the suspects: %r" % report[3])
    scale = {"B": 1, "KiB": 1024, "MiB": 1 << 20}
    rss, native = float(m[1]) * scale[m[2]], float(m[3]) * scale[m[4]]
    # 1 MiB/s written into the heap: the native heap is where RSS goes
    if not (0.8 * rss <= native <= 1.2 * rss and rss > 512 * 1024):
        raise Fail("RSS %.0f B/s, native heap %.0f B/s: %r" % (rss, native, report[3]))


def largest_part(b):
    parts = ("js_heap_per_s", "native_heap_per_s", "mmap_per_s", "other_per_s")
    return max(parts, key=lambda k: b.get(k, float("-inf")))


def check_rss_goes_to(run, part):
    rep = run.final()
    b = rep.get("rss_breakdown")
    if not isinstance(b, dict) or "js_heap_per_s" not in b:
        raise Fail("rss_breakdown %r: expected one with the JS heap part (V8 traced)" % b)
    # the target keeps about 1.25 MiB/s
    if b["rss_per_s"] < 512 * 1024 or largest_part(b) != part or \
            b[part] < 0.5 * b["rss_per_s"]:
        raise Fail("rss_breakdown %s: expected most of it in %s" % (b, part))
    return rep


@test
def test_trend_node_rss_native_buffers():
    rep = check_rss_goes_to(scenario("js_rss_native"), "native_heap_per_s")
    # named at the script's function, not at Node's own node:buffer ones below it
    if not rep["suspects"] or rep["suspects"][0]["kind"] != "heap" or \
            " retainBuffer (js_rss_native.js) \u2190 " not in rep["suspects"][0]["what"]:
        raise Fail("suspects %s: the retained Buffers' heap stack must lead, at retainBuffer" %
                   [s["what"] for s in rep["suspects"]])


@test
def test_trend_node_rss_js_heap():
    rep = check_rss_goes_to(scenario("js_rss_heap"), "js_heap_per_s")
    # V8's own page mappings grow too (mmap suspects), at about the same rate
    if not any(s["kind"] == "js_heap" and s["unit"] == "bytes" for s in rep["suspects"]):
        raise Fail("suspects %s: the JS heap must be one" % [s["what"] for s in rep["suspects"]])
