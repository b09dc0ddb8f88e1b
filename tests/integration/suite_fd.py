# SPDX-License-Identifier: GPL-2.0
"""Descriptor and socket leaks (-t fd,sock): exact counts by opening stack, kinds, paths,
peers, TCP states, dup2 over an open descriptor, close_range, exec and close-on-exec,
descriptors open before attach, folded counts, whole peer addresses (in network namespaces)."""

import os
import re
import subprocess

from checks import frame_syms, sym_is
from harness import TARGETS, Fail, Skip, attach_run
from registry import scenario, scenarios, test

scenarios({
    "fd": lambda: attach_run("fd_leaks", extra=["-t", "fd,sock"]),
    "fd_exec": lambda: attach_run("fd_exec", extra=["-t", "fd"]),
    "fd_folded": lambda: attach_run("fd_leaks", fmt="folded", extra=["-t", "fd"]),
    "fd_text": lambda: attach_run("fd_leaks", fmt="text", extra=["-t", "fd,sock"]),
    "fd_pair_race": lambda: attach_run("fd_pair_race", extra=["-t", "fd"]),
})


def fd_stacks(rep, fn):
    """Descriptor stacks whose frames[0] is fn."""
    if not isinstance(rep.get("fds"), dict):
        raise Fail("report has no fds section")
    return [st for st in rep["fds"]["stacks"] if sym_is((frame_syms(st) or [None])[0], fn)]


def describe_fds(rep, n=8):
    return "; ".join("%d %s %s at %s" % (st["count"], st["kind"], st["examples"],
                                        (frame_syms(st) or ["?"])[0])
                     for st in rep["fds"]["stacks"][:n])


def expect_fds(rep, fn, count, kind, examples):
    stacks = fd_stacks(rep, fn)
    got = sum(st["count"] for st in stacks)
    if got != count:
        raise Fail("%s: %d descriptors, expected %d; stacks: %s" % (fn, got, count,
                                                                     describe_fds(rep)))
    for st in stacks:
        if st["kind"] != kind or sorted(st["examples"]) != sorted(examples):
            raise Fail("%s: kind %s examples %s, expected %s %s" % (fn, st["kind"],
                                                                  st["examples"], kind, examples))
        if st["opened"] != st["count"] or st["closed"] != 0 or st["net"] != st["count"]:
            raise Fail("%s: opened %s closed %s net %s for %s outstanding" %
                       (fn, st["opened"], st["closed"], st["net"], st["count"]))
    return stacks


@test
def test_fd_files_by_stack():
    run = scenario("fd")
    rep = run.final()
    expect_fds(rep, "leak_file", run.truth["leak_files"], "file", [run.truth["path"]])


@test
def test_fd_closed_absent():
    run = scenario("fd")
    rep = run.final()
    for fn in run.truth["absent"].split(","):
        if fd_stacks(rep, fn):
            raise Fail("%s reported: %s" % (fn, describe_fds(rep)))


@test
def test_fd_dup2_over_open():
    # open_victim's descriptor was replaced by dup2: gone; the dup is dup2_over's
    run = scenario("fd")
    rep = run.final()
    expect_fds(rep, "dup2_over", 1, "file", [run.truth["path"]])
    if fd_stacks(rep, "open_victim"):
        raise Fail("open_victim still outstanding after dup2 over it")


@test
def test_fd_close_range():
    rep = scenario("fd").final()
    if fd_stacks(rep, "range_open"):
        raise Fail("descriptors closed by close_range still reported: %s" % describe_fds(rep))
    # reconciliation with /proc would hide a close_range not followed: it must not be needed
    if rep["lost"]["fd_close_missed"] != 0:
        raise Fail("fd_close_missed %s: close_range was not followed" %
                   rep["lost"]["fd_close_missed"])


@test
def test_fd_total_and_losses():
    run = scenario("fd")
    rep = run.final()
    want = run.truth["leak_files"] + run.truth["leak_conns"] + 1
    if rep["fds"]["count"] != want:
        raise Fail("fds.count %s, expected %d: %s" % (rep["fds"]["count"], want,
                                                      describe_fds(rep, 20)))
    if sum(st["count"] for st in rep["fds"]["stacks"]) != want:
        raise Fail("stacks do not sum to fds.count")
    for key in ("fd_close_missed", "ringbuf_full", "sock_map_full"):
        if rep["lost"].get(key) != 0:
            raise Fail("lost.%s = %r" % (key, rep["lost"].get(key)))


