#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""mi_peer.py — a Xiaomi sensor that can be activated, as a GATT server on hci1 through
bluetoothd (gatt_peer.py's application and advertisement), for test_10_activate.py. It
serves the Mi Service 0xFE95 (0x0004 version, 0x0010 control point and 0x0019 rxfer, both
write without response + notify) and runs the device's side of the protocol with its own
key pair (tests/activate/mi_device.py, which the unit tests' fake bluetoothd runs too).

argv[1]: the central's address (hci0), disconnected for "drop=<sn>". Prints "ready", then
"state token=…;bindkey=…;did=…;state=…" whenever what the device stored changes, and
gatt_peer.py's event lines. Commands on stdin, "ok <command>" once taken: "device <kind>
<opts|->" (a fresh device: mi_device.py's kinds and opts), "press" (the user presses the
device's button: opts "button"), "stop-adv" (withdraw the
connectable advertisement, so the test can send MiBeacon frames from hci1 itself), and
gatt_peer.py's."""
import os
import sys

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "activate"))
import gatt_peer as gp  # noqa: E402
from mi_device import Device, parse_opts  # noqa: E402

PEER = "00:AA:01:01:00:01"  # hci1's own address
RW = ["write-without-response", "notify"]
PROFILE = [(gp.u16("fe95"), [(gp.u16("0004"), ["read"], b"1.0.0_0130"),
                             (gp.u16("0010"), RW, b""),
                             (gp.u16("0019"), RW, b"")])]


class Peer:
    device = None
    last = None


def uuid4(uuid):
    return str(uuid)[4:8]


class MiChar(gp.Char):
    @dbus.service.method(gp.CHR_IF, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, opts):
        super().WriteValue(value, opts)
        if Peer.device:
            Peer.device.written(uuid4(self.uuid), bytes(value))
            state = Peer.device.result()
            if state != Peer.last:
                Peer.last = state
                gp.say("state", state)


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    central = sys.argv[1]
    app = gp.App(bus, PROFILE, MiChar)
    app.adv = gp.Advert(bus, {"Type": "peripheral", "Discoverable": True,
                              "ServiceUUIDs": dbus.Array([gp.u16("fe95")], signature="s")})

    def notify(uuid, value):
        c = app.chars[gp.u16(uuid)]
        # after the reply of the write that caused it, in order
        GLib.idle_add(lambda: c.notifying and c.notify(value) and False)

    def drop():
        path = "%s/dev_%s" % (gp.ADAPTER, central.replace(":", "_").upper())
        dbus.Interface(bus.get_object("org.bluez", path), "org.bluez.Device1").Disconnect(
            reply_handler=lambda: gp.say("dropped"),
            error_handler=lambda e: gp.say("error", str(e)))

    def set_value(uuid, value):
        app.chars[gp.u16(uuid)].value = value

    def handle(cmd, args):
        if cmd == "device":
            opts = parse_opts("" if args[1] == "-" else args[1])
            Peer.device = Device(PEER, args[0], opts, notify, drop, set_value)
            Peer.last = None
            return True
        if cmd == "press":
            Peer.device.press()
            return True
        if cmd == "stop-adv":
            dbus.Interface(bus.get_object("org.bluez", gp.ADAPTER),
                           "org.bluez.LEAdvertisingManager1").UnregisterAdvertisement(
                gp.Advert.PATH)
            return True
        return False

    gp.serve(bus, app, handle)


if __name__ == "__main__":
    main()
