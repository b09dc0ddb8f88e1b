# SPDX-License-Identifier: GPL-2.0
"""tests/targets/js_heap_app.js for the -t jsheap suite: the app, its serving and listening
ports, a leaktrace run against it, and the reading of its js_heap member."""

import json
import os
import re
import time
import urllib.request

from harness import LEAKTRACE, REPO, STEP_TIMEOUT, Fail, spawn, tail, wait_proc
from suite_v8gc import system_node

APP = os.path.join(REPO, "tests", "targets", "js_heap_app.js")
DEADMAN_S = 30  # LT_INSPECTOR_DEADMAN_MS
TRACE_S = 6


def app_lines():
    """The 1-based lines where V8 places the app's functions (where each one starts)."""
    want = {"watchConfig": r"^function watchConfig\(", "getSession": r"^function getSession\(",
            "checkout": r"^function checkout\(", "Connection": r"^\tconstructor\(port\)",
            "on": r"^\tconfigBus\.on\('change'"}
    out = {}
    with open(APP) as f:
        for i, line in enumerate(f, 1):
            for name, pat in want.items():
                if re.search(pat, line):
                    out[name] = i
    return out


class App:
    """node js_heap_app.js MODE, serving; port is its HTTP port."""

    def __init__(self, mode, node=None, extra=(), prefix=(), sigusr1=False):
        argv = list(prefix) + [node or system_node()] + list(extra) + [APP, mode]
        if sigusr1:
            argv.append("sigusr1")
        self.p = spawn(argv)
        i = self.p.out.wait_for(lambda l: l.startswith("port "), STEP_TIMEOUT, "app port")
        self.port = int(self.p.out.lines[i].split()[1])
        self.p.out.wait_for(lambda l: l == "ready", STEP_TIMEOUT, "app ready")
        self.pid = self.p.pid
        time.sleep(1)  # warm up: some requests served
        self.listen0 = listen_ports(self.pid)

    def stats(self):
        """The app's /stats; also fails the test while a tracer's hook is left in place."""
        if self.netns:
            return None
        with urllib.request.urlopen("http://127.0.0.1:%d/stats" % self.port, timeout=10) as r:
            st = json.loads(r.read())
        if st.get("hooked"):
            raise Fail("EventEmitter's methods are still hooked: %s" % st)
        return st

    netns = False

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


def listen_ports(pid):
    """The TCP ports pid listens on: its socket inodes in its namespace's /proc/PID/net."""
    inos = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        m = re.match(r"socket:\[(\d+)\]", link)
        if m:
            inos.add(m.group(1))
    ports = set()
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, name)) as f:
                next(f)
                for line in f:
                    w = line.split()
                    if w[3] == "0A" and w[9] in inos:
                        ports.add(int(w[1].rsplit(":", 1)[1], 16))
        except OSError:
            pass
    return ports


def trace(pid, *extra, duration=TRACE_S, families="gc,jsheap"):
    """leaktrace -p PID -t FAMILIES -d D -f json; (rc, final report or None, stderr)."""
    argv = [LEAKTRACE, "-p", str(pid), "-t", families, "-d", str(duration), "-f", "json"]
    p = spawn(argv + list(extra))
    rc = wait_proc(p, duration + 60, "leaktrace")
    p.out.wait_eof(5)
    p.err.wait_eof(5)
    reports = [json.loads(l) for l in p.out.lines if l.startswith("{")]
    return rc, (reports[-1] if reports else None), p.err.text()


def js_heap_of(rc, rep, err):
    if rc != 0 or not rep:
        raise Fail("leaktrace exited %d: %s" % (rc, tail(err)))
    js = rep.get("js_heap")
    if not isinstance(js, dict) or js.get("traced") is not True:
        raise Fail("js_heap not traced: %r; %s" % (js and js.get("status"), tail(err)))
    return js


def in_app(row):
    return row["frames"] and row["frames"][0]["file"].endswith("js_heap_app.js")


def growing(rows):
    return [r for r in rows if r["trend"]["verdict"] == "growing" and in_app(r)]


def describe(rows):
    return "; ".join("%s:%s %s %d B" % (r["frames"][0]["symbol"], r["frames"][0]["line"],
                                         r["trend"]["verdict"], r["bytes"]) for r in rows[:8])


def check_restored(app, js=None, closed=True):
    """The target serves and listens on exactly the ports it had."""
    if not app.alive():
        raise Fail("the target died: %s" % tail(app.p.err.text()))
    now = set()
    for _ in range(40):  # the close is asynchronous in the target
        now = listen_ports(app.pid)
        if now == app.listen0:
            break
        time.sleep(0.05)
    if closed and now != app.listen0:
        raise Fail("the target listens on %s, it listened on %s" % (sorted(now),
                                                                      sorted(app.listen0)))
    if not app.netns:
        app.stats()


def netns_app(mode, node=None):
    """js_heap_app.js MODE in a network namespace of its own (loopback up): its inspector
    port is its own whatever else runs on the machine; no /stats from outside."""
    app = App.__new__(App)
    app.p = spawn(["unshare", "--net", "sh", "-c",
                   "ip link set lo up && exec %s %s %s" % (node or system_node(), APP, mode)])
    app.p.out.wait_for(lambda l: l == "ready", STEP_TIMEOUT, "app ready")
    app.pid, app.netns = app.p.pid, True
    time.sleep(1)
    app.listen0 = listen_ports(app.pid)
    return app
