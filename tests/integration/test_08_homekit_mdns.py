# SPDX-License-Identifier: MIT
"""The bridge's mDNS announcement (_hap._tcp through avahi-daemon), seen by Debian's
avahi-browse: mi32 starts before avahi-daemon (it says none runs and waits), announces the
moment the daemon appears, with the TXT record HAP asks for, and re-announces sf=0 once a
controller has paired, again after avahi-daemon restarts, and sf=1 with the new identity
after HomeKitReset. avahi-daemon runs on a private system bus, in its own network
namespace (loopback only), so the test neither needs nor disturbs the machine's avahi."""
import base64
import hashlib
import json
import time

from test_08_homekit_helpers import CODE, Avahi, Bridge, SystemBus, controller


def wait_browse(avahi, want, timeout=30):
    """avahi-browse until @want(found) holds (each browse is itself a bounded wait)."""
    end, found = time.monotonic() + timeout, {}
    while time.monotonic() < end:
        found = avahi.browse()
        if want(found):
            return found
    raise AssertionError(f"avahi-browse never showed what was expected: {found}")


def test_announced_through_avahi(mi32_bin, tmp_path):
    bus = SystemBus(tmp_path)
    avahi = b = None
    try:
        b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE], bus=bus.address)
        assert b.seen(r"homekit: no avahi-daemon \(not running\): the Home app will not")
        avahi = Avahi(tmp_path, bus)
        b.wait(r"homekit: announced as \"mi32\" \(_hap._tcp, port %d\)" % b.port)
        assert b.seen(r"homekit: avahi-daemon is there now")

        found = wait_browse(avahi, lambda f: "mi32" in f)
        svc = found["mi32"]
        state = json.loads((tmp_path / "homekit.json").read_text())
        txt = svc["txt"]
        assert svc["port"] == b.port
        assert txt["id"] == state["device_id"] and txt["c#"] == str(state["config_number"])
        assert (txt["ff"], txt["pv"], txt["s#"], txt["sf"], txt["ci"], txt["md"]) == \
            ("0", "1.1", "1", "1", "2", "mi32")
        sh = hashlib.sha512((state["setup_id"] + state["device_id"]).encode()).digest()[:4]
        assert txt["sh"] == base64.b64encode(sh).decode()

        # paired: sf=0 is announced without a restart
        assert "pairing" in controller(b.port, "pair")["paired"]
        wait_browse(avahi, lambda f: f.get("mi32", {}).get("txt", {}).get("sf") == "0")

        # avahi-daemon restarts (an upgrade): said, and announced again when it is back
        avahi.stop()
        b.wait(r"homekit: no avahi-daemon")
        avahi = Avahi(tmp_path, bus)
        b.wait(r"homekit: announced as \"mi32\"")
        wait_browse(avahi, lambda f: f.get("mi32", {}).get("txt", {}).get("sf") == "0")

        # HomeKitReset: unpaired again (sf=1) under the new identity, without a restart
        b.p.stdin.write("HomeKitReset\n")
        b.p.stdin.flush()
        b.wait(r"homekit: reset: 1 pairing\(s\) removed")
        new_id = json.loads((tmp_path / "homekit.json").read_text())["device_id"]
        assert new_id != state["device_id"]
        wait_browse(avahi, lambda f: f.get("mi32", {}).get("txt", {}).get("sf") == "1" and
                    f["mi32"]["txt"].get("id") == new_id)
    finally:
        for x in (b, avahi, bus):
            if x:
                x.stop()
