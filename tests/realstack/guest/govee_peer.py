#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""govee_peer.py — a Govee desk lamp as a GATT server on hci1 through bluetoothd
(gatt_peer.py's application and advertisement), for test_11_govee.py: the service
00010203-…1910 with the command characteristic …2b11 that takes the lamp's 20-byte frames
(examples/scripts/govee_lamp.lua, the seed's "Govee desk lamp").

Lamp.take() checks a frame as the lamp would (20 bytes, 0x33 first, a known command and
its arguments, the XOR of bytes 0-18 in byte 19) and keeps the state; a frame it refuses is
answered with an ATT error, so the writer sees the write fail. Prints gatt_peer.py's event
lines, then "state power=… brightness=… color=rrggbb mode=… scene=…" after each frame it
took, or "refused <reason>"."""
import dbus

import gatt_peer as gp

SVC = "00010203-0405-0607-0809-0a0b0c0d1910"
CMD = "00010203-0405-0607-0809-0a0b0c0d2b11"
# "write" only: bluetoothd answers a write without response itself, before the server's
# verdict, and the lamp's refusal would not reach the writer
PROFILE = [(SVC, [(CMD, ["write"], b"")])]
POWER, BRIGHTNESS, COLOR = 0x01, 0x04, 0x05
MODES = {0x01: "music", 0x04: "scene", 0x05: "manual"}


class Lamp:
    def __init__(self):
        self.power, self.brightness, self.color = 0, 0, "000000"
        self.mode, self.scene = "none", 0

    def state(self):
        return "power=%d brightness=%d color=%s mode=%s scene=%d" % (
            self.power, self.brightness, self.color, self.mode, self.scene)

    def take(self, f):
        """Apply frame @f (bytes); None, or why it was refused (the state is unchanged)."""
        if len(f) != 20:
            return "length %d, not 20" % len(f)
        if f[0] != 0x33:
            return "first byte %02x, not 33" % f[0]
        cs = 0
        for b in f[:19]:
            cs ^= b
        if cs != f[19]:
            return "checksum %02x, not %02x" % (f[19], cs)
        cmd = f[1]
        if cmd == POWER:
            if f[2] > 1 or any(f[3:19]):
                return "power %02x with arguments %s" % (f[2], f[3:19].hex())
            self.power = f[2]
        elif cmd == BRIGHTNESS:
            if any(f[3:19]):
                return "brightness with more arguments %s" % f[3:19].hex()
            self.brightness = f[2]
        elif cmd == COLOR:
            mode = MODES.get(f[2])
            if mode is None:
                return "colour mode %02x" % f[2]
            if mode == "manual":
                self.color = f[4:7].hex()
            elif mode == "scene":
                self.scene = f[3]
            else:
                self.color = f[5:8].hex()
            self.mode = mode
        else:
            return "command %02x" % cmd
        return None


class LampChar(gp.Char):
    lamp = Lamp()

    @dbus.service.method(gp.CHR_IF, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, opts):
        gp.say("write", self.uuid, bytes(value).hex(), str(opts.get("type", "")))
        why = self.lamp.take(bytes(value))
        if why:
            gp.say("refused", why)
            raise gp.BluezError("org.bluez.Error.Failed")
        gp.say("state", self.lamp.state())


def main():
    from dbus.mainloop.glib import DBusGMainLoop

    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    app = gp.App(bus, PROFILE, LampChar)
    app.adv = gp.Advert(bus, {"Type": "peripheral", "Discoverable": True,
                              "ServiceUUIDs": dbus.Array([SVC], signature="s")})
    gp.serve(bus, app)


if __name__ == "__main__":
    main()
