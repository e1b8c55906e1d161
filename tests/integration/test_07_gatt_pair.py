# SPDX-License-Identifier: MIT
"""MI32Pair against the fake bluetoothd (tests/gatt/fake_bluez.py): the phone pairs with the
passkey given, its IRK (from the bond store folder given by --bond-dir) becomes a PID 0000
entry of the running list and of the mi32cfg file (MSB first, as Tasmota's IRK grabber
writes it), generic tracking is switched on, and the errors: a wrong PIN, a peer that gives
no IRK, bad arguments. The IRK is never in a RESULT."""
import json
import time

import pytest

from test_02_daemon_helpers import TIMEOUT
from test_07_gatt_commands import FakeBluez, gatt_daemon

PHONE = "5C:F3:70:11:22:33"
IRK_LSB = "F0E1D2C3B4A5968778695A4B3C2D1E0F"
IRK_MSB = bytes.fromhex(IRK_LSB)[::-1].hex().upper()


@pytest.fixture
def fake(tmp_path):
    f = FakeBluez(tmp_path)
    yield f
    f.close()


@pytest.fixture
def node(mi32_bin, demo, fake, tmp_path):
    with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--bond-dir", tmp_path / "bonds",
                     "--gatt-timeout", "3", "--option5", "0") as d:
        yield d


def paired(d):
    """The RESULT that follows MI32Pair's Pending."""
    return d.wait_for(lambda o: isinstance(o.get("MI32Pair"), dict), TIMEOUT,
                      "the result of MI32Pair")["MI32Pair"]


def test_pair_keeps_the_irk(node, fake, tmp_path):
    d = node
    fake.ctl.AddPeer(PHONE, "public", "ok")
    fake.ctl.SetPairing(PHONE, "passkey 123456", IRK_LSB, str(tmp_path / "bonds"))
    assert d.cmd("MI32Option5") == {"MI32Option5": 0}
    assert d.cmd("MI32Pair %s 123456" % PHONE) == {"MI32Pair": "Pending"}
    r = paired(d)
    slot = r.pop("Slot")
    assert r == {"MAC": PHONE.replace(":", ""), "Error": 0, "PID": "0000", "MI32Cfg": "saved"}
    assert IRK_MSB not in json.dumps(r) and IRK_LSB not in json.dumps(r)
    # the running list: a generic device with the IRK, tracked (option 5 on)
    assert d.cmd("MI32Option5") == {"MI32Option5": 1}
    entries = json.loads((tmp_path / "mi32cfg").read_text())
    (e,) = [x for x in entries if x["MAC"] == PHONE.replace(":", "")]
    assert e["PID"] == "0000" and e["key"] == IRK_MSB, e
    assert entries.index(e) == slot
    calls = fake.ctl.Calls()
    assert "RegisterAgent KeyboardOnly" in calls and "Passkey 123456" in calls, calls
    assert calls.endswith("Disconnect " + PHONE), calls
    # MI32Info: the bond, and that an IRK is known (never the key itself), once
    # bluetoothd said the one-shot's link is down
    end = time.monotonic() + TIMEOUT
    while d.cmd("MI32Info")["MI32Info"]["Role"] != "none" and time.monotonic() < end:
        time.sleep(0.05)
    assert d.cmd("MI32Info " + PHONE) == {"MI32Info": {
        "Role": "none", "LocalAddr": "00AA01000000", "Bonds": 1, "Connection": {
            "MAC": PHONE.replace(":", ""), "Type": "public",
            "Identity": PHONE.replace(":", ""), "Connected": False, "Paired": True,
            "Bonded": True, "Encrypted": False, "Authenticated": True, "RSSI": 0, "MTU": 0,
            "IRK": True}}}
    assert d.cmd("MI32Info") == {"MI32Info": {"Role": "none", "LocalAddr": "00AA01000000",
                                              "Bonds": 1}}
    r = d.cmd("MI32Info 11:22:33:44:55:66")
    assert r["MI32Info"] == "Error" and "does not know" in r["Reason"], r
    r = d.cmd("MI32Info 1122")
    assert r["MI32Info"] == "Error" and "MI32Info [<MAC>]" in r["Reason"], r


def test_pair_errors(node, fake, tmp_path):
    d = node
    fake.ctl.AddPeer(PHONE, "public", "ok")
    fake.ctl.SetPairing(PHONE, "passkey 123456", IRK_LSB, str(tmp_path / "bonds"))
    assert d.cmd("MI32Pair %s 654321" % PHONE) == {"MI32Pair": "Pending"}
    assert paired(d) == {"MAC": PHONE.replace(":", ""), "Error": 10,
                         "Reason": "pairing failed (a wrong PIN, or the device refused)"}
    fake.ctl.SetPairing(PHONE, "justworks", "", str(tmp_path / "bonds"))
    assert d.cmd("MI32Pair " + PHONE) == {"MI32Pair": "Pending"}
    r = paired(d)
    assert r["Error"] == 11 and "no IRK" in r["Reason"], r
    assert d.cmd("MI32Option5") == {"MI32Option5": 0}
    for bad in ("MI32Pair", "MI32Pair 5CF370", "MI32Pair %s 1234567" % PHONE,
                "MI32Pair %s 12a" % PHONE, "MI32Pair %s/x" % PHONE, "MI32Pair a b c"):
        r = d.cmd(bad)
        assert r["MI32Pair"] == "Error" and "MI32Pair <MAC>" in r["Reason"], (bad, r)


def irk(d, line):
    """MI32Irk's reply (it carries a MAC, which is_sensor would take for a SENSOR message)"""
    d.send(line)
    return d.wait_for(lambda o: "MI32Irk" in o, TIMEOUT, f"the reply to {line!r}")


def test_irk_command_keeps_an_irk_learnt_elsewhere(node, tmp_path):
    """MI32Irk: what the IRK grabber script calls once a phone paired with mi32's server"""
    d = node
    mac = "00AA01000099"
    r = irk(d, "MI32Irk %s %s My phone" % (mac, IRK_MSB))["MI32Irk"]
    slot = r.pop("Slot")
    assert r == {"MAC": mac, "PID": "0000", "MI32Cfg": "saved"}, r
    assert d.cmd("MI32Option5") == {"MI32Option5": 1}
    entries = json.loads((tmp_path / "mi32cfg").read_text())
    (e,) = [x for x in entries if x["MAC"] == mac]
    assert e["PID"] == "0000" and e["key"] == IRK_MSB and e["name"] == "My phone", e
    assert entries.index(e) == slot
    # again (a new IRK after a new pairing): the same entry gets the new key
    r = irk(d, "MI32Irk 00:AA:01:00:00:99 " + IRK_LSB)["MI32Irk"]
    assert r["Slot"] == slot, r
    (e,) = [x for x in json.loads((tmp_path / "mi32cfg").read_text()) if x["MAC"] == mac]
    assert e["key"] == IRK_LSB, e
    for bad in ("", mac, mac + " 0011", "00AA0100 " + IRK_MSB, mac + " " + IRK_MSB[:-1] + "G",
                mac + " " + IRK_MSB + " " + "x" * 64):
        r = irk(d, ("MI32Irk " + bad).strip())
        assert r["MI32Irk"] == "Error" and r["Reason"], (bad, r)
    # a sensor of another type keeps its key
    r = irk(d, "MI32Irk A4C138A1B204 " + IRK_MSB)  # the demo's LYWSD03
    assert r["MI32Irk"] == "Error" and "another type" in r["Reason"], r
