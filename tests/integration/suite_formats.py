# SPDX-License-Identifier: GPL-2.0
"""The formats suite: what leaktrace writes, read by the consumers people use. go tool pprof
reads -f pprof (exact bytes and counts, build-ids, labels), flamegraph.pl (Debian's
ruby-stackprof copy) and headless speedscope read folded and pprof, and --push is checked
against loopback HTTP servers that take, refuse or ignore it. A consumer that is not
installed, and cannot be fetched, skips its tests saying so."""

import gzip
import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

from checks import check_leak, leak_by_fn
from harness import REPO, TARGETS, Fail, Skip, attach_run, tmp_path
from registry import scenario, scenarios, test
from suite_v8names import node_run

BUILD = os.path.join(REPO, "build")
SPEEDSCOPE_VERSION = "1.25.0"
TOOL_TIMEOUT = 120


def pprof_path(name):
    return tmp_path(name + ".pb.gz")


def pprof_run(target, name, extra=()):
    """A run writing -f pprof to a known file (the later -o wins over attach_run's)."""
    path = pprof_path(name)
    run = attach_run(target, fmt="pprof", extra=["-o", path] + list(extra))
    run.path = path
    if run.error:
        raise Fail("run failed: " + run.error)
    if run.rc != 0:
        raise Fail("leaktrace exit code %s" % run.rc)
    return run


def node_pprof_run():
    path = pprof_path("js")
    run = node_run(fmt="pprof", extra=["-t", "heap", "-o", path])
    run.path = path
    if run.error:
        raise Fail("run failed: " + run.error)
    return run


scenarios({
    "pprof_heap": lambda: pprof_run("heap_leaks", "heap"),
    "pprof_js": lambda: node_pprof_run(),
    "pprof_mmap": lambda: pprof_run("mmap_leaks", "mmap", ["-t", "mmap"]),
    "pprof_inline": lambda: pprof_run("inline_leaks", "inline", ["-t", "heap"]),
    "text_inline": lambda: attach_run("inline_leaks", fmt="text", extra=["-t", "heap"]),
    "folded_heap": lambda: attach_run("heap_leaks", fmt="folded"),
})


def go_pprof(*args):
    """go tool pprof's output; Skip without golang-go."""
    if not shutil.which("go"):
        raise Skip("go tool pprof not installed (golang-go, tools/install-deps.sh)")
    p = subprocess.run(["go", "tool", "pprof", "-symbolize=none"] + list(args),
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT,
                       env=dict(os.environ, HOME=tmp_path("gohome"), PPROF_TMPDIR=tmp_path("")))
    if p.returncode != 0:
        raise Fail("go tool pprof %s: exit %d: %s" % (" ".join(args), p.returncode,
                                                      p.stderr.strip()[-300:]))
    return p.stdout


def top_values(text):
    """{function: (flat, cum)} from -top output with -unit=B (bytes) or counts."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(\d+)B?\s+\S+%\s+\S+%\s+(\d+)B?\s+\S+%\s+(.+)$", line)
        if m:
            rows[m.group(3).strip()] = (int(m.group(1)), int(m.group(2)))
    return rows


def check_top(run, index, key):
    unit = ["-unit=B"] if key == "bytes" else []
    out = go_pprof("-top", "-sample_index=" + index, "-nodefraction=0", "-nodecount=1000",
                   *unit, run.path)
    rows = top_values(out)
    heap = [l for l in run.truth["leaks"] if l["section"] == "heap"]
    for leak in heap:
        fn = leak["fn"]
        if fn not in rows:
            raise Fail("%s not in -top -sample_index=%s:\n%s" % (fn, index, out[-800:]))
        flat, cum = rows[fn]
        # through a wrapper (strdup) the allocator's caller is the wrapper: the leaking
        # function's own frame holds it all as cum
        got = cum if leak["via"] else flat
        if got != leak[key]:
            raise Fail("%s: %s %d in pprof, the target leaked %d" % (fn, index, got, leak[key]))
    return out


@test
def test_pprof_top_inuse_space_exact():
    """-top -sample_index=inuse_space: every leaking function with its exact bytes."""
    run = scenario("pprof_heap")
    out = check_top(run, "inuse_space", "bytes")
    if "Type: inuse_space" not in out:
        raise Fail("not typed inuse_space: " + out[:300])


@test
def test_pprof_top_inuse_objects_exact():
    check_top(scenario("pprof_heap"), "inuse_objects", "count")


@test
def test_pprof_default_and_period_types():
    """inuse_space is the default sample type; period type space/bytes, period 1."""
    raw = go_pprof("-raw", scenario("pprof_heap").path)
    for want in ("inuse_objects/count inuse_space/bytes[dflt]", "PeriodType: space bytes",
                 "Period: 1", "Comment: lost:", "Comment: window:"):
        if want not in raw:
            raise Fail("-raw lacks %r:\n%s" % (want, raw[:600]))


def elf_build_id(path):
    p = subprocess.run(["readelf", "-n", path], capture_output=True, text=True)
    m = re.search(r"Build ID: ([0-9a-f]+)", p.stdout)
    if not m:
        raise Skip("readelf shows no build-id for %s" % path)
    return m.group(1)


@test
def test_pprof_raw_mappings_build_ids():
    """-raw: the target's mapping and libc's, each with the file's own GNU build-id."""
    raw = go_pprof("-raw", scenario("pprof_heap").path)
    maps = raw[raw.find("Mappings"):]
    target = os.path.realpath(os.path.join(TARGETS, "heap_leaks"))
    want = elf_build_id(target)
    line = [l for l in maps.splitlines() if l.rstrip().split(" ")[1:2] == [target] or
            (" %s " % target) in l]
    if not line or want not in line[0]:
        raise Fail("no mapping of %s with build-id %s:\n%s" % (target, want, maps[:800]))
    if not re.search(r"libc\.so\.6 [0-9a-f]{40}", maps):
        raise Fail("libc's mapping has no build-id:\n" + maps[:800])


