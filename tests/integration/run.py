#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Attaches the real leaktrace to the targets in build/targets and checks its reports against
what each target says it leaked. Needs root. Python standard library only.

The tests live in the suite files beside this one (suite_*.py), which register them on
import. Prints "PASS name", "FAIL name: why" or "SKIP name: why" per test and ends with
"N passed, N failed[, N skipped]". Arguments are substrings selecting tests by name (^name: a prefix).
Environment: LEAKTRACE (binary), LT_TARGETS (folder of targets), LT_VERBOSE=1,
LT_SKIP_SUITES (suite names without "suite_", comma- or space-separated: their tests are skipped,
saying so; the kernel matrix leaves out suites that test no kernel interface).
"""

import os
import re
import signal
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ left in the source tree by a root run

from harness import LEAKTRACE, Fail, Skip, check_budget, cleanup, kill_all
from registry import TESTS


def picks(arg, name):
    """A substring of the name, or with a leading ^ a prefix of it (^heap_: not jsheap_)."""
    return name.startswith(arg[1:]) if arg.startswith("^") else arg in name


def main(argv):
    os.environ.pop("LD_PRELOAD", None)
    selected = [(n, f) for n, f in TESTS if not argv[1:] or any(picks(a, n) for a in argv[1:])]
    passed = failed = skipped = 0
    if os.geteuid() != 0:
        for name, _ in selected:
            print("SKIP %s: needs root" % name)
        print("0 passed, 0 failed, %d skipped" % len(selected))
        return 0
    if not os.access(LEAKTRACE, os.X_OK):
        print("FAIL setup: %s not built" % LEAKTRACE)
        print("0 passed, 1 failed")
        return 1
    times = os.environ.get("LT_TIMES") == "1"
    for name, fn in selected:
        t0 = time.monotonic()
        try:
            check_budget()
            fn()
            print("PASS %s" % name, flush=True)
            passed += 1
        except Skip as e:
            print("SKIP %s: %s" % (name, e), flush=True)
            skipped += 1
        except Fail as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            failed += 1
        except Exception as e:  # a bug in the test itself still ends as one FAIL line
            where = traceback.extract_tb(e.__traceback__)[-1]
            print("FAIL %s: test error %s: %s (line %d)" % (name, type(e).__name__, e,
                                                             where.lineno), flush=True)
            failed += 1
        if times:  # LT_TIMES=1: what each test took (a scenario's run goes to its first test)
            print("TIME %6.1f s %s" % (time.monotonic() - t0, name), file=sys.stderr, flush=True)
    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary)
    return 1 if failed else 0


def load_suites():
    """The suite files (suite_*.py next to this one) register their tests on import; the
    tests of a suite named in LT_SKIP_SUITES are replaced by one that skips. A test belongs
    to the file that defines it (fn.__module__), not to the suite whose import pulled that
    file in: suite_cli imports suite_formats, suite_jsheap imports suite_v8gc."""
    here = os.path.dirname(os.path.abspath(__file__))
    skip = {"suite_" + s for s in re.split(r"[,\s]+", os.environ.get("LT_SKIP_SUITES", "")) if s}
    for name in sorted(os.listdir(here)):
        if name.startswith("suite_") and name.endswith(".py"):
            __import__(name[:-3])
    TESTS[:] = [(n, skipped_suite(fn.__module__ + ".py") if fn.__module__ in skip else fn)
                for n, fn in TESTS]


def skipped_suite(name):
    def run():
        raise Skip("%s not run here (LT_SKIP_SUITES)" % name)
    return run


def on_signal(sig, frame):
    kill_all()
    sys.exit(128 + sig)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        load_suites()
        rc = main(sys.argv)
    finally:
        cleanup()
    sys.exit(rc)
