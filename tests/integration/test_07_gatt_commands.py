# SPDX-License-Identifier: MIT
"""MI32Battery, MI32Time, MI32Unit and MI32Firmware against a fake bluetoothd
(tests/gatt/fake_bluez.py) on a private dbus-daemon: the immediate "Pending" reply, the
deferred RESULT on the console and on MQTT stat/<topic>/RESULT, the values in the store
(Status 8), what was written to the devices, and the errors: a device that does not answer,
a type without the command, bad arguments, bluetoothd absent."""
import contextlib
import json
import os
import shutil
import subprocess
import time

import dbus
import pytest

from conftest import ROOT
from test_02_daemon_helpers import TIMEOUT, Daemon, base_args, wait_replayed
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online

ADVERTS = 1890  # the demo capture's records
FAKE = os.path.join(ROOT, "tests", "gatt", "fake_bluez.py")
# the demo fleet's slots (examples/demo.mi32cfg order)
FLORA, LYWSD02, LYWSD03, CGD1, MJ_HT_V1, MHOC303 = 0, 2, 3, 5, 1, 10
MI = "EBE0CCB0-7A0A-4B0C-8A1A-6FF2997DA3A6"


def mi(c):
    return "EBE0CC%s-7A0A-4B0C-8A1A-6FF2997DA3A6" % c


class FakeBluez:
    """A private bus with the fake org.bluez on it, scripted through test.Control."""

    def __init__(self, tmp_path):
        conf = tmp_path / "bus.conf"
        conf.write_text(
            "<busconfig><type>session</type>"
            f"<listen>unix:path={tmp_path}/bus</listen><auth>EXTERNAL</auth>"
            "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
            "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n")
        self.bus_proc = subprocess.Popen(["dbus-daemon", f"--config-file={conf}",
                                          "--print-address=1", "--nofork"],
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         text=True)
        self.address = self.bus_proc.stdout.readline().strip()
        self.fake = None
        self.start()
        self.bus = dbus.bus.BusConnection(self.address)
        self.ctl = dbus.Interface(self.bus.get_object("org.bluez", "/test"), "test.Control")

    def start(self):
        self.fake = subprocess.Popen(["/usr/bin/python3", FAKE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ, FAKE_BUS=self.address))
        assert self.fake.stdout.readline().strip() == "ready"

    def stop_fake(self):
        self.fake.stdin.close()
        self.fake.wait(10)

    def close(self):
        if self.fake.poll() is None:
            self.stop_fake()
        self.bus.close()
        self.bus_proc.terminate()
        self.bus_proc.wait(10)

    def peer(self, mac, services):
        """@services: {svc: [(uuid, flags, value hex, handle)]}; handles from 0x10 up."""
        self.ctl.AddPeer(mac, "public", "ok")
        h = 0x10
        for svc, chars in services.items():
            self.ctl.AddService(mac, svc, dbus.UInt16(h))
            for uuid, flags, value in chars:
                h += 3
                self.ctl.AddChar(mac, svc, uuid, flags, value, dbus.UInt16(h))
            h += 0x10

    def fleet(self):
        """The demo fleet's GATT devices as the seed's scripts know them."""
        self.peer("E7:2E:00:11:22:03", {MI: [(mi("B7"), "read,write", "00000000ff"),
                                             (mi("BE"), "read,write", "ff"),
                                             (mi("C4"), "read", "39")]})
        self.peer("C4:7C:8D:6A:1B:01", {"1204": [("1A02", "read", "63143" + "3" + "2e322e31")]})
        self.peer("58:2D:34:52:65:06", {"180F": [("2A19", "read", "4d")]})
        self.peer("A4:C1:38:A1:B2:04", {MI: [(mi("C1"), "read,notify", "")]})
        # 21.5 °C, 48 %, 2940 mV → (2940 − 2100) / 12 = 70 %
        self.ctl.SetAutoNotify("A4:C1:38:A1:B2:04", mi("C1"), "660830" + "7c0b")


@pytest.fixture
def fake(tmp_path):
    f = FakeBluez(tmp_path)
    yield f
    f.close()


@contextlib.contextmanager
def gatt_daemon(mi32_bin, demo, tmp_path, fake, *extra):
    """`mi32 run` replaying the demo fleet (its mi32cfg copied to @tmp_path) with GATT through
    the fake bluetoothd @fake, yielded once the replay is done and the daemon has read
    bluetoothd's tree (the client commands would wait for it, but MI32Server's ops answer
    "not running" before it)."""
    cfg = tmp_path / "mi32cfg"
    shutil.copy(demo["mi32cfg"], cfg)
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--json",
                         "--mi32cfg", cfg, "--dbus-address", fake.address, *extra))
    try:
        wait_replayed(d, ADVERTS)
        d.wait_bluetoothd()
        yield d
    finally:
        d.kill()


