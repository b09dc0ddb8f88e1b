# SPDX-License-Identifier: GPL-2.0
"""V8 garbage-collection tracing against real Node processes: the JS targets in tests/targets
run with --expose-gc and --trace-gc, force a mark-compact every 200 ms while they leak (or
not), and the report's collections are compared with what V8 printed at the same time.
Node 18, 20, 22 and 24 come from the npm registry (tools/fetch-node.sh); when it cannot be
reached those tests are skipped with the reason."""

import json
import os
import re
import shutil
import signal
import subprocess

from harness import (LEAKTRACE, REPO, STEP_TIMEOUT, Fail, Skip, attach_run, check_budget,
                     launch_run, spawn, tail, wait_proc)
from registry import scenario, scenarios, test

JS_TARGETS = os.path.join(REPO, "tests", "targets")
NODE_CACHE = os.environ.get("LT_NODE_CACHE") or os.path.join(REPO, "build", "node")
NODE_VERSIONS = ("18", "20", "22", "24")
MIB = 1 << 20
LRU_WORK_TIMEOUT = 45  # js_lru works 20 s; a loaded machine stretches its ticks
LRU_ENTRY_MIN_BYTES = 960  # js_lru's entry: 120 doubles, before its object and key

# "[pid:0x...]   123 ms: Mark-Compact 4.0 (6.4) -> 3.3 (7.4) MB, [pooled: 0 MB, ]6.32 / 0.00 ms
#  (average mu = ...) testing; GC in old space requested"
TRACE_GC = re.compile(
    r"^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: (?P<kind>Scavenge|Mark-Compact|Mark-sweep|Minor Mark-\w+)"
    r"\S*(?: \([\w ]+\))? (?P<before>[\d.]+) \([\d.]+\) -> (?P<after>[\d.]+) \([\d.]+\) MB, "
    r"(?:pooled: [\d.]+ MB, )?(?P<pause>[\d.]+) / [\d.]+ ms .*?\) (?P<reason>[^;]*)")


def trace_kind(word):
    if word == "Scavenge":
        return "scavenge"
    if word.startswith("Minor"):
        return "minor-mark-compact"
    return "mark-compact"  # "Mark-sweep" in Node 18


def parse_trace_gc(lines):
    """The --trace-gc lines among a target's output, as dicts; a line V8 wrote that this
    pattern misses fails the test rather than being skipped."""
    out = []
    for line in lines:
        if not line.startswith("["):
            continue
        m = TRACE_GC.match(line)
        if not m:
            raise Fail("unparsed --trace-gc line: %s" % line)
        out.append({"kind": trace_kind(m.group("kind")), "before": float(m.group("before")),
                    "after": float(m.group("after")), "pause": float(m.group("pause")),
                    "reason": m.group("reason").strip()})
    return out


_node_paths = {}
_registry_down = []


def node_binary(major):
    """build/node/MAJOR/bin/node, fetched from npm on first use; Skip when unavailable."""
    if major not in _node_paths and _registry_down:
        _node_paths[major] = (None, _registry_down[0])
    if major not in _node_paths:
        script = os.path.join(REPO, "tools", "fetch-node.sh")
        try:
            r = subprocess.run([script, "-d", NODE_CACHE, major], capture_output=True,
                               timeout=400)
            words = r.stdout.decode("utf-8", "replace").split(None, 2)
        except (OSError, subprocess.TimeoutExpired) as e:
            words = [major, "-", "fetch-node.sh: %s" % e]
        if len(words) >= 2 and words[1] != "-" and os.access(words[1], os.X_OK):
            _node_paths[major] = (words[1], None)
        else:
            _node_paths[major] = (None, " ".join(words[1:]).lstrip("- ").strip() or
                                  "tools/fetch-node.sh printed nothing")
            # one network failure is enough: the other versions would wait for it too
            if re.search(r"FetchError|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|timed out",
                         _node_paths[major][1]):
                _registry_down.append(_node_paths[major][1])
    path, why = _node_paths[major]
    if not path:
        raise Skip("Node %s unavailable: %s" % (major, why))
    return path


def system_node():
    path = shutil.which("node")
    if not path:
        raise Skip("node is not installed")
    return path


def js_argv(node, target, variant, mode, node_args=("--expose-gc", "--trace-gc"), load=False):
    return ([node] + list(node_args) + [os.path.join(JS_TARGETS, target + ".js"), variant, mode] +
            (["load"] if load else []))


