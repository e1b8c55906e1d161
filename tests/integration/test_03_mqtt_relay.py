# SPDX-License-Identifier: MIT
"""Raw relaying for central decoding: two nodes hear the same fleet and publish every advert
on tele/<node>/BLE (--mqtt-raw-out); a central node without a radio of its own consumes
tele/+/BLE (--mqtt-raw-in), decodes with the keys it holds, and reports each sensor once:
one sensor, the RSSI of both nodes, no duplicate events."""
import json
import struct

from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online

BTSNOOP_EPOCH = 0x00DCDDB30F2F8000  # µs from year 0 to 1970 (btsnoop timestamps)


def idle_capture(path):
    """A btsnoop (H4) with one unrelated advert now and one an hour later: a radio that
    stays quiet, so the central decodes only what it is relayed."""
    adv = bytes.fromhex("043e0f0201000021933534 2d58 0302 0106 c4".replace(" ", ""))
    with open(path, "wb") as f:
        f.write(b"btsnoop\0" + struct.pack(">II", 1, 1002))
        for t in (1_700_000_000, 1_700_003_600):
            f.write(struct.pack(">IIIIq", len(adv), len(adv), 3, 0,
                                t * 1_000_000 + BTSNOOP_EPOCH) + adv)


def events(msgs):
    """The momentary events in SENSOR messages, in order: (sensor, key, value)."""
    out = []
    for m in msgs:
        for k, v in json.loads(m).items():
            if isinstance(v, dict):
                out += [(k, e, v[e]) for e in v
                        if e.startswith("Button") or e in ("Dimmer", "Hold", "Motion")]
    return out


def test_two_nodes_one_central(mi32_bin, demo, broker, tmp_path):
    idle = tmp_path / "idle.btsnoop"
    idle_capture(idle)
    sub = Sub(broker, ["tele/#", "stat/#"])
    central = start_node(mi32_bin, broker, tmp_path, "central", "--replay", str(idle),
                         "--mi32cfg", str(demo["mi32cfg"]), "--teleperiod", "0",
                         "--mqtt-raw-in", "tele/+/BLE")
    nodes = []
    try:
        wait_online(sub, "central")
        for name in ("nodeA", "nodeB"):
            nodes.append(start_node(mi32_bin, broker, tmp_path, name, "--replay",
                                    str(demo["capture"]), "--mi32cfg", str(demo["mi32cfg"]),
                                    "--teleperiod", "0", "--mqtt-raw-out"))
        for name in ("nodeA", "nodeB"):
            wait_online(sub, name)
        # a while of the fleet: a few button presses and knob turns among the readings
        sub.wait(lambda ms: len(events(p for t, p, _ in ms if t == "tele/nodeA/SENSOR")) >= 3,
                 25)
        for n in nodes:
            stop(n)
        st = command(sub, "central", "State")
        mq = st["MQTT"]
        ble = sub.payloads("tele/nodeA/BLE")
        assert ble, "node A relayed nothing"
        adv = json.loads(ble[0])
        assert set(adv) == {"Node", "MAC", "AddrType", "RSSI", "Evt", "Time", "AD"}
        assert adv["Node"] == "nodeA"
        # every relayed advert came in twice, and was decoded once
        assert mq["RawIn"] >= 2 * len(ble) - 20 and mq["RawDupes"] > 0
        assert mq["RawBad"] == 0
        # one sensor, the RSSI at both nodes
        assert set(mq["Nodes"]) == {"nodeA", "nodeB"}
        common = set(mq["Nodes"]["nodeA"]) & set(mq["Nodes"]["nodeB"])
        assert len(common) >= 10
        assert st["MI32"]["Sensors"] == 20
        # the central's events are the events one node saw: none twice
        central_ev = events(sub.payloads("tele/central/SENSOR"))
        node_ev = events(sub.payloads("tele/nodeA/SENSOR"))
        assert central_ev, "the central decoded no events"
        assert central_ev == node_ev[:len(central_ev)]
        assert len(central_ev) >= len(node_ev) - 1
    finally:
        for n in nodes:
            stop(n)
        stop(central)
        sub.close()