@pytest.fixture
def node(mi32_bin, demo, fake, tmp_path):
    with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--topic", "gatt1",
                     "--gatt-timeout", "3") as d:
        yield d


def deferred(d, name, slot):
    """The RESULT that follows a Pending reply."""
    seen = []

    def match(o):
        seen.append(o)
        return name in o and o[name] != "Pending" and o.get("Slot") == slot
    try:
        return d.wait_for(match, TIMEOUT, f"the result of {name} {slot}")
    except AssertionError as e:
        raise AssertionError(f"{e}; lines seen: {seen}") from None


MACS = {FLORA: "C47C8D6A1B01", LYWSD02: "E72E00112203", LYWSD03: "A4C138A1B204"}


def sensor(d, slot):
    """The slot's object in Status 8 (found by its MAC)."""
    sns = d.cmd("Status 8")["StatusSNS"]
    (obj,) = [v for v in sns.values() if isinstance(v, dict) and v.get("MAC") == MACS[slot]]
    return obj


def test_battery_firmware_and_values_in_the_store(node, fake):
    d = node
    fake.fleet()
    assert d.cmd("MI32Battery 2") == {"MI32Battery": "Pending", "Slot": LYWSD02}
    assert deferred(d, "MI32Battery", LYWSD02) == {"MI32Battery": 57, "Slot": LYWSD02}
    assert sensor(d, LYWSD02)["Battery"] == 57
    # the index form, like MI32Name<slot>
    assert d.cmd("MI32Battery5") == {"MI32Battery": "Pending", "Slot": CGD1}
    assert deferred(d, "MI32Battery", CGD1) == {"MI32Battery": 77, "Slot": CGD1}
    assert d.cmd("MI32Battery 0")["MI32Battery"] == "Pending"
    assert deferred(d, "MI32Battery", FLORA) == {"MI32Battery": 99, "Slot": FLORA}
    assert d.cmd("MI32Firmware 0")["MI32Firmware"] == "Pending"
    assert deferred(d, "MI32Firmware", FLORA) == {"MI32Firmware": "3.2.1", "Slot": FLORA}
    # the version into the store: Status 8 (and so SENSOR and Home Assistant's sw_version)
    s = sensor(d, FLORA)
    assert s["Battery"] == 99 and s["Firmware"] == "3.2.1", s
    # LYWSD03MMC: the first notification of its T/H characteristic (op 13)
    assert d.cmd("MI32Battery 3")["MI32Battery"] == "Pending"
    assert deferred(d, "MI32Battery", LYWSD03) == {"MI32Battery": 70, "Slot": LYWSD03}
    s = sensor(d, LYWSD03)
    assert s["Battery"] == 70 and s["Temperature"] == 21.5 and s["Humidity"] == 48
    calls = fake.ctl.Calls()
    # every command is a one-shot: connect, work, disconnect
    assert calls.count("Disconnect") == 5, calls


def test_time_and_unit_written(node, fake):
    d = node
    fake.fleet()
    t0 = int(time.time())
    assert d.cmd("MI32Time 2") == {"MI32Time": "Pending", "Slot": LYWSD02}
    assert deferred(d, "MI32Time", LYWSD02) == {"MI32Time": "Done", "Slot": LYWSD02}
    (w,) = fake.ctl.Written("E7:2E:00:11:22:03", mi("B7")).split()
    value, kind = w.split("/")
    raw = bytes.fromhex(value)
    tz = time.localtime().tm_gmtoff // 3600
    assert kind == "request" and len(raw) == 5
    assert t0 <= int.from_bytes(raw[:4], "little") <= int(time.time())
    assert int.from_bytes(raw[4:], "little", signed=True) == tz
    assert d.cmd("MI32Unit 2 F") == {"MI32Unit": "Pending", "Slot": LYWSD02}
    assert deferred(d, "MI32Unit", LYWSD02) == {"MI32Unit": "F", "Slot": LYWSD02}
    assert d.cmd("MI32Unit2 c") == {"MI32Unit": "Pending", "Slot": LYWSD02}
    assert deferred(d, "MI32Unit", LYWSD02) == {"MI32Unit": "C", "Slot": LYWSD02}
    assert fake.ctl.Written("E7:2E:00:11:22:03", mi("BE")) == "01/request ff/request"


def error(reply, name):
    assert list(reply) == [name, "Reason"] and reply[name] == "Error", reply
    return reply["Reason"]


