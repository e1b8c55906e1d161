# SPDX-License-Identifier: MIT
"""11. The seed's IRK grabber (examples/scripts/irk_grabber.lua) on the real bluetoothd: a
mi32 on hci1 runs the script, a heart-rate server; hci0 plays the phone, with privacy (an
IRK of the test's choosing, set with the management command Set Privacy), so it connects
from a resolvable private address, and bluetoothd on hci0 pairs with the server (the phone's
own Device1.Pair, as a phone does when a read needs it; one bluetoothd serves both adapters,
so one agent types the same passkey on both sides: an authenticated bond). The script's
BLE.info() then gives hci0's identity address, IRK and that the bond is authenticated;
MI32Irk keeps them and writes the mi32cfg file. Both sides forget the bond (so neither
kernel resolves the address for mi32), hci0 advertises from another RPA made from that IRK
by the test, and a mi32 scanning hci1 with the saved file reports it as the phone's
identity."""
import json
import os
import subprocess

import dbus

import rs
from test_9_gatt_server import DEMO, HCI1_ADDR, Client
from test_9_pair import rpa, set_privacy

AGENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pair_agent.py")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                      "examples", "scripts", "irk_grabber.lua")
PHONE = "00:AA:01:00:00:00"  # hci0's identity
IRK_MSB = bytes.fromhex("0F1E2D3C4B5A69788796A5B4C3D2E1F0")
HEART_RATE = "0000180d-0000-1000-8000-00805f9b34fb"


def bondable(index):
    m = rs.Mgmt()
    try:
        st, _ = m.cmd(0x0009, index, b"\x01")  # Set Bondable
        assert st == 0, f"Set Bondable: status {st}"
    finally:
        m.close()


def test_irk_grabber_learns_the_phone(env):
    rs.forget("hci0", HCI1_ADDR)
    rs.forget("hci1", PHONE)
    set_privacy(1, IRK_MSB, index=0)
    adv = rs.Advertiser(0)
    try:
        run(env, adv)
    finally:
        try:
            adv.stop()
        except Exception:  # noqa: BLE001 - it may never have advertised
            pass
        adv.close()
        set_privacy(0, bytes(16), index=0)
        rs.forget("hci0", HCI1_ADDR)
        rs.forget("hci1", PHONE)


def run(env, adv):
    bondable(1)
    agent = rs.Proc("pair_agent", ["/usr/bin/python3", AGENT, "246810"], env.logdir,
                    stdin=subprocess.PIPE)
    env.procs.append(agent)
    agent.wait_for(r"^ready$", 60, stream="out")
    cfg = os.path.join(env.logdir, "mi32cfg")
    m = env.mi32("--replay", DEMO, "--fast", "--hci", "hci1", "--dbus-address",
                 "unix:path=/run/dbus/system_bus_socket", "--web-port", "0", "--mi32cfg", cfg,
                 "--script", SCRIPT, name="mi32-server", console=True)
    m.wait_for(r"advertising on /org/bluez/hci1 \(connectable", 60)
    c = Client()
    try:
        c.discover()
        dev, _ = rs.wait_until("the heart-rate server in the discovery on hci0",
                               lambda: c.device(lambda d: HEART_RATE in
                                                [str(u) for u in d.get("UUIDs", [])]),
                               60, step=0.5)
        c.stop()
        d = dbus.Interface(c.bus.get_object("org.bluez", dev), "org.bluez.Device1")
        mark = m.mark()
        d.Connect(timeout=60 * rs.SLOW)
        # 227: the phone's address as the server sees it, a resolvable private one
        mt = m.wait_for(r"MAC: ([0-9A-F]{12})", 30, start=mark, stream="err")
        met = bytes.fromhex(mt.group(1))[::-1]
        assert met[0] & 0xC0 == 0x40, f"hci0 connected from {mt.group(1)}, not an RPA"
        d.Pair(timeout=60 * rs.SLOW)
        agent.wait_for(r"^passkey-asked$", 5, stream="out")
        m.wait_for(r"Authenticated: true", 30, start=mark, stream="err")
        m.wait_for(r"Saved 00AA01000000 in slot \d+, mi32cfg saved", 30, start=mark,
                   stream="err")
        try:
            d.Disconnect()
        except dbus.DBusException:
            pass
    finally:
        c.stop()
    with open(cfg) as f:
        (e,) = [x for x in json.load(f) if x["MAC"] == PHONE.replace(":", "")]
    assert e["PID"] == "0000" and e["key"] == IRK_MSB.hex().upper(), e
    m.stop()
    # neither bluetoothd keeps the bond; hci0 stops being private and advertises from an
    # RPA of its IRK made here; a mi32 scanning hci1 with the saved list resolves it
    rs.forget("hci0", HCI1_ADDR)
    rs.forget("hci1", PHONE)
    set_privacy(0, bytes(16), index=0)
    tracker = env.mi32("--hci", "hci1", "--web-port", "0", "--mi32cfg", cfg, name="tracker")
    tracker.wait_for(r"listening on hci1 \(kernel management socket, passive", 30)
    addr = rpa(IRK_MSB, bytes([0x4B, 0x12, 0x34]))
    ad = bytes.fromhex("020106") + bytes([6, 0x09]) + b"phone"
    start = tracker.mark()
    adv.advertise(addr, ad)

    def seen():
        if tracker.sensors(start).get(PHONE.replace(":", ""), {}).get("Payload") == \
                ad.hex().upper():
            return True
        adv.rearm()  # btvirt reports an advert when it is enabled
        return False
    rs.wait_until("hci0's RPA %s resolved to the phone by the grabbed IRK" % addr, seen, 30,
                  step=1)