def read_js_truth(run, lines, what, work_timeout=STEP_TIMEOUT):
    """The truth line into run.truth, and the --trace-gc lines between "go" and it into
    run.trace (harness.attach_run/launch_run's truth reader for the JS targets)."""
    go = lines.wait_for(lambda l: l == "go", STEP_TIMEOUT, "%s go" % what)
    i = lines.wait_for(lambda l: l.startswith("{\"target\""), work_timeout, "%s truth" % what,
                       go)
    lines.wait_for(lambda l: l == "done", STEP_TIMEOUT, "%s done" % what, i)
    run.truth = json.loads(lines.lines[i])
    run.trace = parse_trace_gc(lines.lines[go + 1:i])


def js_attach_run(target, variant, node=None, fmt="json", extra=("-t", "gc"), mode="wait",
                  node_args=("--expose-gc", "--trace-gc"), work_timeout=STEP_TIMEOUT, load=False):
    """node TARGET VARIANT MODE (wait, or hold: the target keeps what it opened); leaktrace
    -p attaches; SIGUSR2 starts the work; SIGINT ends the trace once the target printed its
    truth. The JS targets do not answer a second signal: no "alive" check."""
    argv = js_argv(node or system_node(), target, variant, mode, node_args, load)
    return attach_run(target, fmt=fmt, extra=extra, mode=mode, argv=argv,
                      go_sig=signal.SIGUSR2, again=False,
                      truth=lambda run, lines, what: read_js_truth(run, lines, what,
                                                                   work_timeout))


def js_launch_run(target, variant, extra=("-t", "gc")):
    """leaktrace -- node TARGET VARIANT launch: probes attached when node maps its code; the
    target starts at once, and its output (with --trace-gc) comes through leaktrace's
    stdout."""
    return launch_run(target, extra=extra, argv=js_argv(system_node(), target, variant, "launch"),
                      go_sig=None, truth=read_js_truth)


scenarios({
    # the default trace kinds: GC tracing turns itself on for a process with V8
    "js_emitter_leak": lambda: js_attach_run("js_emitter", "leak", extra=()),
    "js_emitter_leak_heap": lambda: js_attach_run("js_emitter", "leak", extra=("-t", "heap,gc")),
    "js_emitter_fixed": lambda: js_attach_run("js_emitter", "fixed"),
    "js_cache_leak": lambda: js_attach_run("js_cache", "leak"),
    "js_cache_fixed": lambda: js_attach_run("js_cache", "fixed", fmt="text"),
    "js_pool_leak": lambda: js_launch_run("js_pool", "leak"),
    "js_pool_fixed": lambda: js_attach_run("js_pool", "fixed"),
    # under load, V8 collecting when it decides to (no forced GC, no --trace-gc), 20 s of
    # work on a warm cache: the verdict from the GCs V8 makes within 30 s
    "js_lru_leak": lambda: js_attach_run("js_lru", "leak", extra=(), node_args=(),
                                         work_timeout=LRU_WORK_TIMEOUT),
    "js_lru_fixed": lambda: js_attach_run("js_lru", "fixed", extra=(), node_args=(),
                                          work_timeout=LRU_WORK_TIMEOUT),
    # the emitter's 12 ticks as 100, without forced GCs: V8 runs no mark-compact in them
    "js_emitter_load_leak": lambda: js_attach_run("js_emitter", "leak", extra=("-t", "gc"),
                                                  node_args=(), load=True,
                                                  work_timeout=LRU_WORK_TIMEOUT),
    "js_emitter_load_fixed": lambda: js_attach_run("js_emitter", "fixed", extra=("-t", "gc"),
                                                   node_args=(), load=True,
                                                   work_timeout=LRU_WORK_TIMEOUT),
})
for _v in NODE_VERSIONS:
    scenarios({"node%s" % _v: (lambda v: lambda: js_attach_run(
        "js_cache", "leak", node=node_binary(v), extra=("-t", "gc", "-v")))(_v)})


# ---- checks ----

def gc_of(run):
    rep = run.final()
    gc = rep.get("gc")
    if not isinstance(gc, dict):
        raise Fail("report has no gc object")
    if gc.get("traced") is not True:
        raise Fail("GC not traced: %s" % gc.get("off_reason"))
    return gc


