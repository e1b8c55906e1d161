# SPDX-License-Identifier: MIT
"""9. Pairing and IRKs (MI32Pair) through bluetoothd: hci1 plays a phone with privacy (an
IRK of the test's choosing, set with the management command Set Privacy), advertising from a
resolvable private address, with a pairing agent that types a passkey. mi32 on hci0 pairs
with that address: a wrong PIN fails, the right one bonds, and the IRK comes from the
kernel's New IRK event (with hci1's identity address) into a PID 0000 entry of the list and
the mi32cfg file, and MI32Info tells both addresses and that the bond is authenticated. Then the bond is removed from bluetoothd (the kernel resolves no more on
its own) and hci1 advertises from another RPA made from that IRK by the test: mi32 resolves
it to the phone. Commands go to mi32's console."""
import json
import os
import re
import subprocess

import rs
from test_8_gatt import CENTRAL, GATT_TIMEOUT, HELPER, PEER, advertising_again

IRK_MSB = bytes.fromhex("5A1B2C3D4E5F60718293A4B5C6D7E8F9")  # as mi32cfg writes it
PIN = 123456


def set_privacy(mode, irk, index=1):
    """hci<index>'s privacy (0 off, 1 on) with @irk (mgmt wants it LSB first); the adapter
    must be off for it."""
    m = rs.Mgmt()
    try:
        # 0x0b Rejected means the adapter was powered again in between (a mi32 scanning it
        # does that when it sees it powered off; test_11_irk's tracker did): again
        end = rs.deadline(10)
        while True:
            assert m.set_powered(index, False) == 0
            st, _ = m.cmd(0x002F, index, bytes([mode]) + irk[::-1])  # Set Privacy
            if st != 0x0B or rs.time.monotonic() > end:
                break
        assert st == 0, f"Set Privacy: status {st}"
        st, _ = m.cmd(0x0009, index, b"\x01")  # Set Bondable
        assert st == 0, f"Set Bondable: status {st}"
        # 0x0a Busy: another Set Powered is pending (a mi32 still scanning that adapter
        # powers it on again when it sees it off); the wait below sees it powered either way
        st = m.set_powered(index, True)
        assert st in (0, 0x0A), f"Set Powered: status {st}"
    finally:
        m.close()
    rs.wait_until("hci%d powered" % index, lambda: rs.powered(index), 20)


forget = rs.forget


def hci1_rpa(env):
    """The resolvable private address hci1 advertises from now (btmon: its last LE Set
    Random Address)."""
    def last():
        lines = env.btmon.text().splitlines()
        found = None
        for i, ln in enumerate(lines[:-1]):
            if ln.startswith("<") and "(0x08|0x0005)" in ln and "[hci1]" in ln:
                m = re.search(r"Address: ([0-9A-F:]{17}) \(Resolvable\)", lines[i + 1])
                found = m.group(1) if m else found
        return found
    return rs.wait_until("hci1's RPA", last, 20)


def rpa(irk, prand):
    """A resolvable private address of @irk (Core Vol 6 Part B 1.3.2.2): prand || ah."""
    assert prand[0] & 0xC0 == 0x40
    block = bytes(13) + prand
    out = subprocess.run(["openssl", "enc", "-aes-128-ecb", "-K", irk.hex(), "-nopad"],
                         input=block, capture_output=True, check=True).stdout
    return ":".join("%02X" % b for b in prand + out[13:16])


def pair(env, m, line):
    advertising_again(env)
    reply, start = m.command(line)
    assert reply == {"MI32Pair": "Pending"}, reply
    m.wait_for(r'^\{"MI32Pair":\{', GATT_TIMEOUT + 60, start=start, stream="out")
    return json.loads(m.lines[m.at - 1][1])["MI32Pair"]


def test_pair_irk_resolves(env):
    set_privacy(1, IRK_MSB)
    try:
        run(env)
    finally:
        set_privacy(0, bytes(16))
        forget("hci0", PEER)
        forget("hci1", CENTRAL)


def run(env):
    forget("hci0", PEER)
    forget("hci1", CENTRAL)
    p = rs.Proc("gatt_peer", ["/usr/bin/python3", HELPER, "--agent", str(PIN)], env.logdir,
                stdin=subprocess.PIPE)
    env.procs.append(p)
    p.wait_for(r"^ready$", 60, stream="out")
    cfg = os.path.join(env.logdir, "mi32cfg")
    with open(cfg, "w") as f:
        json.dump([{"MAC": "A4C138000099", "PID": "055b", "key": ""}], f)
    m = env.mi32("--hci", "hci0", "--web-port", "0", "--mi32cfg", cfg,
                 "--gatt-timeout", str(GATT_TIMEOUT), console=True)
    m.wait_for(r"bluetoothd is on the bus", 60, stream="err")
    # a wrong PIN: SMP fails, nothing is kept
    addr = hci1_rpa(env)
    r = pair(env, m, "MI32Pair %s/r 654321" % addr)
    assert r["Error"] == 10 and r["MAC"] == addr.replace(":", ""), r
    # the right one: bonded, the IRK from the kernel, with hci1's identity address
    addr = hci1_rpa(env)
    r = pair(env, m, "MI32Pair %s/r %d" % (addr, PIN))
    assert r == {"MAC": PEER.replace(":", ""), "Error": 0, "PID": "0000", "Slot": 1,
                 "MI32Cfg": "saved"}, r
    p.wait_for(r"^passkey-asked$", 5, stream="out")
    m.wait_for(r"gave its IRK", 5, stream="err")
    with open(cfg) as f:
        (e,) = [x for x in json.load(f) if x["MAC"] == PEER.replace(":", "")]
    assert e["PID"] == "0000" and e["key"] == IRK_MSB.hex().upper(), e
    # MI32Info (the seed's BLE.info()) knows the phone by either address: met by its RPA,
    # its identity from the IRK, a bond made with a passkey (bluetoothd's Authenticated=)
    for who in (PEER, addr):
        (r, _) = m.command("MI32Info " + who)
        c = r["MI32Info"]["Connection"]
        assert c["MAC"] == addr.replace(":", "") and c["Identity"] == PEER.replace(":", "") \
            and c["Paired"] is True and c["Authenticated"] is True and c["IRK"] is True, r
    # bluetoothd forgets the bond, so only mi32 knows the IRK now; hci1 goes quiet and
    # advertises from an RPA the test makes (privacy off: the kernel leaves its address be)
    p.stop()
    forget("hci0", PEER)
    set_privacy(0, bytes(16))
    addr = rpa(IRK_MSB, bytes([0x5A, 0x12, 0x34]))
    start = m.mark()
    ad = bytes.fromhex("020106") + bytes([6, 0x09]) + b"phone"
    env.adv.advertise(addr, ad)
    rs.wait_until("the RPA resolved to the phone", lambda: m.sensors(start).get(
        PEER.replace(":", ""), {}).get("Payload") == ad.hex().upper(), 30)
