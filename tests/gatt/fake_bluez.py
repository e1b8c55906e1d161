#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fake_bluez.py — a fake org.bluez for the GATT op tests, on the bus at $FAKE_BUS.

It plays bluetoothd's object tree as BlueZ 5.66 exports it (doc/org.bluez.*.rst): an
ObjectManager at /, the adapter /org/bluez/hci0 with ConnectDevice, devices with
Connect/Disconnect, and on connect the device's GATT services and characteristics
(…/service0010/char0011, named after their handles in hex) with ReadValue, WriteValue,
StartNotify and StopNotify; notifications are Value PropertiesChanged signals. Errors are the
ones bluetoothd returns (org.bluez.Error.NotPermitted, …).

Tests script the peers through test.Control at /test: AddPeer, AddService, AddChar,
SetMode, SetFail, SetValue, SetAutoNotify, Notify, PeerDisconnect, Written, Calls, SetPairing,
SetName, SetIdentity, SetVersion.
Pairing: AgentManager1 at /org/bluez keeps the agent of each caller, Device1.Pair asks the
caller's agent as bluetoothd would (RequestPasskey for a peer with a passkey, RequestConfirmation
for one that shows a number) and writes the peer's IRK into a bond store folder, as bluetoothd's
[IdentityResolvingKey] Key= (LSB first), with the LTK's Authenticated= key type (3 after a
passkey or a comparison, 2 after "just works", as LE Secure Connections gives them); a peer
met by its RPA gets its identity address in Device1.Address then, as bluetoothd's
device_update_addr does, and its bond is filed under the identity. Prints "ready" once it owns org.bluez."""
import os
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
SERVICE = "org.bluez.GattService1"
CHAR = "org.bluez.GattCharacteristic1"
CONTROL = "test.Control"
ADAPTER_PATH = "/org/bluez/hci0"


class BluezError(dbus.DBusException):
    def __init__(self, name, msg=""):
        super().__init__(msg)
        self._dbus_error_name = name


def uuid128(u):
    u = u.lower()
    if len(u) == 4:
        u = "0000" + u
    if len(u) == 8:
        u += "-0000-1000-8000-00805f9b34fb"
    return u


class Obj(dbus.service.Object):
    """One exported object: its interface and properties; methods dispatch on the kind."""

    def __init__(self, fake, path, iface, props):
        super().__init__(fake.bus, path)
        self.fake = fake
        self.path = path
        self.iface = iface
        self.props = props

    def set(self, **kw):
        self.props.update(kw)
        self.PropertiesChanged(self.iface, dbus.Dictionary(kw, signature="sv"), [])

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, name):
        return self.props[name]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return dbus.Dictionary(self.props, signature="sv") if iface == self.iface else {}

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass

    # Adapter1
    @dbus.service.method(ADAPTER, in_signature="a{sv}", out_signature="o",
                         async_callbacks=("ok", "err"))
    def ConnectDevice(self, args, ok, err):
        mac = str(args["Address"]).upper()
        self.fake.log("ConnectDevice", mac, str(args.get("AddressType", "")))
        if not self.fake.experimental:
            # bluetoothd without -E does not have the method at all
            err(BluezError("org.freedesktop.DBus.Error.UnknownMethod",
                           "Unknown method ConnectDevice"))
            return
        peer = self.fake.peers.get(mac)
        if peer is None:
            err(BluezError("org.bluez.Error.Failed", "Page Timeout"))
            return
        if peer["path"] in self.fake.objs:
            err(BluezError("org.bluez.Error.AlreadyExists", "Already Exists"))
            return
        self.fake.connect(peer, lambda: ok(dbus.ObjectPath(peer["path"])), err)

    @dbus.service.method(ADAPTER, in_signature="a{sv}", out_signature="")
    def SetDiscoveryFilter(self, args):
        self.fake.log("SetDiscoveryFilter", str(args.get("Transport", "")),
                      *(["DuplicateData"] if args.get("DuplicateData") else []))

    @dbus.service.method(ADAPTER, in_signature="", out_signature="")
    def StartDiscovery(self):
        self.fake.log("StartDiscovery")
        self.fake.discovering = True
        # every peer in range shows up (a filtered discovery reports them all)
        for peer in self.fake.peers.values():
            GLib.timeout_add(20, lambda p=peer: self.fake.export_device(p) and False)

    @dbus.service.method(ADAPTER, in_signature="", out_signature="")
    def StopDiscovery(self):
        self.fake.log("StopDiscovery")
        self.fake.discovering = False

    # Device1
    @dbus.service.method(DEVICE, in_signature="", out_signature="",
                         async_callbacks=("ok", "err"))
    def Connect(self, ok, err):
        peer = self.fake.by_path[self.path]
        self.fake.log("Connect", peer["mac"])
        self.fake.connect(peer, ok, err)

    @dbus.service.method(DEVICE, in_signature="", out_signature="",
                         async_callbacks=("ok", "err"))
    def Disconnect(self, ok, err):
        peer = self.fake.by_path[self.path]
        self.fake.log("Disconnect", peer["mac"])
        self.fake.disconnect(peer, ok)

    @dbus.service.method(DEVICE, in_signature="", out_signature="",
                         async_callbacks=("ok", "err"), sender_keyword="sender")
    def Pair(self, ok, err, sender=None):
        peer = self.fake.by_path[self.path]
        self.fake.log("Pair", peer["mac"])
        self.fake.pair(self, peer, sender, ok, err)

    # GattCharacteristic1
    def _char(self, method):
        ch = self.fake.chars[self.path]
        self.fake.log(method, ch["uuid"])
        fail = ch["fail"].get(method)
        if fail:
            raise BluezError(fail, "refused by the test")
        return ch

    @dbus.service.method(CHAR, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, opts):
        ch = self._char("ReadValue")
        if "read" not in ch["flags"]:
            raise BluezError("org.bluez.Error.NotPermitted", "Read not permitted")
        self.set(Value=dbus.Array(ch["value"], signature="y"))
        return dbus.Array(ch["value"], signature="y")

    @dbus.service.method(CHAR, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, opts):
        ch = self._char("WriteValue")
        kind = str(opts.get("type", ""))
        need = "write" if kind == "request" else "write-without-response"
        if need not in ch["flags"]:
            raise BluezError("org.bluez.Error.NotPermitted", "Write not permitted")
        ch["written"].append((bytes(value), kind))

    @dbus.service.method(CHAR, in_signature="", out_signature="")
    def StartNotify(self):
        ch = self._char("StartNotify")
        if "notify" not in ch["flags"] and "indicate" not in ch["flags"]:
            raise BluezError("org.bluez.Error.NotSupported", "Notify not supported")
        self.set(Notifying=True)
        if ch.get("auto") is not None:
            # a sensor that notifies by itself soon after the subscription (LYWSD03MMC)
            GLib.timeout_add(50, lambda: self.props.get("Notifying") and self.set(
                Value=dbus.Array(ch["auto"], signature="y")) and False)

    @dbus.service.method(CHAR, in_signature="", out_signature="")
    def StopNotify(self):
        self._char("StopNotify")
        self.set(Notifying=False)


class Root(dbus.service.Object):
    def __init__(self, fake):
        super().__init__(fake.bus, "/")
        self.fake = fake

    @dbus.service.method(OM, in_signature="", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {o.path: {o.iface: dbus.Dictionary(o.props, signature="sv")}
                for o in self.fake.objs.values()}

    @dbus.service.signal(OM, signature="oa{sa{sv}}")
    def InterfacesAdded(self, path, ifaces):
        pass

    @dbus.service.signal(OM, signature="oas")
    def InterfacesRemoved(self, path, ifaces):
        pass


class AgentManager(dbus.service.Object):
    """AgentManager1: one agent per caller, with its IO capability, as bluetoothd keeps them"""

    def __init__(self, fake):
        super().__init__(fake.bus, "/org/bluez")
        self.fake = fake

    @dbus.service.method("org.bluez.AgentManager1", in_signature="os", out_signature="",
                         sender_keyword="sender")
    def RegisterAgent(self, path, cap, sender=None):
        self.fake.log("RegisterAgent", str(cap))
        if sender in self.fake.agents:
            raise BluezError("org.bluez.Error.AlreadyExists", "Already Exists")
        self.fake.agents[sender] = (str(path), str(cap))

    @dbus.service.method("org.bluez.AgentManager1", in_signature="o", out_signature="",
                         sender_keyword="sender")
    def UnregisterAgent(self, path, sender=None):
        self.fake.log("UnregisterAgent")
        if self.fake.agents.pop(sender, None) is None:
            raise BluezError("org.bluez.Error.DoesNotExist", "Does Not Exist")


class Control(dbus.service.Object):
    def __init__(self, fake):
        super().__init__(fake.bus, "/test")
        self.fake = fake

    @dbus.service.method(CONTROL, in_signature="sss", out_signature="")
    def AddPeer(self, mac, addr_type, mode):
        """mode: ok, refuse (Connect fails), hang (Connect never answers), known (ok, and
        bluetoothd already has the device object), quiet (ok, no Connected signal),
        "flaky N" (the next N connects fail at once, then ok), "late" (ok, but the services'
        InterfacesAdded come after ServicesResolved)"""
        mac = mac.upper()
        path = "%s/dev_%s" % (ADAPTER_PATH, mac.replace(":", "_"))
        peer = {"mac": mac, "type": addr_type, "mode": mode, "path": path, "services": [],
                "connected": False}
        self.fake.peers[mac] = peer
        self.fake.by_path[path] = peer
        if mode == "known":
            self.fake.export_device(peer)

    @dbus.service.method(CONTROL, in_signature="ss", out_signature="")
    def SetMode(self, mac, mode):
        """a peer's mode from now on (AddPeer's)"""
        self.fake.peers[mac.upper()]["mode"] = mode

    @dbus.service.method(CONTROL, in_signature="ssq", out_signature="")
    def AddService(self, mac, uuid, handle):
        self.fake.peers[mac.upper()]["services"].append(
            {"uuid": uuid128(uuid), "handle": handle, "chars": []})

    @dbus.service.method(CONTROL, in_signature="sssssq", out_signature="")
    def AddChar(self, mac, svc, uuid, flags, value, handle):
        """flags comma-separated as BlueZ spells them; value in hex"""
        for s in self.fake.peers[mac.upper()]["services"]:
            if s["uuid"] == uuid128(svc):
                s["chars"].append({"uuid": uuid128(uuid), "flags": flags.split(","),
                                   "value": bytes.fromhex(value), "handle": handle,
                                   "fail": {}, "written": []})

    def _find(self, mac, uuid, handle=0):
        for s in self.fake.peers[mac.upper()]["services"]:
            for c in s["chars"]:
                if c["uuid"] == uuid128(uuid) and (not handle or c["handle"] == handle):
                    return c
        raise BluezError("test.Error", "no such characteristic")

    @dbus.service.method(CONTROL, in_signature="sss", out_signature="")
    def SetFail(self, mac, uuid, method_and_error):
        method, error = method_and_error.split("=", 1)
        self._find(mac, uuid)["fail"][method] = error

    @dbus.service.method(CONTROL, in_signature="sss", out_signature="")
    def SetValue(self, mac, uuid, value):
        """what reads of the characteristic return from now on (hex)"""
        self._find(mac, uuid)["value"] = bytes.fromhex(value)

    @dbus.service.method(CONTROL, in_signature="sss", out_signature="")
    def SetAutoNotify(self, mac, uuid, value):
        """notify @value (hex) by itself 50 ms after each StartNotify"""
        self._find(mac, uuid)["auto"] = bytes.fromhex(value)

    @dbus.service.method(CONTROL, in_signature="ssqs", out_signature="b")
    def Notify(self, mac, uuid, handle, value):
        """handle: the declaration handle (0: the first with that UUID); value in hex"""
        c = self._find(mac, uuid, handle)
        o = self.fake.objs.get(c.get("path"))
        if not o or not o.props.get("Notifying"):
            return False
        c["value"] = bytes.fromhex(value)
        o.set(Value=dbus.Array(c["value"], signature="y"))
        return True

    @dbus.service.method(CONTROL, in_signature="sss", out_signature="b")
    def Advertise(self, mac, uuid, data):
        """one advert of the peer with service data @data (hex) of @uuid, reported only while
        a discovery runs, as bluetoothd's D-Bus does (a new device comes with it); False
        when none runs"""
        if not self.fake.discovering:
            return False
        peer = self.fake.peers[mac.upper()]
        peer["service_data"] = dbus.Dictionary(
            {uuid128(uuid): dbus.Array(bytes.fromhex(data), signature="y")}, signature="sv")
        if peer["path"] in self.fake.objs:
            self.fake.objs[peer["path"]].set(ServiceData=peer["service_data"])
        else:
            self.fake.export_device(peer)
        return True

    @dbus.service.method(CONTROL, in_signature="s", out_signature="")
    def PeerDisconnect(self, mac):
        self.fake.disconnect(self.fake.peers[mac.upper()])

    @dbus.service.method(CONTROL, in_signature="ss", out_signature="s")
    def Written(self, mac, uuid):
        """the writes as "hex/type" joined by spaces"""
        return " ".join("%s/%s" % (v.hex(), k) for v, k in self._find(mac, uuid)["written"])

    @dbus.service.method(CONTROL, in_signature="ssss", out_signature="")
    def SetPairing(self, mac, method, irk, bond_dir):
        """how the peer pairs: "justworks", "passkey <n>" (both sides type n: the caller's
        agent is asked RequestPasskey and must answer n), "compare <n>" (RequestConfirmation
        of n), "refuse"; @irk (hex, LSB first; "" none) is written to
        @bond_dir/<adapter>/<mac>/info once paired"""
        self.fake.peers[mac.upper()]["pairing"] = (str(method), str(irk), str(bond_dir))

    @dbus.service.method(CONTROL, in_signature="ss", out_signature="")
    def SetName(self, mac, name):
        """the peer's Device1.Name (now, or when bluetoothd exports the device)"""
        peer = self.fake.peers[mac.upper()]
        peer["name"] = str(name)
        dev = self.fake.objs.get(peer["path"])
        if dev:
            dev.set(Name=peer["name"])

    @dbus.service.method(CONTROL, in_signature="ss", out_signature="")
    def SetIdentity(self, mac, identity):
        """the public identity address the peer (met by an RPA) gives when it pairs"""
        self.fake.peers[mac.upper()]["identity"] = str(identity).upper()

    @dbus.service.method(CONTROL, in_signature="y", out_signature="")
    def SetVersion(self, version):
        """Adapter1.Version (BlueZ >= 5.71: the controller's HCI version)"""
        self.fake.objs[ADAPTER_PATH].set(Version=dbus.Byte(version))

    @dbus.service.method(CONTROL, in_signature="b", out_signature="")
    def SetExperimental(self, on):
        """bluetoothd -E: Adapter1.ConnectDevice exists (default)"""
        self.fake.experimental = bool(on)

    @dbus.service.method(CONTROL, in_signature="", out_signature="s")
    def Calls(self):
        """every call so far, "Method arg" joined by ';'"""
        return ";".join(self.fake.calls)


