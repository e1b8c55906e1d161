# SPDX-License-Identifier: MIT
"""The seed's GATT-server examples as shipped in examples/scripts/, against the fake
bluetoothd (tests/gatt/fake_bluez_server.py) playing the phone: nus_console.lua (the Nordic
UART console: PIN, commands, long replies in pieces, the PIN again after a disconnect) and
improv.lua (Improv Wi-Fi provisioning). The same scenarios run against the real stack in
tests/realstack/guest/test_11_uart_improv.py."""
import json
import os
import sys
import time

import pytest

from test_07_gatt_commands import gatt_daemon
from test_09_gatt_server_command import FakeServerBluez

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gatt"))
from improv_frames import rpc, strings  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts")
NUS = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"
TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"
PHONE = "5A:11:22:33:44:55"
CHUNK = 180  # nus_console.lua's


@pytest.fixture
def fake(tmp_path):
    f = FakeServerBluez(tmp_path)
    yield f
    f.close()


def until(what, fn, timeout=20, detail=lambda: ""):
    """@fn() once it is true (polled: the fake answers over D-Bus), else fail with @what"""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.monotonic() < end, f"timed out waiting for {what}: {detail()}"
        time.sleep(0.05)


class Phone:
    """The fake's central: writes one characteristic, collects what another notified"""

    def __init__(self, fake, write_uuid, kind):
        self.ctl, self.write_uuid, self.kind = fake.ctl, write_uuid, kind

    def notified(self, uuid):
        return [bytes.fromhex(v) for v in self.ctl.Notified(uuid).split()]

    def write(self, data, uuid, expect_more=1):
        """write @data; return the values notified on @uuid after it (at least
        @expect_more of them, and every one that follows while they keep coming)"""
        before = len(self.notified(uuid))
        self.ctl.CentralWrite(PHONE, self.write_uuid, data.hex(), self.kind)
        got = until(f"{expect_more} notifications on {uuid} after writing {data!r}",
                    lambda: len(self.notified(uuid)) >= before + expect_more
                    and self.notified(uuid))
        return got[before:]


def nus_reply(phone, line):
    """A console line's reply: its pieces, collected until they parse as one JSON text or
    are a plain sentence (the PIN answers)"""
    before = len(phone.notified(TX))
    phone.ctl.CentralWrite(PHONE, RX, line.encode().hex(), "command")

    def whole():
        pieces = phone.notified(TX)[before:]
        text = b"".join(pieces).decode()
        if not pieces:
            return None
        if not text.startswith("{"):
            return pieces
        try:
            json.loads(text)
            return pieces
        except ValueError:
            return None
    return until(f"the reply to {line!r}", whole)


def test_nus_console(mi32_bin, demo, tmp_path, fake):
    src = os.path.join(EXAMPLES, "nus_console.lua")
    with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--script", src) as d:
        uuid = bytes.fromhex(NUS.replace("-", ""))[::-1].hex()
        want = "peripheral 1107%s 0a096d6933322055415254" % uuid
        until("the NUS advertisement", lambda: fake.ctl.Advertised() == want,
              detail=lambda: (fake.ctl.Advertised(), "".join(d.err)[-3000:]))
        d.wait_stderr(r"script nus_console.lua: Handles:\t[0-9A-F]{8}$")
        phone = Phone(fake, RX, "command")
        fake.ctl.CentralConnect(PHONE)
        fake.ctl.CentralSubscribe(TX)
        # RX holds the seed's prompt
        fake.ctl.CentralRead(PHONE, RX)
        until("the read of RX", lambda: fake.ctl.Results().endswith(
            "read " + b"Please enter PIN first.".hex()))
        assert nus_reply(phone, "State") == [b"Wrong PIN!!"]
        d.wait_stderr(r"script nus_console.lua: NUS: wrong PIN from 5A1122334455")
        assert nus_reply(phone, "123456\r\n") == [b"PIN accepted ... enter commands"]
        assert nus_reply(phone, "MI32Option2") == [b'{"MI32Option2":0}']
        assert nus_reply(phone, "MI32Option2 1\n") == [b'{"MI32Option2":1}']
        assert d.cmd("MI32Option2") == {"MI32Option2": 1}
        # a long reply: every piece at most CHUNK bytes, none lost, joined it is the JSON
        pieces = nus_reply(phone, "Status 0")
        text = b"".join(pieces)
        assert len(pieces) >= 3 and all(len(p) <= CHUNK for p in pieces), \
            [len(p) for p in pieces]
        st = json.loads(text)
        assert st["Status"]["Topic"] == d.cmd("Status")["Status"]["Topic"]
        assert sorted(st["StatusSNS"]) == sorted(d.cmd("Status 8")["StatusSNS"])
        assert b"".join(pieces) == text
        d.wait_stderr(r"NUS 5A1122334455: Status 0 -> %d bytes" % len(text))
        # Script is refused from a script, so not even the PIN opens the Lua console
        r = json.loads(b"".join(nus_reply(phone, "Script 1+1")))
        assert r["Script"] == "Error", r
        # a disconnect forgets the PIN
        fake.ctl.CentralDisconnect(PHONE)
        d.wait_stderr(r"script nus_console.lua: BLE: Disconnected")
        fake.ctl.CentralConnect(PHONE)
        assert nus_reply(phone, "MI32Option2") == [b"Wrong PIN!!"]
        assert nus_reply(phone, "111111") == [b"Wrong PIN!!"]
        assert nus_reply(phone, "222222") == [b"Wrong PIN!!"]
        # three wrong in a row: even the right one waits
        assert nus_reply(phone, "123456") == [b"Too many wrong PINs: wait 30 s"]
        st = d.cmd("Script")["Script"]["Scripts"]
        assert [s["Errors"] for s in st if s["Name"] == "nus_console.lua"] == [0]
    log = "".join(d.err)
    assert "123456" not in log and "111111" not in log


