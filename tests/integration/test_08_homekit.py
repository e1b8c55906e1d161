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
import urllib.request

from conftest import free_port, wait_port
from test_02_daemon_helpers import Daemon, base_args
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


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


def test_state_shown_and_reset_unpairs(mi32_bin, tmp_path):
    """The bridge's state in /api/node, /metrics and STATE; HomeKitReset un-pairs: the
    controller that was paired is refused afterwards, the file says so, and a new controller
    can pair with the same setup code."""
    web = free_port()
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE], web_port=web)
    try:
        wait_port(web)
        hk = json.loads(get(web, "/api/node"))["homekit"]
        assert hk["paired"] is False and hk["controllers"] == 0 and hk["port"] == b.port
        assert hk["accessories"] == 20 and hk["left_out"] == 0
        assert hk["mdns"] == "no avahi-daemon" and hk["announced"] is False
        assert "avahi-daemon" in hk["mdns_reason"]
        assert CODE not in get(web, "/api/node")  # the code is not in the node facts

        paired = controller(b.port, "pair")["paired"]["pairing"]
        (tmp_path / "pairing.json").write_text(json.dumps(paired))
        assert controller(b.port, "check", tmp_path / "pairing.json")["check"]["result"] == \
            "allowed"
        hk = json.loads(get(web, "/api/node"))["homekit"]
        assert hk["paired"] is True and hk["controllers"] == 1
        metrics = get(web, "/metrics")
        assert "mi32_homekit_paired 1\n" in metrics
        assert "mi32_homekit_controllers 1\n" in metrics
        assert "mi32_homekit_mdns_announced 0\n" in metrics
        assert "mi32_homekit_accessories 20\n" in metrics
        before = json.loads((tmp_path / "homekit.json").read_text())
        assert len(before["pairings"]) == 1

        b.p.stdin.write("HomeKitReset\n")
        b.p.stdin.flush()
        b.wait(r"homekit: reset: 1 pairing\(s\) removed")
        b.wait(r"homekit: not paired; add the bridge in the Home app with setup code " + CODE)
        after = json.loads((tmp_path / "homekit.json").read_text())
        assert after["pairings"] == [] and after["device_id"] != before["device_id"]
        assert after["setup_code"] == before["setup_code"]
        assert after["aids"] == before["aids"]
        st = os.stat(tmp_path / "homekit.json")
        assert stat.S_IMODE(st.st_mode) == 0o600
        hk = json.loads(get(web, "/api/node"))["homekit"]
        assert hk["paired"] is False and hk["controllers"] == 0
        assert "mi32_homekit_paired 0\n" in get(web, "/metrics")

        # the old controller is refused; a new one pairs with the same code
        r = controller(b.port, "check", tmp_path / "pairing.json")["check"]
        assert r["result"] == "refused"
        assert "pairing" in controller(b.port, "pair")["paired"]
    finally:
        b.stop()


def test_reset_when_off_and_state(mi32_bin, tmp_path):
    """Without --homekit, HomeKitReset says the bridge is off; with it, State and Status 11
    carry the HomeKit object (no setup code)."""
    web = free_port()
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE], web_port=web)
    try:
        wait_port(web)
        st = json.loads(get(web, "/cm?cmnd=State"))
        assert st["HomeKit"]["State"] == "not paired"
        assert st["HomeKit"]["Controllers"] == 0 and st["HomeKit"]["Port"] == b.port
        assert st["HomeKit"]["MDNS"] == "no avahi-daemon" and "MDNSReason" in st["HomeKit"]
        assert CODE not in json.dumps(st)
        assert "HomeKit" in json.loads(get(web, "/cm?cmnd=Status%2011"))["StatusSTS"]
    finally:
        b.stop()
    # the bridge off: HomeKitReset says so, State has no HomeKit object
    (tmp_path / "off").mkdir()
    d = Daemon(base_args(mi32_bin, tmp_path / "off", "--replay",
                         os.path.join(ROOT, "examples", "demo.btsnoop"), "--loop"))
    try:
        r = d.cmd("HomeKitReset")
        assert r["HomeKitReset"] == "Error" and "the HomeKit bridge is off" in r["Reason"]
        assert "HomeKit" not in d.cmd("State")
    finally:
        d.kill()