def test_errors(node, fake):
    d = node
    fake.fleet()
    # the MHO-C303 is not in range: Pending, then bluetoothd's page time-out
    assert d.cmd("MI32Time 10") == {"MI32Time": "Pending", "Slot": MHOC303}
    r = deferred(d, "MI32Time", MHOC303)
    assert r["MI32Time"] == "Error" and "did not answer" in r["Reason"], r
    # the peer refuses the read
    fake.ctl.SetFail("E7:2E:00:11:22:03", mi("C4"), "ReadValue=org.bluez.Error.NotPermitted")
    assert d.cmd("MI32Battery 2")["MI32Battery"] == "Pending"
    r = deferred(d, "MI32Battery", LYWSD02)
    assert r["MI32Battery"] == "Error" and "could not be read" in r["Reason"], r
    # refused at once, nothing started
    assert "has no GATT commands" in error(d.cmd("MI32Battery 1"), "MI32Battery")
    assert "clock" in error(d.cmd("MI32Time 0"), "MI32Time")
    assert "C or F" in error(d.cmd("MI32Unit 2 K"), "MI32Unit")
    assert "only the Flora" in error(d.cmd("MI32Firmware 2"), "MI32Firmware")
    assert "slot" in error(d.cmd("MI32Battery 99"), "MI32Battery")
    assert "slot" in error(d.cmd("MI32Battery"), "MI32Battery")
    # bluetoothd leaves: said at once
    fake.stop_fake()
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        r = d.cmd("MI32Battery 2")
        if r["MI32Battery"] == "Error":
            break
        deferred(d, "MI32Battery", LYWSD02)
    assert "bluetoothd is not running" in r["Reason"], r


def gatt_result(d, op):
    return d.wait_for(lambda o: isinstance(o.get("MI32Gatt"), dict) and
                      o["MI32Gatt"]["Op"] == op, TIMEOUT, f"MI32Gatt op {op}")["MI32Gatt"]


def test_mi32gatt_client_ops(node, fake):
    d = node
    fake.fleet()
    lyw03 = "A4:C1:38:A1:B2:04"
    assert d.cmd(f"MI32Gatt 6 {lyw03}") == {"MI32Gatt": "Pending"}
    r = gatt_result(d, 6)
    # one 128-bit service: [count 1][bits 128][16 bytes little-endian]
    assert r["Error"] == 0 and r["MAC"] == "A4C138A1B204", r
    assert r["Data"] == "0180" + bytes.fromhex(MI.replace("-", ""))[::-1].hex().upper()
    # subscribe: the handles, then the sensor's notification as op 103
    assert d.cmd(f"MI32Gatt 3 {lyw03} {MI} {mi('C1')}") == {"MI32Gatt": "Pending"}
    r = gatt_result(d, 3)
    assert r["Error"] == 0 and r["UUID"] == 0xCCC1 and r["Data"] == "0014", r
    r = gatt_result(d, 103)
    assert r["Data"] == "6608307C0B" and r["Handle"] == 0x14, r
    assert d.cmd(f"MI32Gatt 4 {lyw03} {MI} {mi('C1')}") == {"MI32Gatt": "Pending"}
    assert gatt_result(d, 4)["Error"] == 0
    # a write with response by handle, then disconnect
    assert d.cmd(f"MI32Gatt 2r {lyw03} - 0x0014 01") == {"MI32Gatt": "Pending"}
    r = gatt_result(d, 2)
    assert r["Error"] == 7 and r["Reason"] == "the characteristic is not writable", r
    assert d.cmd(f"MI32Gatt 5 {lyw03}") == {"MI32Gatt": "Pending"}
    assert gatt_result(d, 5)["Error"] == 0
    # the peer refuses the notification: error 6
    fake.ctl.SetFail(lyw03, mi("C1"), "StartNotify=org.bluez.Error.NotPermitted")
    assert d.cmd(f"MI32Gatt 13 {lyw03} {MI} {mi('C1')}") == {"MI32Gatt": "Pending"}
    assert gatt_result(d, 3)["Error"] == 6
    for bad in ("MI32Gatt 8 " + lyw03, "MI32Gatt 1 A4C1", "MI32Gatt 1", "MI32Gatt 2 " + lyw03
                + " 180F 2A19 XYZ", "MI32Gatt 1 " + lyw03 + " 18O"):
        assert "MI32Gatt <op>" in error(d.cmd(bad), "MI32Gatt"), bad


def test_result_on_mqtt(mi32_bin, demo, broker, fake, tmp_path):
    fake.fleet()
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    shutil.copy(demo["mi32cfg"], tmp_path / "g.mi32cfg")
    p = start_node(mi32_bin, broker, tmp_path, "gattm", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(tmp_path / "g.mi32cfg"), "--dbus-address", fake.address)
    try:
        wait_online(sub, "gattm")
        assert command(sub, "gattm", "MI32Battery", "2") == {"MI32Battery": "Pending",
                                                             "Slot": LYWSD02}
        msgs = sub.wait_topic("stat/gattm/RESULT", 2, timeout=TIMEOUT)
        assert json.loads(msgs[1]) == {"MI32Battery": 57, "Slot": LYWSD02}
    finally:
        stop(p)
        sub.close()
