# SPDX-License-Identifier: MIT
"""MI32Server against a fake bluetoothd (tests/gatt/fake_bluez_server.py) on a private
dbus-daemon: the seed's Nordic UART server built from the console (211, 202, 201), what
bluetoothd was given to advertise, a phone writing RX (222 as a RESULT), the answer on TX
notified to it, the name (233), stop, and the errors of bad arguments."""
import os
import subprocess

import pytest

from conftest import ROOT
from test_02_daemon_helpers import TIMEOUT
from test_07_gatt_commands import FakeBluez, gatt_daemon

FAKE = os.path.join(ROOT, "tests", "gatt", "fake_bluez_server.py")
NUS = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"
TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"
PHONE = "5A:11:22:33:44:55"


class FakeServerBluez(FakeBluez):
    def start(self):
        self.fake = subprocess.Popen(["/usr/bin/python3", FAKE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ, FAKE_BUS=self.address))
        assert self.fake.stdout.readline().strip() == "ready"


@pytest.fixture
def fake(tmp_path):
    f = FakeServerBluez(tmp_path)
    yield f
    f.close()


@pytest.fixture
def node(mi32_bin, demo, fake, tmp_path):
    with gatt_daemon(mi32_bin, demo, tmp_path, fake) as d:
        # bluetoothd's tree is in (gatt_daemon waited for it): 231 answers Pending
        assert d.cmd("MI32Server 231") == {"MI32Server": "Pending"}
        assert event(d, 231)["Data"] == "00000001AA00"
        yield d


def event(d, op):
    return d.wait_for(lambda o: isinstance(o.get("MI32Server"), dict)
                      and o["MI32Server"]["Op"] == op, TIMEOUT,
                      f"MI32Server result {op}")["MI32Server"]


def test_nordic_uart_from_the_console(node, fake):
    d = node
    assert d.cmd(f"MI32Server 211 {NUS} {TX} 0100") == {"MI32Server": "Pending"}
    assert event(d, 211)["UUID"] == 3
    assert d.cmd(f"MI32Server 211 {NUS} {RX} -") == {"MI32Server": "Pending"}
    assert event(d, 211)["UUID"] == 2
    assert d.cmd("MI32Server 202 0201060908" + b"mi32 NUS".hex()) == {"MI32Server": "Pending"}
    assert event(d, 202)["Error"] == 0
    assert d.cmd("MI32Server 201 02010611079ECADC240EE5A9E093F3A3B50100406E") == \
        {"MI32Server": "Pending"}
    first = event(d, 201)
    assert first["Error"] == 0 and len(first["Data"]) == 8
    handles = fake.ctl.AppHandles()
    tx, rx = int(first["Data"][:4], 16), int(first["Data"][4:], 16)
    assert handles == f"{TX.lower()}={tx} {RX.lower()}={rx}"
    assert fake.ctl.Advertised() == ("peripheral 11079ecadc240ee5a9e093f3a3b50100406e "
                                     "09096d693332204e5553")
    fake.ctl.CentralConnect(PHONE)
    assert event(d, 227)["Data"] == "5544332211" "5A"
    fake.ctl.CentralSubscribe(TX)
    assert event(d, 226)["Handle"] == tx
    fake.ctl.CentralWrite(PHONE, RX, b"ping".hex(), "command")
    w = event(d, 222)
    assert (w["Data"], w["Handle"], w["MAC"]) == ("70696E67", rx, "5A1122334455")
    assert d.cmd(f"MI32Server 211 {NUS} {TX} {b'pong'.hex()}") == {"MI32Server": "Pending"}
    assert event(d, 211)["Handle"] == tx
    assert fake.ctl.Notified(TX) == b"pong".hex()
    assert d.cmd("MI32Server 233 mi32 NUS") == {"MI32Server": "Pending"}
    assert event(d, 233)["Error"] == 0
    assert "Set Alias mi32 NUS" in fake.ctl.Calls()
    assert d.cmd("MI32Server stop") == {"MI32Server": "Stopped"}
    assert "UnregisterAdvertisement /org/mi32/adv0" in fake.ctl.Calls()


def test_errors(node, fake):
    d = node
    for line in ("MI32Server", "MI32Server 299 00", "MI32Server 201 0", "MI32Server 201 zz",
                 "MI32Server 201 0201 5", "MI32Server 211 180F", "MI32Server 233",
                 "MI32Server 202r 00", "MI32Server 231 x"):
        r = d.cmd(line)
        assert r["MI32Server"] == "Error", (line, r)
    r = d.cmd("MI32Server 201 071b112233445566")
    assert r["MI32Server"] == "Error" and "which byte" in r["Reason"], r
    r = d.cmd("MI32Server 201 020106 1")
    assert "not possible through bluetoothd" in r["Reason"], r
    fake.stop_fake()
    r = d.cmd("MI32Server 201 020106")
    assert "bluetoothd is not running" in r["Reason"], r
