# SPDX-License-Identifier: MIT
"""Who a web request comes from, through the real server: HTTP Basic credentials and the
session cookie as libmicrohttpd parses them (the edge cases the hand-written parsers had
unit tests for), and logout ending the session."""
import base64

from test_05_web_api import start


def basic(text):
    return {"Authorization": "Basic " + base64.b64encode(text.encode()).decode()}


def test_basic_auth_needs_admin_and_the_password(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    try:
        assert w.req("/api/sensors", headers=basic("admin:pw"))[0] == 200
        for bad in ("root:pw",      # Tasmota's user is admin
                    "admin:px", "admin:p", "admin:pw2", "admin:",
                    "admin"):       # no colon
            assert w.req("/api/sensors", headers=basic(bad))[0] == 401, bad
        for header in ("Basic !!!!", "Bearer " + base64.b64encode(b"admin:pw").decode(), ""):
            assert w.req("/api/sensors", headers={"Authorization": header})[0] == 401, header
    finally:
        w.stop()


def test_session_cookie_among_others_and_logout(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    try:
        status, headers, _ = w.req("/login", data=b"password=pw")
        assert status == 200
        sid = headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        assert len(sid) == 32
        jar = {"Cookie": f"a=1; mi32s={sid}; b=2"}
        assert w.req("/api/sensors", headers=jar)[0] == 200
        assert w.req("/api/sensors", headers={"Cookie": f"xmi32s={sid}"})[0] == 401
        assert w.req("/api/sensors", headers={"Cookie": f"mi32s={sid[:-1]}"})[0] == 401
        tok = w.json("/api/session", headers=jar)[1]["csrf"]
        status, headers, _ = w.req("/logout", data=b"", headers=dict(jar, **{"X-CSRF-Token": tok}))
        assert status == 200 and "Max-Age=0" in headers["Set-Cookie"]
        assert w.req("/api/sensors", headers=jar)[0] == 401
    finally:
        w.stop()


def login(w):
    """A session cookie and its CSRF token."""
    status, headers, _ = w.req("/login", data=b"password=pw")
    assert status == 200
    jar = {"Cookie": headers["Set-Cookie"].split(";")[0]}
    return jar, w.json("/api/session", headers=jar)[1]["csrf"]


def test_writes_need_the_password_and_the_session_token(mi32_bin, demo, tmp_path):
    """Issue 10 #1: POST /cm ran commands with the daemon's one CSRF token and no password."""
    w = start(mi32_bin, demo, tmp_path, "--web-password", "pw")
    try:
        cmd = b"cmnd=MI32Option2%201"
        jar, tok = login(w)
        assert w.req("/logout", data=b"", headers=dict(jar, **{"X-CSRF-Token": tok}))[0] == 200
        # the token of a session that is gone opens nothing, with or without its cookie
        assert w.req("/cm", data=cmd, headers={"X-CSRF-Token": tok})[0] == 401
        assert w.req("/cm", data=cmd, headers=dict(jar, **{"X-CSRF-Token": tok}))[0] == 401
        assert w.req("/api/mi32cfg/check", data=b"[]",
                     headers={"X-CSRF-Token": tok})[0] == 401
        # a new login rotates the token; the old one does not fit the new session
        jar2, tok2 = login(w)
        assert tok2 != tok
        assert w.req("/cm", data=cmd, headers=dict(jar2, **{"X-CSRF-Token": tok}))[0] == 403
        # nor does the session's token fit a password given another way
        both = dict(basic("admin:pw"), **{"X-CSRF-Token": tok2})
        assert w.req("/cm", data=cmd, headers=both)[0] == 403
        status, j = w.json("/cm", data=cmd, headers=dict(jar2, **{"X-CSRF-Token": tok2}))
        assert status == 200 and j == {"MI32Option2": 1}
        # Basic auth gets its own token from /api/session and may write with it
        tok_b = w.json("/api/session", headers=basic("admin:pw"))[1]["csrf"]
        assert tok_b and tok_b != tok2
        status, j = w.json("/cm", data=b"cmnd=MI32Option2%200",
                           headers=dict(basic("admin:pw"), **{"X-CSRF-Token": tok_b}))
        assert status == 200 and j == {"MI32Option2": 0}
    finally:
        w.stop()
