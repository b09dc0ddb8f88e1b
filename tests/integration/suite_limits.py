# SPDX-License-Identifier: GPL-2.0
"""Bounded memory: a block table too small for the target's leaks counts every block it
could not record, and what it did record is still right."""

from checks import absent_names, check_absent, describe_section, frame_syms, sym_is
from harness import Fail, attach_run
from registry import scenario, scenarios, test

# --max-allocs 1 gives the smallest table: one bucket of 7 slots (leaktrace.h).
TABLE_SLOTS = 7

scenarios({
    "tiny_table": lambda: attach_run("heap_leaks", extra=["--max-allocs", "1"]),
})


@test
def test_full_block_table_counted():
    run = scenario("tiny_table")
    if run.error:
        raise Fail(run.error)
    rep = run.final()
    leaks = [l for l in run.truth["leaks"] if l["section"] == "heap"]
    leaked = sum(l["count"] for l in leaks)
    heap = rep["heap"]
    recorded = sum(s["count"] for s in heap["stacks"])
    if recorded > TABLE_SLOTS:
        raise Fail("%d blocks reported from a table of %d slots" % (recorded, TABLE_SLOTS))
    if recorded == 0:
        raise Fail("nothing recorded: %s" % describe_section(heap))
    # every leaked block not in the table was refused by it, and said so (blocks freed
    # later may have been refused too: at least, not exactly)
    lost = rep["lost"]["alloc_map_full"]
    if lost < leaked - recorded:
        raise Fail("alloc_map_full %d, but %d leaked blocks are missing from the report"
                   % (lost, leaked - recorded))
    # what the table holds is outstanding: no freed function, no more than the truth
    check_absent(rep, absent_names(run.truth), sections=("heap",))
    for st in heap["stacks"]:
        syms = frame_syms(st)
        for l in leaks:
            if syms and any(sym_is(s, l["fn"]) for s in syms) and st["bytes"] > l["bytes"]:
                raise Fail("%s: %d bytes reported, %d leaked" % (l["fn"], st["bytes"],
                                                                 l["bytes"]))