def check_verdict(run, want):
    gc = gc_of(run)
    if gc.get("verdict") != want:
        raise Fail("verdict %r, expected %r: %s; live after mark-compacts (MiB): %s" %
                   (gc.get("verdict"), want, gc.get("summary"), live_series(gc)))
    sentence = "JS heap %s: " % want
    if not (gc.get("summary") or "").startswith(sentence):
        raise Fail("summary %r does not start with %r" % (gc.get("summary"), sentence))
    if gc.get("trend_tid") != run.pid or gc.get("other_isolate_mark_compacts") != 0:
        raise Fail("trend of thread %r (%r other isolates' mark-compacts), expected the main "
                   "thread %d" % (gc.get("trend_tid"), gc.get("other_isolate_mark_compacts"),
                                  run.pid))
    n = gc.get("mark_compacts_fitted", 0)
    if n < run.truth["forced_gcs"]:
        raise Fail("%d mark-compacts in the fit, the target forced %d" %
                   (n, run.truth["forced_gcs"]))
    return gc


def live_series(gc):
    return ["%.2f" % (c["live_after"] / MIB) for c in gc.get("collections", [])
            if c.get("kind") == "mark-compact" and c.get("live_after") is not None]


def match_offset(cols, trace):
    """Where the trace's collections sit in leaktrace's list: both are in GC order, and
    leaktrace may also hold GCs from before "go" or after the truth line."""
    kinds = [c["kind"] for c in cols]
    want = [t["kind"] for t in trace]
    best = None
    for k in range(len(kinds) - len(want) + 1):
        if kinds[k:k + len(want)] != want:
            continue
        err = sum(abs(c["live_after"] / MIB - t["after"]) for c, t in
                  zip(cols[k:], trace) if c.get("live_after") is not None)
        if best is None or err < best[0]:
            best = (err, k)
    return None if best is None else best[1]


def check_against_trace_gc(run):
    """Each GC V8 printed while the target worked is in the report, in order, with the same
    kind and reason; live sizes equal to V8's within its rounding to 0.1 MB (both are
    Heap::SizeOfObjects at the same two points); pauses no longer than V8's, which times
    a window around Heap::PerformGarbageCollection (plus its rounding), and together at
    least 75% of V8's total (the rest is V8's bookkeeping outside that function, a few
    hundredths of a millisecond a GC here, more when the machine is loaded)."""
    gc = gc_of(run)
    trace = run.trace
    mcs = sum(1 for t in trace if t["kind"] == "mark-compact")
    if mcs < run.truth["forced_gcs"]:
        raise Fail("--trace-gc shows %d mark-compacts, the target forced %d" %
                   (mcs, run.truth["forced_gcs"]))
    cols = gc["collections"]
    k = match_offset(cols, trace)
    if k is None:
        raise Fail("the %d GCs of --trace-gc (%s) are not a run of leaktrace's %d (%s)" %
                   (len(trace), " ".join(t["kind"] for t in trace), len(cols),
                    " ".join(c["kind"] for c in cols)))
    ours = theirs = 0.0
    for n, (c, t) in enumerate(zip(cols[k:], trace)):
        where = "GC %d (%s)" % (n + 1, t["kind"])
        if c["reason"] != t["reason"]:
            raise Fail("%s: reason %r, --trace-gc says %r" % (where, c["reason"], t["reason"]))
        for ours_key, theirs_key in (("live_before", "before"), ("live_after", "after")):
            if c.get(ours_key) is None:
                raise Fail("%s: %s unknown" % (where, ours_key))
            if abs(c[ours_key] / MIB - t[theirs_key]) > 0.051:
                raise Fail("%s: %s %.3f MiB, --trace-gc says %.1f" %
                           (where, ours_key, c[ours_key] / MIB, t[theirs_key]))
        if c["pause_ms"] > t["pause"] + 0.051:
            raise Fail("%s: pause %.3f ms, longer than --trace-gc's %.2f" %
                       (where, c["pause_ms"], t["pause"]))
        ours += c["pause_ms"]
        theirs += t["pause"]
    if ours < 0.75 * theirs:
        raise Fail("pauses add up to %.2f ms, --trace-gc's to %.2f" % (ours, theirs))
    counted = gc["counts"]
    for kind in ("scavenge", "mark-compact"):
        n = sum(1 for t in trace if t["kind"] == kind)
        if counted.get(kind, 0) < n:
            raise Fail("counts.%s = %s, --trace-gc shows %d" % (kind, counted.get(kind), n))
    if abs(gc["total_pause_ms"] - sum(c["pause_ms"] for c in cols)) > 0.01 * len(cols) + 0.01:
        raise Fail("total_pause_ms %.3f is not the sum of the listed pauses" %
                   gc["total_pause_ms"])


