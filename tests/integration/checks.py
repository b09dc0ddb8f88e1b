# SPDX-License-Identifier: GPL-2.0
"""Checks of a leaktrace JSON report against the truth a target printed: where a leak must
sit in its stack, its exact bytes and count, what must be absent, clean detach."""

import time

from harness import Fail, Skip, bpftool_ids

ALLOCATOR_WRAPPERS = {
    "strdup": ("strdup", "__strdup", "__GI___strdup"),
    "mmap": ("mmap", "mmap64", "__mmap", "__mmap64", "__GI___mmap64"),
}
CXX_LIB_PREFIXES = ("std::", "__gnu_cxx::", "void std::", "operator new")


def sym_is(sym, name):
    if not sym:
        return False
    base = sym.split("@")[0]
    return base == name or base.startswith(name + "(") or base.startswith(name + ".")


def frame_syms(stack):
    return [f.get("symbol") for f in stack.get("frames", [])]


def describe(stack, n=4):
    syms = [s or f.get("addr", "?") for s, f in zip(frame_syms(stack), stack.get("frames", []))]
    return "%s B/%s: %s" % (stack.get("bytes"), stack.get("count"), " <- ".join(syms[:n]))


def describe_section(section, n=6):
    stacks = section.get("stacks", [])
    if not stacks:
        return "section is empty"
    return "; ".join(describe(s) for s in stacks[:n]) + ("; ..." if len(stacks) > n else "")


def leak_position(syms, leak):
    """Index of the leaking function in a stack whose allocator path matches leak["via"],
    or None."""
    via = leak["via"]
    fn = leak["fn"]
    if not syms:
        return None
    if via == "":
        return 0 if sym_is(syms[0], fn) else None
    if via in ALLOCATOR_WRAPPERS:
        if sym_is(syms[0], fn):  # the wrapper left out of the stack is fine too
            return 0
        if any(sym_is(syms[0], w) for w in ALLOCATOR_WRAPPERS[via]) and len(syms) > 1 \
                and sym_is(syms[1], fn):
            return 1
        return None
    # operator new's return is probed: its caller is frames[0] (an operator new frame
    # first would be a stack taken at the malloc inside it, without the C++ probes)
    if via == "new":
        if sym_is(syms[0], fn):
            return 0
        if syms[0] and syms[0].startswith("operator new") and len(syms) > 1 \
                and sym_is(syms[1], fn):
            return 1
        return None
    if via in ("vector", "cxxlib"):
        # C++ library frames (the container's or std::string's allocation code), then fn
        k = 0
        while k < len(syms) and syms[k] and syms[k].startswith(CXX_LIB_PREFIXES):
            k += 1
        if k > 0 and k < len(syms) and sym_is(syms[k], fn) and \
                (via == "cxxlib" or any("vector" in (s or "") for s in syms[:k])):
            return k
        return None
    raise Fail("unknown via %r in truth" % via)


def check_leak(report, leak):
    section = report.get(leak["section"])
    if not isinstance(section, dict):
        raise Fail("report has no %s section" % leak["section"])
    matched = []
    for st in section.get("stacks", []):
        syms = frame_syms(st)
        pos = leak_position(syms, leak)
        if pos is not None:
            matched.append((st, pos, syms))
    where = "%s (via %s)" % (leak["fn"], leak["via"] or "direct")
    if not matched:
        raise Fail("no %s stack with %s; top stacks: %s" %
                   (leak["section"], where, describe_section(section)))
    nbytes = sum(st["bytes"] for st, _, _ in matched)
    count = sum(st["count"] for st, _, _ in matched)
    if nbytes != leak["bytes"] or (leak["count"] >= 0 and count != leak["count"]):
        raise Fail("%s: %d bytes in %d, expected %d bytes in %s (%d stacks matched: %s)" %
                   (where, nbytes, count, leak["bytes"],
                    leak["count"] if leak["count"] >= 0 else "any", len(matched),
                    "; ".join(describe(st) for st, _, _ in matched[:4])))
    chain = [c for c in leak["chain"].split(",") if c]
    for st, pos, syms in matched:
        got = syms[pos + 1:pos + 1 + len(chain)]
        if len(got) != len(chain) or not all(sym_is(g, c) for g, c in zip(got, chain)):
            raise Fail("%s: callers %s, expected %s" % (where, got, chain))
    return matched


def check_absent(report, names, sections=("heap", "mmap")):
    for sec in sections:
        for st in report.get(sec, {}).get("stacks", []):
            for sym in frame_syms(st):
                for name in names:
                    if sym_is(sym, name):
                        raise Fail("%s reported in %s: %s" % (name, sec, describe(st, 6)))


def absent_names(truth):
    return [n for n in truth["absent"].split(",") if n]


def check_unknown_free(report, truth):
    lost = report.get("lost")
    if not isinstance(lost, dict) or "unknown_free" not in lost:
        raise Fail("report has no lost.unknown_free")
    n = lost["unknown_free"]
    lo, hi = truth["unknown_free_min"], truth["unknown_free_max"]
    if n < lo or (hi >= 0 and n > hi):
        raise Fail("unknown_free %d, expected %d..%s" % (n, lo, hi if hi >= 0 else "any"))


def truth_total(truth, section="heap"):
    leaks = [l for l in truth["leaks"] if l["section"] == section]
    return sum(l["bytes"] for l in leaks), sum(l["count"] for l in leaks)


def check_detached(run):
    if run.held is None or not any(run.held.values()):
        raise Fail("could not see leaktrace's BPF objects while attached")
    if run.after is None:
        raise Skip("bpftool not available")
    after = run.after
    for _ in range(10):  # the kernel frees programs of a closed fd a little later
        left = {k: sorted(run.held[k] & after[k]) for k in run.held}
        left = {k: v for k, v in left.items() if v}
        if not left:
            return
        time.sleep(0.3)
        after = bpftool_ids() or after
    raise Fail("still loaded after leaktrace exited: %s" % left)


def leak_by_fn(truth, fn, via=None):
    for l in truth["leaks"]:
        if l["fn"] == fn and (via is None or l["via"] == via):
            return l
    raise Fail("truth has no leak %s" % fn)
