# SPDX-License-Identifier: MIT
"""1. Passive scanning through the kernel's management socket beside a running bluetoothd:
hci1 advertises Xiaomi (plain and encrypted), ATC, pvvx and BTHome (plain and encrypted)
frames taken from ../shared/vectors, and `mi32 run --hci hci0 --json` decodes each with the
published values; the advertisement monitor and the scan duty cycle are the ones mi32
asked for; active scanning (MI32Option4 1) works too."""
import json
import os

import rs

# (vector id, PID of its mi32cfg entry when it needs a key)
FRAMES = [
    ("xiaomi-ble:test_Xiaomi_LYWSDCGQ", None),
    ("xiaomi-ble:test_Xiaomi_LYWSD03MMC_encrypted", "mibeacon"),
    ("theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2", None),
    ("theengs:LYWSD03MMC_PVVX:5601cf38c1a44008bd13470c64cc0f", None),
    ("bthome-ble:test_bthome_temperature_humidity", None),
    ("bthome-ble:test_bindkey_correct", "bthome"),
]


def frames():
    out = []
    for vid, keyed in FRAMES:
        # BTHome vectors of the same name exist for v1 and v2: the v2 one
        v = rs.vector(vid, **({"format": "bthome_v2"} if vid.startswith("bthome") else {}))
        out.append((v, keyed))
    return out


def write_mi32cfg(logdir, fr):
    cfg = []
    for v, keyed in fr:
        if keyed == "mibeacon":
            cfg.append(rs.mi32cfg_entry(v, rs.mibeacon_pid(v)))
        elif keyed == "bthome":
            cfg.append(rs.mi32cfg_entry(v, 0xB770))
    path = os.path.join(logdir, "mi32cfg")
    with open(path, "w") as f:
        json.dump(cfg, f)
    return path


def passive_scan_at_full_duty(btmon, start=0):
    btmon.wait_for(r"Type: Passive", 30, start=start)
    interval = btmon.wait_for(r"Interval: .*", 10, start=btmon.at).group(0)
    window = btmon.wait_for(r"Window: .*", 10, start=btmon.at).group(0)
    assert (interval, window) == ("Interval: 60.000 msec (0x0060)",
                                  "Window: 60.000 msec (0x0060)")


def decode_all(env, m, fr):
    for v, _ in fr:
        env.adv.advertise(v["mac"], rs.ad_of(v))
        m.wait_decoded(v, 40, rearm=env.adv.rearm)


def test_passive_scan_beside_bluetoothd(env):
    fr = frames()
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0",
                 "--mi32cfg", write_mi32cfg(env.logdir, fr))
    m.wait_for(r"listening on hci0 \(kernel management socket, passive", 30)
    # the monitor mi32 asked for (mgmt 0x0052) and the kernel's passive scan it causes,
    # at the 100 % duty cycle mi32 set (btmon cuts its header lines at 80 columns)
    env.btmon.wait_for(r"Add Advertisement Patterns Monitor \(0x0052\)", 30)
    passive_scan_at_full_duty(env.btmon)
    decode_all(env, m, fr)
    assert env.stack.btd.alive(), "bluetoothd died"


def test_active_scan_option4(env):
    """MI32Option4 1: kernel discovery (mgmt Start Discovery), an active LE scan."""
    fr = frames()[:1]
    m = env.mi32("--hci", "hci0", "--option3", "1", "--option4", "1", "--web-port", "0")
    m.wait_for(r"listening on hci0 \(kernel management socket, active", 30)
    env.btmon.wait_for(r"Start Discovery \(0x0023\)", 30)
    env.btmon.wait_for(r"Status: Success", 10, start=env.btmon.at)
    env.btmon.wait_for(r"Type: Active", 30)
    decode_all(env, m, fr)
