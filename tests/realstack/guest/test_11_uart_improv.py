# SPDX-License-Identifier: MIT
"""11. The seed's GATT-server examples as shipped (examples/scripts/), through the real
bluetoothd: `mi32 run --hci hci1 --script …` serves, and a BlueZ client on hci0 (this test,
over bluetoothd's D-Bus API, as a phone app would) connects and talks to it.
 - nus_console.lua, the Nordic UART console: a wrong PIN is refused, the right one
   accepted, commands answered with their JSON as notifications on TX (a long reply in
   pieces, all of them), and after a reconnect the PIN is asked again.
 - improv.lua, Improv Wi-Fi provisioning: "not authorized" before the button
   (`Script @improv.lua authorize()`), "invalid RPC" for a bad checksum, "unknown RPC",
   the device info, then the Wi-Fi settings: provisioning, provisioned, the redirect URL,
   and the advertisement's service data saying so.
Notifications are read from AcquireNotify's socket: one packet per notification, so the
pieces of a reply are seen one by one (the Value property would only show the last)."""
import json
import os
import select
import sys

import dbus

import rs
from test_9_gatt_server import DEMO, NUS, NUS_RX, NUS_TX, Client

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "gatt"))
from improv_frames import rpc, strings  # noqa: E402

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                        "examples", "scripts")
CHR = "org.bluez.GattCharacteristic1"
DEV = "org.bluez.Device1"
CHUNK = 180  # nus_console.lua's


def serve(env, script):
    """mi32 on hci1 with @script, replaying the demo capture (it does not scan hci1: see
    test_9_gatt_server.server), once the script's server advertises"""
    m = env.mi32("--replay", DEMO, "--fast", "--hci", "hci1", "--dbus-address",
                 "unix:path=/run/dbus/system_bus_socket", "--web-port", "0", "--script",
                 os.path.join(EXAMPLES, script), name="mi32-" + script[:-4], console=True)
    m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 60)
    return m


class Link:
    """hci0's connection to mi32's server: found by its advertised service @svc. Client()
    first forgets hci0's record of hci1 (bluetoothd hides advertised UUIDs of a device whose
    services it resolved); bonds are gone already (rs.Stack.ensure), and the unpaired record
    this leaves is what test_10_activate left before this file too."""

    def __init__(self, svc):
        self.c = Client()
        self.fds = []
        try:
            self.c.discover()
            self.path, _ = rs.wait_until(
                f"mi32's {svc} in the discovery on hci0",
                lambda: self.c.device(lambda d: svc.lower() in
                                      [str(u) for u in d.get("UUIDs", [])]), 60, step=0.5)
        finally:
            self.c.stop()
        self.dev = self.c.bus.get_object("org.bluez", self.path)

    def connect(self):
        self.dev.Connect(dbus_interface=DEV, timeout=60 * rs.SLOW)
        rs.wait_until("services resolved", lambda: bool(
            self.c.objects()[dbus.ObjectPath(self.path)][DEV]["ServicesResolved"]), 60)

    def disconnect(self):
        self.dev.Disconnect(dbus_interface=DEV)
        for fd in self.fds:
            os.close(fd)
        self.fds = []

    def char(self, uuid):
        ch = self.c.char(self.path, uuid)
        assert ch is not None, f"no characteristic {uuid}"
        return ch

    def notes(self, uuid):
        """A socket with one packet per notification of @uuid, and the ATT MTU"""
        fd, mtu = self.char(uuid).AcquireNotify(dbus.Dictionary({}, signature="sv"),
                                                dbus_interface=CHR)
        fd = fd.take()
        self.fds.append(fd)
        return fd, int(mtu)

    def write(self, uuid, data, kind):
        self.char(uuid).WriteValue(dbus.Array(data, signature="y"), {"type": kind},
                                   dbus_interface=CHR)


def note(fd, what, timeout=30):
    r, _, _ = select.select([fd], [], [], timeout * rs.SLOW)
    assert r, f"no notification within {timeout} s: {what}"
    data = os.read(fd, 4096)
    assert data, f"the notification socket closed: {what}"
    return data


def nus_reply(link, fd, line):
    """A console line's reply: the notified pieces until they are one JSON text (or a
    sentence, the PIN answers)"""
    link.write(NUS_RX, line.encode(), "command")
    pieces = []
    while True:
        pieces.append(note(fd, f"the reply to {line!r} after {pieces}"))
        text = b"".join(pieces)
        if not text.startswith(b"{"):
            return pieces
        try:
            json.loads(text)
            return pieces
        except ValueError:
            continue


