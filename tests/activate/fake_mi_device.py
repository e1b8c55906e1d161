#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fake_mi_device.py — fake_bluez.py plus Xiaomi devices that can be activated, on $FAKE_BUS.

A peer added with test.Control.MiDevice(mac, kind, opts) serves the Mi Service 0xFE95 and runs
the device's side of the protocol (mi_device.py: kinds and opts there):
  kind "standard": 0x0004 version, 0x0010 control point and 0x0019 rxfer (write without
    response + notify); opts "secure" serves 0x0016 instead of 0x0019, "pid=<n>" adds 0x0002.
  kind "legacy": 0x0001, 0x0004, 0x0010, 0x0014.
MiResult(mac) tells what the device stored: "token=…;bindkey=…;did=…;state=…;busy=…";
MiPress(mac) presses its button (opts "button"); Connected(mac)
whether its link is up. Prints "ready" once it owns org.bluez."""
import os
import sys

import dbus
import dbus.service

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "gatt"))
sys.path.insert(0, HERE)
import fake_bluez as fb  # noqa: E402
from mi_device import Device, parse_opts  # noqa: E402

MI = "fe95"


class MiObj(fb.Obj):
    @dbus.service.method(fb.CHAR, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, opts):
        super().WriteValue(value, opts)
        ch = self.fake.chars[self.path]
        for mac, dev in self.fake.mi.items():
            if self.path.startswith(self.fake.peers[mac]["path"] + "/"):
                dev.written(ch["uuid"][4:8], bytes(value))


class MiControl(fb.Control):
    @dbus.service.method(fb.CONTROL, in_signature="sss", out_signature="")
    def MiDevice(self, mac, kind, opts):
        mac = mac.upper()
        o = parse_opts(opts)
        self.AddPeer(mac, "public", "ok")
        self.AddService(mac, MI, 0x0010)
        if "pid" in o:
            self.AddChar(mac, MI, "0002", "read",
                         int(o["pid"], 0).to_bytes(2, "little").hex(), 0x0011)
        wn = "write-without-response,notify"
        if kind == "legacy":
            self.AddChar(mac, MI, "0001", "write,notify", "", 0x0013)
            self.AddChar(mac, MI, "0004", "read", "", 0x0016)
            self.AddChar(mac, MI, "0010", "write", "", 0x0019)
            self.AddChar(mac, MI, "0014", "read", os.urandom(12).hex(), 0x001c)
        else:
            version = o.get("version", "1.0.0_0130").encode().hex()
            self.AddChar(mac, MI, "0004", "read", version, 0x0016)
            self.AddChar(mac, MI, "0010", wn, "", 0x0019)
            self.AddChar(mac, MI, "0016" if "secure" in o else "0019", wn, "", 0x001c)
        fake = self.fake

        def notify(uuid, value):
            def send():  # after the reply of the write that caused it
                c = self._find(mac, uuid)
                obj = fake.objs.get(c.get("path"))
                if obj and obj.props.get("Notifying"):
                    c["value"] = value
                    obj.set(Value=dbus.Array(value, signature="y"))
                return False
            fb.GLib.idle_add(send)

        def set_value(uuid, value):
            self._find(mac, uuid)["value"] = value

        fake.mi[mac] = Device(mac, kind, o, notify, lambda: fake.disconnect(fake.peers[mac]),
                              set_value)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def MiPress(self, mac):
        """the user presses the device's button (opts "button")"""
        self.fake.mi[mac.upper()].press()

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="s")
    def MiResult(self, mac):
        return self.fake.mi[mac.upper()].result()

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="b")
    def Connected(self, mac):
        return bool(self.fake.peers[mac.upper()]["connected"])


if __name__ == "__main__":
    fb.Obj = MiObj
    fb.Control = MiControl
    fb.serve(lambda bus, fake: setattr(fake, "mi", {}))
