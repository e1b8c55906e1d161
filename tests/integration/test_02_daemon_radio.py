# SPDX-License-Identifier: MIT
"""The radio's state where users look (issue 17 #1): STATE (console and MQTT), /api/node,
/metrics and the Home Assistant diagnostic entity. A scanning radio is the pty controller of
test_02_daemon_h4_pty; a dead one is an H4 UART on /dev/ptmx, a terminal nobody answers on
(every HCI Reset times out, so the radio goes down and keeps trying)."""
import json
import os
import subprocess
import time
import tty
import urllib.request

from conftest import free_port, wait_port
from test_02_daemon_helpers import Daemon, base_args
from test_02_daemon_h4_pty import Controller


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


def wait_until(fn, timeout=30.0, what="the condition"):
    """Poll @fn (a request: it waits on the daemon, not on a timer) until it returns a value."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; last: {last}")


def test_scanning_radio_in_state(mi32_bin, tmp_path):
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    ctl = Controller(master)
    ctl.start()
    d = Daemon(base_args(mi32_bin, tmp_path, "--hci-uart", os.ttyname(slave),
                         "--mi32cfg", tmp_path / "absent"))
    try:
        assert ctl.scanning.wait(15), "scan never enabled"

        def scanning():
            st = d.cmd("State")["MI32"]
            return st if st.get("Radio") == "scanning" else None
        st = wait_until(scanning, what="Radio scanning in State")
        assert st["Adapter"] == "H4 UART" and st["Scan"] == "passive"
        assert st["Duty"] == 100 and st["ScanRestarts"] == 0 and st["Reopens"] == 0
        assert "RadioReason" not in st and "RetryIn" not in st
        # Status 11 is the same State
        assert d.cmd("Status 11")["StatusSTS"]["MI32"]["Radio"] == "scanning"
    finally:
        ctl.stop = True
        d.kill()
        os.close(master)
        os.close(slave)


def test_replay_has_no_radio(mi32_bin, tmp_path, demo):
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast",
                         "--mi32cfg", tmp_path / "absent"))
    try:
        st = d.cmd("State")["MI32"]
        assert "Radio" not in st and "Duty" not in st
    finally:
        d.kill()


def test_dead_radio_visible_in_state_api_metrics_and_hass(mi32_bin, tmp_path, broker):
    from test_03_mqtt_publish import Sub, node_args, stop  # needs paho: imported here

    topic = "radiotest"
    port = free_port()
    sub = Sub(broker, (f"tele/{topic}/#", "homeassistant/#"))
    args = node_args(broker, tmp_path, topic, "--hci-uart", "/dev/ptmx", "--hass", "yes",
                     "--teleperiod", "0", "--web-port", port,
                     "--mi32cfg", tmp_path / "absent")
    proc = subprocess.Popen([mi32_bin, *map(str, args)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / "radio.log", "w"))
    try:
        assert wait_port(port)
        # STATE: sent at once when the radio goes down (TelePeriod is off here)
        t = f"tele/{topic}/STATE"
        assert sub.wait(lambda ms: any(x == t and json.loads(p)["MI32"].get("Radio") == "down"
                                       for x, p, _ in ms), 30), \
            f"no STATE with Radio down: {sub.payloads(t)}; log: {(tmp_path / 'radio.log').read_text()}"
        st = [json.loads(p)["MI32"] for p in sub.payloads(t)
              if json.loads(p)["MI32"].get("Radio") == "down"][0]
        assert st["Adapter"] == "H4 UART"
        assert "no answer from the Bluetooth controller" in st["RadioReason"]

        # the radio tries again with backoff (starting, then down again): poll for down
        def node_down():
            r = json.loads(get(port, "/api/node"))["radio"]
            return r if r["state"] == "down" else None
        radio = wait_until(node_down, what="/api/node with the radio down")
        assert radio["adapter"] == "H4 UART"
        assert "no answer from the Bluetooth controller" in radio["reason"]

        def metrics_down():
            m = get(port, "/metrics")
            return m if 'mi32_radio_state{adapter="H4 UART",state="down"} 1\n' in m else None
        metrics = wait_until(metrics_down, what="/metrics with the radio down")
        assert 'mi32_radio_up{adapter="H4 UART"} 0\n' in metrics
        assert "mi32_radio_scan_restarts_total{adapter=\"H4 UART\"} 0\n" in metrics

        # Home Assistant: the node's radio diagnostic and its state on tele/<node>/NODE
        ct = f"homeassistant/sensor/mi32_node_{topic}/radio/config"
        cfg = json.loads(sub.wait_topic(ct)[0])
        assert cfg["entity_category"] == "diagnostic"
        assert cfg["state_topic"] == f"tele/{topic}/NODE"
        nt = f"tele/{topic}/NODE"
        assert sub.wait(lambda ms: any(x == nt and json.loads(p).get("Radio") == "down"
                                       for x, p, _ in ms), 30), sub.payloads(nt)
        info = [json.loads(p) for p in sub.payloads(nt)
                if json.loads(p).get("Radio") == "down"][0]["RadioInfo"]
        assert info["Adapter"] == "H4 UART" and "no answer" in info["Reason"]
    finally:
        stop(proc)
        sub.close()