@test
def test_pprof_traces_labels():
    """-traces: leak_malloc's sample carries its block size and an age bucket."""
    out = go_pprof("-traces", scenario("pprof_heap").path)
    leak = leak_by_fn(scenario("pprof_heap").truth, "leak_malloc")
    size = leak["bytes"] // leak["count"]
    for block in out.split("-----------+")[1:]:
        if "leak_malloc" in block:
            if not re.search(r"bytes:\s+%dB\n" % size, block) or \
                    not re.search(r"age:\s+(<1s|1s-10s|10s-1m)\n", block):
                raise Fail("leak_malloc's trace lacks bytes %dB or an age:\n%s" % (size, block))
            return
    raise Fail("no trace through leak_malloc:\n" + out[:800])


@test
def test_pprof_fds_own_profile():
    """Descriptors go to x.fds.pb.gz, typed open_fds/count, never mixed with bytes."""
    path = scenario("pprof_heap").path.replace(".pb.gz", ".fds.pb.gz")
    if not os.path.exists(path):
        raise Fail("%s not written" % path)
    raw = go_pprof("-raw", path)
    if "open_fds/count[dflt]" not in raw or "inuse_space" in raw:
        raise Fail("descriptor profile types:\n" + raw[:400])


@test
def test_pprof_mmap_root():
    """Anonymous mappings are in the memory profile under a root frame [mmap], with the
    exact bytes of each leaking function (focus on the root: its cum is theirs)."""
    run = scenario("pprof_mmap")
    out = go_pprof("-top", "-sample_index=inuse_space", "-unit=B", "-nodefraction=0",
                   "-nodecount=1000", "-focus=^\\[mmap\\]$", run.path)
    rows = top_values(out)
    for leak in run.truth["leaks"]:
        got = rows.get(leak["fn"], (0, 0))[1]
        if got != leak["bytes"]:
            raise Fail("%s under [mmap]: %d bytes, the target leaked %d:\n%s" %
                       (leak["fn"], got, leak["bytes"], out[-600:]))
    if "[mmap]" not in rows:
        raise Fail("no [mmap] root:\n" + out[-600:])


@test
def test_pprof_js_functions():
    """A Node target: JS frames are functions named as JS, with their script as file, and
    their samples carry the label js=true."""
    run = scenario("pprof_js")
    raw = go_pprof("-raw", run.path)
    for leak in run.truth["leaks"]:
        if not re.search(r" %s \S*js_native_leak\.js:\d+" % re.escape(leak["fn"]), raw):
            raise Fail("no function %s in js_native_leak.js:\n%s" %
                       (leak["fn"], raw[raw.find("Locations"):][:800]))
    traces = go_pprof("-traces", run.path)
    for block in traces.split("-----------+")[1:]:
        if run.truth["leaks"][0]["fn"] in block:
            if not re.search(r"js:\s+true\n", block):
                raise Fail("a trace through %s without js=true:\n%s" %
                           (run.truth["leaks"][0]["fn"], block))
            return
    raise Fail("no trace through %s" % run.truth["leaks"][0]["fn"])


