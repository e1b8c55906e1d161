# SPDX-License-Identifier: MIT
"""The bridge under what real networks do: two controllers at once (an iPhone and a home
hub, the second added by the admin, not admin itself) both reading and getting events; a
controller killed mid-stream (its session ends, the others go on); a pair-setup abandoned
half-way (the next controller can pair); malformed HTTP and TLV8 (a 4xx, a log line, the
connection closed, the bridge unharmed)."""
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

from conftest import free_port, wait_port
from test_08_homekit_helpers import CODE, CONTROLLER, Bridge, controller


def node_api(web):
    with urllib.request.urlopen(f"http://127.0.0.1:{web}/api/node", timeout=10) as r:
        return json.loads(r.read())["homekit"]


def raw(port, data, timeout=10):
    """Sends @data on a fresh connection; returns everything the bridge sent until it
    closed the connection (fails if it does not close within @timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            chunk = s.recv(4096)
            if not chunk:
                return got
            got += chunk
        raise AssertionError(f"the bridge kept the connection open after {got!r}")


def sessions_end(bridge, web):
    """Waits, line by line, until the bridge has no controller connected."""
    while node_api(web)["connections"]:
        bridge.wait(r"homekit: .*: the session of .* ended")


def post(path, body):
    return (f"POST {path} HTTP/1.1\r\nHost: mi32\r\nContent-Type: application/pairing+tlv8\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def test_two_controllers_and_a_drop(mi32_bin, tmp_path):
    web = free_port()
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE, "--log-level", "info"],
               web_port=web)
    listener = None
    try:
        wait_port(web)
        s = controller(b.port, "multi")
        assert s["accessories"]["a"] == s["accessories"]["b"] == 21
        assert s["events"]["a"] >= 1 and s["events"]["b"] >= 1  # both got events
        assert s["b-list"]["result"] == "refused"  # the second is not admin
        assert "B0B0B0B0-1111-4222-8333-444455556666" in s["a-list"]["ids"]
        sessions_end(b, web)
        assert node_api(web)["controllers"] == 2

        # the hub (the second controller) listens, and is killed mid-stream
        (tmp_path / "b.json").write_text(json.dumps(s["paired"]["b"]))
        listener = subprocess.Popen([shutil.which("node"), CONTROLLER, str(b.port), CODE,
                                     "listen", str(tmp_path / "b.json")],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    cwd=os.path.dirname(CONTROLLER))
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in listener.stdout],
                         daemon=True).start()
        end, seen = time.monotonic() + 60, []
        while not any('"event"' in l for l in seen) and time.monotonic() < end:
            seen.append(lines.get(timeout=max(0.01, end - time.monotonic())))
        assert any('"event"' in l for l in seen), seen
        assert node_api(web)["connections"] >= 1
        listener.send_signal(signal.SIGKILL)
        listener.wait()
        b.wait(r"homekit: 127\.0\.0\.1: the session of B0B0B0B0-1111-4222-8333-444455556666 "
               r"ended")
        sessions_end(b, web)
        # the admin goes on as before
        (tmp_path / "a.json").write_text(json.dumps(s["paired"]["a"]))
        assert controller(b.port, "check", tmp_path / "a.json")["check"]["result"] == "allowed"
        assert b.p.poll() is None
    finally:
        if listener and listener.poll() is None:
            listener.kill()
            listener.wait()
        b.stop()


def test_malformed_and_abandoned(mi32_bin, tmp_path):
    b = Bridge(mi32_bin, tmp_path, ["--homekit-code", CODE])
    try:
        # not HTTP at all
        got = raw(b.port, b"GARBAGE\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 400"), got
        b.wait(r"homekit: 127\.0\.0\.1: a bad request \(malformed\): closed")
        # a head past HAP's 2 KiB
        got = raw(b.port, b"GET /accessories HTTP/1.1\r\nX: " + b"a" * 4000 + b"\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 413"), got
        b.wait(r"a bad request \(too large\): closed")
        # TLV8 whose item runs past the body
        got = raw(b.port, post("/pair-setup", b"\x06\x05\x01"))
        assert got.startswith(b"HTTP/1.1 400"), got
        b.wait(r"homekit: 127\.0\.0\.1: a malformed pair-setup request: closed")
        # pair-verify M1 without the controller's key
        got = raw(b.port, post("/pair-verify", b"\x06\x01\x01"))
        assert got.startswith(b"HTTP/1.1 400"), got
        b.wait(r"a malformed pair-verify request: closed")

        # a pair-setup abandoned after M2 (the phone walked away): the setup is not held
        with socket.create_connection(("127.0.0.1", b.port), timeout=10) as s:
            s.sendall(post("/pair-setup", b"\x00\x01\x00\x06\x01\x01"))
            m2 = s.recv(4096)
            assert m2.startswith(b"HTTP/1.1 200") and b"application/pairing+tlv8" in m2
        # the bridge is unharmed and a real controller pairs
        assert "pairing" in controller(b.port, "pair")["paired"]
        assert b.p.poll() is None
    finally:
        b.stop()
