#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fake_bluez_server.py — fake_bluez.py plus what the server ops need, on the bus at $FAKE_BUS.

The adapter /org/bluez/hci0 gains GattManager1 (RegisterApplication reads the application's
tree with GetManagedObjects, allocates handles as bluetoothd does — service, then per
characteristic a declaration, the value and a CCCD when it notifies or indicates — and writes
each back through the Handle property) and LEAdvertisingManager1 (RegisterAdvertisement reads
the LEAdvertisement1 properties with GetAll and serialises them into AD bytes with BlueZ
5.66's rules: no flags of our own while the adapter is not discoverable, the AD elements in
bt_ad_generate()'s order, LocalName into the scan response, InvalidLength past 31 bytes;
properties 5.66 does not know are ignored). Properties.Set on the adapter (Alias).

test.Control gains a phone playing the central: CentralConnect, CentralDisconnect,
CentralPair, CentralRead, CentralWrite, CentralSubscribe, CentralUnsubscribe, Notified;
and Advertised, AppHandles, SetRegisterFail, ReleaseAdv."""
import os
import sys

import dbus
import dbus.service

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_bluez as fb  # noqa: E402

GATT_MGR = "org.bluez.GattManager1"
ADV_MGR = "org.bluez.LEAdvertisingManager1"
ADV = "org.bluez.LEAdvertisement1"
SVC_IFACE = "org.bluez.GattService1"
CHR_IFACE = "org.bluez.GattCharacteristic1"
# what BlueZ 5.66's advertising parser knows (src/advertising.c parsers[])
KNOWN_566 = {"Type", "ServiceUUIDs", "SolicitUUIDs", "ManufacturerData", "ServiceData",
             "Includes", "LocalName", "Appearance", "Duration", "Timeout", "Data",
             "Discoverable", "DiscoverableTimeout", "SecondaryChannel", "MinInterval",
             "MaxInterval", "TxPower"}


def uuid_le(u):
    """a UUID string as BlueZ takes it → (bits, little-endian bytes)"""
    u = str(u).lower()
    if len(u) == 36 and u.endswith("-0000-1000-8000-00805f9b34fb") and u.startswith("0000"):
        u = u[4:8]
    h = u.replace("-", "")
    return len(h) * 4, bytes.fromhex(h)[::-1]


def elem(t, data):
    return bytes([len(data) + 1, t]) + data


def serialise(props):
    """AD bytes (advertising data, scan response) as bluetoothd 5.66 makes them"""
    ad = b""
    lists = {16: [], 32: [], 128: []}
    for u in props.get("ServiceUUIDs", []):
        bits, le = uuid_le(u)
        lists[bits].append(le)
    for bits, t in ((16, 0x03), (32, 0x05), (128, 0x07)):
        if lists[bits]:
            ad += elem(t, b"".join(lists[bits]))
    sol = {16: [], 32: [], 128: []}
    for u in props.get("SolicitUUIDs", []):
        bits, le = uuid_le(u)
        sol[bits].append(le)
    for bits, t in ((16, 0x14), (32, 0x1F), (128, 0x15)):
        if sol[bits]:
            ad += elem(t, b"".join(sol[bits]))
    for company, data in props.get("ManufacturerData", {}).items():
        ad += elem(0xFF, int(company).to_bytes(2, "little") + bytes(data))
    for u, data in props.get("ServiceData", {}).items():
        bits, le = uuid_le(u)
        ad += elem({16: 0x16, 32: 0x20, 128: 0x21}[bits], le + bytes(data))
    if "Appearance" in props:
        ad += elem(0x19, int(props["Appearance"]).to_bytes(2, "little"))
    for t, data in props.get("Data", {}).items():
        ad += elem(int(t), bytes(data))
    if "tx-power" in [str(i) for i in props.get("Includes", [])]:
        ad += elem(0x0A, b"\x00")
    scan = elem(0x09, str(props["LocalName"]).encode()) if "LocalName" in props else b""
    return ad, scan


class ServerObj(fb.Obj):
    """fake_bluez's objects with the adapter's server-side managers"""

    @dbus.service.method(fb.PROPS, in_signature="ssv", out_signature="")
    def Set(self, iface, name, value):
        self.fake.log("Set", str(name), str(value))
        self.set(**{str(name): value})

    @dbus.service.method(GATT_MGR, in_signature="oa{sv}", out_signature="",
                         sender_keyword="sender", async_callbacks=("ok", "err"))
    def RegisterApplication(self, root, opts, sender, ok, err):
        f = self.fake
        f.log("RegisterApplication", str(root))
        if f.fail.get("RegisterApplication"):
            err(fb.BluezError(f.fail["RegisterApplication"], "refused by the test"))
            return
        om = dbus.Interface(f.bus.get_object(sender, root, introspect=False), fb.OM)

        def got(objs):
            svcs = sorted(p for p, i in objs.items() if SVC_IFACE in i)
            f.app = {"sender": sender, "chars": {}}
            sets = []
            h = 0x0a  # after bluetoothd's own GAP and GATT services
            for sp in svcs:
                sets.append((sp, SVC_IFACE, h))
                h += 1
                for cp in sorted(p for p, i in objs.items()
                                 if CHR_IFACE in i and str(i[CHR_IFACE]["Service"]) == sp):
                    c = objs[cp][CHR_IFACE]
                    flags = [str(x) for x in c["Flags"]]
                    sets.append((cp, CHR_IFACE, h + 1))
                    f.app["chars"][cp] = {"uuid": str(c["UUID"]), "flags": flags,
                                          "handle": h + 1, "notified": [],
                                          "subscribed": False}
                    h += 3 if ("notify" in flags or "indicate" in flags) else 2
            # the handles go back through Properties.Set, asynchronously (the test's
            # process answers, and it may be waiting for a control call of its own)
            left = [len(sets)]

            def one_done(*_):
                left[0] -= 1
                if left[0] == 0:
                    ok()

            for path, iface, handle in sets:
                f.bus.get_object(sender, path, introspect=False).Set(
                    iface, "Handle", dbus.UInt16(handle, variant_level=1),
                    dbus_interface=fb.PROPS, reply_handler=one_done,
                    error_handler=lambda e: err(fb.BluezError("org.bluez.Error.Failed",
                                                              str(e))))
            if not sets:
                ok()

        om.GetManagedObjects(reply_handler=got,
                             error_handler=lambda e: err(fb.BluezError(
                                 "org.bluez.Error.Failed", str(e))))

    @dbus.service.method(GATT_MGR, in_signature="o", out_signature="")
    def UnregisterApplication(self, root):
        self.fake.log("UnregisterApplication", str(root))
        if not self.fake.app:
            raise fb.BluezError("org.bluez.Error.DoesNotExist", "Does Not Exist")
        self.fake.app = None

    @dbus.service.method(ADV_MGR, in_signature="oa{sv}", out_signature="",
                         sender_keyword="sender", async_callbacks=("ok", "err"))
    def RegisterAdvertisement(self, path, opts, sender, ok, err):
        f = self.fake
        f.log("RegisterAdvertisement", str(path))
        if f.fail.get("RegisterAdvertisement"):
            err(fb.BluezError(f.fail["RegisterAdvertisement"], "refused by the test"))
            return
        if f.adv:
            err(fb.BluezError("org.bluez.Error.AlreadyExists", "Already Exists"))
            return
        obj = f.bus.get_object(sender, path, introspect=False)

        def got(props):
            t = str(props.get("Type", ""))
            if t not in ("broadcast", "peripheral"):
                err(fb.BluezError("org.bluez.Error.Failed", "Failed to parse advertisement."))
                return
            known = {k: v for k, v in props.items() if str(k) in KNOWN_566}
            ad, scan = serialise(known)
            if len(ad) > 31 or len(scan) > 31:
                err(fb.BluezError("org.bluez.Error.InvalidLength", "Advertising data too long"))
                return
            f.adv = {"sender": sender, "path": str(path), "type": t, "ad": ad, "scan": scan,
                     "props": {str(k): v for k, v in props.items()}}
            ok()

        obj.GetAll(ADV, dbus_interface=fb.PROPS, reply_handler=got,
                   error_handler=lambda e: err(fb.BluezError("org.bluez.Error.Failed", str(e))))

    @dbus.service.method(ADV_MGR, in_signature="o", out_signature="")
    def UnregisterAdvertisement(self, path):
        self.fake.log("UnregisterAdvertisement", str(path))
        if not self.fake.adv or self.fake.adv["path"] != str(path):
            raise fb.BluezError("org.bluez.Error.DoesNotExist", "Does Not Exist")
        self.fake.adv = None


class ServerControl(fb.Control):
    def _app_char(self, uuid):
        app = self.fake.app
        if not app:
            raise fb.BluezError("test.Error", "no application registered")
        for path, c in sorted(app["chars"].items()):
            if c["uuid"] == fb.uuid128(uuid):
                return path, c
        raise fb.BluezError("test.Error", "no characteristic " + uuid)

    def _app(self, path):
        return self.fake.bus.get_object(self.fake.app["sender"], path, introspect=False)

    def _dev(self, mac):
        return "%s/dev_%s" % (fb.ADAPTER_PATH, mac.upper().replace(":", "_"))

    @dbus.service.method(fb.CONTROL, in_signature="ss", out_signature="")
    def SetRegisterFail(self, method, error):
        """RegisterApplication or RegisterAdvertisement answers @error ("" = succeed)"""
        self.fake.fail[method] = error

    @dbus.service.method(fb.CONTROL, in_signature="", out_signature="s")
    def Advertised(self):
        """"<type> <AD hex> <scan response hex>", or "" when nothing is registered"""
        a = self.fake.adv
        return "%s %s %s" % (a["type"], a["ad"].hex(), a["scan"].hex() or "-") if a else ""

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="v")
    def AdvProp(self, name):
        return self.fake.adv["props"][name]

    @dbus.service.method(fb.CONTROL, in_signature="", out_signature="s")
    def AppHandles(self):
        """"<uuid>=<value handle>" of every characteristic, joined by spaces"""
        if not self.fake.app:
            return ""
        return " ".join("%s=%d" % (c["uuid"], c["handle"])
                        for _, c in sorted(self.fake.app["chars"].items()))

    @dbus.service.method(fb.CONTROL, in_signature="", out_signature="")
    def ReleaseAdv(self):
        """bluetoothd drops the advertisement (adapter off): Release, then forget it"""
        a = self.fake.adv
        self.fake.adv = None
        self.fake.bus.get_object(a["sender"], a["path"], introspect=False).Release(
            dbus_interface=ADV, reply_handler=lambda: None, error_handler=lambda e: None)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def CentralConnect(self, mac):
        """a phone connects to us: a device object that is connected from the start (one
        that was here before, disconnected, connects again)"""
        path = self._dev(mac)
        if path in self.fake.objs:
            self.fake.peers[mac.upper()]["connected"] = True
            self.fake.objs[path].set(Connected=True)
            return
        peer = {"mac": mac.upper(), "type": "random", "mode": "ok", "path": path,
                "services": [], "connected": True}
        self.fake.peers[mac.upper()] = peer
        self.fake.by_path[path] = peer
        self.fake.add(path, fb.DEVICE, {
            "Address": mac.upper(), "AddressType": "random", "Connected": True,
            "ServicesResolved": False, "Paired": False,
            "Adapter": dbus.ObjectPath(fb.ADAPTER_PATH)})

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def CentralDisconnect(self, mac):
        self.fake.peers[mac.upper()]["connected"] = False
        self.fake.objs[self._dev(mac)].set(Connected=False)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def CentralPair(self, mac):
        self.fake.objs[self._dev(mac)].set(Paired=True)

    @dbus.service.method(fb.CONTROL, in_signature="ss", out_signature="")
    def CentralPairIdentity(self, mac, identity):
        """a phone met by its RPA pairs and gives its public identity: bluetoothd's New IRK
        changes Device1.Address first (device_update_addr), the LTK then makes it Paired"""
        dev = self.fake.objs[self._dev(mac)]
        dev.set(Address=identity.upper(), AddressType="public")
        dev.set(Paired=True)

    # The phone's calls into the application are asynchronous: the test's own process
    # answers them, and it runs its loop only after this control call returned. What they
    # gave is in Results().
    def _call(self, what, path, method, *args):
        res = self.fake.results

        def done(v=None):
            res.append("%s %s" % (what, bytes(v).hex() if v is not None else "ok"))

        def fail(e):
            res.append("%s error %s" % (what, e.get_dbus_name()))

        getattr(self._app(path), method)(*args, dbus_interface=CHR_IFACE,
                                          reply_handler=done, error_handler=fail)

    @dbus.service.method(fb.CONTROL, in_signature="ss", out_signature="")
    def CentralRead(self, mac, uuid):
        path, _ = self._app_char(uuid)
        self._call("read", path, "ReadValue", dbus.Dictionary(
            {"device": dbus.ObjectPath(self._dev(mac)), "mtu": dbus.UInt16(23)},
            signature="sv"))

    @dbus.service.method(fb.CONTROL, in_signature="ssss", out_signature="")
    def CentralWrite(self, mac, uuid, value, kind):
        path, c = self._app_char(uuid)
        need = "write" if kind == "request" else "write-without-response"
        if need not in c["flags"]:
            raise fb.BluezError("org.bluez.Error.NotPermitted", "not writable that way")
        self._call("write", path, "WriteValue",
                   dbus.Array(bytes.fromhex(value), signature="y"),
                   dbus.Dictionary({"device": dbus.ObjectPath(self._dev(mac)),
                                    "type": dbus.String(kind)}, signature="sv"))

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def CentralSubscribe(self, uuid):
        path, c = self._app_char(uuid)
        if not c["subscribed"]:
            c["subscribed"] = True
            self._call("subscribe", path, "StartNotify")

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="")
    def CentralUnsubscribe(self, uuid):
        path, c = self._app_char(uuid)
        if c["subscribed"]:
            c["subscribed"] = False
            self._call("unsubscribe", path, "StopNotify")

    @dbus.service.method(fb.CONTROL, in_signature="", out_signature="s")
    def Results(self):
        """what the phone's calls gave, in order: "read <hex>", "write ok", "<what> error
        <name>", joined by ';'"""
        return ";".join(self.fake.results)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="s")
    def Notified(self, uuid):
        """the values bluetoothd would have sent to the subscribed central, hex, spaces"""
        return " ".join(self._app_char(uuid)[1]["notified"])


def on_app_signal(fake, iface, changed, invalidated, path=None, sender=None):
    """bluetoothd's property_changed_cb(): a Value change of a characteristic a central
    subscribed to is a notification (or an indication) to it"""
    app = fake.app
    if not app or sender != app["sender"] or iface != CHR_IFACE or "Value" not in changed:
        return
    c = app["chars"].get(path)
    if c and c["subscribed"]:
        c["notified"].append(bytes(changed["Value"]).hex())


def prepare(bus, fake):
    fake.app = None
    fake.adv = None
    fake.fail = {}
    fake.results = []
    fake.objs[fb.ADAPTER_PATH].props["Alias"] = "fake"
    bus.add_signal_receiver(lambda *a, **kw: on_app_signal(fake, *a, **kw),
                            signal_name="PropertiesChanged", dbus_interface=fb.PROPS,
                            path_keyword="path", sender_keyword="sender")


if __name__ == "__main__":
    fb.Obj = ServerObj
    fb.Control = ServerControl
    fb.serve(prepare)
