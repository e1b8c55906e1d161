# SPDX-License-Identifier: MIT
"""11. The seed's IRK grabber (examples/scripts/irk_grabber.lua) on the real bluetoothd: a
mi32 on hci1 runs the script, a heart-rate server; hci0 plays the phone, with privacy (an
IRK of the test's choosing, set with the management command Set Privacy), so it connects
from a resolvable private address, and bluetoothd on hci0 pairs with the server (the phone's
own Device1.Pair, as a phone does when a read needs it; one bluetoothd serves both adapters,
and an agent on each side types the same passkey: an authenticated bond). The script's
BLE.info() then gives hci0's identity address, IRK and that the bond is authenticated;
MI32Irk keeps them and writes the mi32cfg file. Both sides forget the bond (so neither
kernel resolves the address for mi32), an RPA made from that IRK by the test is advertised
(from hci1, as in every passive test) and a mi32 scanning hci0 with the saved file reports
it as the phone's identity."""
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
    try:
        run(env)
    finally:
        set_privacy(0, bytes(16), index=0)
        rs.forget("hci0", HCI1_ADDR)
        rs.forget("hci1", PHONE)


def run(env):
    bondable(1)
    # one agent per side: the server's (bluetoothd's default) and the phone's, which pairs
    agents = []
    for name, extra in (("agent-server", ["--default"]), ("agent-phone", [])):
        a = rs.Proc(name, ["/usr/bin/python3", AGENT, "246810", *extra], env.logdir,
                    stdin=subprocess.PIPE)
        env.procs.append(a)
        a.wait_for(r"^ready$", 60, stream="out")
        agents.append(a)
    phone = agents[1]
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
        phone.send("pair " + dev)
        # the server's side is what counts (the phone's Pair reply came late in one run)
        for a in agents:
            a.wait_for(r"^passkey-asked$", 60, stream="out")
        # SMP with two agents typing a passkey: seconds unloaded, more on a loaded TCG guest
        m.wait_for(r"Authenticated: true", 60, start=mark, stream="err")
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
    # neither bluetoothd keeps the bond (so no kernel resolves the address for mi32), and an
    # RPA of the phone's IRK, made here, comes from the advertiser every passive test uses
    # (hci1; hci0 cannot take a random address while earlier tests' scans run there): a
    # mi32 scanning hci0 with the saved list reports it as the phone's identity
    rs.forget("hci0", HCI1_ADDR)
    rs.forget("hci1", PHONE)
    set_privacy(0, bytes(16), index=0)
    tracker = env.mi32("--hci", "hci0", "--web-port", "0", "--mi32cfg", cfg, name="tracker")
    tracker.wait_for(r"listening on hci0 \(kernel management socket, passive", 30)
    addr = rpa(IRK_MSB, bytes([0x4B, 0x12, 0x34]))
    ad = bytes.fromhex("020106") + bytes([6, 0x09]) + b"phone"
    start = tracker.mark()
    env.adv.advertise(addr, ad)

    def seen():
        if tracker.sensors(start).get(PHONE.replace(":", ""), {}).get("Payload") == \
                ad.hex().upper():
            return True
        env.adv.rearm()  # btvirt reports an advert when it is enabled
        return False
    rs.wait_until("the RPA %s resolved to the phone by the grabbed IRK" % addr, seen, 30,
                  step=1)
    # the tracker powers hci0 on again when it sees it powered off (mgmt.c): stopped before
    # the clean-up's set_privacy powers hci0 off, or the two race (Set Powered: 0x0a Busy)
    tracker.stop()
