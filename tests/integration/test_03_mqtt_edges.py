# SPDX-License-Identifier: MIT
"""MQTT's edges (issue 10 #11): a server that accepts TCP but never answers CONNECT is named
in the log once, with the reason, however often it is retried; a TLS file that does not exist
is named at start (not "Invalid function arguments"); and in replay mode the node's uptime
counts capture time only."""
import json
import socket
import subprocess
import threading
import time

from conftest import free_port
from test_03_mqtt_publish import start_node, stop
from test_05_web_api import start


class Silent:
    """A TCP server that accepts, reads, and never says a word (no CONNACK)."""

    def __init__(self):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(8)
        self.port = self.s.getsockname()[1]
        self.accepted = 0
        self.conns = []
        self.cv = threading.Condition()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                c, _ = self.s.accept()
            except OSError:
                return
            with self.cv:
                self.conns.append(c)
                self.accepted += 1
                self.cv.notify_all()

    def wait_accepted(self, n, timeout):
        with self.cv:
            return self.cv.wait_for(lambda: self.accepted >= n, timeout)

    def close(self):
        self.s.close()
        for c in self.conns:
            c.close()


def test_a_broker_that_never_sends_connack_is_named_once(mi32_bin, demo, tmp_path):
    srv = Silent()
    p = start_node(mi32_bin, None, tmp_path, "silent", "--replay", str(demo["capture"]),
                   "--loop", "--mi32cfg", str(tmp_path / "absent"), port=srv.port)
    try:
        # it gives up on the first connection and tries again, twice
        assert srv.wait_accepted(3, 40), f"only {srv.accepted} connection attempts"
        assert p.poll() is None
    finally:
        stop(p)
        srv.close()
    log = (tmp_path / "silent.log").read_text()
    lines = [x for x in log.splitlines() if "CONNACK" in x]
    assert len(lines) == 1, log
    assert f"127.0.0.1:{srv.port}" in lines[0]
    assert "accepted the TCP connection but sent no CONNACK within 10 s" in lines[0]
    assert "retrying in the background" in lines[0]


def test_a_missing_tls_file_is_named(mi32_bin, demo, tmp_path):
    base = [mi32_bin, "run", "--config", "/dev/null", "--state-dir", str(tmp_path),
            "--replay", str(demo["capture"]), "--web-port", "0", "--hass", "no",
            "--mqtt-host", "127.0.0.1", "--mqtt-port", str(free_port()), "--topic", "x"]
    ca = tmp_path / "ca.crt"
    ca.write_text("not really a certificate, but readable\n")
    for extra, name, path in (
            (["--mqtt-cafile", "/nonexistent/ca.crt"], "mqtt-cafile", "/nonexistent/ca.crt"),
            (["--mqtt-cafile", str(ca), "--mqtt-certfile", str(tmp_path / "none.crt"),
              "--mqtt-keyfile", str(ca)], "mqtt-certfile", str(tmp_path / "none.crt")),
            (["--mqtt-cafile", str(ca), "--mqtt-certfile", str(ca),
              "--mqtt-keyfile", str(tmp_path)], "mqtt-keyfile", str(tmp_path))):
        r = subprocess.run(base + extra, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=10)
        assert r.returncode != 0
        assert f"MQTT: {name} {path}: " in r.stderr, r.stderr
        assert "Invalid function arguments" not in r.stderr
    assert "No such file or directory" in subprocess.run(
        base + ["--mqtt-cafile", "/nonexistent/ca.crt"], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=10).stderr


def test_replay_uptime_counts_capture_time(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)  # --replay --fast of a 600 s capture
    try:
        node = w.json("/api/node")[1]
        assert 500 <= node["uptime"] <= 600, node
        _, _, body = w.req("/metrics")
        up = [l for l in body.decode().splitlines() if l.startswith("mi32_uptime_seconds ")]
        assert up and 500 <= int(up[0].split()[1]) <= 600, up
    finally:
        w.stop()