def check_rss(run):
    gc = gc_of(run)
    for c in gc["collections"]:
        if not c["rss"] or c["rss"] < (c.get("live_after") or 0):
            raise Fail("collection at %.2f s: rss %s, live after %s" %
                       (c["t_s"], c["rss"], c.get("live_after")))
    if gc.get("rss_trend_bytes_per_s") is None:
        raise Fail("no rss_trend_bytes_per_s")


# ---- tests ----

def verdict_test(scen, want):
    def t():
        check_verdict(scenario(scen), want)
    t.__name__ = "test_%s_verdict_%s" % (scen, want)
    test(t)


def trace_test(scen):
    def t():
        check_against_trace_gc(scenario(scen))
    t.__name__ = "test_%s_matches_trace_gc" % scen
    test(t)


for _scen, _want in (("js_emitter_leak", "growing"), ("js_emitter_fixed", "stable"),
                     ("js_cache_leak", "growing"), ("js_pool_leak", "growing"),
                     ("js_pool_fixed", "stable")):
    verdict_test(_scen, _want)
for _scen in ("js_emitter_leak", "js_emitter_fixed", "js_cache_leak", "js_pool_leak",
              "js_pool_fixed"):
    trace_test(_scen)
for _v in NODE_VERSIONS:
    verdict_test("node%s" % _v, "growing")
    trace_test("node%s" % _v)


@test
def test_js_cache_fixed_text_stable():
    run = scenario("js_cache_fixed")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s; stderr: %s" % (run.rc, tail(run.stderr)))
    m = re.search(r"^JS heap \(V8\): JS heap (\w+): [+-]\d+\.\d MiB/min over [\d.]+ s, (\d+) "
                  r"mark-compacts and \d+ other GCs \(R\^2 [\d.]+\)$", run.raw, re.M)
    if not m:
        raise Fail("no JS heap verdict line in the text report: %s" % tail(run.raw, 8))
    if m.group(1) != "stable" or int(m.group(2)) < run.truth["forced_gcs"]:
        raise Fail("text says %r" % m.group(0))
    for what in (r"^  live after mark-compact: [\d.]+ \w+ at [\d.]+ s -> [\d.]+ \w+ at",
                 r"^  lowest after a GC between mark-compacts: [\d.]+ \w+ at [\d.]+ s -> "
                 r"[\d.]+ \w+ at [\d.]+ s \(\d+ points\)$",
                 r"^  process RSS at the same times: ",
                 r"^  collections: \d+ \(.*\d+ mark-compact.*\); pause [\d.]+ ms in total"):
        if not re.search(what, run.raw, re.M):
            raise Fail("text report lacks %r: %s" % (what, tail(run.raw, 8)))


def check_lru_run(run, want):
    """The verdict from V8's own collections within 30 s; growth measured at the rate the
    cache grew (each entry holds 120 doubles: at least 960 bytes); the bounded cache
    judged on at least two mark-compacts."""
    gc = check_verdict(run, want)
    rep = run.final()
    if rep.get("duration_s", 99) > 30:
        raise Fail("traced %.1f s, the verdict must come within 30 s" % rep["duration_s"])
    t = run.truth
    if t["forced_gcs"] != 0:
        raise Fail("truth: %r" % t)
    slope = gc["live_after_mark_compact_trend_bytes_per_s"]
    if want == "growing":
        if t["cache_entries"] != t["requests"] + 4 * t["lru_max"]:
            raise Fail("the leak's Map did not keep every entry: %r" % t)
        entries_per_s = t["requests"] / rep["duration_s"]
        low, high = 0.5 * entries_per_s * LRU_ENTRY_MIN_BYTES, 3 * entries_per_s * 2048
        if not low <= slope <= high:
            raise Fail("live heap %.0f B/s, the Map grew by %.0f entries/s (expected %.0f to "
                       "%.0f B/s)" % (slope, entries_per_s, low, high))
    else:
        if t["cache_entries"] != t["lru_max"]:
            raise Fail("the LRU is not full at its bound: %r" % t)
        if gc["mark_compacts_fitted"] < 2:
            raise Fail("stable on %d mark-compacts" % gc["mark_compacts_fitted"])


