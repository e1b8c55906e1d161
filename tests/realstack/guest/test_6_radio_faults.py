# SPDX-License-Identifier: MIT
"""6. The radio faults a user meets that take the radio away: an rfkill block (the kernel
refuses Set Powered with Failed, so mi32 reads the block itself and names the fix) and
the controller that disappears (btvirt killed) and comes back. Each time mi32 says the
radio is down and why, stays up, and scans again by itself once the fault is gone."""
import glob
import os

import rs

FRAMES = ["theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2",
          "theengs:LYWSD03MMC_PVVX:5601cf38c1a44008bd13470c64cc0f"]


def decode(env, m, vid, start=0):
    v = rs.vector(vid)
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, start=start, rearm=env.adv.rearm)


def rfkill_id(index):
    """The number of hciN's own rfkill switch (to block hci0 and leave hci1 advertising)."""
    sw = glob.glob(f"/sys/class/bluetooth/hci{index}/rfkill*")
    assert sw, f"hci{index} has no rfkill switch"
    return os.path.basename(sw[0])[len("rfkill"):]


def hci1_powered():
    # bluetoothd powers an adapter that comes back (AutoEnable) or is unblocked
    rs.wait_until("hci1 powered", lambda: rs.powered(1), 30)


def test_radio_fault_rfkill_block_names_the_fix_and_unblock_resumes(env):
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0")
    decode(env, m, FRAMES[0])
    mark = m.mark()
    sw = rfkill_id(0)
    rs.run("rfkill", "block", sw)
    m.wait_for(r"hci0: the radio is blocked by rfkill \(soft block\): rfkill unblock "
               r"bluetooth; trying again", 60, start=mark, stream="err")
    assert m.alive()
    assert "scanning again" not in m.text("err", mark)
    mark = m.mark()
    rs.run("rfkill", "unblock", sw)
    m.wait_for(r"hci0: scanning again", 60, start=mark, stream="err")
    hci1_powered()
    decode(env, m, FRAMES[1], start=mark)


def test_radio_fault_controller_gone_and_back(env):
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0")
    decode(env, m, FRAMES[0])
    mark = m.mark()
    env.adv.close()  # its socket is bound to the hci1 that goes away
    env.stack.btvirt.stop()
    m.wait_for(r"hci0 was removed; waiting for it to come back", 60, start=mark, stream="err")
    rs.wait_until("controllers gone", lambda: not rs.controllers(), 30)
    assert m.alive()
    mark = m.mark()
    env.stack.start_btvirt()
    m.wait_for(r"hci0: scanning again", 90, start=mark, stream="err")
    hci1_powered()
    decode(env, m, FRAMES[1], start=mark)
    assert m.alive()
