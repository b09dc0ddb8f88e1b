# SPDX-License-Identifier: GPL-2.0
"""Descriptor stacks through Node.js: the sockets a JS connection pool leaks are reported by
the stack that opened them, with their JS frames named from the process (no restart, no
perf map). Node defers a connect to an IP address to process.nextTick, so the JS function
on the stack when the socket is created is node's internalConnect, run from
processTicksAndRejections; the pool's own function has returned by then."""

from checks import describe, describe_section
from harness import Fail
from registry import scenario, scenarios, test
from suite_v8gc import js_attach_run

scenarios({
    "js_pool_sockets": lambda: js_attach_run("js_pool", "leak", extra=("-t", "fd,sock"),
                                             mode="hold"),
})


def js_names(stack):
    return [f["symbol"] for f in stack["frames"] if f.get("js")]


def socket_stacks(rep):
    return [s for s in rep["fds"]["stacks"] if s["kind"] == "socket"]


def final(run):
    if run.error:
        raise Fail(run.error)
    return run.final()


@test
def test_js_socket_stacks_named():
    run = scenario("js_pool_sockets")
    rep = final(run)
    opened = run.truth["opened"]
    client = [s for s in socket_stacks(rep) if "internalConnect" in js_names(s)]
    n = sum(s["count"] for s in client)
    if n != opened:
        raise Fail("%d sockets in stacks through JS internalConnect, the pool opened %d: %s" %
                   (n, opened, describe_section(rep["fds"])))
    for s in client:
        names = js_names(s)
        if "processTicksAndRejections" not in names[names.index("internalConnect"):]:
            raise Fail("internalConnect not run from processTicksAndRejections: %s" %
                       describe(s, 30))
        if s["frames"][0]["symbol"] != "uv__socket":
            raise Fail("frames[0] is not libuv's uv__socket: %s" % describe(s, 4))
    if rep["lost"].get("js_frame_unnamed"):
        raise Fail("js_frame_unnamed %d" % rep["lost"]["js_frame_unnamed"])


@test
def test_js_socket_peers():
    run = scenario("js_pool_sockets")
    rep = final(run)
    opened = run.truth["opened"]
    # the client ends, all to the pool's server, and the server's accepted ends
    peers = rep["sockets"]["by_peer"]
    port_peers = [p for p in peers if p["states"].get("ESTABLISHED") == p["count"]]
    total = sum(p["count"] for p in port_peers)
    if total != 2 * opened:
        raise Fail("%d ESTABLISHED sockets by peer, want %d (both ends of %d connections): %r" %
                   (total, 2 * opened, opened, peers[:4]))
    accepted = [s for s in socket_stacks(rep) if s["frames"] and
                s["frames"][0]["symbol"] == "uv__accept"]
    if sum(s["count"] for s in accepted) != opened:
        raise Fail("accepted sockets %d, want %d" % (sum(s["count"] for s in accepted), opened))
