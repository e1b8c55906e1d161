# SPDX-License-Identifier: MIT
"""9. mi32 as GATT server and broadcaster through the real bluetoothd: `mi32 run --hci hci1`
takes MI32Server commands on its stdin (the seed's BLE.run 201/202/211/232/233) and
bluetoothd advertises and serves for it on hci1; on hci0 a second mi32 decodes its BTHome
broadcast, and a BlueZ client (bluetoothd's D-Bus API from this test) sees its iBeacon,
connects to its Nordic UART service, writes RX, gets the echo on TX as a notification, reads,
unsubscribes and leaves — while mi32 reports events 221-228 and advertises again."""
import json
import os
import re

import dbus

import rs

NUS = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
NUS_RX = "6E400002-B5A3-F393-E0A9-E50E24DCCA9E"
NUS_TX = "6E400003-B5A3-F393-E0A9-E50E24DCCA9E"
HCI1_ADDR = "00:AA:01:01:00:01"  # hci1's public address, as hci0 sees its connectable adverts
HCI0_LE = "000000" "01AA00"  # hci0's 00:AA:01:00:00:00 as 227 delivers it, LSB first
IBEACON = ("020106" "1aff4c000215" "fda50693a4e24fb1afcfc6eb07647825" "0001" "0002" "c5")
OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"


DEMO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples",
                    "demo.btsnoop")


def server(env):
    """mi32 with bluetoothd's hci1 for GATT and a stdin for MI32Server. It does not scan
    hci1 (it replays the demo capture instead): a broadcast is sent from a fresh
    non-resolvable random address, and a controller refuses LE Set Random Address while it
    scans (Core Vol 4 Part E 7.8.4; btmon shows Command Disallowed) — see README."""
    m = env.mi32("--replay", DEMO, "--fast", "--hci", "hci1", "--dbus-address",
                 "unix:path=/run/dbus/system_bus_socket", "--web-port", "0",
                 name="mi32-server", console=True)
    m.wait_for(r"bluez: bluetoothd is on the bus", 30)
    return m


def result(m, op, start, timeout=30, **want):
    """The first {"MI32Server":{"Op":op,…}} RESULT line after @start, as a dict"""
    end = rs.deadline(timeout)
    i = start
    while True:
        left = end - rs.time.monotonic()
        assert left > 0, f"no MI32Server result for op {op} ({want}) within {timeout} s"
        mt = m.wait_for(r'^\{"MI32Server":\{"Op":%d,' % op, left / rs.SLOW, start=i,
                        stream="out")
        i = m.at
        r = json.loads(mt.string)["MI32Server"]
        if all(r.get(k) == v for k, v in want.items()):
            return r


def command(m, line, op, **want):
    start = m.mark()
    m.send(line)
    m.wait_for(r'^\{"MI32Server":"Pending"\}', 20, start=start, stream="out")
    return result(m, op, start, **want)


class Client:
    """BlueZ on hci0 as a phone would use it, over bluetoothd's D-Bus API"""

    def __init__(self):
        self.bus = dbus.SystemBus()
        self.root = dbus.Interface(self.bus.get_object("org.bluez", "/"), OM)
        self.hci0 = self.bus.get_object("org.bluez", "/org/bluez/hci0")
        self.discovering = False
        self.forget(HCI1_ADDR)

    def forget(self, addr):
        """Remove hci0's record of @addr, as a phone that never met us. bluetoothd ignores
        the UUIDs a device advertises once its services were resolved (device.c,
        device_add_eir_uuids): after test_8 connected to hci1, the NUS UUID of our
        advertisement would never show in Device1.UUIDs."""
        for path, ifaces in self.objects().items():
            d = ifaces.get("org.bluez.Device1")
            if d and str(path).startswith("/org/bluez/hci0/") and str(d["Address"]) == addr:
                self.hci0.RemoveDevice(path, dbus_interface="org.bluez.Adapter1")

    def objects(self):
        return self.root.GetManagedObjects()

    def discover(self):
        # a filtered discovery reports non-discoverable advertisers too (bluetoothd)
        self.hci0.SetDiscoveryFilter({"Transport": "le", "DuplicateData": True},
                                     dbus_interface="org.bluez.Adapter1")
        self.hci0.StartDiscovery(dbus_interface="org.bluez.Adapter1")
        self.discovering = True

    def stop(self):
        if self.discovering:
            try:
                self.hci0.StopDiscovery(dbus_interface="org.bluez.Adapter1")
            except dbus.DBusException:
                pass
            self.discovering = False

    def device(self, pred):
        for path, ifaces in self.objects().items():
            d = ifaces.get("org.bluez.Device1")
            if d and str(path).startswith("/org/bluez/hci0/") and pred(d):
                return str(path), d
        return None

    def char(self, dev, uuid):
        for path, ifaces in self.objects().items():
            c = ifaces.get("org.bluez.GattCharacteristic1")
            if c and str(path).startswith(dev + "/") and str(c["UUID"]).upper() == uuid:
                return self.bus.get_object("org.bluez", path)
        return None


