# SPDX-License-Identifier: GPL-2.0
"""-t jsheap against real Node processes (tests/targets/js_heap_app.js, which drives its own
HTTP load through a local TCP "database"): the leaky twin shows growing allocation sites in
its file under the right function names and lines, the fixed twin none; every safety rule
of docs/jsheap.md is exercised: the refusals (an application's SIGUSR1 handler, no handler,
--disable-sigusr1, the default port taken, another leaktrace in the namespace), an
inspector that was already open (left open), another client connected at the end (left
open, warned), a target in its own network namespace, kill -9 of leaktrace (the dead-man
timer closes the port and the target keeps serving), and repeated open/close cycles.
After each run the target listens on exactly the ports it had."""

import json
import re
import signal
import socket
import subprocess
import time
import urllib.request

from harness import LEAKTRACE, STEP_TIMEOUT, Fail, Skip, spawn, tail, wait_proc
from registry import scenario, scenarios, test
from suite_v8gc import node_binary, system_node
from jsheap_app import (APP, DEADMAN_S, TRACE_S, App, app_lines, check_restored, describe,
                        growing, in_app, js_heap_of, listen_ports, netns_app, trace)


def leak_run(node=None):
    app = App("leak", node=node)
    try:
        # a loaded machine can make V8's forced GC of ~70 MiB cost over the default budget
        got = trace(app.pid, "--js-sample-interval", "32K", "--js-gc-pause-max", "5000")
        check_restored(app)
        got += (app.stats(),)
    finally:
        app.stop()
    return got


def fixed_run():
    app = App("fixed")
    try:
        got = trace(app.pid, "--js-sample-interval", "32K")
        check_restored(app)
        got += (app.stats(),)
    finally:
        app.stop()
    return got


scenarios({
    "jsheap_leak": lambda: leak_run(),
    "jsheap_fixed": fixed_run,
    "jsheap_leak22": lambda: leak_run(node_binary("22")),
    "jsheap_leak24": lambda: leak_run(node_binary("24")),
})


def check_leak_sites(run):
    rc, rep, err, stats = run
    js = js_heap_of(rc, rep, err)
    lines = app_lines()
    sites = growing(js["sites"])
    funcs = growing(js["functions"])
    names = {(r["frames"][0]["symbol"], r["frames"][0]["line"]) for r in sites + funcs}
    # the listener's closure (watchConfig), the Map's entries (getSession) and the pool's
    # connections (Connection, made in checkout); TurboFan may inline watchConfig and
    # getSession into the route handler once warm, so each is looked for as a site or a
    # function row, or as a caller of a growing site
    callers = {(f["symbol"], f["line"]) for r in sites for f in r["frames"]}
    for name in ("watchConfig", "getSession", "Connection"):
        key = (name, lines[name])
        if key not in names and key not in callers:
            raise Fail("no growing site or function %s at line %d (stats %s): %s" %
                       (name, lines[name], stats, describe(sites)))
    conn = [r for r in sites if r["frames"][0]["symbol"] == "Connection"]
    if not conn or conn[0]["frames"][0]["line"] != lines["Connection"]:
        raise Fail("the pool's Connection is not a growing site: %s" % describe(sites))
    for r in sites:
        if r["survivors_first_half"] < 0.2 or r["trend"]["per_s"] <= 0:
            raise Fail("growing site without accumulating survivors: %s" % describe([r]))
    reads = [r for r in js["reads"] if not r["skipped"]]
    if len(reads) != 2 or js["forced_gcs"] != 2:
        raise Fail("%d reads, %d forced GCs, expected 2 and 2: %s" %
                   (len(reads), js["forced_gcs"], js["reads"]))
    if not 0 < js["max_pause_ms"] < 10000 or not all(r["pause_ms"] > 0 for r in reads):
        raise Fail("pauses %s" % js["reads"])
    if not js["inspector_opened"] or not js["inspector_closed"]:
        raise Fail("inspector opened %s closed %s" % (js["inspector_opened"],
                                                       js["inspector_closed"]))
    if not TRACE_S <= js["inspector_open_s"] < TRACE_S + 20:
        raise Fail("inspector open for %r s in a %d s trace" % (js["inspector_open_s"],
                                                               TRACE_S))
    order = [r["trend"]["per_s"] for r in js["sites"] if r["trend"]["verdict"] == "growing"]
    if order != sorted(order, reverse=True):
        raise Fail("growing sites not sorted by growth: %s" % order)
    # the growing sites are leak suspects too, named by their JS frames
    js_sus = [s for s in rep["suspects"] if s["kind"] == "js_site"]
    if not js_sus:
        raise Fail("no js_site suspect: %s" % [s["what"] for s in rep["suspects"]])
    top = max(sites, key=lambda r: r["trend"]["per_s"])
    if js_sus[0]["frames"][0]["symbol"] != top["frames"][0]["symbol"] or \
            abs(js_sus[0]["per_s"] - top["trend"]["per_s"]) > 1 or \
            top["frames"][0]["symbol"] not in js_sus[0]["what"]:
        raise Fail("js_site suspect %r is not the fastest growing site %s" %
                   (js_sus[0], describe([top])))


