# SPDX-License-Identifier: MIT
"""The web interface's locks against a page of another site and a client on the LAN (issue
10 #2-#5, issue 17 #2), through the real server: the Host names it answers to (DNS
rebinding), the Origin of writes, GET never writing, wrong passwords limited per address,
the whole-request deadline and the per-address connection cap, the small ones (logout's
token, what /api/session tells a stranger, 413 for a chunked body), and the start-up line
that says how to open the dashboard to the LAN."""
import base64
import http.client
import json
import select
import socket
import ssl
import subprocess
import time

from conftest import free_port
from test_05_web_api import start


def call(w, method, path, body=None, headers=None, source="127.0.0.1"):
    """One request from @source (any 127/8 address is this machine's) with the headers as
    given (Host too): (status, headers, body)."""
    c = http.client.HTTPConnection("127.0.0.1", w.port, timeout=10, source_address=(source, 0))
    try:
        h = dict(headers or {})
        c.putrequest(method, path, skip_host="Host" in h, skip_accept_encoding=True)
        for k, v in h.items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def basic(pw):
    return {"Authorization": "Basic " + base64.b64encode(f"admin:{pw}".encode()).decode()}


def stderr_of(w):
    w.stop()
    return w.proc.stderr.read().decode()


def test_host_must_name_this_server(mi32_bin, demo, tmp_path):
    """A page of evil.example whose name is rebound to 127.0.0.1 sends Host: evil.example."""
    w = start(mi32_bin, demo, tmp_path)
    p = w.port
    try:
        for host in ("evil.example", f"evil.example:{p}", "127.0.0.1.evil.example",
                     f"localhost.evil:{p}", "mi32.lan.evil", f"[::1]x:{p}", f"a:{p}:1",
                     "127.0.0.2", f"localhost:{p}x"):
            for path in ("/api/sensors", "/api/session", "/api/mi32cfg", "/"):
                status, _, body = call(w, "GET", path, headers={"Host": host})
                assert status == 421, (host, path, status)
                assert b"csrf" not in body and b"bindkey" not in body
            status, _, _ = call(w, "POST", "/cm", b"cmnd=MI32Name1%20x",
                                headers={"Host": host})
            assert status == 421
        for host in (f"127.0.0.1:{p}", "127.0.0.1", f"localhost:{p}", "LOCALHOST.", f"[::1]:{p}"):
            status, _, body = call(w, "GET", "/api/sensors", headers={"Host": host})
            assert status == 200, host
    finally:
        w.stop()
    # the names a user gives (a reverse proxy's, a DNS name on the LAN)
    w = start(mi32_bin, demo, tmp_path, "--web-host", "mi32.lan, Dash.Example")
    p = w.port
    try:
        for host in (f"mi32.lan:{p}", "dash.example", f"DASH.example:{p}", f"localhost:{p}"):
            assert call(w, "GET", "/api/sensors", headers={"Host": host})[0] == 200, host
        for host in ("evil.example", "mi32.lan.evil", "x.mi32.lan"):
            assert call(w, "GET", "/api/sensors", headers={"Host": host})[0] == 421, host
    finally:
        w.stop()


def test_writes_come_from_our_origin_and_get_writes_nothing(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)
    p = w.port
    try:
        tok = w.json("/api/session")[1]["csrf"]
        host = {"Host": f"127.0.0.1:{p}", "X-CSRF-Token": tok}
        option2 = lambda: json.loads(call(w, "POST", "/cm", b"cmnd=MI32Option2",
                                          headers=host)[2])["MI32Option2"]
        assert option2() == 0
        for origin in ("http://evil.example", f"http://evil.example:{p}", "null",
                       f"https://127.0.0.1:{p}", f"http://127.0.0.1:{p}/x", "http://127.0.0.1"):
            status, _, _ = call(w, "POST", "/cm", b"cmnd=MI32Option2%201",
                                headers=dict(host, Origin=origin))
            assert status == 403, origin
            status, _, _ = call(w, "POST", "/login", b"password=x",
                                headers=dict(host, Origin=origin))
            assert status == 403, origin
        assert option2() == 0
        # Tasmota's GET /cm: a write is refused with 405, a query of a writing command too
        for line in ("MI32Option2%201", "MI32Name1%20evil", "MI32Cfg", "MI32Option2",
                     "TelePeriod%2010"):
            status, headers, body = call(w, "GET", "/cm?cmnd=" + line,
                                         headers={"Host": f"127.0.0.1:{p}"})
            assert status == 405 and b"POST" in body, line
        assert option2() == 0
        status, _, body = call(w, "GET", "/cm?cmnd=Status%208", headers={"Host": f"localhost:{p}"})
        assert status == 200 and "StatusSNS" in json.loads(body)
        # our own page's write, with its Origin
        status, _, body = call(w, "POST", "/cm", b"cmnd=MI32Option2%201",
                               headers=dict(host, Origin=f"http://127.0.0.1:{p}"))
        assert status == 200 and json.loads(body) == {"MI32Option2": 1}
    finally:
        w.stop()


