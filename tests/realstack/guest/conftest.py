# SPDX-License-Identifier: MIT
"""Fixtures of the real-stack tests: one stack (btvirt + bluetoothd) for the session, made
healthy again before each test; per test a log folder $RS_OUT/<test>/ with the btmon trace,
the bluetoothd and btvirt lines of that test and mi32's own log. A failing test's report
ends with the tails of those logs."""
import os
import shutil

import pytest

import rs

TAIL = 30


@pytest.fixture(scope="session")
def stack():
    d = os.path.join(rs.OUT, "stack")
    os.makedirs(d, exist_ok=True)
    s = rs.Stack(d)
    s.start_btvirt()
    s.start_bluetoothd()
    yield s
    s.stop()


@pytest.fixture
def logdir(request):
    d = os.path.join(rs.OUT, request.node.name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


@pytest.fixture
def env(request, stack, logdir):
    """The stack made healthy, a btmon trace of this test, and the advertiser on hci1."""
    stack.ensure()
    # btmon buffers its output when it is not a terminal
    btmon = rs.Proc("btmon", ["stdbuf", "-oL", "btmon", "-T"], logdir)
    btmon.wait_for(r"New Index|Index Info", 20)
    marks = {p.name: p.mark() for p in (stack.btvirt, stack.btd)}
    adv = rs.Advertiser(1)
    e = Env(stack, logdir, btmon, adv)
    request.node.rs_env = e
    yield e
    for p in e.procs:
        p.stop()
    try:
        adv.stop()
    except Exception:  # noqa: BLE001 - hci1 may be gone (a fault test)
        pass
    adv.close()
    btmon.stop()
    for p in (stack.btvirt, stack.btd):
        if p:
            with open(os.path.join(logdir, p.name + ".log"), "w") as f:
                f.write(p.text(start=marks.get(p.name, 0)) + "\n")


class Env:
    def __init__(self, stack, logdir, btmon, adv):
        self.stack, self.logdir, self.btmon, self.adv = stack, logdir, btmon, adv
        self.procs = []

    def mi32(self, *args, **kw):
        m = rs.Mi32(self.logdir, *args, **kw)
        self.procs.append(m)
        return m


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    e = getattr(item, "rs_env", None)
    if rep.when != "call" or not rep.failed or e is None:
        return
    tails = [(p.name, p) for p in e.procs] + [("btmon", e.btmon)]
    tails += [(p.name, p) for p in (e.stack.btd, e.stack.btvirt) if p]
    for name, p in tails:
        lines = p.text().splitlines()[-TAIL:]
        rep.sections.append((f"last {len(lines)} lines of {name} "
                             f"(whole log in {e.logdir})", "\n".join(lines)))


def pytest_collection_finish(session):
    with open(os.path.join(rs.OUT, "results.txt"), "a") as f:
        f.write(f"COLLECTED {len(session.items)}\n")


def pytest_runtest_logreport(report):
    # one line per test for run.sh on the host: a failure in any phase fails the test
    # (a skip counts as a failure: nothing here may be skipped silently)
    bad = report.failed or report.skipped
    if bad or (report.when == "call" and report.passed):
        with open(os.path.join(rs.OUT, "results.txt"), "a") as f:
            f.write(f"{'FAIL' if bad else 'PASS'} {report.nodeid} {report.when}\n")