def test_bthome_broadcast_decoded_by_mi32_on_hci0(env):
    v = rs.vector("bthome-ble:test_bthome_temperature_humidity", format="bthome_v2")
    listener = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0",
                        name="mi32-listener")
    listener.wait_for(r"listening on hci0 \(kernel management socket, passive", 30)
    m = server(env)
    ad = rs.ad_of(v).hex()
    r = command(m, "MI32Server 201 " + ad, 201)
    assert r["Error"] == 0 and r["Data"] == "", r
    m.wait_for(r"gatt server: advertising on /org/bluez/hci1 \(broadcast", 20)
    # btvirt reports an advertisement when it is enabled: each 201 registers it anew
    end = rs.deadline(60)
    while rs.time.monotonic() < end:
        for mac, vals in listener.sensors().items():
            if not rs.CHECK.compare(v, {"ok": True, "values": vals}):
                # the broadcaster's address is bluetoothd's non-resolvable random one
                assert mac != "00AA01010001"
                return
        listener.wait_for(r'^\{.*"Temperature"', 5, start=listener.mark(), stream="out",
                          quiet=True)
        command(m, "MI32Server 201 " + ad, 201, Error=0)
    raise AssertionError(f"mi32 on hci0 never decoded the BTHome broadcast: "
                         f"{listener.sensors()}")


def test_ibeacon_seen_by_bluez_on_hci0(env):
    m = server(env)
    c = Client()
    try:
        c.discover()
        r = command(m, "MI32Server 201 " + IBEACON, 201)
        assert r["Error"] == 0, r

        def beacon():
            d = c.device(lambda d: 0x004C in d.get("ManufacturerData", {}))
            if d is None:
                command(m, "MI32Server 201 " + IBEACON, 201, Error=0)
            return d

        path, d = rs.wait_until("the iBeacon in bluetoothd's discovery on hci0", beacon, 60,
                                step=0.5)
        assert bytes(d["ManufacturerData"][0x004C]).hex() == IBEACON[14:], d
    finally:
        c.stop()