@test
def test_jsheap_leak_sites_node20():
    check_leak_sites(scenario("jsheap_leak"))


@test
def test_jsheap_leak_sites_node22():
    check_leak_sites(scenario("jsheap_leak22"))


@test
def test_jsheap_leak_sites_node24():
    check_leak_sites(scenario("jsheap_leak24"))


@test
def test_jsheap_fixed_no_growing_site():
    rc, rep, err, stats = scenario("jsheap_fixed")
    js = js_heap_of(rc, rep, err)
    bad = growing(js["sites"]) + growing(js["functions"]) + growing(js["files"])
    if bad:
        raise Fail("growing rows in the fixed app (stats %s): %s" % (stats, describe(bad)))
    sus = [s["what"] for s in rep["suspects"] if s["kind"] == "js_site"]
    if sus:
        raise Fail("js_site suspects in the fixed app: %s" % sus)
    if not any(in_app(r) for r in js["sites"]):
        raise Fail("no site in the app's file at all: the test would pass on an empty "
                   "profile")


@test
def test_jsheap_json_shape():
    rc, rep, err, _ = scenario("jsheap_leak")
    js = js_heap_of(rc, rep, err)
    for key in ("sampling_interval_bytes", "reads", "inspector_open_s", "sites", "listeners"):
        if key not in js:
            raise Fail("js_heap has no %s" % key)
    if js["sampling_interval_bytes"] != 32768:
        raise Fail("sampling_interval_bytes %r" % js["sampling_interval_bytes"])
    site = js["sites"][0]
    for key in ("bytes", "count", "trend", "survivors_first_half", "frames"):
        if key not in site:
            raise Fail("site has no %s" % key)
    for key in ("verdict", "per_s", "r2", "span_s"):
        if key not in site["trend"]:
            raise Fail("trend has no %s" % key)
    fr = site["frames"][0]
    if set(fr) != {"symbol", "file", "line", "column", "js"} or fr["js"] is not True:
        raise Fail("frame %r" % fr)


@test
def test_jsheap_pause_budget_skips_reads():
    """A budget under any forced GC's predicted pause: every read is skipped and said, the
    sampler is stopped by the close all the same, and the target is left as it was."""
    app = App("leak")
    try:
        rc, rep, err = trace(app.pid, "--js-gc-pause-max", "1", duration=3)
        if rc != 0 or not rep:
            raise Fail("rc %d: %s" % (rc, tail(err)))
        js = rep["js_heap"]
        if js["traced"] or js["forced_gcs"] or not js["reads"]:
            raise Fail("traced %s, %d forced GCs, reads %s" % (js["traced"], js["forced_gcs"],
                                                            js["reads"]))
        for r in js["reads"]:
            if not r["skipped"] or r["predicted_pause_ms"] <= 1:
                raise Fail("read not skipped: %s" % r)
        if "read skipped: its forced full GC would pause the target" not in err:
            raise Fail("no word of the skipped reads: %s" % tail(err))
        if not js["inspector_closed"]:
            raise Fail("inspector left open")
        check_restored(app)
    finally:
        app.stop()


