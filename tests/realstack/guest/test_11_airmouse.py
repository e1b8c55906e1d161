# SPDX-License-Identifier: MIT
"""11. The seed's air-mouse controller (examples/scripts/air_mouse.lua) through the real
bluetoothd: a BPR2S-like HID remote on hci1 (airmouse_peer.py: service 1812, HID
information, report map, three report characteristics) and mi32 on hci0 running the shipped
script (only its REMOTE line points at hci1). The script reads the HID characteristics,
subscribes to the reports, and key presses and pointer moves on the remote come out as its
MQTT messages on the guest's mosquitto; a key release publishes nothing; when the remote
drops the link the script connects and subscribes again by itself.

bluetoothd runs without its HID plugin here (-P hog), as README says for HID remotes: with
it, bluetoothd claims the HID service of every remote it connects to (it would be a Linux
input device) and does not show it on D-Bus, so no script could read it."""
import json
import os
import subprocess

import pytest

import rs
import test_8_gatt as g8
from test_11_govee import example_for

HERE = os.path.dirname(os.path.abspath(__file__))
REMOTE = os.path.join(HERE, "airmouse_peer.py")
EXAMPLE = os.path.join(HERE, "..", "..", "..", "examples", "scripts", "air_mouse.lua")
TOPIC = "tele/BPR2S"
INIT = r"script air_mouse.lua: BLE: init completed for BPR2S"


@pytest.fixture
def no_hog(env):
    """bluetoothd without its HID plugin for this test; the usual one again after it"""
    env.stack.btd.stop()
    env.stack.start_bluetoothd("-P", "hog")
    yield
    env.stack.btd.stop()
    env.stack.start_bluetoothd()


def press(remote, broker, report, value, want):
    """@value on the remote's @report; the script's next message is @want (None: none is
    checked here)"""
    n = len(broker.messages(TOPIC))
    g8.tell(remote, "press %s %s" % (report, value))
    if want is not None:
        assert json.loads(broker.wait(TOPIC, n + 1, 20)[n]) == want, value


def test_air_mouse(env, no_hog):
    broker = rs.Broker(env, [TOPIC])
    remote = rs.Proc("airmouse_peer", ["/usr/bin/python3", REMOTE], env.logdir,
                     stdin=subprocess.PIPE)
    env.procs.append(remote)
    remote.wait_for(r"^ready$", 60, stream="out")
    script = example_for(env, EXAMPLE, r"^local REMOTE = .*$",
                         'local REMOTE = { mac = "%s", type = 0 }' % g8.PEER.replace(":", ""))
    m = env.mi32("--hci", "hci0", "--web-port", "0", "--gatt-timeout", str(g8.GATT_TIMEOUT),
                 *broker.args("mi32rs"), "--script", script)
    # the script connects by itself: three reads, then the three reports subscribed
    m.wait_for(INIT, 120, stream="err")
    for _ in range(3):
        remote.wait_for(r"^notify-on 00002a4d", 10, start=getattr(remote, "at", 0),
                        stream="out")
    press(remote, broker, "keys", "0000520000000000", {"key": "up"})
    press(remote, broker, "keys", "0000000000000000", None)  # the release
    press(remote, broker, "consumer", "e900", {"key": "plus"})
    press(remote, broker, "consumer", "3000", {"key": "on"})
    # x = -256, y = +384 (12 bits each from bit 4): the pointer from 128 by -2 and +3
    press(remote, broker, "mouse", "00f08001", {"mouse": {"x": 126, "y": 131}})
    press(remote, broker, "keys", "0000500000000000", {"key": "left"})
    assert len(broker.messages(TOPIC)) == 5, broker.messages(TOPIC)  # none for the release

    # the remote drops the link: the script connects and subscribes again
    start = m.mark()
    g8.tell(remote, "drop " + g8.CENTRAL)
    m.wait_for(r"BLE: did disconnect BPR2S", 30, start=start, stream="err")
    m.wait_for(INIT, 120, start=start, stream="err")
    press(remote, broker, "keys", "0000510000000000", {"key": "down"})