@test
def test_pprof_inline_lines():
    """DWARF inline frames: the allocation's pc has a Line for make_record (inlined) and
    then one for store_records, the function it was inlined into; bytes go to the inlined
    function, exact."""
    run = scenario("pprof_inline")
    raw = go_pprof("-raw", run.path)
    # s=N: the function's start line, from its DWARF declaration
    if not re.search(r"M=\d+ make_record \S*inline_leaks\.c:\d+ s=[1-9]\d*\n\s+store_records "
                     r"\S*inline_leaks\.c:\d+ s=[1-9]", raw):
        raise Fail("no location with make_record inlined into store_records (start lines):\n" +
                   raw[raw.find("Locations"):][:600])
    if not re.search(r"/inline_leaks [0-9a-f]+ .*\[IN\]", raw):
        raise Fail("no mapping flagged has_inline_frames:\n" + raw[raw.find("Mappings"):])
    leak = leak_by_fn(run.truth, "store_records")
    rows = top_values(go_pprof("-top", "-sample_index=inuse_space", "-unit=B", run.path))
    # pprof marks a function it knows to be inlined at that location "(inline)"
    if rows.get("make_record (inline)", (0,))[0] != leak["bytes"]:
        raise Fail("make_record flat %r, the target leaked %d" %
                   (rows.get("make_record (inline)"), leak["bytes"]))


@test
def test_text_inline_frames():
    """The text report shows the inlined function, marked, above the real frame."""
    run = scenario("text_inline")
    if run.error or run.rc != 0:
        raise Fail("run failed: %s (exit %s)" % (run.error, run.rc))
    if not re.search(r"\n\s+make_record \(inline_leaks\.c:\d+\) \[inlined\]\n"
                     r"\s+store_records\+0x[0-9a-f]+ \(inline_leaks\.c:\d+\)", run.raw):
        raise Fail("no inlined frame above store_records:\n" + run.raw[:800])


# ---- folded: the subset flamegraph.pl, speedscope and Pyroscope read alike ----

FOLDED_LINE = re.compile(r"^[^\t\r\n;]+(;[^\t\r\n;]+)* [0-9]+$")


@test
def test_folded_common_subset():
    """Each line: frames joined by ';', none empty, one space, a decimal integer."""
    run = scenario("folded_heap")
    if run.error or run.rc != 0:
        raise Fail("run failed: %s (exit %s)" % (run.error, run.rc))
    lines = [l for l in run.raw.split("\n") if l]
    if not lines:
        raise Fail("no folded output")
    for l in lines:
        if not FOLDED_LINE.match(l):
            raise Fail("line outside the common subset: %r" % l)
        stack, count = l.rsplit(" ", 1)
        if int(count) <= 0 or stack != stack.strip():
            raise Fail("bad count or padded stack: %r" % l)


def flamegraph_pl():
    """Debian's ruby-stackprof ships the real flamegraph.pl: fetched into build/ once."""
    dest = os.path.join(BUILD, "ruby-stackprof")
    found = None
    if not os.path.isdir(dest):
        os.makedirs(dest + ".dl", exist_ok=True)
        p = subprocess.run(["apt-get", "download", "ruby-stackprof"], cwd=dest + ".dl",
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT)
        debs = [f for f in os.listdir(dest + ".dl") if f.endswith(".deb")]
        if p.returncode != 0 or not debs:
            raise Skip("cannot fetch ruby-stackprof: %s" % p.stderr.strip()[-200:])
        subprocess.run(["dpkg-deb", "-x", os.path.join(dest + ".dl", debs[0]), dest],
                       check=True, timeout=TOOL_TIMEOUT)
        shutil.rmtree(dest + ".dl", ignore_errors=True)
    for root, _, files in os.walk(dest):
        if "flamegraph.pl" in files:
            found = os.path.join(root, "flamegraph.pl")
    if not found:
        raise Skip("ruby-stackprof has no flamegraph.pl")
    return found


