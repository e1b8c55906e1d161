# SPDX-License-Identifier: MIT
"""3. The faults a user meets that mi32 handles today: an adapter that is powered off, a
bluetoothd restart under a running mi32, and no CAP_NET_ADMIN."""
import rs

FRAMES = ["theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2",
          "theengs:LYWSD03MMC_PVVX:5601cf38c1a44008bd13470c64cc0f"]


def decode(env, m, vid, start=0):
    v = rs.vector(vid)
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, start=start, rearm=env.adv.rearm)


def test_powered_off_adapter_is_powered_on(env):
    mg = rs.Mgmt()
    assert mg.set_powered(0, False) == 0
    assert not mg.powered(0)
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0")
    env.btmon.wait_for(r"Set Powered \(0x0005\)", 30)
    rs.wait_until("hci0 powered", lambda: mg.powered(0), 30)
    mg.close()
    decode(env, m, FRAMES[0])


def test_bluetoothd_restart_loses_nothing(env):
    m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", "0")
    decode(env, m, FRAMES[0])
    mark = env.btmon.mark()
    # bluetoothd powers its adapters down when it stops and up when it starts
    env.stack.btd.stop()
    env.stack.start_bluetoothd()
    # the kernel still has mi32's monitor: passive scanning at mi32's duty cycle again
    env.btmon.wait_for(r"Type: Passive", 60, start=mark)
    decode(env, m, FRAMES[1], start=m.mark())
    assert m.alive()


def test_no_cap_net_admin_says_so(env):
    m = env.mi32("--hci", "hci0", "--web-port", "0", user=65534)
    assert m.wait_exit(30) != 0
    m.wait_for(r"needs CAP_NET_ADMIN: run as root or setcap cap_net_admin,cap_net_raw\+eip",
               5, stream="err")