@test
def test_js_lru_leak_growing_within_30s():
    check_lru_run(scenario("js_lru_leak"), "growing")


@test
def test_js_lru_fixed_stable_within_30s():
    check_lru_run(scenario("js_lru_fixed"), "stable")


@test
def test_js_emitter_load_fixed_stable_without_mark_compact():
    # a removed listener dies young: the heap after every scavenge stays flat, which is a
    # stable heap even before V8 runs any full GC
    run = scenario("js_emitter_load_fixed")
    gc = check_verdict(run, "stable")
    if gc["mark_compacts_fitted"] != 0 or gc["other_gcs_fitted"] < 3 or gc["trend_span_s"] < 10:
        raise Fail("stable from %d mark-compacts and %d other GCs over %.1f s: %s" %
                   (gc["mark_compacts_fitted"], gc["other_gcs_fitted"], gc["trend_span_s"],
                    gc["summary"]))


@test
def test_js_emitter_load_leak_never_stable():
    # without a mark-compact a rising heap is garbage or a leak: never called stable
    run = scenario("js_emitter_load_leak")
    gc = gc_of(run)
    if gc["verdict"] == "stable":
        raise Fail("a leak called stable: %s" % gc["summary"])
    if gc["verdict"] == "unknown" and not re.match(
            r"JS heap trend unknown: (no mark-compact yet; \d+ other GCs in [\d.]+ s, the heap "
            r"after them [\d.]+ to [\d.]+ MiB|1 mark-compact and \d+ other GCs so far)",
            gc["summary"]):
        raise Fail("summary %r" % gc["summary"])
    if run.truth["listeners"] != run.truth["requests"]:
        raise Fail("truth: %r" % run.truth)


@test
def test_js_gc_on_by_default():
    # no -t: GC tracing because the process carries V8, descriptors, mmap; the heap is off
    # and the report says so, and how to turn it on
    run = scenario("js_emitter_leak")
    rep = run.final()
    gc_of(run)
    if "V8 GC probes" not in run.stderr:
        raise Fail("attach line does not mention the GC probes: %s" % tail(run.stderr))
    off = [n for n in rep.get("not_loaded", []) if n.get("family") == "heap"]
    if len(off) != 1 or "-t heap" not in off[0].get("reason", ""):
        raise Fail("not_loaded does not say the heap is off by default: %r" %
                   rep.get("not_loaded"))
    if rep["heap"].get("count", 0) or rep["heap"].get("stacks"):
        raise Fail("the heap is traced by default in a process with V8: %r" %
                   {k: rep["heap"].get(k) for k in ("count", "bytes")})
    if "heap: off by default" not in run.stderr:
        raise Fail("stderr does not say the heap is off: %s" % tail(run.stderr))
    if not isinstance(rep.get("fds"), dict):
        raise Fail("descriptors are not traced by default in a process with V8")


@test
def test_js_heap_with_t_next_to_gc():
    run = scenario("js_emitter_leak_heap")
    rep = run.final()
    gc_of(run)
    if rep.get("not_loaded"):
        raise Fail("-t heap,gc left something off: %r" % rep["not_loaded"])
    if not isinstance(rep.get("heap"), dict) or rep["heap"].get("count", 0) <= 0:
        raise Fail("the heap section is empty next to GC tracing")


@test
def test_js_gc_rss_series():
    check_rss(scenario("js_emitter_fixed"))


@test
def test_js_gc_json_shape():
    gc = gc_of(scenario("js_pool_fixed"))
    for key, typ in (("collections", list), ("live_after_mark_compact_trend_bytes_per_s",
                                             (int, float)),
                     ("live_after_mark_compact_trend_r2", (int, float)), ("verdict", str),
                     ("counts", dict), ("total_pause_ms", (int, float)), ("module", str),
                     ("v8_version", str), ("summary", str), ("collections_omitted", int)):
        if not isinstance(gc.get(key), typ):
            raise Fail("gc.%s missing or of the wrong type: %r" % (key, gc.get(key)))
    for c in gc["collections"]:
        for key in ("t_s", "kind", "reason", "pause_ms", "live_before", "live_after", "rss"):
            if key not in c:
                raise Fail("collection without %s: %r" % (key, c))
    ts = [c["t_s"] for c in gc["collections"]]
    if ts != sorted(ts):
        raise Fail("collections out of time order: %s" % ts)
    if not os.path.samefile(gc["module"], system_node()):
        raise Fail("gc.module %r is not %s" % (gc["module"], system_node()))
    if not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", gc["v8_version"]):
        raise Fail("v8_version %r" % gc["v8_version"])
    for loss in ("gc_event_lost", "gc_return_missed"):
        if run_lost(scenario("js_pool_fixed"), loss) != 0:
            raise Fail("lost.%s = %s" % (loss, run_lost(scenario("js_pool_fixed"), loss)))


