# SPDX-License-Identifier: MIT
"""2. The opt-in HCI sources against the same controllers: --hci-raw beside bluetoothd,
--hci-user refused with a clear sentence while bluetoothd holds the adapter, and --hci-user
on the adapter once it is powered down."""
import rs

FRAME = "theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2"


def decode_one(env, m):
    v = rs.vector(FRAME)
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, rearm=env.adv.rearm)


def test_hci_raw_beside_bluetoothd(env):
    m = env.mi32("--hci", "hci0", "--hci-raw", "--option3", "1", "--web-port", "0")
    m.wait_for(r"listening on hci0 \(raw HCI, passive", 30)
    env.btmon.wait_for(r"Scanning: Enabled", 30)
    decode_one(env, m)
    assert env.stack.btd.alive()


def test_hci_user_refused_while_bluetoothd_holds_the_adapter(env):
    assert rs.powered(0)
    m = env.mi32("--hci", "hci0", "--hci-user", "--web-port", "0")
    assert m.wait_exit(30) != 0
    m.wait_for(r"hci0 is in use: the user channel needs it down and unclaimed "
               r"\(stop bluetoothd, or btmgmt --index 0 power off\)", 5, stream="err")
    assert rs.powered(0), "the refused mi32 changed the adapter"


def test_hci_user_on_a_powered_down_adapter(env):
    mg = rs.Mgmt()
    assert mg.set_powered(0, False) == 0
    mg.close()
    m = env.mi32("--hci", "hci0", "--hci-user", "--option3", "1", "--web-port", "0")
    m.wait_for(r"listening on hci0 \(HCI user channel, passive", 30)
    # the user channel takes hci0 away from the management interface (and bluetoothd)
    rs.wait_until("hci0 gone from mgmt", lambda: 0 not in rs.controllers(), 20)
    decode_one(env, m)
    m.stop()
    rs.wait_until("hci0 back in mgmt", lambda: 0 in rs.controllers(), 30)