def test_nordic_uart_echo_and_events(env):
    m = server(env)
    # the seed's NRFUART script: TX, RX, the scan response with a name, the advertisement
    r_tx = command(m, f"MI32Server 211 {NUS} {NUS_TX} 0100", 211)
    command(m, f"MI32Server 211 {NUS} {NUS_RX} 00", 211)
    command(m, "MI32Server 202 0201060908" + b"mi32 NUS".hex(), 202, Error=0)
    command(m, "MI32Server 233 mi32 NUS", 233, Error=0)
    uuid = bytes.fromhex(NUS.replace("-", ""))[::-1].hex()
    start = m.mark()
    m.send("MI32Server 201 0201061107" + uuid)
    first = result(m, 201, start)
    assert first["Error"] == 0, first
    handles = bytes.fromhex(first["Data"])
    tx, rx = handles[0] << 8 | handles[1], handles[2] << 8 | handles[3]
    assert len(handles) == 4 and tx and rx, first
    assert r_tx["UUID"] == 3
    m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 20)
    c = Client()
    dev = None
    try:
        c.discover()
        dev, _ = rs.wait_until("mi32's NUS server in the discovery on hci0",
                               lambda: c.device(lambda d: NUS.lower() in
                                                [str(u) for u in d.get("UUIDs", [])]),
                               60, step=0.5)
        c.stop()
        devobj = c.bus.get_object("org.bluez", dev)
        mark = m.mark()
        devobj.Connect(dbus_interface="org.bluez.Device1", timeout=60 * rs.SLOW)
        # 227: the central's address, LSB first
        assert result(m, 227, mark)["Data"] == HCI0_LE
        rs.wait_until("services resolved", lambda: bool(
            c.objects()[dbus.ObjectPath(dev)]["org.bluez.Device1"]["ServicesResolved"]), 60)
        txc, rxc = c.char(dev, NUS_TX), c.char(dev, NUS_RX)
        assert txc is not None and rxc is not None
        # subscribe to TX: 226 (the default characteristic offers notify and indicate)
        mark = m.mark()
        txc.StartNotify(dbus_interface="org.bluez.GattCharacteristic1")
        ev = result(m, 226, mark)
        assert ev["Handle"] == tx, ev
        # the client writes RX: 222 with the bytes, then our echo comes back on TX
        mark = m.mark()
        rxc.WriteValue(dbus.Array(b"ping", signature="y"), {"type": "command"},
                       dbus_interface="org.bluez.GattCharacteristic1")
        ev = result(m, 222, mark)
        assert ev["Data"] == b"ping".hex().upper() and ev["Handle"] == rx, ev
        echo = "echo:" + bytes.fromhex(ev["Data"]).decode()
        command(m, f"MI32Server 211 {NUS} {NUS_TX} {echo.encode().hex()}", 211, Error=0)
        txp = dbus.Interface(txc, PROPS)
        rs.wait_until("the echo as a notification on TX", lambda: bytes(
            txp.Get("org.bluez.GattCharacteristic1", "Value")) == echo.encode(), 30)
        # a read of TX: 221, and the value
        mark = m.mark()
        v = txc.ReadValue({}, dbus_interface="org.bluez.GattCharacteristic1")
        assert bytes(v) == echo.encode()
        assert result(m, 221, mark)["Handle"] == tx
        # unsubscribe: 223
        mark = m.mark()
        txc.StopNotify(dbus_interface="org.bluez.GattCharacteristic1")
        assert result(m, 223, mark)["Handle"] == tx
        # the central leaves: 228, and advertising is registered again
        mark = m.mark()
        devobj.Disconnect(dbus_interface="org.bluez.Device1")
        result(m, 228, mark)
        m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 30, start=mark)
        # one central: hci0's view of hci1 (a device of hci0) is not a central of ours
        assert len(re.findall(r'"Op":227,', m.text(stream="out"))) == 1
        assert len(re.findall(r'"Op":228,', m.text(stream="out"))) == 1
    finally:
        c.stop()
    # the GAP name bluetoothd took from op 233
    hci1 = dbus.Interface(c.bus.get_object("org.bluez", "/org/bluez/hci1"), PROPS)
    assert str(hci1.Get("org.bluez.Adapter1", "Alias")) == "mi32 NUS"


def test_refusal_status_and_bluetoothd_restart(env):
    m = server(env)
    # 255 bytes of manufacturer and service data: past legacy (31) and extended (251)
    # advertising alike, bluetoothd refuses: 229 with the reason, then 201 with error 8
    start = m.mark()
    m.send("MI32Server 201 " + "7fff" + "ab" * 126 + "7e16d2fc" + "ab" * 123)
    st = result(m, 229, start)
    assert len(st["Data"]) == 8, st
    assert result(m, 201, start)["Error"] == 8
    m.wait_for(r"bluetoothd refused our advertisement", 10, start=start)
    # a beacon, then bluetoothd restarts: mi32 registers it with the new one
    command(m, "MI32Server 201 " + IBEACON, 201, Error=0)
    mark = m.mark()
    env.stack.btd.stop()
    m.wait_for(r"gatt server: bluetoothd left", 30, start=mark)
    env.stack.start_bluetoothd()
    m.wait_for(r"advertising on /org/bluez/hci1 \(broadcast", 60, start=mark)
    assert re.search(r"registering our services and advertisement again",
                     m.text(start=mark))