def run_lost(run, key):
    return run.final().get("lost", {}).get(key)


@test
def test_js_pool_leak_sockets_checked_out():
    # the leaking variant really did keep its failed connections open
    run = scenario("js_pool_leak")
    run.final()
    t = run.truth
    if t["failures"] < 100 or t["checked_out"] != t["failures"]:
        raise Fail("truth: %r" % t)


@test
def test_node18_constprop_clone_probed():
    # Node 18 calls a .constprop clone of PerformGarbageCollection: both are probed
    run = scenario("node18")
    gc_of(run)
    lines = run.stderr.splitlines()
    pgc = "leaktrace: probe Heap::PerformGarbageCollection "
    probes = [l for l in lines if l.startswith(pgc) and not l.startswith(pgc + "(return) ")]
    returns = [l for l in lines if l.startswith(pgc + "(return) ")]
    if len(probes) != 2 or len(returns) != 2:
        raise Fail("%d PerformGarbageCollection entry and %d return probes: %s" %
                   (len(probes), len(returns), probes + returns))
    for l in probes:
        if not re.search(r"node\+0x[0-9a-f]+ .* (emulated|single-stepped)$", l):
            raise Fail("probe line does not say where it landed: %s" % l)


@test
def test_node_versions_module_and_version():
    seen = {}
    for v in NODE_VERSIONS:
        try:
            node = node_binary(v)
        except Skip:
            continue
        gc = gc_of(scenario("node%s" % v))
        if not os.path.samefile(gc["module"], node):
            raise Fail("Node %s: gc.module %r" % (v, gc["module"]))
        seen[v] = gc["v8_version"]
    if not seen:
        raise Skip("no Node version could be fetched")
    if len(set(seen.values())) != len(seen):
        raise Fail("V8 versions not distinct across Node versions: %s" % seen)


@test
def test_no_v8_says_why():
    # a C program: everything else works, and the report says why there is no GC section
    run = scenario("heap")
    gc = run.final().get("gc")
    if not isinstance(gc, dict) or gc.get("traced") is not False:
        raise Fail("gc object %r" % gc)
    if gc.get("off_reason") != "no V8 symbols in this process" or gc.get("verdict") != "unknown":
        raise Fail("off_reason %r, verdict %r" % (gc.get("off_reason"), gc.get("verdict")))
    if gc.get("collections") != []:
        raise Fail("collections in a process without V8: %r" % gc.get("collections"))


@test
def test_no_v8_text_says_why():
    run = scenario("text")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s" % run.rc)
    if "\nJS heap (V8): not traced: no V8 symbols in this process\n" not in run.raw:
        raise Fail("text report lacks the reason: %s" % tail(run.raw, 4))


@test
def test_error_gc_only_without_v8():
    check_budget()
    path = os.path.join(REPO, "build", "targets", "heap_leaks")
    if not os.access(path, os.X_OK):
        raise Fail("target %s not built" % path)
    tgt = spawn([path, "wait"])
    try:
        i = tgt.out.wait_for(lambda l: l.startswith("ready "), STEP_TIMEOUT, "heap_leaks ready")
        pid = int(tgt.out.lines[i].split()[1])
        p = spawn([LEAKTRACE, "-p", str(pid), "-t", "gc"])
        rc = wait_proc(p, 30, "leaktrace -t gc on a C program")
        p.err.wait_eof(5)
        err = [l for l in p.err.lines if l.strip()]
        if rc == 0 or rc < 0 or len(err) != 1:
            raise Fail("rc %s, stderr %r" % (rc, err))
        if "no V8 symbols in this process" not in err[0] or str(pid) not in err[0]:
            raise Fail("error line: %s" % err[0])
        if tgt.poll() is not None:
            raise Fail("target died")
    finally:
        if tgt.poll() is None:
            tgt.kill()
            tgt.wait(5)
