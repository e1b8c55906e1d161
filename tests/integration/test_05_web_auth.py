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
        status, headers, _ = w.req("/logout", data=b"", headers=jar)
        assert status == 200 and "Max-Age=0" in headers["Set-Cookie"]
        assert w.req("/api/sensors", headers=jar)[0] == 401
    finally:
        w.stop()
