# SPDX-License-Identifier: MIT
"""The HomeKit bridge against a third-party HAP controller: npm's hap-controller (IP
transport, pinned in tests/homekit/package-lock.json) pairs with the setup code, reads the
accessory database and a thermometer, subscribes and gets an event when the replayed demo
capture moves a value, lists and removes its pairing, and is refused afterwards. A wrong setup
code is refused. The state file is 0600 and keeps the identity across a restart."""
import json
import os
import stat
import subprocess

from test_08_homekit_helpers import CODE, ROOT, Bridge, controller


def test_pair_read_event_remove(mi32_bin, tmp_path):
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE])
    p, port, said = b.p, b.port, b.said
    try:
        assert f"setup code {CODE}" in said and "X-HM://" in said
        # no avahi-daemon (no system bus here): said plainly, and HAP serves all the same
        assert b.seen(r"homekit: no avahi-daemon .*the Home app will not find the bridge")
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
    b = Bridge(mi32_bin, tmp_path)
    p, port, said = b.p, b.port, b.said
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
