# SPDX-License-Identifier: MIT
"""mi_device.py — the device's side of Xiaomi's activation protocols
(shared/notes/mi-activation.md), independent of mi32's C code, with its own P-256 key pair
(python3-cryptography). Used by the fake bluetoothd of the unit and integration tests
(fake_mi_device.py) and by the real-stack peer (tests/realstack/guest/mi_peer.py).

kind "standard": A2 → device info; 15 + ECC_PUBKEY → its own public key; the sealed DID is
opened with the derived A key (REG_FAILED on 13 when the tag does not verify); 24 +
APP_RANDOM → DEV_RANDOM, DEV_CONFIRMATION; APP_CONFIRMATION checked → 21.
kind "legacy": RC4 keyed by the MAC/product-id mixes on 0x0001, the beacon key on 0x0014.

opts (a dict): version=<s>, pid=<n>, registered (device info with an old DID), v2 (info
version 2, no DID), badkeys (derives other keys: the DID tag fails), refuse (answers 13 with
REG_FAILED anyway), opcode=<hex> (answers 13 with that opcode), silent (ignores A2),
lose=<sn> (drops frame sn of the app's public key once: ACK LOST), drop=<sn> (disconnects
when frame sn of the app's public key arrives), badconfirm (wrong DEV_CONFIRMATION),
loginfail (answers the login with 23), badpid (legacy: mixes with another product id),
button (wants its button pressed: answers ACK BUSY to every transfer the app announces until
press() is called, as a device in front-binding mode before the user presses it)."""
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DID_NONCE = bytes(range(0x10, 0x1c))
OLD_DID = b"\x00blt.1.1pds65t394801"


def parse_opts(opts):
    """"a,b=1" → {"a": "", "b": "1"}"""
    o = {}
    for item in filter(None, opts.split(",")):
        k, _, v = item.partition("=")
        o[k] = v
    return o


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
    """One device's side of the protocol. The owner gives it @notify(uuid4, value) (sent
    after the write that caused it, in order), @disconnect() and @set_value(uuid4, value)
    (what reads of a characteristic return from now on)."""

    def __init__(self, mac, kind, opts, notify, disconnect, set_value):
        self.send = notify
        self.drop = disconnect
        self.set_value = set_value
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
        self.pressed = False
        self.busy = 0           # BUSY answers given
        self.priv = ec.generate_private_key(ec.SECP256R1())
        self.leg_token = None
        self.key12 = os.urandom(12)

    def notify(self, uuid, value):
        self.send(uuid, value)

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

    def press(self):
        """The user presses the device's button"""
        self.pressed = True

    def on_auth(self, v):
        sn = int.from_bytes(v[0:2], "little")
        if sn == 0 and v[2] == 0 and "button" in self.opts and not self.pressed:
            self.busy += 1
            self.notify("0019", ack(2))
        elif sn == 0 and v[2] == 0:
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
                self.drop()
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
                self.set_value("0014", rc4(self.leg_token, self.key12))
                self.set_value("0004", rc4(self.leg_token, version))

    def result(self):
        """"token=…;bindkey=…;did=…;state=…;busy=…": what the device stored (legacy:
        bindkey is the 12-byte beacon key), and how often it answered BUSY"""
        token, bindkey = (self.keys[0].hex(), self.keys[1].hex()) if self.keys else ("", "")
        if self.kind == "legacy":
            bindkey = self.key12.hex()
        did = self.did[1:].decode("ascii", "replace") if self.did else ""
        return "token=%s;bindkey=%s;did=%s;state=%s;busy=%d" % (token, bindkey, did,
                                                               self.state, self.busy)

    def written(self, uuid, v):
        if self.kind == "legacy":
            self.on_legacy(uuid, v)
        elif uuid == "0010":
            self.on_ctrl(v)
        elif uuid == "0019":
            self.on_auth(v)
