# SPDX-License-Identifier: MIT
"""6. The radio faults a user meets that take the radio away: an rfkill block (the kernel
refuses Set Powered with Failed, so mi32 reads the block itself and names the fix) and
the controller that disappears (btvirt killed) and comes back. Each time mi32 says the
radio is down and why, where users look (its log, STATE over MQTT, /metrics, /api/node),
stays up, and scans again by itself once the fault is gone."""
import glob
import json
import os

import rs

FRAMES = ["theengs:Qingping round sensor ATC441:582d341233dc00e03e490b2",
          "theengs:LYWSD03MMC_PVVX:5601cf38c1a44008bd13470c64cc0f"]
TOPIC = "mi32rs"


def decode(env, m, vid, start=0):
    v = rs.vector(vid)
    env.adv.advertise(v["mac"], rs.ad_of(v))
    m.wait_decoded(v, 40, start=start, rearm=env.adv.rearm)


class Watch:
    """mi32 with a broker and its web page, and a subscriber to its STATE."""

    def __init__(self, env):
        self.env = env
        port, self.web = rs.free_port(), rs.free_port()
        broker = rs.Proc("mosquitto", ["mosquitto", "-p", port], env.logdir)
        env.procs.append(broker)
        broker.wait_for(r"running", 20)
        self.sub = rs.Proc("state", ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1",
                                     "-p", port, "-t", f"tele/{TOPIC}/STATE"], env.logdir)
        env.procs.append(self.sub)
        broker.wait_for(r"New client connected", 20)
        self.m = env.mi32("--hci", "hci0", "--option3", "1", "--web-port", self.web,
                          "--mqtt-host", "127.0.0.1", "--mqtt-port", port, "--topic", TOPIC)

    def state(self, radio, timeout, start=0):
        """The MI32 object of the first STATE after line @start whose Radio is @radio."""
        m = self.sub.wait_for(r'"Radio":"' + radio + '"', timeout, start=start)
        return json.loads(m.string)["MI32"]

    def metric_up(self):
        for line in rs.http_get(self.web, "/metrics").splitlines():
            if line.startswith('mi32_radio_up{adapter="hci0"}'):
                return int(line.split()[-1])
        raise AssertionError("/metrics has no mi32_radio_up for hci0")

    def node_radio(self):
        return json.loads(rs.http_get(self.web, "/api/node"))["radio"]

    def down(self, reason, timeout, start=0):
        """Down, with @reason, in STATE, /metrics and /api/node."""
        st = self.state("down", timeout, start)
        assert st["RadioReason"].startswith(reason), st
        assert self.metric_up() == 0
        node = self.node_radio()
        assert node["state"] == "down" and node["reason"].startswith(reason), node

    def scanning(self, timeout, start=0):
        st = self.state("scanning", timeout, start)
        assert "RadioReason" not in st, st
        rs.wait_until("mi32_radio_up 1", lambda: self.metric_up() == 1, 10)
        assert self.node_radio()["state"] == "scanning"


def rfkill_id(index):
    """The number of hciN's own rfkill switch (to block hci0 and leave hci1 advertising)."""
    sw = glob.glob(f"/sys/class/bluetooth/hci{index}/rfkill*")
    assert sw, f"hci{index} has no rfkill switch"
    return os.path.basename(sw[0])[len("rfkill"):]


def hci1_powered():
    # bluetoothd powers an adapter that comes back (AutoEnable) or is unblocked
    rs.wait_until("hci1 powered", lambda: rs.powered(1), 30)


def test_radio_fault_rfkill_block_names_the_fix_and_unblock_resumes(env):
    w = Watch(env)
    m = w.m
    decode(env, m, FRAMES[0])
    mark, smark = m.mark(), w.sub.mark()
    sw = rfkill_id(0)
    rs.run("rfkill", "block", sw)
    m.wait_for(r"hci0: the radio is blocked by rfkill \(soft block\): rfkill unblock "
               r"bluetooth; trying again", 60, start=mark, stream="err")
    w.down("hci0: the radio is blocked by rfkill (soft block): rfkill unblock bluetooth",
           30, start=smark)
    assert m.alive()
    assert "scanning again" not in m.text("err", mark)
    mark, smark = m.mark(), w.sub.mark()
    rs.run("rfkill", "unblock", sw)
    m.wait_for(r"hci0: scanning again", 60, start=mark, stream="err")
    w.scanning(30, start=smark)
    hci1_powered()
    decode(env, m, FRAMES[1], start=mark)


def test_radio_fault_controller_gone_and_back(env):
    w = Watch(env)
    m = w.m
    decode(env, m, FRAMES[0])
    mark, smark = m.mark(), w.sub.mark()
    env.adv.close()  # its socket is bound to the hci1 that goes away
    env.stack.btvirt.stop()
    m.wait_for(r"hci0 was removed; waiting for it to come back", 60, start=mark, stream="err")
    w.down("Bluetooth adapter hci0 was removed", 30, start=smark)
    rs.wait_until("controllers gone", lambda: not rs.controllers(), 30)
    assert m.alive()
    mark, smark = m.mark(), w.sub.mark()
    env.stack.start_btvirt()
    m.wait_for(r"hci0: scanning again", 90, start=mark, stream="err")
    w.scanning(30, start=smark)
    hci1_powered()
    decode(env, m, FRAMES[1], start=mark)
    assert m.alive()