@test
def test_fd_sockets_close_wait():
    run = scenario("fd")
    rep = run.final()
    peer = "127.0.0.1:%d" % run.truth["port"]
    n = run.truth["leak_conns"]
    stacks = expect_fds(rep, "leak_conn", n, "socket", [peer])
    socks = rep.get("sockets")
    if not isinstance(socks, dict):
        raise Fail("report has no sockets section")
    if socks["close_wait"] != n:
        raise Fail("sockets.close_wait %s, expected %d: %s" % (socks["close_wait"], n, socks))
    # every peer has its trend (suite_trend checks what it says)
    by_peer = [{k: v for k, v in p.items() if k != "trend"} for p in socks["by_peer"]]
    if by_peer != [{"peer": peer, "count": n, "states": {"CLOSE_WAIT": n},
                    "established_change": 0}] or \
            any("verdict" not in p.get("trend", {}) for p in socks["by_peer"]):
        raise Fail("by_peer %s, expected %d to %s in CLOSE_WAIT" % (socks["by_peer"], n, peer))
    ids = {st["stack_id"] for st in stacks}
    groups = socks["close_wait_groups"]
    if sum(g["count"] for g in groups) != n or any(g["stack_id"] not in ids or
                                                  g["peer"] != peer for g in groups):
        raise Fail("close_wait_groups %s do not point at leak_conn's stacks" % groups)
    if any(not 0 <= g["oldest_s"] < 60 for g in groups):
        raise Fail("CLOSE_WAIT ages %s" % [g["oldest_s"] for g in groups])


@test
def test_fd_preexisting():
    rep = scenario("fd").final()
    pre = rep["fds"]["preexisting_fds"]
    if rep["fds"]["preexisting"] != len(pre):
        raise Fail("preexisting %s but %d listed" % (rep["fds"]["preexisting"], len(pre)))
    kinds = {(p["kind"], p["path"]) for p in pre}
    if ("chardev", "/dev/null") not in kinds:
        raise Fail("/dev/null opened before attach not listed: %s" % sorted(kinds))
    if sum(1 for p in pre if p["kind"] == "pipe") < 2:
        raise Fail("the pipe opened before attach is not listed: %s" % sorted(kinds))
    if not any(p["kind"] == "socket" and p.get("proto") == "tcp" and
               p.get("state") == "LISTEN" for p in pre):
        raise Fail("the listening socket opened before attach is not listed: %s" % pre)
    for st in rep["fds"]["stacks"]:
        if "/dev/null" in st["examples"]:
            raise Fail("a pre-existing descriptor counted in a stack: %s" % st)


@test
def test_fd_exec_cloexec():
    run = scenario("fd_exec")
    rep = run.final()
    t = run.truth
    expect_fds(rep, "keep_across_exec", t["keep_count"], "file", [t["keep"]])
    for st in rep["fds"]["stacks"]:
        if t["drop"] in st["examples"] or sym_is((frame_syms(st) or [None])[0], "drop_at_exec"):
            raise Fail("close-on-exec descriptor still reported after exec: %s" % st)
    if rep["fds"]["count"] != t["keep_count"]:
        raise Fail("fds.count %s after exec, expected %d: %s" % (rep["fds"]["count"],
                                                                t["keep_count"], describe_fds(rep)))
    if rep["lost"]["fd_close_missed"] != 0:
        raise Fail("fd_close_missed %s" % rep["lost"]["fd_close_missed"])


@test
def test_fd_folded_counts():
    run = scenario("fd_folded")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s" % run.rc)
    rows = []
    for line in run.raw.splitlines():
        m = re.fullmatch(r"(.+) (\d+)", line)
        if not m:
            raise Fail("folded line does not parse: %.200s" % line)
        rows.append((m.group(1).split(";"), int(m.group(2))))
    for fn, want in (("leak_file", 5), ("leak_conn", 3), ("dup2_over", 1)):
        got = sum(v for frames, v in rows if sym_is(frames[-1], fn))
        if got != want:
            raise Fail("folded lines ending in %s sum to %d, expected %d" % (fn, got, want))
    if sum(v for _, v in rows) != 9:
        raise Fail("folded values sum to %d, expected 9 descriptors" % sum(v for _, v in rows))


@test
def test_fd_text_sections():
    run = scenario("fd_text")
    if run.error or run.rc != 0:
        raise Fail(run.error or "exit code %s" % run.rc)
    peer = "127.0.0.1:%d" % run.truth["port"]
    for want in (r"descriptors: 9 outstanding", r"CLOSE_WAIT: \d+ sockets? to " + re.escape(peer),
                 r"leak_file\+0x", r"e\.g\. " + re.escape(run.truth["path"]),
                 re.escape(peer) + r": 3 \(CLOSE_WAIT 3\)", r"pre-existing: fd 0 "):
        if not re.search(want, run.raw):
            raise Fail("text report lacks /%s/" % want)