def test_nus_console(env):
    link = None
    try:
        m = serve(env, "nus_console.lua")
        m.wait_for(r"script nus_console.lua: Handles:\t[0-9A-F]{8}$", 30)
        link = Link(NUS)
        link.connect()
        fd, mtu = link.notes(NUS_TX)
        assert mtu - 3 >= CHUNK, f"ATT MTU {mtu}: a piece of {CHUNK} bytes would be cut"
        assert bytes(link.char(NUS_RX).ReadValue({}, dbus_interface=CHR)) == \
            b"Please enter PIN first."
        start = m.mark()
        assert nus_reply(link, fd, "State") == [b"Wrong PIN!!"]
        m.wait_for(r"NUS: wrong PIN from 00AA01000000", 10, start=start)
        assert nus_reply(link, fd, "123456") == [b"PIN accepted ... enter commands"]
        # a command that changes something (rs.Mi32 starts with --option2 1), then asks
        assert nus_reply(link, fd, "MI32Option2 0") == [b'{"MI32Option2":0}']
        assert m.command("MI32Option2")[0] == {"MI32Option2": 0}
        state = json.loads(b"".join(nus_reply(link, fd, "State")))
        assert "Uptime" in state, state
        # a long reply: several pieces, none longer than CHUNK, none lost
        start = m.mark()
        pieces = nus_reply(link, fd, "Status 0")
        text = b"".join(pieces)
        assert len(pieces) >= 3 and all(len(p) <= CHUNK for p in pieces), \
            [len(p) for p in pieces]
        st = json.loads(text)
        assert {"Status", "StatusFWR", "StatusNET", "StatusSNS"} <= set(st), st.keys()
        m.wait_for(r"NUS 00AA01000000: Status 0 -> %d bytes" % len(text), 10, start=start)
        # gone and back: the PIN again
        start = m.mark()
        link.disconnect()
        m.wait_for(r"script nus_console.lua: BLE: Disconnected", 30, start=start)
        m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 30, start=start)
        link.connect()
        fd, _ = link.notes(NUS_TX)
        assert nus_reply(link, fd, "MI32Option2") == [b"Wrong PIN!!"]
        assert nus_reply(link, fd, "123456") == [b"PIN accepted ... enter commands"]
        link.disconnect()
        st = m.command("Script")[0]["Script"]["Scripts"]
        assert [s["Errors"] for s in st if s["Name"] == "nus_console.lua"] == [0], st
        assert "123456" not in m.text()  # the PIN is in no log line
    finally:
        if link:
            link.c.stop()


IMPROV = "00467768-6228-2272-4663-27747826800%d"
STATE, ERROR, RPC, RESULT, CAPS = (IMPROV % n for n in (1, 2, 3, 4, 5))
IMPROV_DATA = "00004677-0000-1000-8000-00805f9b34fb"  # the service data's UUID


def notes_until(fd, value, what):
    """The notifications on @fd up to one that is @value"""
    got = []
    while value not in got:
        got.append(note(fd, f"{what}: {value.hex()} after {got}"))
    return got


def test_improv(env):
    link = None
    try:
        m = serve(env, "improv.lua")
        link = Link(IMPROV % 0)
        # the advertisement: the service UUID and, in the same one, the service data
        d = link.c.objects()[dbus.ObjectPath(link.path)][DEV]
        assert bytes(d["ServiceData"][IMPROV_DATA]) == bytes([1, 3, 0, 0, 0, 0]), d
        link.connect()
        state, _ = link.notes(STATE)
        error, _ = link.notes(ERROR)
        result, _ = link.notes(RESULT)

        def read(uuid):
            return bytes(link.char(uuid).ReadValue({}, dbus_interface=CHR))

        def send(packet):
            link.write(RPC, packet, "request")

        assert read(CAPS) == b"\x03" and read(STATE) == b"\x01" and read(ERROR) == b"\x00"
        wifi = rpc(1, b"\x0cMyWirelessAP\x10mysecurepassword")
        send(wifi)
        assert notes_until(error, b"\x04", "not authorized") == [b"\x04"]
        send(rpc(3, good=False))
        assert notes_until(error, b"\x01", "bad checksum") == [b"\x00", b"\x01"]
        send(rpc(4))
        assert notes_until(error, b"\x02", "unknown command") == [b"\x00", b"\x02"]
        send(rpc(3))
        assert notes_until(error, b"\x00", "device info") == [b"\x00"]
        info = note(result, "the device info")
        fw = m.command("Status 2", key="StatusFWR")[0]["StatusFWR"]
        name = m.command("Status")[0]["Status"]["FriendlyName"][0]
        assert info[0] == 3 and strings(info) == ["mi32", fw["Version"], "Linux", name], info
        # the button, then the settings
        assert m.command("Script @improv.lua authorize()")[0] == \
            {"Script": "authorized for 60 s"}
        assert note(state, "authorized") == b"\x02"
        start = m.mark()
        send(wifi)
        assert notes_until(state, b"\x04", "provisioned") == [b"\x03", b"\x04"]
        url = note(result, "the Wi-Fi settings' result")
        net = m.command("Status 5", key="StatusNET")[0]["StatusNET"]
        ip = net["IPAddress"] or "localhost"
        assert url[0] == 1 and strings(url) == [f"http://{ip}:8080/m32"], url
        m.wait_for(r'Improv: Wi-Fi settings for "MyWirelessAP" \(the password is dropped\)',
                   10, start=start)
        assert read(STATE) == b"\x04" and read(ERROR) == b"\x00"
        # once the phone has gone, the advertisement says "provisioned"
        start = m.mark()
        link.disconnect()
        m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 30, start=start)
        try:
            link.c.discover()
            # (bluetoothd may have dropped its record of the unpaired device meanwhile)
            rs.wait_until("state 4 in the advertisement's service data", lambda: link.c.device(
                lambda d: bytes(d.get("ServiceData", {}).get(IMPROV_DATA, b""))[:2] ==
                b"\x04\x03"), 60, step=0.5)
        finally:
            link.c.stop()
        st = m.command("Script")[0]["Script"]["Scripts"]
        assert [s["Errors"] for s in st if s["Name"] == "improv.lua"] == [0], st
        assert "mysecurepassword" not in m.text()
    finally:
        if link:
            link.c.stop()