@test
def test_flamegraph_pl_renders_folded():
    """flamegraph.pl ignores no line and titles the biggest leak with its exact bytes."""
    run = scenario("folded_heap")
    script = flamegraph_pl()
    src = tmp_path("heap.folded")
    with open(src, "w") as f:
        f.write(run.raw)
    p = subprocess.run(["perl", script, "--countname=bytes", "--colors=mem", src],
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    if p.returncode != 0 or "Ignored" in p.stderr:
        raise Fail("flamegraph.pl: exit %d: %s" % (p.returncode, p.stderr.strip()[-300:]))
    leak = leak_by_fn(run.truth, "leak_realloc")
    want = "<title>leak_realloc (%s bytes," % format(leak["bytes"], ",")
    if want not in p.stdout:
        titles = re.findall(r"<title>[^<]*</title>", p.stdout)[:8]
        raise Fail("no %r among the titles: %s" % (want, titles))


# ---- speedscope in headless Chromium ----

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory, handler=None):
    """A loopback HTTP server on a free port in a thread; returns (server, port)."""
    h = handler or (lambda *a, **kw: QuietHandler(*a, directory=directory, **kw))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def speedscope_dir():
    dest = os.path.join(BUILD, "speedscope")
    app = os.path.join(dest, "node_modules", "speedscope", "dist", "release")
    if not shutil.which("chromium"):
        raise Skip("chromium not installed (tools/install-deps.sh)")
    if not os.path.exists(os.path.join(app, "index.html")):
        if not shutil.which("npm"):
            raise Skip("npm not installed")
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", dest,
                            "speedscope@" + SPEEDSCOPE_VERSION], capture_output=True,
                           text=True, timeout=TOOL_TIMEOUT)
        if p.returncode != 0 or not os.path.exists(os.path.join(app, "index.html")):
            raise Skip("cannot install npm speedscope: %s" % p.stderr.strip()[-200:])
    return app


def speedscope_import(name, data):
    """The "Importing as ..." line speedscope's console printed for the file."""
    app = speedscope_dir()
    with open(os.path.join(app, name), "wb") as f:
        f.write(data)
    srv, port = serve(app)
    try:
        url = "http://127.0.0.1:%d/index.html#profileURL=http://127.0.0.1:%d/%s" % (
            port, port, name)
        p = subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=8000",
                            "--user-data-dir=" + tmp_path("chromium"), "--dump-dom", url],
                           capture_output=True, text=True, timeout=TOOL_TIMEOUT)
    finally:
        srv.shutdown()
        os.unlink(os.path.join(app, name))
    m = re.search(r'"(Importing as [^"]*)"', p.stderr)
    if not m:
        raise Fail("speedscope printed no import line for %s: %s" % (name, p.stderr[-400:]))
    return m.group(1)


@test
def test_speedscope_imports_folded():
    line = speedscope_import("lt-heap.folded", scenario("folded_heap").raw.encode())
    if line != "Importing as collapsed stack format":
        raise Fail("folded imported as: " + line)


@test
def test_speedscope_imports_pprof():
    with open(scenario("pprof_heap").path, "rb") as f:
        line = speedscope_import("lt-heap.pb.gz", f.read())
    if line != "Importing as protobuf encoded pprof file":
        raise Fail("pprof imported as: " + line)


# ---- --push against loopback servers ----

class Recorder(http.server.BaseHTTPRequestHandler):
    """Records each request; answers with the server's status."""
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.got.append((self.path, dict(self.headers.items()), body))
        status = self.server.status
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def recorder(status=200):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    srv.got = []
    srv.status = status
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def push_run(url, extra=(), name="push", duration=6):
    """heap_leaks, -t heap (and what extra adds), a report a second, pushed; stops by itself
    after -d."""
    path = pprof_path(name)
    run = attach_run("heap_leaks", fmt="json", self_stop=True,
                     extra=["-t", "heap", "-d", str(duration), "--push", url, "--push-timeout", "1",
                            "--push-label", "env=test"] + list(extra) + ["1"])
    run.path = path
    return run


def pprof_text(data, name, *args):
    path = tmp_path(name)
    with open(path, "wb") as f:
        f.write(data)
    out = go_pprof(*args, path)
    return "\n".join(l for l in out.splitlines() if not l.startswith(("Time:", "Comment:")) and
                     "window:" not in l and "report" not in l)


