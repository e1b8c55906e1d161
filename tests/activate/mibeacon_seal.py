# SPDX-License-Identifier: MIT
"""mibeacon_seal.py — what a sensor sends once it has a bind key: an encrypted MiBeacon v5
frame (AES-CCM, 4-byte tag, AAD 0x11; nonce = MAC (LSB first) + product id + frame counter +
3-byte extended counter), with the flags AD structure in front. Independent of mi32's C
decoder; used after an activation to check that the key the device derived decodes:
tests/integration/test_10_activate.py (relayed on MQTT), tests/realstack/guest/
test_10_activate.py (sent by hci1), and the browser test (tests/browser/run.js, through the
command line below).

    /usr/bin/python3 mibeacon_seal.py KEY MAC PID CNT TEMP10 [HUM10]

prints the AD as upper-case hex: KEY 32 hex digits, MAC "A4:C1:38:00:00:07", PID hex
("055b"), CNT the frame counter (0..255), TEMP10 the temperature in 0.1 °C (object 0x1004),
or with HUM10 (0.1 %) temperature and humidity together (object 0x100D)."""
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

FRCTRL = 0x5058  # version 5, object included, MAC included, encrypted


def obj(oid, value):
    """One object: id, length, value (little-endian)."""
    return oid.to_bytes(2, "little") + bytes([len(value)]) + value


def temperature(temp10):
    return obj(0x1004, temp10.to_bytes(2, "little", signed=True))


def temp_hum(temp10, hum10):
    return obj(0x100D, temp10.to_bytes(2, "little", signed=True) + hum10.to_bytes(2, "little"))


def service_data(key, mac, pid, cnt, payload):
    """The frame (bytes after the UUID 0xFE95, as bluetoothd's Device1.ServiceData carries
    it) with @payload (objects) sealed with the 16-byte @key."""
    mac_lsb = bytes.fromhex(mac.replace(":", ""))[::-1]
    ext = (1).to_bytes(3, "little")
    head = FRCTRL.to_bytes(2, "little") + pid.to_bytes(2, "little") + bytes([cnt])
    nonce = mac_lsb + head[2:5] + ext
    sealed = AESCCM(key, tag_length=4).encrypt(nonce, payload, b"\x11")
    return head + mac_lsb + sealed[:-4] + ext + sealed[-4:]


def advert(key, mac, pid, cnt, payload):
    """The AD structures (bytes): flags, then service data 0xFE95 (service_data())."""
    sd = b"\x16\x95\xfe" + service_data(key, mac, pid, cnt, payload)
    return b"\x02\x01\x06" + bytes([len(sd)]) + sd


def main(argv):
    if len(argv) not in (6, 7):
        sys.exit(__doc__.split("\n\n")[1])
    key, mac, pid, cnt, t = bytes.fromhex(argv[1]), argv[2], int(argv[3], 16), int(argv[4]), \
        int(argv[5])
    payload = temp_hum(t, int(argv[6])) if len(argv) == 7 else temperature(t)
    print(advert(key, mac, pid, cnt, payload).hex().upper())


if __name__ == "__main__":
    main(sys.argv)
