# SPDX-License-Identifier: MIT
"""11. The seed's broadcaster examples on the real bluetoothd (issue 13 #7): a mi32 on hci1
runs examples/scripts/bthome_broadcaster.lua (re-broadcasting a thermometer of the demo
fleet it replays as a BTHome v2 sensor) and a second mi32 scanning hci0 decodes those values;
then it runs examples/scripts/ibeacon_broadcaster.lua and bluetoothd on hci0 sees Apple's
iBeacon data, also after the script's beacon(major, minor) changed it. The server replays
the demo capture instead of scanning hci1 (a broadcast uses a fresh random address, which a
scanning controller refuses: test_9_gatt_server.server)."""
import os

import rs
from test_9_gatt_server import DEMO, Client

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                       "examples", "scripts")
IBEACON_UUID = "fda50693a4e24fb1afcfc6eb07647825"


def script_server(env, name):
    m = env.mi32("--replay", DEMO, "--fast", "--hci", "hci1", "--dbus-address",
                 "unix:path=/run/dbus/system_bus_socket", "--web-port", "0",
                 "--script", os.path.join(SCRIPTS, name), name="mi32-server", console=True)
    m.wait_for(r"bluez: bluetoothd is on the bus", 30)
    return m


def first_thermometer(m):
    """The reading the BTHome script broadcasts: the first key (sorted) of Status 8 with
    both values, as the script picks it."""
    (r, _) = m.command("Status 8", key="StatusSNS")
    sns = r["StatusSNS"]
    keys = sorted(k for k, v in sns.items()
                  if isinstance(v, dict) and "Temperature" in v and "Humidity" in v)
    return (sns[keys[0]]["Temperature"], sns[keys[0]]["Humidity"]) if keys else None


def test_bthome_broadcaster_script_decoded_on_hci0(env):
    listener = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0",
                        name="mi32-listener")
    listener.wait_for(r"listening on hci0 \(kernel management socket, passive", 30)
    m = script_server(env, "bthome_broadcaster.lua")
    want = rs.wait_until("the demo's thermometers in the server's list",
                         lambda: first_thermometer(m), 30)
    # the script advertises every 10 s, each a new registration: btvirt reports each once
    m.wait_for(r"gatt server: advertising on /org/bluez/hci1 \(broadcast", 30)

    def decoded():
        now = first_thermometer(m)
        for mac, vals in listener.sensors().items():
            if vals.get("Temperature") is not None and \
                    (vals.get("Temperature"), vals.get("Humidity")) == now:
                # the broadcaster's address is bluetoothd's non-resolvable random one
                assert mac != "00AA01010001"
                return mac, vals
        return None

    mac, vals = rs.wait_until("mi32 on hci0 decoding the script's BTHome broadcast %r" %
                              (want,), decoded, 90, step=0.5)
    assert vals["Temperature"] == first_thermometer(m)[0], vals


def test_ibeacon_broadcaster_script_seen_by_bluez_on_hci0(env):
    m = script_server(env, "ibeacon_broadcaster.lua")
    c = Client()
    try:
        c.discover()

        def beacon(major, minor):
            data = "0215" + IBEACON_UUID + "%04x%04x" % (major, minor) + "c5"

            def seen():
                d = c.device(lambda d: bytes(d.get("ManufacturerData", {}).get(0x004C, b""))
                             .hex() == data)
                if d is None:  # a new registration makes btvirt report it again
                    (r, _) = m.command("Script @ibeacon_broadcaster.lua beacon(%d, %d)" %
                                       (major, minor))
                    assert r == {"Script": "Done"}, r
                return d
            return rs.wait_until("the iBeacon %d/%d in bluetoothd's discovery on hci0" %
                                 (major, minor), seen, 60, step=1)

        m.wait_for(r"gatt server: advertising on /org/bluez/hci1 \(broadcast", 30)
        beacon(1, 2)
        beacon(513, 65535)
    finally:
        c.stop()