def test_logout_needs_the_token_and_session_tells_strangers_nothing(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    try:
        stranger = w.json("/api/session")[1]
        assert stranger == {"auth": False, "password": True, "keys": False}
        status, headers, _ = w.req("/login", data=b"password=pw")
        jar = {"Cookie": headers["Set-Cookie"].split(";")[0]}
        assert "Secure" not in headers["Set-Cookie"]  # plain HTTP: a Secure cookie is lost
        me = w.json("/api/session", headers=jar)[1]
        assert me["auth"] and me["topic"] and me["version"] and me["csrf"]
        # a page of another site cannot log the user out
        assert w.req("/logout", data=b"", headers=jar)[0] == 403
        assert w.req("/logout", data=b"", headers=dict(jar, **{"X-CSRF-Token": "0" * 32}))[0] == 403
        assert w.req("/api/sensors", headers=jar)[0] == 200
        assert w.req("/logout", data=b"", headers=dict(jar, **{"X-CSRF-Token": me["csrf"]}))[0] == 200
        assert w.req("/api/sensors", headers=jar)[0] == 401
    finally:
        w.stop()


def test_chunked_body_too_large_gets_413(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)
    try:
        tok = w.json("/api/session")[1]["csrf"]
        s = socket.create_connection(("127.0.0.1", w.port))
        s.sendall(b"POST /api/mi32cfg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Transfer-Encoding: chunked\r\nX-CSRF-Token: " + tok.encode() + b"\r\n\r\n")
        chunk = b"[" * 8192
        for _ in range(40):  # 320 KB, past the 256 KB limit
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        s.settimeout(10)
        reply = b""
        while b"\r\n\r\n" not in reply:
            more = s.recv(4096)
            assert more, reply
            reply += more
        s.close()
        assert reply.startswith(b"HTTP/1.1 413 ")
        assert w.json("/api/node")[0] == 200
    finally:
        w.stop()


def test_start_line_says_how_to_open_it_to_the_lan(mi32_bin, demo, tmp_path):
    """Issue 17 #2: a headless machine's user sees why the dashboard is not on the LAN."""
    w = start(mi32_bin, demo, tmp_path)
    err = stderr_of(w)
    line = next(l for l in err.splitlines() if "dashboard at" in l)
    assert f"http://127.0.0.1:{w.port}/" in line and "this machine only" in line
    assert "--web-password PASSWORD" in line
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    err = stderr_of(w)
    line = next(l for l in err.splitlines() if "dashboard at" in l)
    assert f"http://0.0.0.0:{w.port}/ (password set)" in line


def test_wrong_passwords_lock_out_one_address_not_another(mi32_bin, demo, tmp_path):
    """Issue 10 #3: every way of giving the password counts, per client address."""
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    host = {"Host": "127.0.0.1"}
    try:
        # five wrong ones, one each way (and one more by Basic) ...
        assert call(w, "GET", "/api/sensors", headers=dict(host, **basic("x1")))[0] == 401
        assert call(w, "GET", "/api/sensors", headers=dict(host, **basic("x2")))[0] == 401
        assert call(w, "POST", "/login", b"password=x3", headers=host)[0] == 401
        assert call(w, "GET", "/cm?user=admin&password=x4&cmnd=Status%208", headers=host)[0] == 401
        assert call(w, "GET", "/api/sensors",
                    headers=dict(host, **{"Authorization": "Basic " +
                                          base64.b64encode(b"root:pw").decode()}))[0] == 401
        # ... lock the address out: the right password is refused too, every way
        for _ in range(3):
            for r in (call(w, "GET", "/api/sensors", headers=dict(host, **basic("pw"))),
                      call(w, "POST", "/login", b"password=pw", headers=host),
                      call(w, "GET", "/cm?user=admin&password=pw&cmnd=Status%208",
                           headers=host)):
                status, headers, body = r
                assert status == 429, r
                # how long to wait, in the header (RFC 6585) and in the JSON
                left = int(headers["Retry-After"])
                assert 1 <= left <= 30, headers
                assert json.loads(body)["retry_after"] == left, body
        # another address is not locked out by the first one's guesses
        status, _, body = call(w, "GET", "/api/sensors", headers=dict(host, **basic("pw")),
                               source="127.0.0.2")
        assert status == 200 and b"bindkey" in body
        assert call(w, "POST", "/login", b"password=pw", headers=host, source="127.0.0.3")[0] == 200
        err = stderr_of(w)
        lines = [l for l in err.splitlines() if "locked out" in l]
        assert len(lines) == 1, lines  # once per lockout, not per refused request
        assert "127.0.0.1 locked out for 30 s" in lines[0] and "HTTP Basic" in lines[0]
    finally:
        w.stop()


def wait_closed(s, drip, until):
    """Send @drip's lines one a second until the server closes @s; the seconds it took."""
    t0 = time.monotonic()
    for line in drip:
        try:
            s.sendall(line)
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - t0
        r, _, _ = select.select([s], [], [], 1.0)
        if r:
            try:
                if s.recv(4096) == b"":
                    return time.monotonic() - t0
            except ConnectionResetError:
                return time.monotonic() - t0
        if time.monotonic() - t0 > until:
            break
    return None


def test_a_slow_request_is_cut_at_its_deadline(mi32_bin, demo, tmp_path):
    """Issue 10 #4: one header line a second never trips the 60 s silence timeout; the
    whole-request deadline (10 s) cuts it. Then a keep-alive connection that sends nothing
    after its request is cut the same way."""
    w = start(mi32_bin, demo, tmp_path)
    try:
        s = socket.create_connection(("127.0.0.1", w.port))
        drip = [b"GET /api/node HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n"] + \
               [b"X-Slow-%d: 1\r\n" % i for i in range(40)]
        took = wait_closed(s, drip, 30)
        s.close()
        assert took is not None and 9 <= took <= 25, took
        # a whole request on time is served, and so is the next one on the connection
        s = socket.create_connection(("127.0.0.1", w.port))
        s.sendall(b"GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        s.settimeout(10)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        took = wait_closed(s, [b""] * 40, 30)
        assert took is not None and took <= 25, took
        s.close()
        assert w.json("/api/node")[0] == 200
    finally:
        w.stop()


def test_one_address_cannot_take_every_connection(mi32_bin, demo, tmp_path):
    """At most 32 connections from one address; another address still gets in."""
    w = start(mi32_bin, demo, tmp_path)
    held = []
    try:
        for _ in range(32):
            held.append(socket.create_connection(("127.0.0.1", w.port)))
        extra = socket.create_connection(("127.0.0.1", w.port))
        extra.settimeout(10)
        try:
            assert extra.recv(1) == b""  # closed at once by the server
        except ConnectionResetError:
            pass
        extra.close()
        status, _, _ = call(w, "GET", "/api/node", headers={"Host": "127.0.0.1"},
                            source="127.0.0.2")
        assert status == 200
    finally:
        for s in held:
            s.close()
        w.stop()


def make_cert(tmp_path):
    """A self-signed certificate for localhost and 127.0.0.1, and a client context that
    trusts it (and only it)."""
    cert, key = tmp_path / "web.crt", tmp_path / "web.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(cafile=str(cert))
    return cert, key, ctx


def test_https_with_a_secure_cookie(mi32_bin, demo, tmp_path):
    """Issue 10 #5: --web-cert/--web-key serve HTTPS; the session cookie is Secure there."""
    cert, key, ctx = make_cert(tmp_path)
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw", "--web-cert", str(cert),
              "--web-key", str(key), tls=ctx)
    try:
        status, headers, _ = w.req("/login", data=b"password=pw")
        assert status == 200
        cookie = headers["Set-Cookie"]
        assert "; Secure" in cookie and "HttpOnly" in cookie
        jar = {"Cookie": cookie.split(";")[0]}
        me = w.json("/api/session", headers=jar)[1]
        assert me["auth"]
        # writes check the Origin with the https scheme
        h = dict(jar, **{"X-CSRF-Token": me["csrf"]})
        assert w.req("/cm", data=b"cmnd=MI32Option2%201",
                     headers=dict(h, Origin=f"http://127.0.0.1:{w.port}"))[0] == 403
        status, j = w.json("/cm", data=b"cmnd=MI32Option2%201",
                           headers=dict(h, Origin=f"https://127.0.0.1:{w.port}"))
        assert status == 200 and j == {"MI32Option2": 1}
        # plain HTTP on the HTTPS port gets no page
        s = socket.create_connection(("127.0.0.1", w.port), timeout=10)
        s.sendall(b"GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            assert b"csrf" not in s.recv(4096)
        except ConnectionResetError:
            pass
        s.close()
        err = stderr_of(w)
        assert f"dashboard at https://0.0.0.0:{w.port}/" in err
    finally:
        w.stop()


def test_bad_certificate_files_are_named(mi32_bin, demo, tmp_path):
    cert, key, _ = make_cert(tmp_path)
    junk = tmp_path / "junk.pem"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    text = tmp_path / "text.pem"
    text.write_text("hello\n")
    cases = [
        (["--web-cert", str(tmp_path / "none.crt"), "--web-key", str(key)],
         f"cannot read --web-cert {tmp_path / 'none.crt'}: No such file or directory"),
        (["--web-cert", str(cert), "--web-key", str(text)], f"--web-key {text} is not PEM"),
        (["--web-cert", str(tmp_path), "--web-key", str(key)], "is not a regular file"),
        (["--web-cert", str(cert)], "--web-cert needs --web-key"),
        (["--web-key", str(key)], "--web-key needs --web-cert"),
        (["--web-cert", str(junk), "--web-key", str(key)],
         f"cannot serve HTTPS with --web-cert {junk} --web-key {key}"),
        (["--web-cert", str(key), "--web-key", str(cert)], "cannot serve HTTPS"),
    ]
    for args, want in cases:
        p = subprocess.run([mi32_bin, "run", "--replay", str(demo["capture"]), "--fast",
                            "--state-dir", str(tmp_path), "--web-port", str(free_port())] + args,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        assert p.returncode != 0, args
        assert want in p.stderr.decode(), (args, p.stderr.decode())
