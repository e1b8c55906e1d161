#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatt_peer.py — a GATT server on hci1 through bluetoothd (GattManager1 and
LEAdvertisingManager1), playing a LYWSD02 (Mi service EBE0CCB0-…: clock, unit, battery,
T/H notifications), a Flora (service 1204, 1A02: battery and firmware) and a CGD1 (180F,
2A19: battery) at once, for test_8_gatt.py and test_11_examples.py. Connectable
advertising from hci1's own address.

Prints one line per event: "ready", "read <uuid>", "write <uuid> <hex> <type>" (bluetoothd
5.66 gives a server no type: btmon tells request from command), "notify-on <uuid>",
"notify-off <uuid>". Reads commands on stdin: "notify <uuid> <hex>", "refuse-read <uuid>",
"refuse-write <uuid>", "drop <central MAC>" (disconnect it); "ok <command>" says each was
taken. With --agent PASSKEY it is also bluetoothd's default pairing agent (KeyboardOnly: the
passkey is typed on both sides) and prints "passkey-asked" when bluetoothd asks."""
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

ADAPTER = "/org/bluez/hci1"
ROOT = "/mi32test"
PROPS = "org.freedesktop.DBus.Properties"
SVC_IF = "org.bluez.GattService1"
CHR_IF = "org.bluez.GattCharacteristic1"
ADV_IF = "org.bluez.LEAdvertisement1"
MI = "ebe0ccb0-7a0a-4b0c-8a1a-6ff2997da3a6"


def mi(c):
    return "ebe0cc%s-7a0a-4b0c-8a1a-6ff2997da3a6" % c


def u16(x):
    return "0000%s-0000-1000-8000-00805f9b34fb" % x


PROFILE = [
    (MI, [(mi("b7"), ["read", "write"], bytes(5)),
          (mi("be"), ["read", "write", "write-without-response"], b"\xff"),
          (mi("c4"), ["read"], b"\x39"),
          (mi("c1"), ["read", "notify"], b"")]),
    (u16("1204"), [(u16("1a02"), ["read"], b"\x63\x14" + b"3.2.1")]),
    # a CGD1's standard battery level (bluetoothd's battery plugin leaves it on D-Bus)
    (u16("180f"), [(u16("2a19"), ["read"], b"\x4b")]),
]


def say(*what):
    print(" ".join(what), flush=True)


class BluezError(dbus.DBusException):
    def __init__(self, name):
        super().__init__("refused by the test")
        self._dbus_error_name = name


class Service(dbus.service.Object):
    def __init__(self, bus, i, uuid):
        self.path = "%s/service%d" % (ROOT, i)
        self.uuid = uuid
        self.chars = []
        super().__init__(bus, self.path)

    def props(self):
        return {SVC_IF: {"UUID": self.uuid, "Primary": True}}

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props()[SVC_IF]


class Char(dbus.service.Object):
    def __init__(self, bus, svc, i, uuid, flags, value):
        self.path = "%s/char%d" % (svc.path, i)
        self.svc, self.uuid, self.flags, self.value = svc, uuid, flags, value
        self.notifying = False
        self.refuse = set()
        super().__init__(bus, self.path)

    def props(self):
        return {CHR_IF: {"UUID": self.uuid, "Service": dbus.ObjectPath(self.svc.path),
                         "Flags": dbus.Array(self.flags, signature="s")}}

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props()[CHR_IF]

    @dbus.service.method(CHR_IF, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, opts):
        say("read", self.uuid)
        if "read" in self.refuse:
            raise BluezError("org.bluez.Error.NotPermitted")
        return dbus.Array(self.value, signature="y")

    @dbus.service.method(CHR_IF, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, opts):
        say("write", self.uuid, bytes(value).hex(), str(opts.get("type", "")))
        if "write" in self.refuse:
            raise BluezError("org.bluez.Error.NotPermitted")
        self.value = bytes(value)

    @dbus.service.method(CHR_IF, in_signature="", out_signature="")
    def StartNotify(self):
        self.notifying = True
        say("notify-on", self.uuid)

    @dbus.service.method(CHR_IF, in_signature="", out_signature="")
    def StopNotify(self):
        self.notifying = False
        say("notify-off", self.uuid)

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass

    def notify(self, value):
        self.value = value
        self.PropertiesChanged(CHR_IF, {"Value": dbus.Array(value, signature="y")}, [])


class Agent(dbus.service.Object):
    """org.bluez.Agent1 of the peer's side: types @passkey when asked"""
    PATH = ROOT + "/agent"

    def __init__(self, bus, passkey):
        super().__init__(bus, self.PATH)
        self.passkey = passkey

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="u")
    def RequestPasskey(self, dev):
        say("passkey-asked")
        return dbus.UInt32(self.passkey)

    @dbus.service.method("org.bluez.Agent1", in_signature="ou", out_signature="")
    def RequestConfirmation(self, dev, passkey):
        say("confirm-asked", str(int(passkey)))

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
    def RequestAuthorization(self, dev):
        say("authorize-asked")

    @dbus.service.method("org.bluez.Agent1", in_signature="os", out_signature="")
    def AuthorizeService(self, dev, uuid):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Release(self):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Cancel(self):
        say("agent-cancel")