class Fake:
    def __init__(self, bus):
        self.bus = bus
        self.objs = {}
        self.peers = {}
        self.by_path = {}
        self.chars = {}
        self.calls = []
        self.experimental = True
        self.discovering = False
        self.agents = {}
        self.root = Root(self)
        self.agent_manager = AgentManager(self)
        self.control = Control(self)
        self.add(ADAPTER_PATH, ADAPTER, {"Address": "00:AA:01:00:00:00", "Powered": True})

    def log(self, *what):
        self.calls.append(" ".join(what))

    def add(self, path, iface, props, announce=True):
        o = Obj(self, path, iface, props)
        self.objs[path] = o
        if announce:
            self.announce(o)
        return o

    def announce(self, o):
        self.root.InterfacesAdded(o.path, {o.iface: dbus.Dictionary(o.props, signature="sv")})

    def remove(self, path):
        o = self.objs.pop(path, None)
        if o:
            o.remove_from_connection()
            self.root.InterfacesRemoved(path, [o.iface])

    def export_device(self, peer):
        if peer["path"] not in self.objs:
            props = {"Address": peer["mac"], "AddressType": peer["type"],
                     "Connected": False, "ServicesResolved": False, "Paired": False,
                     "Adapter": dbus.ObjectPath(ADAPTER_PATH)}
            if peer.get("name"):
                props["Name"] = peer["name"]
            if peer.get("service_data"):
                props["ServiceData"] = peer["service_data"]
            self.add(peer["path"], DEVICE, props)

    def connect(self, peer, ok, err):
        if peer["mode"].startswith("flaky "):
            # the next N connections fail at once, as a peer that is not advertising yet
            n = int(peer["mode"].split()[1]) - 1
            peer["mode"] = "flaky %d" % n if n else "ok"
            err(BluezError("org.bluez.Error.Failed", "le-connection-abort-by-local"))
            return
        if peer["mode"] == "refuse":
            err(BluezError("org.bluez.Error.Failed", "le-connection-abort-by-local"))
            return
        if peer["mode"] == "hang":
            self.export_device(peer)
            return
        self.export_device(peer)
        dev = self.objs[peer["path"]]
        if peer["connected"]:
            ok()
            return
        peer["connected"] = True
        if peer["mode"] == "quiet":
            # bluetoothd 5.66 after an ATT-first link: Connected changes without a signal
            dev.props["Connected"] = True
        else:
            dev.set(Connected=True)
        ok()
        # services are resolved after the link is up, as bluetoothd does. "late": the
        # objects are there (GetManagedObjects lists them) but their InterfacesAdded come
        # after ServicesResolved, as bluetoothd 5.66 sometimes sends them (its signals of
        # the device and of the new objects are flushed in separate idle callbacks)
        late = peer["mode"] == "late"
        made = []
        for s in peer["services"]:
            sp = "%s/service%04x" % (peer["path"], s["handle"])
            made.append(self.add(sp, SERVICE, {"UUID": s["uuid"], "Primary": True,
                                               "Device": dbus.ObjectPath(peer["path"]),
                                               "Handle": dbus.UInt16(s["handle"])},
                                 not late))
            for c in s["chars"]:
                cp = "%s/char%04x" % (sp, c["handle"])
                c["path"] = cp
                self.chars[cp] = c
                made.append(self.add(cp, CHAR, {
                    "UUID": c["uuid"], "Service": dbus.ObjectPath(sp),
                    "Flags": dbus.Array(c["flags"], signature="s"),
                    "Handle": dbus.UInt16(c["handle"]), "Notifying": False,
                    "Value": dbus.Array(b"", signature="y")}, not late))
        dev.set(ServicesResolved=True)
        if late:
            for o in made:
                self.announce(o)

    def pair(self, dev, peer, sender, ok, err):
        """Device1.Pair: the caller's agent is asked as the peer's method wants"""
        method, irk, bond_dir = peer.get("pairing", ("refuse", "", ""))
        if dev.props.get("Paired"):
            err(BluezError("org.bluez.Error.AlreadyExists", "Already Paired"))
            return
        if method == "refuse" or not peer["connected"]:
            err(BluezError("org.bluez.Error.AuthenticationFailed", "Authentication Failed"))
            return
        agent = self.agents.get(sender)

        def done(*args):
            ident = peer.get("identity")
            if irk:
                d = os.path.join(bond_dir, self.objs[ADAPTER_PATH].props["Address"],
                                 ident or peer["mac"])
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "info"), "w") as f:
                    f.write("[General]\nName=peer\n\n[IdentityResolvingKey]\nKey=%s\n\n"
                            "[LongTermKey]\nKey=00112233445566778899AABBCCDDEEFF\n"
                            "Authenticated=%d\nEncSize=16\n"
                            % (irk.upper(), 2 if method == "justworks" else 3))
            if ident:
                dev.set(Address=ident, AddressType="public")
            dev.set(Paired=True)
            ok()

        def failed(e):
            self.log("AgentError", e.get_dbus_name())
            err(BluezError("org.bluez.Error.AuthenticationFailed", "Authentication Failed"))

        if method == "justworks":
            done()
            return
        if agent is None:
            err(BluezError("org.bluez.Error.AuthenticationFailed", "no agent"))
            return
        kind, n = method.split()
        proxy = dbus.Interface(self.bus.get_object(sender, agent[0]), "org.bluez.Agent1")
        self.log("Agent", kind, agent[1])
        if kind == "passkey":
            def typed(v):
                self.log("Passkey", str(int(v)))
                if int(v) == int(n):
                    done()
                else:
                    err(BluezError("org.bluez.Error.AuthenticationFailed",
                                   "Authentication Failed"))
            proxy.RequestPasskey(dbus.ObjectPath(dev.path), reply_handler=typed,
                                 error_handler=failed)
        else:
            proxy.RequestConfirmation(dbus.ObjectPath(dev.path), dbus.UInt32(int(n)),
                                      reply_handler=done, error_handler=failed)

    def disconnect(self, peer, reply=None):
        """The link goes down; @reply answers Device1.Disconnect. The orders of bluetoothd
        5.66's two signals, both seen on the real stack: ServicesResolved false, the reply,
        then Connected false ("ok"); Connected false first ("connected-first"); only
        ServicesResolved false after a link it never said Connected for ("quiet")."""
        dev = self.objs.get(peer["path"])
        if not dev or not peer["connected"]:
            if reply:
                reply()
            return
        peer["connected"] = False
        if peer["mode"] == "connected-first":
            dev.set(Connected=False)
        dev.set(ServicesResolved=False)
        if peer["mode"] == "quiet":
            dev.props["Connected"] = False
        elif peer["mode"] != "connected-first":
            dev.props["Connected"] = False
            GLib.timeout_add(50, lambda: dev.PropertiesChanged(
                DEVICE, dbus.Dictionary({"Connected": False}, signature="sv"), []) and False)
        if reply:
            reply()
        # bluetoothd drops the GATT objects of a disconnected device
        for path in sorted([p for p in self.objs if p.startswith(peer["path"] + "/")],
                           reverse=True):
            self.chars.pop(path, None)
            self.remove(path)


def serve(prepare=None):
    """Own org.bluez on $FAKE_BUS with a Fake (@prepare(bus, fake) extends it first), say
    "ready", and run until stdin closes. The extensions (fake_bluez_server.py, …) set Obj and
    Control to their subclasses before calling it."""
    DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ["FAKE_BUS"])
    fake = Fake(bus)
    if prepare:
        prepare(bus, fake)
    name = dbus.service.BusName("org.bluez", bus)
    print("ready", flush=True)
    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_HUP | GLib.IO_IN,
                      lambda *a: (loop.quit(), False)[1])
    loop.run()
    del name


if __name__ == "__main__":
    serve()