@test
def test_push_request_shape():
    """POST /ingest?name=leaktrace.heap_leaks{env=test}&from&until&format=pprof, octet-stream,
    the bearer token from the environment, a gzip'd pprof that go tool pprof reads as
    memory (inuse_space by default), the same figures as the final local report, and the
    descriptors in a profile of their own."""
    if not shutil.which("go"):
        raise Skip("go tool pprof not installed (golang-go, tools/install-deps.sh)")
    srv, url = recorder()
    os.environ["LEAKTRACE_PUSH_TOKEN"] = "s3cret-token"
    try:
        run = push_run(url, ["-t", "fd"])
    finally:
        del os.environ["LEAKTRACE_PUSH_TOKEN"]
        srv.shutdown()
    rep = run.final()
    if len(srv.got) < 2:
        raise Fail("%d pushes for %d reports" % (len(srv.got), len(run.reports)))
    for path, headers, body in srv.got:
        u = urllib.parse.urlsplit(path)
        q = urllib.parse.parse_qs(u.query)
        if u.path != "/ingest":
            raise Fail("path %r" % u.path)
        if q.get("name") != ["leaktrace.heap_leaks{env=test}"] or q.get("format") != ["pprof"]:
            raise Fail("query %r" % q)
        frm, until = int(q["from"][0]), int(q["until"][0])
        if not frm < until or abs(until - time.time()) > 120:
            raise Fail("from %d until %d" % (frm, until))
        if headers.get("Content-Type") != "application/octet-stream":
            raise Fail("content type %r" % headers.get("Content-Type"))
        if headers.get("Authorization") != "Bearer s3cret-token":
            raise Fail("authorization %r" % headers.get("Authorization"))
        if body[:2] != b"\x1f\x8b" or not gzip.decompress(body):
            raise Fail("body is not gzip")
    if "s3cret" in run.stderr:
        raise Fail("the token leaked to stderr")
    # memory and descriptors each as their own profile: one request each per report
    mem = [b for _, _, b in srv.got if b"inuse_space" in gzip.decompress(b)]
    fds = [b for _, _, b in srv.got if b"open_fds" in gzip.decompress(b)]
    if not mem or len(mem) != len(fds) or len(mem) + len(fds) != len(srv.got):
        raise Fail("%d memory and %d descriptor profiles in %d pushes" %
                   (len(mem), len(fds), len(srv.got)))
    if "open_fds/count[dflt]" not in pprof_text(fds[-1], "pushed.fds.pb.gz", "-raw"):
        raise Fail("the descriptors' push is not typed open_fds")
    raw = pprof_text(mem[-1], "pushed.pb.gz", "-raw")
    if "inuse_objects/count inuse_space/bytes[dflt]" not in raw:
        raise Fail("pushed profile types:\n" + raw[:400])
    # the last push is the final report: the same figures as the final JSON report
    top = go_pprof("-top", "-sample_index=inuse_space", "-unit=B", "-nodefraction=0",
                   tmp_path("pushed.pb.gz"))
    if "Total samples = %dB" % rep["heap"]["bytes"] not in top:
        raise Fail("pushed total differs from the report's %d bytes:\n%s" %
                   (rep["heap"]["bytes"], top[:400]))
    check_leak(rep, leak_by_fn(run.truth, "leak_realloc"))


def check_push_failed(run, what):
    rep = run.final()
    if not rep["lost"].get("push_failed"):
        raise Fail("%s: lost.push_failed = %r" % (what, rep["lost"].get("push_failed")))
    if "push to http://127.0.0.1" not in run.stderr or "failed" not in run.stderr:
        raise Fail("%s: no stderr line on the dropped push: %s" % (what, run.stderr[-300:]))
    # tracing went on: the leaks are exact in the final report, written locally
    for fn in ("leak_malloc", "leak_realloc"):
        check_leak(rep, leak_by_fn(run.truth, fn))


@test
def test_push_server_500_counted():
    srv, url = recorder(500)
    try:
        run = push_run(url, name="push500")
    finally:
        srv.shutdown()
    check_push_failed(run, "server answering 500")
    # each profile (one request URL: its from/until) is tried 3 times, then dropped
    tries = {}
    for path, _, _ in srv.got:
        tries[path] = tries.get(path, 0) + 1
    if not tries or any(n % 3 for n in tries.values()):
        raise Fail("attempts per push: %s" % sorted(tries.values()))


@test
def test_push_server_silent_counted():
    """A server that accepts connections and never answers: attempts time out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        t0 = time.monotonic()
        # the first push gives up after 3 attempts of 1 s and 1.5 s of backoff: the final
        # report at 12 s counts it with room to spare on a loaded machine
        run = push_run("http://127.0.0.1:%d" % sock.getsockname()[1], name="pushsilent",
                       duration=12)
        elapsed = time.monotonic() - t0
    finally:
        sock.close()
    check_push_failed(run, "silent server")
    if elapsed > 50:
        raise Fail("leaktrace took %.0f s with a silent server" % elapsed)


@test
def test_push_label_rejected():
    p = subprocess.run([os.path.join(REPO, "leaktrace"), "-p", "1", "--push",
                        "http://127.0.0.1:9", "--push-label", "bad key=x"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 2 or "--push-label" not in p.stderr or len(p.stderr.splitlines()) != 1:
        raise Fail("exit %d, stderr %r" % (p.returncode, p.stderr))
