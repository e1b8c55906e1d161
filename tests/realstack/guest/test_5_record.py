# SPDX-License-Identifier: MIT
"""5. --record on the real stack writes a btsnoop file that btmon -r and tshark read, with
the advertising data that came in."""
import os

import rs

FRAME = "xiaomi-ble:test_Xiaomi_LYWSDCGQ"


def test_record_gives_a_btsnoop_btmon_and_tshark_read(env):
    v = rs.vector(FRAME)
    path = os.path.join(env.logdir, "record.btsnoop")
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0", "--record", path)
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, rearm=env.adv.rearm)
    assert m.stop() == 0
    data = v["service_data"].lower()
    out = rs.run("btmon", "-r", path, "-T", timeout=60)
    assert "LE Advertising Report" in out or "LE Extended Advertising Report" in out, out[:800]
    assert data in out.replace(" ", "").lower(), f"{data} not in btmon -r output"
    out = rs.run("tshark", "-r", path, "-V", timeout=120)
    assert "Service Data" in out and v["mac"].lower() in out.lower(), out[:1500]
    hexdump = rs.run("tshark", "-r", path, "-x", timeout=120).lower()
    lines = "".join(l[6:53].replace(" ", "") for l in hexdump.splitlines())
    assert data in lines, f"{data} not in tshark's hex dump"
