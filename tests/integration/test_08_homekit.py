# SPDX-License-Identifier: MIT
"""The HomeKit bridge against a third-party HAP controller: npm's hap-controller (IP
transport, pinned in tests/homekit/package-lock.json) pairs with the setup code, reads the
accessory database and a thermometer, subscribes and gets an event when the replayed demo
capture moves a value, lists and removes its pairing, and is refused afterwards. A wrong setup
code is refused. The state file is 0600 and keeps the identity across a restart."""
import base64
import json
import os
import re
import shutil
import stat
import subprocess
import urllib.error
import urllib.request

import pytest

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


def qr_text(svg, tmp_path):
    """What zbarimg (Debian's zbar-tools, an independent decoder) reads in the SVG of
    /api/homekit, drawn module by module into a PGM image."""
    zbarimg = shutil.which("zbarimg")
    if not zbarimg:
        pytest.skip("zbarimg is missing (scripts/deps.sh test installs zbar-tools)")
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    dark = set()
    for x, y, run in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", svg):
        dark.update((int(x) + i, int(y)) for i in range(int(run)))
    scale = 8
    rows = []
    for py in range(side * scale):
        rows.append(" ".join("0" if (px // scale, py // scale) in dark else "1"
                             for px in range(side * scale)))
    img = tmp_path / "qr.pgm"
    img.write_text(f"P2\n{side * scale} {side * scale}\n1\n" + "\n".join(rows) + "\n")
    r = subprocess.run([zbarimg, "-q", "--raw", str(img)], capture_output=True, text=True,
                       timeout=30)
    return r.stdout.strip()


def test_setup_code_on_the_web(mi32_bin, tmp_path):
    """/api/homekit: the setup code and a QR code that scans to the X-HM:// payload the log
    gives; never without the password; 404 with the bridge off."""
    web = free_port()
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE], web_port=web,
               web_extra=["--web-password", "pw"])
    try:
        wait_port(web)
        payload = re.search(r"QR payload (X-HM://\w+)", b.said).group(1)
        try:
            get(web, "/api/homekit")
            assert False, "the setup code went to a client without the password"
        except urllib.error.HTTPError as e:
            assert e.code == 401 and CODE not in e.read().decode()
        req = urllib.request.Request(f"http://127.0.0.1:{web}/api/homekit", headers={
            "Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()})
        with urllib.request.urlopen(req, timeout=10) as r:
            hk = json.loads(r.read())
        assert hk["code"] == CODE and hk["payload"] == payload and hk["paired"] is False
        assert hk["qr"].startswith("<svg ")
        assert qr_text(hk["qr"], tmp_path) == payload
    finally:
        b.stop()
    (tmp_path / "off").mkdir()
    d = Daemon(base_args(mi32_bin, tmp_path / "off", "--replay",
                         os.path.join(ROOT, "examples", "demo.btsnoop"), "--loop",
                         "--web-port", web))
    try:
        wait_port(web)
        try:
            get(web, "/api/homekit")
            assert False, "/api/homekit answered with the bridge off"
        except urllib.error.HTTPError as e:
            assert e.code == 404 and "off" in json.loads(e.read())["error"]
        assert json.loads(get(web, "/api/node"))["homekit"] is None
    finally:
        d.kill()
