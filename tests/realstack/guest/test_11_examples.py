# SPDX-License-Identifier: MIT
"""11. Two of the seed's examples on the real stack, which test_10_scripts runs without a
radio: the advertisement listener (examples/scripts/adv_listener.lua: adv_cb + adv_watch on
real adverts from hci1, published on the guest's mosquitto) and the removed MI32 commands
(examples/scripts/mi32_commands.lua, as shipped: MI32Bat, MI32Time, MI32Unit through BLE
against gatt_peer.py on hci1 playing a LYWSD02, a Flora, a CGD1 and a LYWSD03's T/H
notification), called with `Script @mi32_commands.lua …` on mi32's console."""
import json
import os
import re
import time

import rs
import test_8_gatt as g8
from test_11_govee import example_for

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "..", "examples", "scripts")
PEER12 = g8.PEER.replace(":", "")
TOPIC = "mi32rs"
ADV = "tele/%s/ADV" % TOPIC
# what hci1 sends from its own public address: flags, service data of UUID 0x1234 and
# manufacturer data of company 0x0D0C
WATCHED_AD = bytes.fromhex("020106" "0516341201a0" "05ff0c0dbeef")


def test_adv_listener(env):
    broker = rs.Broker(env, [ADV])
    script = example_for(env, os.path.join(EXAMPLES, "adv_listener.lua"), r"^local WATCH = .*$",
                         'local WATCH = "%s"' % PEER12)
    m = env.mi32("--hci", "hci0", "--web-port", "0", *broker.args(TOPIC), "--script", script)
    # an advert of another device: mi32 decodes it, the watching script never sees it
    v = rs.vector("theengs:LYWSD03MMC_PVVX:5601cf38c1a44008bd13470c64cc0f")
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, rearm=env.adv.rearm)
    # the watched device (hci1's public address, type 0): its advert goes out on ADV
    env.adv.advertise(None, WATCHED_AD)
    end = rs.deadline(40)
    while not broker.messages(ADV):
        assert time.monotonic() < end, "no ADV message"
        broker.sub.wait_for(ADV, 4, start=broker.sub.mark(), quiet=True)
        env.adv.rearm()  # btvirt reports an advert when advertising is enabled
    msgs = [json.loads(p) for p in broker.messages(ADV)]
    assert all(x["MAC"] == PEER12 for x in msgs), msgs
    a = msgs[0]
    assert a["Type"] == 0 and a["Payload"] == WATCHED_AD.hex().upper(), a
    assert a["ServiceData"] == "341201A0" and a["Manufacturer"] == "0C0DBEEF", a
    assert isinstance(a["RSSI"], int) and -128 <= a["RSSI"] <= 127, a
    log = m.text(stream="err")
    # the seed's layout: MAC, type, RSSI, length, the AD structures
    assert re.search(r"script adv_listener.lua: Full buffer:\t%s00[0-9A-F]{2}%02X%s\n" % (
        PEER12, len(WATCHED_AD), WATCHED_AD.hex().upper()), log + "\n"), log[-2000:]
    assert "script adv_listener.lua: service data:\t341201A0" in log
    assert "script adv_listener.lua: manufacturer data:\t0C0DBEEF" in log


def commands(env, pid, name):
    """mi32 with the peer in slot 0 as a device of @pid, running mi32_commands.lua"""
    cfg = os.path.join(env.logdir, name + ".mi32cfg")
    with open(cfg, "w") as f:
        json.dump([{"MAC": PEER12, "PID": pid, "key": ""}], f)
    m = env.mi32("--hci", "hci0", "--web-port", "0", "--mi32cfg", cfg, "--gatt-timeout",
                 str(g8.GATT_TIMEOUT), "--script", os.path.join(EXAMPLES, "mi32_commands.lua"),
                 console=True, name=name)
    m.wait_for(r"bluetoothd is on the bus", 60, stream="err")
    return m


def script(env, m, lua):
    g8.advertising_again(env)
    reply, _ = m.command("Script @mi32_commands.lua " + lua)
    assert reply == {"Script": "Done"}, (lua, reply)


def stored(m, **want):
    """Wait until slot 0's SENSOR values carry @want (MI32.set_* publish at once)."""
    rs.wait_until(str(want), lambda: all(m.sensors().get(PEER12, {}).get(k) == v
                                         for k, v in want.items()), g8.GATT_TIMEOUT + 30)


def test_mi32_commands_lywsd02(env):
    p = g8.peer(env)
    m = commands(env, "045b", "mi32-lywsd02")
    r = m.command("Script @mi32_commands.lua MI32Bat(1)")[0]
    assert r == {"Script": "out of bounds"}, r
    script(env, m, "MI32Bat(0)")
    stored(m, Battery=57)
    t0 = int(time.time())
    script(env, m, "MI32Time(0)")
    w = p.wait_for(r"^write %s (\w+)" % g8.mi("B7").lower(), g8.GATT_TIMEOUT + 30,
                   stream="out")
    raw = bytes.fromhex(w.group(1))
    assert len(raw) == 5 and t0 <= int.from_bytes(raw[:4], "little") <= int(time.time()) + 1
    start = m.mark()
    script(env, m, "MI32Unit(0, 1)")
    p.wait_for(r"^write %s 01\b" % g8.mi("BE").lower(), g8.GATT_TIMEOUT + 30, stream="out")
    # the write's callback: the seed's print(cbuf)
    m.wait_for(r"script mi32_commands.lua: bytes\('", 30, start=start, stream="err")


def test_mi32_commands_battery(env):
    """The other branches of MI32Bat: Flora (1204/1A02), CGD1 (180F/2A19) and the LYWSD03's
    one-shot subscription, whose first notification carries T, H and the battery voltage."""
    p = g8.peer(env)
    for pid, name, want in (("0098", "flora", {"Battery": 99}),
                            ("0576", "cgd1", {"Battery": 75})):
        m = commands(env, pid, "mi32-" + name)
        script(env, m, "MI32Bat(0)")
        stored(m, **want)
        m.stop()
    m = commands(env, "055b", "mi32-lywsd03")
    start = p.mark()
    script(env, m, "MI32Bat(0)")
    p.wait_for(r"^notify-on %s" % g8.mi("C1").lower(), g8.GATT_TIMEOUT + 30, start=start,
               stream="out")
    # 21.5 °C, 48 %, 2940 mV: (2940 - 2100) // 12 = 70 %
    g8.tell(p, "notify %s 6608307c0b" % g8.mi("C1").lower())
    stored(m, Temperature=21.5, Humidity=48, Battery=70)