IMPROV = "00467768-6228-2272-4663-27747826800%d"
STATE, ERROR, RPC, RESULT, CAPS = (IMPROV % n for n in (1, 2, 3, 4, 5))


class Improv:
    """The fake's central as an Improv client: writes RPC commands, awaits notifications"""

    def __init__(self, fake):
        self.ctl = fake.ctl
        self.seen = {u: 0 for u in (STATE, ERROR, RESULT)}

    def notified(self, uuid):
        return [bytes.fromhex(v) for v in self.ctl.Notified(uuid).split()]

    def connect(self):
        self.ctl.CentralConnect(PHONE)
        for u in self.seen:
            self.ctl.CentralSubscribe(u)

    def send(self, *writes):
        for w in writes:
            self.ctl.CentralWrite(PHONE, RPC, w.hex(), "request")

    def until(self, uuid, value):
        """the notifications of @uuid since the last call, up to one that is @value"""
        def got():
            new = self.notified(uuid)[self.seen[uuid]:]
            return value in new and new[:new.index(value) + 1]
        new = until(f"{value.hex()} notified on {uuid}", got,
                    detail=lambda: self.notified(uuid)[self.seen[uuid]:])
        self.seen[uuid] += len(new)
        return new

    def next(self, uuid):
        """the next notification of @uuid"""
        v = until(f"a notification on {uuid}",
                  lambda: self.notified(uuid)[self.seen[uuid]:self.seen[uuid] + 1])[0]
        self.seen[uuid] += 1
        return v

    def read(self, uuid):
        """the value a read of @uuid gives (the fake's results: reads in order, among the
        subscriptions' answers, which come when they come)"""
        def reads():
            return [r[5:] for r in self.ctl.Results().split(";") if r.startswith("read ")]
        n = len(reads())
        self.ctl.CentralRead(PHONE, uuid)
        return bytes.fromhex(until(f"the read of {uuid}",
                                   lambda: len(reads()) > n and reads()[n]))


def improv_ad(state):
    uuid = bytes.fromhex(IMPROV.replace("%d", "0").replace("-", ""))[::-1].hex()
    return "peripheral 1107%s09167746%02x0300000000 0c096d69333220496d70726f76" % (uuid, state)


