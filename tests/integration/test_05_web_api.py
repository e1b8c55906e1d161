# SPDX-License-Identifier: MIT
"""The web interface over plain HTTP (urllib): pages, /api/sensors, /cm, /metrics, /events,
bounds and errors (4xx with a JSON error, never a crash), the web password and CSRF."""
import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import free_port, wait_port


class Web:
    def __init__(self, proc, port, fifo, tls=None):
        self.proc, self.port, self.fifo, self.tls = proc, port, fifo, tls
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    def req(self, path, data=None, headers=None, method=None):
        r = urllib.request.Request(self.base + path, data=data, headers=headers or {},
                                   method=method)
        try:
            with urllib.request.urlopen(r, timeout=10, context=self.tls) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, path, **kw):
        status, headers, body = self.req(path, **kw)
        return status, json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.fifo is not None:
            os.close(self.fifo)
            self.fifo = None


def start(mi32_bin, demo, tmp_path, *extra, fast=True, tls=None):
    """mi32 run replaying the demo capture; --fast keeps it up on a FIFO console we hold.
    @tls: the ssl context of an HTTPS server (--web-cert)."""
    port = free_port()
    cfg = tmp_path / "mi32cfg"
    cfg.write_bytes(demo["mi32cfg"].read_bytes())
    fifo = tmp_path / f"console-{port}"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR)
    args = [mi32_bin, "run", "--replay", str(demo["capture"]), "--mi32cfg", str(cfg),
            "--web-port", str(port), "--state-dir", str(tmp_path), "--teleperiod", "0"]
    args += ["--fast"] if fast else ["--loop"]
    proc = subprocess.Popen(args + list(extra), stdin=fd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if not wait_port(port):
        proc.kill()
        raise RuntimeError(proc.stderr.read().decode())
    w = Web(proc, port, fd, tls)
    auth = {}
    if "--web-password" in extra:
        pw = extra[list(extra).index("--web-password") + 1]
        auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{pw}".encode()).decode()}
    if fast:  # until the replay is through
        last = -1
        for _ in range(100):
            n = w.json("/api/node", headers=auth)[1]["adverts"]
            if n and n == last:
                break
            last = n
            time.sleep(0.1)
    return w


@pytest.fixture
def web(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)
    yield w
    w.stop()


def test_pages_are_served_with_their_types(web):
    for path in ("/", "/m32", "/cfg", "/cs"):
        status, headers, body = web.req(path)
        assert status == 200, path
        assert headers["Content-Type"].startswith("text/html")
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert b"<script src=" in body and b"http" not in body.split(b"<body>")[0].replace(
            b"http-equiv", b"")
    status, headers, _ = web.req("/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    status, headers, _ = web.req("/m32.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")


def test_api_sensors_has_every_sensor(web):
    status, j = web.json("/api/sensors")
    assert status == 200
    names = {s["name"] for s in j["sensors"]}
    for t in ("Flora", "LYWSD03", "MJYD2S", "ATC", "PVVX", "BTHOME", "YLKG08", "SJWS01L"):
        assert t in names
    lyw = next(s for s in j["sensors"] if s["name"] == "LYWSD03")
    assert lyw["mac"] == "A4C138A1B204"
    assert lyw["flags"]["seen"] and lyw["flags"]["has_key"] and not lyw["dim"]
    assert {v["k"] for v in lyw["values"]} >= {"Temperature", "Humidity"}
    assert len(lyw["hist"]["temp"]) == 24 and any(lyw["hist"]["temp"])
    assert lyw["rssi"] < 0 and lyw["last"] > 0
    # the same values as Tasmota's Status 8
    st8 = web.json("/cm?cmnd=Status%208")[1]["StatusSNS"]
    t = next(v["v"] for v in lyw["values"] if v["k"] == "Temperature")
    assert abs(st8["LYWSD03-a1b204"]["Temperature"] - t) < 0.051
    # keys: this client is on loopback and no password is set
    assert len(lyw["bindkey"]) == 32


def test_cm_is_tasmota_compatible(web):
    """Tasmota's GET /cm?cmnd= for commands that change nothing; the ones that write are
    POSTs with the CSRF token (a GET never changes state: issue 10 #2)."""
    assert web.json("/cm?cmnd=Foo")[1] == {"Command": "Unknown"}
    status, j = web.json("/cm")
    assert status == 400 and "error" in j
    status, j = web.json("/cm?cmnd=" + "x" * 2000)
    assert status == 400
    tok = web.json("/api/session")[1]["csrf"]
    post = lambda line: web.json("/cm", data=b"cmnd=" + line.encode(),
                                 headers={"X-CSRF-Token": tok})
    assert post("MI32Option2%201") == (200, {"MI32Option2": 1})
    assert post("MI32Option2") == (200, {"MI32Option2": 1})


def test_metrics_are_prometheus_text(web):
    status, headers, body = web.req("/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert "# TYPE mi32_adverts_received_total counter" in text
    assert 'mi32_adverts_rejected_total{reason="duplicate"}' in text
    assert "mi32_sensors 20" in text
    assert 'mi32_sensor_rssi_dbm{sensor="LYWSD03-a1b204",mac="A4C138A1B204"}' in text
    for line in text.splitlines():
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2


def test_errors_are_4xx_json_never_a_crash(web):
    status, j = web.json("/nope")
    assert status == 404 and j["error"]
    status, j = web.json("/api/../etc/passwd")
    assert status == 404
    status, j = web.json("/m32", method="DELETE")
    assert status == 405
    tok = web.json("/api/session")[1]["csrf"]
    h = {"X-CSRF-Token": tok, "Content-Type": "application/json"}
    status, j = web.json("/api/mi32cfg", data=b"[{\"MAC\":", headers=h)
    assert status == 400 and j["ok"] is False and "error" in j
    status, j = web.json("/api/mi32cfg", data=b"x" * (300 * 1024), headers=h)
    assert status == 413 and j["error"]
    # without the token nothing changes
    status, j = web.json("/api/mi32cfg", data=b"[]", headers={"Content-Type": "application/json"})
    assert status == 403
    # a header far too large is refused by the server, which lives on
    s = socket.create_connection(("127.0.0.1", web.port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
    resp = s.recv(100)
    s.close()
    assert resp.startswith(b"HTTP/1.1 4")
    assert web.json("/api/node")[0] == 200


def test_editor_check_and_save(web, tmp_path):
    tok = web.json("/api/session")[1]["csrf"]
    h = {"X-CSRF-Token": tok, "Content-Type": "application/json"}
    rows = json.loads((tmp_path / "mi32cfg").read_text())
    rows[0]["name"] = "Greenhouse"
    rows[1]["key"] = "0011"
    status, j = web.json("/api/mi32cfg/check", data=json.dumps(rows).encode(), headers=h)
    assert status == 200 and j["ok"] is False
    assert "key must be 32 hex digits" in j["rows"][1]["error"]
    assert "error" not in j["rows"][0]
    del rows[1]
    status, j = web.json("/api/mi32cfg", data=json.dumps(rows).encode(), headers=h)
    assert status == 200 and j["MI32Cfg"] == "Done" and "note" in j
    saved = json.loads((tmp_path / "mi32cfg").read_text())
    assert [e["MAC"] for e in saved] == [e["MAC"] for e in rows]
    assert saved[0]["name"] == "Greenhouse"
    assert web.json("/api/sensors")[1]["sensors"][0]["name"] == "Greenhouse"


def test_events_stream_sensor_updates(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path, fast=False)
    try:
        s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
        s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        end = time.monotonic() + 8
        while time.monotonic() < end and data.count(b"event: sensor") < 3:
            data += s.recv(65536)
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"200 OK" in head and b"text/event-stream" in head
        assert b"event: hello" in body
        assert body.count(b"event: sensor") >= 3
        line = next(l for l in body.split(b"\n") if l.startswith(b"data: {\"slot\""))
        assert "values" in json.loads(line[6:].split(b"\r\n")[0])
    finally:
        w.stop()


def test_password_guards_everything(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw1")
    try:
        basic = lambda pw: {"Authorization": "Basic " + base64.b64encode(
            f"admin:{pw}".encode()).decode()}
        for path in ("/api/sensors", "/metrics", "/events", "/api/mi32cfg", "/api/log"):
            status, headers, _ = w.req(path)
            assert status == 401, path
            assert headers.get("WWW-Authenticate") == 'Basic realm="mi32"'
        status, _, body = w.req("/m32")
        assert status == 401 and b"Log in" in body
        assert w.req("/api/sensors", headers=basic("bad"))[0] == 401
        status, j = w.json("/api/sensors", headers=basic("pw1"))
        assert status == 200 and "bindkey" in j["sensors"][3]
        # Tasmota's /cm?user=admin&password=…
        assert w.json("/cm?cmnd=Status%208")[0] == 401
        assert "StatusSNS" in w.json("/cm?user=admin&password=pw1&cmnd=Status%208")[1]
        # login form → session cookie
        status, j = w.json("/login", data=b"password=nope")
        assert status == 401 and j["error"] == "wrong password"
        status, headers, _ = w.req("/login", data=b"password=pw1")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
        status, j = w.json("/api/session", headers={"Cookie": cookie})
        assert j["auth"] and j["csrf"]
        assert w.json("/api/session")[1].get("csrf") is None
        assert w.req("/api/sensors", headers={"Cookie": cookie})[0] == 200
        assert w.req("/api/sensors", headers={"Cookie": "mi32s=" + "0" * 32})[0] == 401
    finally:
        w.stop()