def check_refused(app, want, *extra):
    rc, rep, err = trace(app.pid, *extra, duration=2)
    if rc == 0:
        raise Fail("leaktrace ran (rc 0), expected a refusal: %s" % tail(err))
    if not re.search(want, err):
        raise Fail("stderr does not say %r: %s" % (want, tail(err)))
    if len([l for l in err.splitlines() if "jsheap" in l]) != 1:
        raise Fail("not one clear line: %s" % tail(err))
    check_restored(app)
    return err


@test
def test_jsheap_refuses_app_sigusr1_handler():
    app = App("leak", prefix=(), extra=(), sigusr1=True)
    p = app.p
    try:
        check_refused(app, r"application's .*process\.on\('SIGUSR1'\)")
        if any("app got SIGUSR1" in l for l in p.out.lines):
            raise Fail("the application's handler ran: a signal was sent")
    finally:
        app.stop()


@test
def test_jsheap_refuses_disable_sigusr1():
    app = App("leak", node=node_binary("22"), extra=("--disable-sigusr1",))
    try:
        check_refused(app, r"disabled by --disable-sigusr1")
    finally:
        app.stop()


@test
def test_jsheap_refuses_no_handler():
    p = spawn(["sleep", "300"])
    try:
        time.sleep(0.2)
        rc, rep, err = trace(p.pid, duration=2)
        if rc == 0 or "does not catch SIGUSR1" not in err:
            raise Fail("rc %d: %s" % (rc, tail(err)))
        if p.poll() is not None:
            raise Fail("the process died")
    finally:
        p.kill()


@test
def test_jsheap_refuses_port_taken():
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 9229))
    except OSError as e:
        holder.close()
        raise Skip("127.0.0.1:9229 is in use already: %s" % e)
    holder.listen(1)
    app = App("leak")
    try:
        check_refused(app, r"no inspector port appeared .*held by 127\.0\.0\.1:9229")
    finally:
        app.stop()
        holder.close()


@test
def test_jsheap_one_leaktrace_per_netns():
    a, b = App("fixed"), App("fixed")
    try:
        first = spawn([LEAKTRACE, "-p", str(a.pid), "-t", "jsheap", "-d", "15"])
        first.err.wait_for(lambda l: "JS heap sampling" in l, 30, "first leaktrace")
        err = check_refused(b, r"another leaktrace has an inspector open in its network")
        rc = wait_proc(first, 60, "first leaktrace")
        if rc != 0:
            raise Fail("the first leaktrace failed: %s" % tail(first.err.text()))
        check_restored(a)
    finally:
        a.stop()
        b.stop()


@test
def test_jsheap_leaves_open_inspector_open():
    app = App("fixed", extra=("--inspect=127.0.0.1:0",))
    try:
        rc, rep, err = trace(app.pid, duration=3)
        js = js_heap_of(rc, rep, err)
        if js["inspector_opened"] or js["inspector_closed"]:
            raise Fail("opened %s closed %s, expected an open inspector left as it was" %
                       (js["inspector_opened"], js["inspector_closed"]))
        check_restored(app)  # its inspector port included
    finally:
        app.stop()


