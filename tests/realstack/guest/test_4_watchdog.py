# SPDX-License-Identifier: MIT
"""4. The scan watchdog: a scan that went silent (the controller's scan switched off behind
the kernel's back) is restarted, and adverts flow again."""
import rs

# two frames of one ATC sensor with different frame counters: a repeated counter is
# dropped as a duplicate, so the frame after the restart must be a new one
FRAMES = ["theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2c2e",
          "theengs:Qingping round sensor ATC441:582d341233dc00e13e4a0b353b"]


def test_watchdog_restarts_a_silent_scan(env):
    v, v2 = rs.vector(FRAMES[0]), rs.vector(FRAMES[1])
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0", "--scan-watchdog", "8")
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, rearm=env.adv.rearm)
    env.adv.stop()
    # LE Set Scan Enable: off, sent straight to the controller; the kernel still believes
    # it scans, so only the watchdog can notice
    hci0 = rs.Advertiser(0)
    mark = env.btmon.mark()
    assert hci0.cmd(0x200C, b"\x00\x00") == 0
    hci0.close()
    env.btmon.wait_for(r"Scanning: Disabled", 20, start=mark)
    silent = env.btmon.at
    mm = m.mark()
    m.wait_for(r"hci0: no advertisement for 8 s, restarting the scan", 40, start=mm)
    env.btmon.wait_for(r"Scanning: Enabled", 30, start=silent)
    env.adv.advertise(v2["mac"], rs.ad_of(v2))
    m.wait_decoded(v2, 40, start=mm, rearm=env.adv.rearm)
