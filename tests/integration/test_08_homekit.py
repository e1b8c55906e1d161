# SPDX-License-Identifier: MIT
"""The HomeKit bridge against a third-party HAP controller: npm's hap-controller (IP
transport, pinned in tests/homekit/package-lock.json) pairs with the setup code, reads the
accessory database and a thermometer, subscribes and gets an event when the replayed demo
capture moves a value, lists and removes its pairing, and is refused afterwards. A wrong setup
code is refused. The state file is 0600 and keeps the identity across a restart."""
import json
import os
import re
import queue
import shutil
import stat
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTROLLER = os.path.join(ROOT, "tests", "homekit", "controller.js")
CODE = "518-08-582"


def start(mi32_bin, tmp_path, extra=()):
    """mi32 replaying the bundled demo with the bridge on a free port; returns (proc, port)
    once the daemon has said where it listens (an event, not a sleep)."""
    p = subprocess.Popen(
        [mi32_bin, "run", "--replay", os.path.join(ROOT, "examples", "demo.btsnoop"), "--loop",
         "--mi32cfg", os.path.join(ROOT, "examples", "demo.mi32cfg"),
         "--state-dir", str(tmp_path), "--web-port", "0", "--homekit", "--homekit-port", "0",
         "--homekit-bind", "127.0.0.1", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = queue.Queue()
    # a reader thread: select() on a buffered text pipe would miss lines already read ahead
    threading.Thread(target=lambda: [lines.put(l) for l in p.stderr], daemon=True).start()
    end, seen = time.monotonic() + 30, []
    while time.monotonic() < end:
        try:
            line = lines.get(timeout=max(0.01, end - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        m = re.search(r"homekit: .*port (\d+)", line)
        if m:
            return p, int(m.group(1)), line
    p.kill()
    pytest.fail("mi32 never said where the HomeKit server listens: " + "".join(seen))


def controller(port, mode, timeout=120):
    node = shutil.which("node")
    assert node, "node is missing (scripts/deps.sh test installs nodejs)"
    r = subprocess.run([node, CONTROLLER, str(port), CODE, mode], capture_output=True,
                       text=True, timeout=timeout, cwd=os.path.dirname(CONTROLLER))
    steps = {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        steps[o["step"]] = o
    assert r.returncode == 0, f"controller failed: {r.stdout}\n{r.stderr}"
    return steps


def test_pair_read_event_remove(mi32_bin, tmp_path):
    p, port, said = start(mi32_bin, tmp_path, ["--homekit-code", CODE])
    try:
        assert f"setup code {CODE}" in said and "X-HM://" in said
        wrong = controller(port, "wrong")
        assert wrong["wrong"]["result"] == "refused"
        assert "Error: 2" in wrong["wrong"]["error"]  # kTLVError_Authentication

        s = controller(port, "full")
        assert s["accessories"]["bridge"] == 1
        # the demo's sensor list has 20 sensors: all bridged, plus the bridge
        assert s["accessories"]["count"] == 21
        assert s["accessories"]["temp"]["min"] == -40  # below-zero temperatures are allowed
        assert s["read"]["status"] == 0 and -40 <= s["read"]["value"] <= 100
        ev = s["event"]["characteristics"]
        assert ev and all("value" in c for c in ev)
        assert s["pairings"]["id"] == s["pairings"]["me"] and s["pairings"]["admin"] == 1
        assert s["after-remove"]["result"] == "refused"

        st = os.stat(tmp_path / "homekit.json")
        assert stat.S_IMODE(st.st_mode) == 0o600
        saved = json.loads((tmp_path / "homekit.json").read_text())
        assert saved["pairings"] == []  # the removal was saved
        assert saved["config_number"] >= 2
    finally:
        p.kill()
        p.wait()

    # a restart keeps the identity and the accessory ids, and offers pairing again
    p, port, said = start(mi32_bin, tmp_path)
    try:
        again = json.loads((tmp_path / "homekit.json").read_text())
        assert again["device_id"] == saved["device_id"] and again["aids"] == saved["aids"]
        assert again["config_number"] == saved["config_number"]  # nothing changed
        assert f"setup code {CODE}" in said
    finally:
        p.kill()
        p.wait()


def test_bad_code_and_broken_state_are_refused(mi32_bin, tmp_path):
    r = subprocess.run([mi32_bin, "run", "--replay", os.path.join(ROOT, "examples", "demo.btsnoop"),
                        "--state-dir", str(tmp_path), "--web-port", "0", "--homekit",
                        "--homekit-code", "123-45-678"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0 and "setup code '123-45-678' is not valid" in r.stderr
    (tmp_path / "homekit.json").write_text('{"version":1,')
    r = subprocess.run([mi32_bin, "run", "--replay", os.path.join(ROOT, "examples", "demo.btsnoop"),
                        "--state-dir", str(tmp_path), "--web-port", "0", "--homekit"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "broken HomeKit state" in r.stderr
    assert (tmp_path / "homekit.json").read_text() == '{"version":1,'  # not replaced
