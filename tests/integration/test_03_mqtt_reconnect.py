# SPDX-License-Identifier: MIT
"""The broker goes away for 10 s and comes back on the same port: the node keeps decoding
(its --json lines go on), queues the SENSOR messages of the outage (bounded: the oldest
dropped and counted in State's "MQTT":{"Dropped"}), reconnects by itself and delivers the
queue in order before anything newer."""
import json
import time

from conftest import free_port, start_broker
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online


def test_broker_restart(mi32_bin, demo, tmp_path):
    port = free_port()
    b = start_broker(tmp_path, port)
    out = open(tmp_path / "node.jsonl", "w")
    p = start_node(mi32_bin, b, tmp_path, "rc1", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(demo["mi32cfg"]), "--json", "--teleperiod", "0",
                   "--option2", "1", "--mqtt-queue", "5", stdout=out)
    sub = Sub(b, ["tele/rc1/#", "stat/rc1/#"])
    try:
        wait_online(sub, "rc1")
        sub.wait_topic("tele/rc1/SENSOR", 3)
        b.stop()
        sub.close()
        down = time.monotonic()
        time.sleep(10)
        b = start_broker(tmp_path, port)
        sub = Sub(b, ["tele/rc1/#", "stat/rc1/#"])
        wait_online(sub, "rc1", timeout=15)
        back = time.monotonic() - down
        got_after = sub.wait_topic("tele/rc1/SENSOR", 6)
        st = command(sub, "rc1", "State")["MQTT"]
        assert st["Connects"] == 2 and st["Connected"] == 1
        assert st["Dropped"] > 0, st
        assert back < 25
    finally:
        stop(p)
        sub.close()
        b.stop()
        out.close()
    lines = (tmp_path / "node.jsonl").read_text().splitlines()
    # the radio never waited: decoding went on through the outage
    times = [json.loads(x)["Time"] for x in lines]
    assert times == sorted(times)
    # after the reconnect: the newest 5 of the outage (the queue's bound), then live ones,
    # exactly as the node produced them and in its order
    first = lines.index(got_after[0])
    assert lines[first:first + len(got_after)] == got_after
    # what went missing is the oldest part of the outage, as counted
    assert first >= st["Dropped"]
