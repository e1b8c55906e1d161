# SPDX-License-Identifier: MIT
"""MQTT publishing against a real mosquitto: the SENSOR payloads of a replayed capture (every
sensor type of the simulated fleet) byte for byte as the daemon's --json lines, LWT Online /
Offline (clean stop and kill -9, where the broker sends the will), TelePeriod SENSOR + STATE,
and MI32Option0/1/2 set over MQTT.

The helpers (Sub, start_node, ...) are shared with the other test_03_mqtt_*.py files."""
import json
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from conftest import start_broker  # noqa: F401  (re-exported for the other files)

mqtt = pytest.importorskip("paho.mqtt.client")


class Sub:
    """A paho subscriber that records (topic, payload, retain) in arrival order."""

    def __init__(self, broker, topics=("#",), port=None, username=None, password=None,
                 tls=None):
        self.msgs = []
        self.cv = threading.Condition()
        self.c = mqtt.Client(client_id="pytest-" + uuid.uuid4().hex[:8], clean_session=True)
        if username:
            self.c.username_pw_set(username, password)
        if tls:
            self.c.tls_set(**tls)
        self.c.on_message = self._on_message
        subscribed = threading.Event()
        self.c.on_subscribe = lambda *a: subscribed.set()
        self.c.connect(broker.host if broker else "127.0.0.1", port or broker.port, 30)
        self.c.subscribe([(t, 0) for t in topics])
        self.c.loop_start()
        assert subscribed.wait(5), "no SUBACK from the broker"

    def _on_message(self, client, userdata, msg):
        with self.cv:
            self.msgs.append((msg.topic, msg.payload.decode("utf-8", "replace"), msg.retain))
            self.cv.notify_all()

    def wait(self, pred, timeout=10.0):
        end = time.monotonic() + timeout
        with self.cv:
            while not pred(self.msgs):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cv.wait(left)
            return True

    def payloads(self, topic):
        with self.cv:
            return [p for t, p, _ in self.msgs if t == topic]

    def wait_topic(self, topic, n=1, timeout=10.0):
        assert self.wait(lambda ms: sum(t == topic for t, _, _ in ms) >= n, timeout), \
            f"{topic}: {len(self.payloads(topic))} of {n} messages; got {self.msgs[-5:]}"
        return self.payloads(topic)

    def clear(self):
        with self.cv:
            self.msgs.clear()

    def publish(self, topic, payload, retain=False):
        self.c.publish(topic, payload, qos=0, retain=retain).wait_for_publish()

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def node_args(broker, tmp_path, topic, *extra, port=None):
    state = tmp_path / ("state-" + topic)
    state.mkdir(exist_ok=True)
    return ["run", "--config", "/dev/null", "--state-dir", str(state), "--web-port", "0",
            "--hass", "no", "--mqtt-host", "127.0.0.1",
            "--mqtt-port", str(port or broker.port), "--topic", topic, *extra]


def start_node(mi32_bin, broker, tmp_path, topic, *extra, port=None, stdout=None):
    """A daemon connected to @broker; stdin /dev/null so only MQTT drives it."""
    err = open(tmp_path / f"{topic}.log", "w")
    return subprocess.Popen([mi32_bin, *node_args(broker, tmp_path, topic, *extra, port=port)],
                            stdin=subprocess.DEVNULL, stdout=stdout or subprocess.DEVNULL,
                            stderr=err, text=True)


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_online(sub, topic, timeout=10.0):
    """Wait for "Online" on tele/<topic>/LWT (@sub must subscribe to it): the node has
    subscribed to its command topics by then."""
    t = f"tele/{topic}/LWT"
    assert sub.wait(lambda ms: any(x == t and p == "Online" for x, p, _ in ms), timeout), \
        f"{topic} never came online"


def command(sub, topic, cmd, payload="", timeout=5.0, reply="RESULT"):
    """Send cmnd/<topic>/<cmd> and return the parsed reply on stat/<topic>/<reply>."""
    t = f"stat/{topic}/{reply}"
    n = len(sub.payloads(t))
    sub.publish(f"cmnd/{topic}/{cmd}", payload)
    return json.loads(sub.wait_topic(t, n + 1, timeout)[n])


# Every sensor type of `mi32 simulate`'s fleet, by the JSON key prefix (SPEC §1.3 names).
FLEET_TYPES = {"Flora", "MJ_HT_V1", "LYWSD02", "LYWSD03", "CGG1", "CGD1", "NLIGHT", "MJYD2S",
               "YLYK01", "MHOC401", "MHOC303", "ATC", "MCCGQ02", "SJWS01L", "YLKG08",
               "YLAI003", "PVVX", "BTHOME"}