class App(dbus.service.Object):
    def __init__(self, bus, profile=None, char_cls=None):
        super().__init__(bus, ROOT)
        self.services, self.chars = [], {}
        for i, (uuid, chars) in enumerate(profile or PROFILE):
            s = Service(bus, i, uuid)
            self.services.append(s)
            for j, (cu, flags, value) in enumerate(chars):
                c = (char_cls or Char)(bus, s, j, cu, flags, value)
                s.chars.append(c)
                self.chars[cu] = c

    @dbus.service.method("org.freedesktop.DBus.ObjectManager", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        out = {}
        for s in self.services:
            out[dbus.ObjectPath(s.path)] = s.props()
            for c in s.chars:
                out[dbus.ObjectPath(c.path)] = c.props()
        return out


class Advert(dbus.service.Object):
    PATH = ROOT + "/adv0"

    def __init__(self, bus, props=None):
        super().__init__(bus, self.PATH)
        self.props = props or {"Type": "peripheral", "LocalName": "LYWSD02",
                               "Discoverable": True,
                               "ServiceUUIDs": dbus.Array([u16("180f")], signature="s")}

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props

    @dbus.service.method(ADV_IF, in_signature="", out_signature="")
    def Release(self):
        say("released")


def serve(bus, app, handle=None):
    """Register @app and its advertisement (app.adv) on hci1, say "ready", and run the
    stdin commands; @handle(cmd, args) takes the ones it knows first (True: taken)."""
    hci1 = bus.get_object("org.bluez", ADAPTER)
    pending = {"n": 2}
    if len(sys.argv) == 3 and sys.argv[1] == "--agent":
        app.agent = Agent(bus, int(sys.argv[2]))
        mgr = dbus.Interface(bus.get_object("org.bluez", "/org/bluez"),
                             "org.bluez.AgentManager1")
        mgr.RegisterAgent(Agent.PATH, "KeyboardOnly")
        mgr.RequestDefaultAgent(Agent.PATH)

    def ok(*a):
        pending["n"] -= 1
        if pending["n"] == 0:
            say("ready")

    def fail(e):
        say("error", str(e))
        loop.quit()

    dbus.Interface(hci1, "org.bluez.GattManager1").RegisterApplication(
        ROOT, {}, reply_handler=ok, error_handler=fail)
    dbus.Interface(hci1, "org.bluez.LEAdvertisingManager1").RegisterAdvertisement(
        Advert.PATH, {}, reply_handler=ok, error_handler=fail)

    adv_mgr = dbus.Interface(hci1, "org.bluez.LEAdvertisingManager1")

    def on_adapter(iface, changed, invalidated, path=None):
        # btvirt sends an advertising report only when advertising or scanning is enabled,
        # and the one at the start of a discovery reaches the kernel before its discovery
        # state does (dropped): a real radio repeats its advert, so this peer does too,
        # once the central's discovery runs
        if path == ADAPTER or not changed.get("Discovering"):
            return
        adv_mgr.UnregisterAdvertisement(Advert.PATH)
        adv_mgr.RegisterAdvertisement(Advert.PATH, {}, reply_handler=lambda: say("re-advertised"),
                                      error_handler=lambda e: say("error", str(e)))

    bus.add_signal_receiver(on_adapter, "PropertiesChanged", PROPS, "org.bluez",
                            path_keyword="path", arg0="org.bluez.Adapter1")

    def on_stdin(fd, cond):
        line = sys.stdin.readline()
        if not line:
            loop.quit()
            return False
        cmd, *args = line.split()
        if handle and handle(cmd, args):
            pass
        elif cmd == "notify":
            app.chars[args[0]].notify(bytes.fromhex(args[1]))
        elif cmd in ("refuse-read", "refuse-write"):
            app.chars[args[0]].refuse.add(cmd.split("-")[1])
        elif cmd == "drop":
            path = "%s/dev_%s" % (ADAPTER, args[0].replace(":", "_").upper())
            dbus.Interface(bus.get_object("org.bluez", path), "org.bluez.Device1").Disconnect(
                reply_handler=lambda: say("dropped"), error_handler=lambda e: say("error", str(e)))
        say("ok", cmd)
        return True

    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    loop.run()


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    app = App(bus)
    app.adv = Advert(bus)  # kept while the loop runs
    serve(bus, app)


if __name__ == "__main__":
    main()
