#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""airmouse_peer.py — a BPR2S-like air mouse (a BLE HID remote) as a GATT server on hci1
through bluetoothd (gatt_peer.py's application and advertisement), for
test_11_airmouse.py and examples/scripts/air_mouse.lua: the HID service 0x1812 with HID
Information (2A4A), Report Map (2A4B), three Report characteristics (2A4D: mouse, consumer
keys, keyboard, in that handle order as on the seed's remote) and the HID Control Point.

Prints gatt_peer.py's event lines. Commands on stdin (and gatt_peer.py's): "press <report>
<hex>" notifies report mouse|consumer|keys with the bytes (a key press, or its release with
zeros). "ok <command>" says each was taken."""
import dbus

import gatt_peer as gp

HID = gp.u16("1812")
REPORT = gp.u16("2a4d")
# the report map (HID 1.11 items) of the three reports, as the remote describes them: the
# mouse (id 1: 4 buttons, X and Y 12 bits each, 4 bits of padding = the 4 bytes the seed
# reads with getbits), consumer keys (id 2: one 16-bit usage) and a keyboard (id 3: the
# boot layout, 8 bytes). The script reads it only because the remote wants it read
REPORT_MAP = bytes.fromhex(
    "05010902a1018501" "0901a100" "050919012904150025017501950481020501"
    "0930093116" "01f8" "26ff07" "750c95028106" "750495018101" "c0c0"
    "050c0901a1018502" "150026ff03" "19002aff03" "751095018100c0"
    "05010906a1018503" "050719e029e7150025017501950881029501750881019506"
    "7508150025650507190029658100c0")
REPORTS = ["mouse", "consumer", "keys"]
PROFILE = [(HID, [(gp.u16("2a4a"), ["read"], bytes.fromhex("11010002")),
                  (gp.u16("2a4b"), ["read"], REPORT_MAP),
                  (REPORT, ["read", "notify"], bytes(4)),
                  (REPORT, ["read", "notify"], bytes(2)),
                  (REPORT, ["read", "notify"], bytes(8)),
                  (gp.u16("2a4c"), ["write-without-response"], b"")])]


def main():
    from dbus.mainloop.glib import DBusGMainLoop

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    app = gp.App(bus, PROFILE)
    reports = [c for c in app.services[0].chars if c.uuid == REPORT]
    app.adv = gp.Advert(bus, {"Type": "peripheral", "Discoverable": True, "Appearance":
                              dbus.UInt16(0x03C2),  # HID mouse
                              "ServiceUUIDs": dbus.Array([HID], signature="s")})

    def handle(cmd, args):
        if cmd != "press":
            return False
        c = reports[REPORTS.index(args[0])]
        if c.notifying:
            c.notify(bytes.fromhex(args[1]))
        else:
            gp.say("not-subscribed", args[0])
        return True

    gp.serve(bus, app, handle)


if __name__ == "__main__":
    main()
