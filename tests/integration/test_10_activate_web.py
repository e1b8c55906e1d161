# SPDX-License-Identifier: MIT
"""/activate behind the web password and CSRF rules, against a simulated Xiaomi device on a
fake bluetoothd: the page needs the password; MI32Activate is refused on GET /cm and on a
POST without the session's token; with both it starts, and the console stream (/events
"log", for clients allowed keys) carries each step and the key; the sensor then has a key
in /api/sensors."""
import base64
import json
import socket
import time
import urllib.parse

from test_05_web_api import start
from test_10_activate import MAC, PLAIN, fake  # noqa: F401 - the fixture

PW = "pw"


def basic():
    return {"Authorization": "Basic " + base64.b64encode(f"admin:{PW}".encode()).decode()}


def test_activate_page_and_its_rules(mi32_bin, demo, tmp_path, fake):  # noqa: F811
    # not in the demo's list: added with the product id the device tells (0x0002)
    fake.ctl.MiDevice(MAC, "standard", "pid=0x055b")
    w = start(mi32_bin, demo, tmp_path, "--web-password", PW, "--dbus-address", fake.address,
              "--gatt-timeout", "3")
    try:
        status, _, page = w.req("/activate")
        assert status == 401 and b"Log in" in page
        status, headers, page = w.req("/activate", headers=basic())
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b"unbinds it from Mi Home" in page and b'src="/activate.js"' in page
        status, _, js = w.req("/activate.js", headers=basic())
        assert status == 200 and b"MI32Activate" in js
        # a GET changes nothing, even with the password
        q = "/cm?user=admin&password=%s&cmnd=%s" % (PW, urllib.parse.quote("MI32Activate " + MAC))
        assert w.req(q)[0] == 405
        jar, tok = login_pw(w)
        cmd = ("cmnd=" + urllib.parse.quote("MI32Activate " + MAC)).encode()
        assert w.req("/cm", data=cmd, headers=jar)[0] == 403
        # the stream first, then the command
        s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
        s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " +
                  jar["Cookie"].encode() + b"\r\n\r\n")
        data = b""
        while b"event: hello" not in data:
            data += s.recv(65536)
        status, j = w.json("/cm", data=cmd, headers=dict(jar, **{"X-CSRF-Token": tok}))
        assert status == 200 and j["MI32Activate"] == "Pending", j
        end = time.monotonic() + 30
        while time.monotonic() < end and b'\\"MI32Activate\\":\\"Done\\"' not in data:
            data += s.recv(65536)
        s.close()
        logs = [json.loads(ln[6:])["text"] for ln in data.decode().split("\n")
                if ln.startswith('data: {"seq"')]
        res = [json.loads(t.split(" = ", 1)[1]) for t in logs
               if t.startswith("RSL: ") and '"MI32Activate"' in t]
        steps = [r["Step"] for r in res if r["MI32Activate"] == "Progress"]
        assert "exchanging keys" in steps, steps
        done = [r for r in res if r["MI32Activate"] == "Done"]
        assert done and done[0]["Key"] == fake.result()["bindkey"], res
        sensors = w.json("/api/sensors", headers=jar)[1]["sensors"]
        (s,) = [x for x in sensors if x["mac"].upper() == PLAIN]
        assert s["flags"]["has_key"] and s["bindkey"].lower() == done[0]["Key"]
    finally:
        w.stop()


def login_pw(w):
    status, headers, _ = w.req("/login", data=("password=" + PW).encode())
    assert status == 200
    jar = {"Cookie": headers["Set-Cookie"].split(";")[0]}
    return jar, w.json("/api/session", headers=jar)[1]["csrf"]
