# SPDX-License-Identifier: MIT
"""A broker that stalls: mosquitto stopped with SIGSTOP, so the connection stays up but
nothing is read, while the node publishes a SENSOR message per advert (a --fast --loop
replay with MI32Option2 1). libmosquitto's buffer has no bound of its own; the node's does:
at most PENDING_MAX (mqtt_int.h) messages wait in it, the rest in the bounded queue, and
what overflows is dropped and counted (/metrics, State's "MQTT"). After SIGCONT the node
delivers again."""
import os
import re
import signal
import time
import urllib.request

from conftest import free_port, wait_port
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online

PENDING_MAX = 1000
BYPASS = 10  # State, replies and discovery are not held back by the bound


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
        text = r.read().decode()
    return {k: float(v) for k, v in re.findall(r"^(mi32_mqtt_\w+) (\S+)$", text, re.M)}


def await_metrics(port, pred, timeout):
    """Poll /metrics (an HTTP endpoint has no event to wait on) until @pred holds; every
    sample is also checked against the bound."""
    end, m = time.monotonic() + timeout, {}
    while time.monotonic() < end:
        m = metrics(port)
        assert m.get("mi32_mqtt_pending", 0) <= PENDING_MAX + BYPASS, m
        if pred(m):
            return m
        time.sleep(0.05)
    raise AssertionError(f"/metrics never got there: {m}")


def test_stalled_broker_is_bounded_and_counted(mi32_bin, demo, broker, tmp_path):
    web = free_port()
    sub = Sub(broker, ["tele/st1/#"])
    ctl = Sub(broker, ["stat/st1/#"])  # its own queue at the broker: replies are not crowded out
    p = start_node(mi32_bin, broker, tmp_path, "st1", "--replay", str(demo["capture"]),
                   "--fast", "--loop", "--mi32cfg", str(demo["mi32cfg"]), "--teleperiod", "0",
                   "--option2", "1", "--mqtt-queue", "100", "--web-port", str(web))
    stopped = False
    try:
        wait_online(sub, "st1")
        sub.wait_topic("tele/st1/SENSOR", 1)
        assert wait_port(web)
        # a flood may overflow the queue of 100 even before the stall (a busy machine)
        d0 = metrics(web)["mi32_mqtt_dropped_total"]
        os.kill(broker.proc.pid, signal.SIGSTOP)
        stopped = True
        # the kernel's socket buffers fill, then libmosquitto's buffer reaches the bound
        # and holds there; what does not fit is counted
        m = await_metrics(web, lambda m: m["mi32_mqtt_pending"] >= PENDING_MAX and
                          m["mi32_mqtt_dropped_total"] > d0, 25)
        assert m["mi32_mqtt_connected"] == 1, m
        # it stays bounded while the stall goes on
        await_metrics(web, lambda m: m["mi32_mqtt_dropped_total"] > d0 + 2 * PENDING_MAX, 25)
        n = len(sub.payloads("tele/st1/SENSOR"))
        os.kill(broker.proc.pid, signal.SIGCONT)
        stopped = False
        sub.wait_topic("tele/st1/SENSOR", n + 1, 30)  # delivering again
        st = command(ctl, "st1", "State", timeout=30)["MQTT"]
        assert st["Connected"] == 1 and st["Connects"] == 1, st
        assert st["Dropped"] > 2 * PENDING_MAX and st["Pending"] <= PENDING_MAX + BYPASS, st
    finally:
        if stopped:
            os.kill(broker.proc.pid, signal.SIGCONT)
        stop(p)
        sub.close()
        ctl.close()