@test
def test_fd_pair_unread_counted():
    """A pipe whose result page turns PROT_NONE between the kernel's write and the exit
    tracepoint's read is a race the target runs for 1.5 s (a few hits a second here): the
    pair is counted as fd_pair_unread, and no descriptor is reported outstanding.
    ringbuf_full is not checked: on a loaded machine the consumer may really fall behind."""
    if len(os.sched_getaffinity(0)) < 2:
        # the page must turn PROT_NONE on another CPU while this one is inside the syscall
        raise Skip("the race needs two CPUs running at once; this machine has one")
    run = scenario("fd_pair_race")
    rep = run.final()
    # A race: a run that happened not to hit it (an idle or emulated machine) is tried
    # again, twice at most; a miscounted pair never shows as fd_pair_unread however often.
    for _ in range(2):
        if rep["lost"].get("fd_pair_unread"):
            break
        run = attach_run("fd_pair_race", extra=["-t", "fd"])
        rep = run.final()
    if run.truth["pairs"] == 0 or run.truth["faulted"] == 0:
        raise Fail("the race did not run: %s" % run.truth)
    if not rep["lost"].get("fd_pair_unread"):
        raise Fail("lost.fd_pair_unread = %r after %d pipes (%d faulted); lost: %s" %
                   (rep["lost"].get("fd_pair_unread"), run.truth["pairs"],
                    run.truth["faulted"], {k: v for k, v in rep["lost"].items() if v}))
    if rep["fds"]["count"] != 0:
        raise Fail("fds.count %s, expected 0: %s" % (rep["fds"]["count"], describe_fds(rep)))



# Addresses with no zero byte, on a veth pair between two namespaces of the test's own: a
# peer copied in part (only its first byte, say) cannot pass for the right one.
PEER_CLI4, PEER_SRV4 = "10.1.2.3", "10.1.2.4"
PEER_CLI6, PEER_SRV6 = "fd12:3456:789a:bcde:1112:1314:1516:1703", \
    "fd12:3456:789a:bcde:1112:1314:1516:1704"


def ip(*args):
    r = subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise Fail("ip %s: %s" % (" ".join(args), r.stderr.strip()))


@test
def test_fd_sockets_whole_peers():
    """Accepted and connected TCP sockets, IPv4 and IPv6, left ESTABLISHED: by_peer and the
    stacks' examples name each peer exactly (the accepted sockets' peers are read when
    accept returns, no state change rewrites them)."""
    cli, srv = "lt-peer-cli-%d" % os.getpid(), "lt-peer-srv-%d" % os.getpid()
    made = []
    try:
        for ns in (cli, srv):
            ip("netns", "add", ns)
            made.append(ns)
        try:
            ip("-n", cli, "link", "add", "ltveth0", "type", "veth", "peer", "name", "ltveth1",
               "netns", srv)
        except Fail as e:
            raise Skip("no veth: %s" % e) from None
        for ns, dev, a4, a6 in ((cli, "ltveth0", PEER_CLI4, PEER_CLI6),
                                (srv, "ltveth1", PEER_SRV4, PEER_SRV6)):
            ip("-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            ip("-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad")
            ip("-n", ns, "link", "set", dev, "up")
        argv = ["ip", "netns", "exec", srv, os.path.join(TARGETS, "sock_peers"), "wait",
                "/run/netns/" + cli, PEER_CLI4, PEER_SRV4, PEER_CLI6, PEER_SRV6]
        run = attach_run("sock_peers", argv=argv, extra=["-t", "fd,sock"])
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)
    rep = run.final()
    t = run.truth
    n = t["leak_conns"]
    accepted = t["accepted"]
    if len(accepted) != 2 * n or not all(
            a.startswith((t["client4"] + ":", "[%s]:" % t["client6"])) for a in accepted):
        raise Fail("the target's accepted peers %s are not from the client namespace" % accepted)
    want = {t["connected4"]: n, t["connected6"]: n}
    want.update((a, 1) for a in accepted)
    socks = rep.get("sockets")
    if not isinstance(socks, dict):
        raise Fail("report has no sockets section")
    got = {p["peer"]: p for p in socks["by_peer"]}
    if sorted(got) != sorted(want):
        raise Fail("by_peer peers %s, expected %s" % (sorted(got), sorted(want)))
    for peer, count in want.items():
        if got[peer]["count"] != count or got[peer]["states"] != {"ESTABLISHED": count}:
            raise Fail("by_peer %s, expected %d ESTABLISHED" % (got[peer], count))
    if socks["close_wait"] != 0:
        raise Fail("sockets.close_wait %s, expected 0" % socks["close_wait"])
    for fn, peers in (("leak_connect", [t["connected4"], t["connected6"]]),
                      ("leak_accept", accepted)):
        stacks = fd_stacks(rep, fn)
        if sum(st["count"] for st in stacks) != len(accepted):
            raise Fail("%s: %d sockets, expected %d: %s" % (
                fn, sum(st["count"] for st in stacks), len(accepted), describe_fds(rep)))
        examples = {e for st in stacks for e in st["examples"]}
        if any(st["kind"] != "socket" for st in stacks) or not examples <= set(peers):
            raise Fail("%s: examples %s, expected among %s" % (fn, sorted(examples), peers))