def ws_client(port):
    """A second inspector client: /json/list, then the upgrade; it stays connected."""
    with urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=5) as r:
        tid = json.loads(r.read())[0]["id"]
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(("GET /%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (tid, port)).encode())
    if not s.recv(4096).startswith(b"HTTP/1.1 101"):
        raise Fail("the second client's upgrade failed")
    return s


@test
def test_jsheap_other_client_not_closed():
    app = App("fixed")
    client = None
    try:
        p = spawn([LEAKTRACE, "-p", str(app.pid), "-t", "jsheap", "-d", "4", "-f", "json"])
        p.err.wait_for(lambda l: "JS heap sampling" in l, 30, "leaktrace")
        port = (listen_ports(app.pid) - app.listen0).pop()
        client = ws_client(port)
        rc = wait_proc(p, 60, "leaktrace")
        p.out.wait_eof(5)
        rep = [json.loads(l) for l in p.out.lines if l.startswith("{")][-1]
        js = js_heap_of(rc, rep, p.err.text())
        if js["inspector_closed"] or "another inspector client" not in (js["warning"] or ""):
            raise Fail("closed %s, warning %r" % (js["inspector_closed"], js["warning"]))
        if "another inspector client is connected" not in p.err.text():
            raise Fail("no warning on stderr: %s" % tail(p.err.text()))
        if port not in listen_ports(app.pid):
            raise Fail("the inspector was closed under the other client")
        app.stats()  # the event loop was not blocked
    finally:
        if client:
            client.close()
        app.stop()


@test
def test_jsheap_other_netns():
    if subprocess.run(["unshare", "--net", "true"]).returncode != 0:
        raise Skip("unshare --net does not work here")
    app = netns_app("leak")
    try:
        js = js_heap_of(*trace(app.pid, "--js-sample-interval", "32K", duration=5))
        if not growing(js["sites"]):
            raise Fail("no growing site in another network namespace: %s" %
                       describe(js["sites"]))
        check_restored(app)
    finally:
        app.stop()


@test
def test_jsheap_kill9_deadman():
    """The dead-man timer closes the port and removes the listener hook."""
    app = App("fixed")
    try:
        p = spawn([LEAKTRACE, "-p", str(app.pid), "-t", "jsheap", "--js-listeners", "-d",
                   "120"])
        p.err.wait_for(lambda l: "JS heap sampling" in l, 30, "leaktrace")
        opened = time.monotonic()
        if listen_ports(app.pid) == app.listen0:
            raise Fail("no inspector port while tracing")
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        while listen_ports(app.pid) != app.listen0:
            if time.monotonic() - opened > DEADMAN_S + 15:
                raise Fail("the inspector port is still open %d s after leaktrace died" %
                           (time.monotonic() - opened))
            time.sleep(0.5)
        check_restored(app)
        time.sleep(1)
        app.stats()  # still serving, and no longer hooked
    finally:
        app.stop()


@test
def test_jsheap_open_close_cycles():
    # the fixed twin: the leaky one outgrows the pause budget within a few cycles
    app = App("fixed")
    try:
        for i in range(20):
            rc, rep, err = trace(app.pid, "--js-gc-pause-max", "5000", duration=0.3,
                                 families="jsheap")
            js_heap_of(rc, rep, err)
            check_restored(app)
    except Fail as e:
        raise Fail("cycle %d: %s" % (i + 1, e)) from None
    finally:
        app.stop()


def listeners_run(mode):
    app = App(mode)
    try:
        got = trace(app.pid, "--js-listeners", duration=5)
        check_restored(app)  # stats() fails while the hook is in place
        got += (app.stats(),)
    finally:
        app.stop()
    return got


scenarios({
    "jsheap_listeners_leak": lambda: listeners_run("leak"),
    "jsheap_listeners_fixed": lambda: listeners_run("fixed"),
})


@test
def test_jsheap_listeners_leak():
    rc, rep, err, stats = scenario("jsheap_listeners_leak")
    js = js_heap_of(rc, rep, err)
    line = app_lines()["on"]
    change = [l for l in js["listeners"] if l["event"] == "change"]
    if not js.get("listeners_hooked") or not change:
        raise Fail("no growing 'change' listeners: %s" % js["listeners"])
    l = change[0]
    if not l["emitter"].startswith("EventEmitter#") or l["after"] - l["before"] < 100:
        raise Fail("listener row %s" % l)
    if l["after"] > stats["listeners"] or l["per_s"] <= 0 or l["adds"] < l["after"] - l["before"]:
        raise Fail("listener row %s against the app's %s" % (l, stats))
    if not re.match(r"watchConfig \(.*js_heap_app\.js:%d:\d+\) <- " % line, l["site"]):
        raise Fail("call site %r, expected watchConfig at js_heap_app.js:%d" % (l["site"], line))
    others = [x for x in js["listeners"] if x["event"] != "change"]
    if others:
        raise Fail("listeners of per-request emitters reported: %s" % others)
    # the growing emitter is a leak suspect too, with its counts and .on() site
    sus = [s for s in rep["suspects"] if s["kind"] == "js_listener"]
    if len(sus) != 1 or sus[0]["listener"]["event"] != "change" or \
            sus[0]["listener"]["site"] != l["site"] or sus[0]["unit"] != "listeners" or \
            sus[0]["r2"] is not None or "added from watchConfig" not in sus[0]["what"]:
        raise Fail("js_listener suspects %s" % sus)


@test
def test_jsheap_listeners_fixed():
    rc, rep, err, stats = scenario("jsheap_listeners_fixed")
    js = js_heap_of(rc, rep, err)
    if not js.get("listeners_hooked") or js["listeners"]:
        raise Fail("hooked %s, listeners %s" % (js.get("listeners_hooked"), js["listeners"]))
    sus = [s for s in rep["suspects"] if s["kind"] == "js_listener"]
    if sus:
        raise Fail("js_listener suspects in the fixed app: %s" % sus)


@test
def test_jsheap_interval_reports():
    """Interval reports say the sites come at the end; the final one has them."""
    app = App("leak")
    try:
        p = spawn([LEAKTRACE, "-p", str(app.pid), "-t", "jsheap", "-d", "5", "-f", "json",
                   "--js-sample-interval", "32K", "2"])
        rc = wait_proc(p, 60, "leaktrace")
        p.out.wait_eof(5)
        reps = [json.loads(l) for l in p.out.lines if l.startswith("{")]
        if rc != 0 or len(reps) < 2:
            raise Fail("rc %d, %d reports: %s" % (rc, len(reps), tail(p.err.text())))
        first, last = reps[0]["js_heap"], reps[-1]["js_heap"]
        if first["traced"] or "final report" not in (first["status"] or ""):
            raise Fail("interval report's js_heap: %s" % first)
        if not last["traced"] or last["status"] is not None or not growing(last["sites"]):
            raise Fail("final js_heap: traced %s status %r, sites %s" %
                       (last["traced"], last["status"], describe(last["sites"])))
        check_restored(app)
    finally:
        app.stop()


# ---- issue 12 item 4: the socket suspect names who allocated its sockets' owner ----

POOL_S = 8


def pool_run(mode, families="fd,sock,gc,jsheap", node=None):
    """The app in a namespace of its own (the inspector's default port is its own), traced
    with descriptors and sockets; 16 KiB sampling: a net.Socket is about 1 KiB of JS
    objects, and the join needs six samples of them."""
    if subprocess.run(["unshare", "--net", "true"]).returncode != 0:
        raise Skip("unshare --net does not work here")
    app = netns_app(mode, node)
    try:
        extra = ("--js-sample-interval", "16K", "--js-gc-pause-max", "5000")
        got = trace(app.pid, *(extra if "jsheap" in families else ()), duration=POOL_S,
                    families=families)
        check_restored(app)
    finally:
        app.stop()
    return got


scenarios({
    "jsheap_pool_leak": lambda: pool_run("leak"),
    "jsheap_pool_fixed": lambda: pool_run("fixed"),
    "jsheap_pool_nojsheap": lambda: pool_run("leak", families="fd,sock,gc"),
    "jsheap_pool_nogc": lambda: pool_run("leak", families="fd,sock"),
    "jsheap_pool_leak22": lambda: pool_run("leak", node=node_binary("22")),
    "jsheap_pool_leak24": lambda: pool_run("leak", node=node_binary("24")),
})


def socket_suspects(rep):
    return [s for s in rep["suspects"] if s["kind"] == "socket"]


def pool_socket_suspect(run):
    rc, rep, err = run
    if rc != 0 or not rep:
        raise Fail("leaktrace exited %d: %s" % (rc, tail(err)))
    sus = socket_suspects(rep)
    if len(sus) != 1:
        raise Fail("%d socket suspects, expected 1 (the pool's peer): %s" %
                   (len(sus), [s["what"] for s in rep["suspects"]]))
    return rep, sus[0]


def check_socket_owner(run):
    rep, sus = pool_socket_suspect(run)
    lines = app_lines()
    owner = sus.get("owner")
    if not owner or "owner_unknown" in sus:
        raise Fail("no owner: %s; socket_owners %s" %
                   (sus.get("owner_unknown"), describe(rep["js_heap"]["socket_owners"])))
    got = [(f["symbol"], f["line"]) for f in owner["frames"]]
    # net.connect is called in Connection's constructor, which checkout calls
    if got[:2] != [("Connection", lines["Connection"]), ("checkout", lines["checkout"])]:
        raise Fail("owner frames %s, expected Connection:%d <- checkout:%d" %
                   (got, lines["Connection"], lines["checkout"]))
    if not all(f["file"].endswith("js_heap_app.js") for f in owner["frames"][:2]):
        raise Fail("owner files %s" % [f["file"] for f in owner["frames"]])
    want = ("; owner: net.Socket allocated from Connection (js_heap_app.js:%d:" %
            lines["Connection"], "\u2190 checkout (js_heap_app.js:%d)" % lines["checkout"])
    if not all(w in sus["what"] for w in want) or owner["per_s"] <= 0:
        raise Fail("socket suspect line %r, owner %r" % (sus["what"], owner))


@test
def test_jsheap_socket_owner_is_checkout_node20():
    check_socket_owner(scenario("jsheap_pool_leak"))


@test
def test_jsheap_socket_owner_is_checkout_node22():
    check_socket_owner(scenario("jsheap_pool_leak22"))


@test
def test_jsheap_socket_owner_is_checkout_node24():
    check_socket_owner(scenario("jsheap_pool_leak24"))


@test
def test_jsheap_socket_owner_fixed_twin_none():
    rc, rep, err = scenario("jsheap_pool_fixed")
    if rc != 0 or not rep:
        raise Fail("leaktrace exited %d: %s" % (rc, tail(err)))
    if socket_suspects(rep):
        raise Fail("the fixed pool has a socket suspect: %s" %
                   [s["what"] for s in socket_suspects(rep)])
    named = [s for s in rep["suspects"] if "owner" in s or "owner_unknown" in s]
    if named or "owner" in " ".join(s["what"] for s in rep["suspects"]):
        raise Fail("an owner on the fixed twin: %s" % [s["what"] for s in named])


def check_owner_hint(run):
    rep, sus = pool_socket_suspect(run)
    hint = "run with -t jsheap to see which JS function opened it (cost: "
    if "owner" in sus or not (sus.get("owner_unknown") or "").startswith(hint):
        raise Fail("socket suspect without -t jsheap: %r" % sus)
    if "; owner unknown: " + hint not in sus["what"]:
        raise Fail("the suspect line lacks the hint: %r" % sus["what"])


@test
def test_jsheap_socket_owner_hint_without_jsheap():
    check_owner_hint(scenario("jsheap_pool_nojsheap"))


@test
def test_jsheap_socket_owner_hint_without_gc():
    """-t fd,sock: V8 is not traced, the JS frames of the opening stack say it runs."""
    check_owner_hint(scenario("jsheap_pool_nogc"))


@test
def test_jsheap_suggested_when_js_heap_grows():
    """Item 5: a growing JS heap traced without -t jsheap: its suspect says how to see
    the sites, with the cost, and the js_heap member carries the same suggestion."""
    rep = scenario("js_emitter_leak").final()
    sus = [s for s in rep["suspects"] if s["kind"] == "js_heap"]
    if (rep.get("gc") or {}).get("verdict") != "growing" or not sus:
        raise Fail("no growing JS heap suspect: gc %s, suspects %s" %
                   ((rep.get("gc") or {}).get("verdict"), [s["what"] for s in rep["suspects"]]))
    hint = sus[0].get("hint") or ""
    if "-t jsheap" not in hint or "forces a full GC" not in hint or hint not in sus[0]["what"]:
        raise Fail("js_heap suspect %r" % sus[0])
    if (rep.get("js_heap") or {}).get("suggestion") != hint:
        raise Fail("js_heap member %r" % rep.get("js_heap"))