def test_improv(mi32_bin, demo, tmp_path, fake):
    from conftest import free_port, wait_port
    from test_10_scripts import get

    src = os.path.join(EXAMPLES, "improv.lua")
    port = free_port()
    with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--script", src,
                     "--web-port", str(port)) as d:
        until("the Improv advertisement", lambda: fake.ctl.Advertised() == improv_ad(1),
              detail=fake.ctl.Advertised)
        wait_port(port)
        w = json.loads(get(port, "/api/widgets"))["widgets"]
        assert w[0]["name"] == "improv.lua" and "authorize()" in w[0]["html"], w
        c = Improv(fake)
        c.connect()
        assert c.read(CAPS) == b"\x03" and c.read(STATE) == b"\x01"
        assert c.read(ERROR) == b"\x00"
        wifi = rpc(1, b"\x0cMyWirelessAP\x10mysecurepassword")
        assert wifi.hex().startswith("011e0c")  # the spec's example
        # not authorized yet
        c.send(wifi)
        assert c.until(ERROR, b"\x04") == [b"\x04"]
        # a bad checksum, an unknown command (the Wi-Fi scan: no capability), a frame
        # longer than its length says
        c.send(rpc(3, good=False))
        assert c.until(ERROR, b"\x01") == [b"\x00", b"\x01"]
        c.send(rpc(4))
        assert c.until(ERROR, b"\x02") == [b"\x00", b"\x02"]
        c.send(rpc(3) + b"\x00")
        assert c.until(ERROR, b"\x01") == [b"\x00", b"\x01"]
        # device info, allowed without authorization
        c.send(rpc(3))
        c.until(ERROR, b"\x00")
        r = c.next(RESULT)
        fw = d.cmd("Status 2")["StatusFWR"]
        name = d.cmd("Status")["Status"]["FriendlyName"][0]
        assert r[0] == 3 and strings(r) == ["mi32", fw["Version"], "Linux", name]
        # identify: no result, the dashboard says so
        c.send(rpc(2))
        d.wait_stderr(r"script improv.lua: Improv: identify")
        for _ in range(50):
            w = json.loads(get(port, "/api/widgets"))["widgets"]
            if "identify" in w[0]["html"]:
                break
        assert "asked this mi32 to identify itself" in w[0]["html"], w
        # the button, then the settings in two writes (a packet past 20 bytes)
        assert d.cmd("Script @improv.lua authorize()") == {"Script": "authorized for 60 s"}
        assert c.until(STATE, b"\x02") == [b"\x02"]
        c.send(wifi[:10], wifi[10:])
        assert c.until(STATE, b"\x04") == [b"\x03", b"\x04"]
        r = c.next(RESULT)
        ip = d.cmd("Status 5")["StatusNET"]["IPAddress"] or "localhost"
        assert r[0] == 1 and strings(r) == [f"http://{ip}:8080/m32"]
        assert c.read(STATE) == b"\x04" and c.read(ERROR) == b"\x00"
        d.wait_stderr(r'Improv: Wi-Fi settings for "MyWirelessAP" \(the password is dropped\)')
        # the advertisement says "provisioned" once the phone has gone
        fake.ctl.CentralDisconnect(PHONE)
        until("the advertisement with state 4", lambda: fake.ctl.Advertised() ==
              improv_ad(4), detail=fake.ctl.Advertised)
        st = d.cmd("Script")["Script"]["Scripts"]
        assert [s["Errors"] for s in st if s["Name"] == "improv.lua"] == [0]
    assert "mysecurepassword" not in "".join(d.err)


def test_improv_unable_to_connect(mi32_bin, demo, tmp_path, fake):
    """wifi() adapted to fail, and AUTHORIZED = true (no button): "unable to connect", the
    state back to authorized, and the password still in no log"""
    text = open(os.path.join(EXAMPLES, "improv.lua")).read()
    for old, new in (("local AUTHORIZED = false", "local AUTHORIZED = true"),
                     ("  return true\nend", "  return false, 'no network ' .. ssid\nend")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    src = tmp_path / "improv.lua"
    src.write_text(text)
    with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--script", src) as d:
        until("the Improv advertisement", lambda: fake.ctl.Advertised() == improv_ad(2),
              detail=fake.ctl.Advertised)
        c = Improv(fake)
        c.connect()
        c.send(rpc(1, b"\x04home\x06secret"))
        assert c.until(ERROR, b"\x03") == [b"\x03"]
        assert c.until(STATE, b"\x02") == [b"\x03", b"\x02"]
        d.wait_stderr(r"Improv: wifi\(\) failed: no network home")
        # a malformed Wi-Fi packet: the lengths inside do not add up
        c.send(rpc(1, b"\x09home\x06secret"))
        assert c.until(ERROR, b"\x01") == [b"\x00", b"\x01"]
        c.send(rpc(1))  # no data at all
        assert c.until(ERROR, b"\x01") == [b"\x00", b"\x01"]
        st = d.cmd("Script")["Script"]["Scripts"]
        assert [s["Errors"] for s in st if s["Name"] == "improv.lua"] == [0]
    assert "secret" not in "".join(d.err)
