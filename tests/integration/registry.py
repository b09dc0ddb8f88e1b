# SPDX-License-Identifier: GPL-2.0
"""The test registry shared by every suite file: tests register with @test, runs that
several tests check are declared once with scenarios() and made on first use."""

TESTS = []
SCENARIOS = {}
_runs = {}


def test(fn):
    TESTS.append((fn.__name__[len("test_"):], fn))
    return fn


def scenarios(table):
    """Declare named runs: {name: function that makes the run}."""
    for name in table:
        if name in SCENARIOS:
            raise ValueError("scenario %s declared twice" % name)
    SCENARIOS.update(table)


def scenario(name):
    if name not in _runs:
        _runs[name] = SCENARIOS[name]()
    return _runs[name]
