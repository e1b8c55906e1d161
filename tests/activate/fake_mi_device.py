#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""fake_mi_device.py — fake_bluez.py plus Xiaomi devices that can be activated, on $FAKE_BUS.

A peer added with test.Control.MiDevice(mac, kind, opts) serves the Mi Service 0xFE95 and runs
the device's side of the protocol in shared/notes/mi-activation.md with its own P-256 key
pair (python3-cryptography), independently of mi32's C code:

  kind "standard": 0x0004 version, 0x0010 control point and 0x0019 rxfer (write without
    response + notify). A2 → device info; 15 + ECC_PUBKEY → its own public key; the sealed
    DID is opened with the derived A key (REG_FAILED on 13 when the tag does not verify);
    24 + APP_RANDOM → DEV_RANDOM, DEV_CONFIRMATION; APP_CONFIRMATION checked → 21.
  kind "legacy": 0x0001, 0x0004, 0x0010, 0x0014: RC4 keyed by the MAC/product-id mixes.

opts, comma-separated: version=<s>, pid=<n> (0x0002 characteristic), registered (device info
with an old DID), v2 (info version 2, no DID), badkeys (derives other keys: the DID tag fails),
refuse (answers 13 with REG_FAILED anyway), opcode=<hex> (answers 13 with that opcode), silent
(ignores A2), lose=<sn> (drops frame sn of the app's public key once: ACK LOST), drop=<sn>
(disconnects when frame sn of the app's public key arrives), badconfirm (wrong
DEV_CONFIRMATION), loginfail (answers the login with 23), secure (0x0016 instead of 0x0019),
badpid (legacy: mixes with another product id).

MiResult(mac) tells what the device stored: "token=…;bindkey=…;did=…;state=…". Prints
"ready" once it owns org.bluez."""
import os
import sys

import dbus
import dbus.service
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gatt"))
import fake_bluez as fb  # noqa: E402

MI = "fe95"
DID_NONCE = bytes(range(0x10, 0x1c))
OLD_DID = b"\x00blt.1.1pds65t394801"


def hkdf(ikm, salt, info):
    return HKDF(hashes.SHA256(), 64, salt, info).derive(ikm)


def mac_hmac(key, data):
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(data)
    return h.finalize()


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 0xff
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for b in data:
        i = (i + 1) & 0xff
        j = (j + s[i]) & 0xff
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) & 0xff])
    return bytes(out)


def mixes(mac, pid):
    r = bytes.fromhex(mac.replace(":", ""))[::-1]
    a = bytes([r[0], r[2], r[5], pid & 0xff, pid & 0xff, r[4], r[5], r[1]])
    b = bytes([r[0], r[2], r[5], pid >> 8, r[4], r[0], r[5], pid & 0xff])
    return a, b


def cmd(t, n):
    return bytes([0, 0, 0, t]) + n.to_bytes(2, "little")


def ack(code):
    return bytes([0, 0, 1, code])


def frames(payload):
    return [sn.to_bytes(2, "little") + payload[(sn - 1) * 18:sn * 18]
            for sn in range(1, (len(payload) + 17) // 18 + 1)]


class Device:
    def __init__(self, fake, mac, kind, opts):
        self.fake = fake
        self.mac = mac
        self.kind = kind
        self.opts = opts
        self.state = "fresh"
        self.rx = None          # (type, n, {sn: bytes})
        self.tx = None          # (type, payload)
        self.keys = None        # token, bindkey, a_key
        self.did = None
        self.did_ok = False
        self.lost_once = False
        self.priv = ec.generate_private_key(ec.SECP256R1())
        self.leg_token = None
        self.key12 = os.urandom(12)

    # -- notifications, after the write's reply, in order
    def notify(self, uuid, value):
        def send():
            c = self.fake.control._find(self.mac, uuid)
            o = self.fake.objs.get(c.get("path"))
            if o and o.props.get("Notifying"):
                c["value"] = value
                o.set(Value=dbus.Array(value, signature="y"))
            return False
        fb.GLib.idle_add(send)

    def send_tx(self, t, payload):
        self.tx = (t, payload)
        self.notify("0019", cmd(t, len(frames(payload))))

    def opcode(self, op):
        self.notify("0010", bytes([op, 0, 0, 0]))

    # -- standard auth
    def on_ctrl(self, v):
        op = v[0]
        if op == 0xa2 and "silent" not in self.opts:
            if "v2" in self.opts:
                info = b"\x02\x00\x00\x00"
            elif "registered" in self.opts:
                info = b"\x02\x00\x00\x00" + OLD_DID
            else:
                info = b"\x01\x00\x00\x00"
            self.send_tx(0x00, info)
        elif op == 0x13:
            if "opcode" in self.opts:
                self.opcode(int(self.opts["opcode"], 16))
            elif self.did_ok and "refuse" not in self.opts:
                self.state = "registered"
                self.opcode(0x11)
            else:
                self.opcode(0x12)

    def on_rx_done(self, t, payload):
        if t == 0x03:
            secret = self.priv.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b"\x04" + payload))
            if "badkeys" in self.opts:
                secret = bytes([secret[0] ^ 1]) + secret[1:]
            okm = hkdf(secret, None, b"mible-setup-info")
            self.keys = (okm[0:12], okm[12:28], okm[28:44])
            pub = self.priv.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[1:]
            self.send_tx(0x03, pub)
        elif t == 0x00 and self.keys:
            try:
                self.did = AESCCM(self.keys[2], tag_length=4).decrypt(DID_NONCE, payload,
                                                                      b"devID")
                self.did_ok = True
            except InvalidTag:
                self.did_ok = False
        elif t == 0x0b:
            self.app_random = payload
            self.dev_random = os.urandom(16)
            okm = hkdf(self.keys[0], self.app_random + self.dev_random, b"mible-login-info")
            self.dev_key, self.app_key = okm[0:16], okm[16:32]
            self.send_tx(0x0d, self.dev_random)
        elif t == 0x0a:
            want = mac_hmac(self.app_key, self.app_random + self.dev_random)
            if payload == want and "loginfail" not in self.opts:
                self.state = "loggedin"
                self.opcode(0x21)
            else:
                self.opcode(0x23)

    def on_tx_done(self, t):
        if t == 0x0d:
            conf = mac_hmac(self.dev_key, self.dev_random + self.app_random)
            if "badconfirm" in self.opts:
                conf = bytes(32)
            self.send_tx(0x0c, conf)

    def on_auth(self, v):
        sn = int.from_bytes(v[0:2], "little")
        if sn == 0 and v[2] == 0:
            self.rx = (v[3], int.from_bytes(v[4:6], "little"), {})
            self.notify("0019", ack(1))
        elif sn == 0 and v[2] == 1:
            if self.tx is None:
                return
            t, payload = self.tx
            if v[3] == 1:
                for f in frames(payload):
                    self.notify("0019", f)
            elif v[3] == 0:
                self.tx = None
                self.on_tx_done(t)
            elif v[3] == 5:
                self.notify("0019", frames(payload)[int.from_bytes(v[4:6], "little") - 1])
        elif self.rx:
            t, n, got = self.rx
            if t == 0x03 and str(sn) == self.opts.get("drop"):
                self.fake.disconnect(self.fake.peers[self.mac])
                return
            if t == 0x03 and str(sn) == self.opts.get("lose") and not self.lost_once:
                self.lost_once = True
            else:
                got[sn] = bytes(v[2:])
            if sn == n or len(got) == n:
                missing = [k for k in range(1, n + 1) if k not in got]
                if missing:
                    self.notify("0019", bytes([0, 0, 1, 5]) + missing[0].to_bytes(2, "little"))
                    return
                self.rx = None
                self.notify("0019", ack(0))
                self.on_rx_done(t, b"".join(got[k] for k in range(1, n + 1)))

    # -- legacy auth
    def on_legacy(self, uuid, v):
        pid = int(self.opts.get("pid", "950"), 0)
        if "badpid" in self.opts:
            pid ^= 0x0101
        mix_a, mix_b = mixes(self.mac, pid)
        if uuid == "0010" and v == bytes.fromhex("90ca85de"):
            self.state = "started"
        elif uuid == "0001" and len(v) == 12 and self.state == "started":
            self.leg_token = rc4(mix_a, v)
            self.notify("0001", rc4(mix_a, rc4(mix_b, self.leg_token)))
            self.state = "token"
        elif uuid == "0001" and len(v) == 4 and self.state == "token":
            if v == rc4(self.leg_token, bytes.fromhex("92ab54fa")):
                self.state = "authed"
                version = self.opts.get("version", "1.0.0_0001").encode()
                self.fake.control._find(self.mac, "0014")["value"] = rc4(self.leg_token,
                                                                         self.key12)
                self.fake.control._find(self.mac, "0004")["value"] = rc4(self.leg_token,
                                                                         version)

    def written(self, uuid, v):
        if self.kind == "legacy":
            self.on_legacy(uuid, v)
        elif uuid == "0010":
            self.on_ctrl(v)
        elif uuid == "0019":
            self.on_auth(v)


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
        o = {}
        for item in filter(None, opts.split(",")):
            k, _, v = item.partition("=")
            o[k] = v
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
        self.fake.mi[mac] = Device(self.fake, mac, kind, o)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="s")
    def MiResult(self, mac):
        d = self.fake.mi[mac.upper()]
        token, bindkey = (d.keys[0].hex(), d.keys[1].hex()) if d.keys else ("", "")
        if d.kind == "legacy":
            bindkey = d.key12.hex()
        did = d.did[1:].decode("ascii", "replace") if d.did else ""
        return "token=%s;bindkey=%s;did=%s;state=%s" % (token, bindkey, did, d.state)

    @dbus.service.method(fb.CONTROL, in_signature="s", out_signature="b")
    def Connected(self, mac):
        return bool(self.fake.peers[mac.upper()]["connected"])


if __name__ == "__main__":
    fb.Obj = MiObj
    fb.Control = MiControl
    fb.serve(lambda bus, fake: setattr(fake, "mi", {}))