def test_sensor_payloads_match_json_lines(mi32_bin, demo, broker, tmp_path):
    """A fast replay of the whole fleet: every SENSOR message on MQTT is exactly a --json
    line of the same run, in the same order, and every sensor type is in them."""
    sub = Sub(broker, ["tele/#"])
    try:
        out = subprocess.run(
            [mi32_bin, *node_args(broker, tmp_path, "pub1", "--replay", str(demo["capture"]),
                                  "--fast", "--json", "--mi32cfg", str(demo["mi32cfg"]),
                                  "--teleperiod", "60", "--mqtt-queue", "100000")],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, check=True)
        lines = out.stdout.splitlines()
        assert len(lines) > 20
        got = sub.wait_topic("tele/pub1/SENSOR", len(lines))
        assert got == lines
        keys = set()
        for line in got:
            msg = json.loads(line)
            assert "Time" in msg
            keys |= {k.rsplit("-", 1)[0] for k, v in msg.items() if isinstance(v, dict)}
        missing = FLEET_TYPES - keys
        assert not missing, f"sensor types never published: {missing}"
        # LWT: Online retained while up, Offline last (the daemon says it on a clean exit)
        assert sub.wait_topic("tele/pub1/LWT", 2)[-2:] == ["Online", "Offline"]
    finally:
        sub.close()


def test_lwt_online_offline_and_will(mi32_bin, demo, broker, tmp_path):
    sub = Sub(broker, ["tele/+/LWT"])
    try:
        p = start_node(mi32_bin, broker, tmp_path, "lwt1", "--replay", str(demo["capture"]),
                       "--mi32cfg", str(demo["mi32cfg"]))
        assert sub.wait_topic("tele/lwt1/LWT")[-1] == "Online"
        stop(p)  # SIGTERM: a clean stop publishes Offline itself
        assert sub.wait_topic("tele/lwt1/LWT", 2)[-1] == "Offline"
        # the retained value a newcomer sees
        late = Sub(broker, ["tele/lwt1/LWT"])
        assert late.wait_topic("tele/lwt1/LWT")[-1] == "Offline"
        assert late.msgs[-1][2]
        late.close()

        sub.clear()
        p = start_node(mi32_bin, broker, tmp_path, "lwt1", "--replay", str(demo["capture"]),
                       "--mi32cfg", str(demo["mi32cfg"]))
        assert sub.wait_topic("tele/lwt1/LWT")[-1] == "Online"
        stop(p, signal.SIGKILL)  # no last words: the broker publishes the will
        assert sub.wait_topic("tele/lwt1/LWT", 2, timeout=10)[-1] == "Offline"
    finally:
        sub.close()


def test_teleperiod_sensor_and_state(mi32_bin, demo, broker, tmp_path):
    """TelePeriod: a SENSOR message with every sensor and its latest values (decision #1)
    and a STATE message carrying the MQTT counters. Replayed fast in a loop, so the
    TelePeriod runs on the capture's clock (one per 3600 s of it: a few a second)."""
    sub = Sub(broker, ["tele/tp1/#"])
    p = start_node(mi32_bin, broker, tmp_path, "tp1", "--replay", str(demo["capture"]),
                   "--fast", "--loop", "--mi32cfg", str(demo["mi32cfg"]),
                   "--teleperiod", "3600")
    try:
        state = json.loads(sub.wait_topic("tele/tp1/STATE", 1, timeout=15)[0])
        assert state["TelePeriod"] == 3600
        assert state["MQTT"]["Connected"] == 1 and state["MQTT"]["Dropped"] == 0
        assert state["MQTT"]["Sent"] > 0
        tele = [json.loads(s) for s in sub.payloads("tele/tp1/SENSOR")]
        full = [m for m in tele if sum(isinstance(v, dict) for v in m.values()) == 20]
        assert full, "no TelePeriod message with all 20 sensors"
        atc = next(v for k, v in full[-1].items() if k.startswith("ATC-"))
        assert {"Temperature", "Humidity", "Time", "MAC"} <= set(atc)
    finally:
        stop(p)
        sub.close()


def test_options_over_mqtt(mi32_bin, demo, broker, tmp_path):
    """MI32Option0/1/2 set over MQTT change what the node publishes."""
    sub = Sub(broker, ["tele/opt1/SENSOR", "tele/opt1/LWT", "stat/opt1/#"])
    p = start_node(mi32_bin, broker, tmp_path, "opt1", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(demo["mi32cfg"]), "--teleperiod", "0")
    try:
        wait_online(sub, "opt1")
        assert command(sub, "opt1", "MI32Option2") == {"MI32Option2": 0}
        # option 2 on: every accepted packet publishes, so ATC temperature lines flow
        assert command(sub, "opt1", "MI32Option2", "1") == {"MI32Option2": 1}
        assert command(sub, "opt1", "MI32Option0", "0") == {"MI32Option0": 0}
        sub.clear()
        assert sub.wait(lambda ms: sum(t.endswith("SENSOR") for t, _, _ in ms) >= 5, 15)
        msgs = [json.loads(s) for s in sub.payloads("tele/opt1/SENSOR")]
        assert all("Time" in m for m in msgs)
        # option 0 = 0: a triggered message carries only what the frame changed, so at
        # least one sensor object lacks a value it had before (no Battery with T/H)
        objs = [v for m in msgs for v in m.values() if isinstance(v, dict)]
        assert any("RSSI" in o and "MAC" in o for o in objs)
        assert command(sub, "opt1", "MI32Option1", "1") == {"MI32Option1": 1}
        assert command(sub, "opt1", "MI32Option1") == {"MI32Option1": 1}
        assert command(sub, "opt1", "MI32Option2", "0") == {"MI32Option2": 0}
        assert command(sub, "opt1", "MI32Option0", "1") == {"MI32Option0": 1}
    finally:
        stop(p)
        sub.close()
