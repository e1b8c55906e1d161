# SPDX-License-Identifier: MIT
"""Commands over MQTT (cmnd/<topic>/<Command> → stat/<topic>/RESULT, the group topic, Status
on STATUS<n> as Tasmota does), and connecting with a user name and password (mosquitto
password_file) and with TLS and a client certificate (a CA made here with openssl)."""
import json
import shutil
import subprocess
import time

import pytest

from conftest import free_port, start_broker
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online

LYWSD03_MAC = "A4C138A1B204"
# mosquitto started as root drops to its own user, which cannot read pytest's 0700 tmp dirs
ROOT = "user root\n"


@pytest.fixture
def node(mi32_bin, demo, broker, tmp_path):
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "cmd1", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(tmp_path / "cmd1.mi32cfg"), "--teleperiod", "300")
    # the sensor list file is written by MI32Cfg: start from a copy of the demo's
    shutil.copy(demo["mi32cfg"], tmp_path / "cmd1.mi32cfg")
    wait_online(sub, "cmd1")
    yield sub, p, tmp_path
    stop(p)
    sub.close()


def test_every_command(node):
    sub, p, tmp_path = node
    t = "cmd1"
    # MI32Option<n>: query and set (SPEC §8), index 1 by default
    for n in range(6):
        r = command(sub, t, f"MI32Option{n}")
        assert list(r) == [f"MI32Option{n}"] and r[f"MI32Option{n}"] in (0, 1)
    assert command(sub, t, "MI32Option2", "1") == {"MI32Option2": 1}
    assert command(sub, t, "mi32option2", "0") == {"MI32Option2": 0}  # case-insensitive
    assert command(sub, t, "MI32Option", "1") == {"MI32Option1": 1}
    assert command(sub, t, "MI32Option1", "0") == {"MI32Option1": 0}
    # MI32Name<slot>
    assert command(sub, t, "MI32Name3", "Kitchen") == {"MI32Name": "Kitchen"}
    r = command(sub, t, "MI32Name3")
    assert list(r) == ["MI32Name"] and r["MI32Name"] != "Kitchen"
    # MI32Key: 32 hex key + MAC; a key that fails the last frame heard needs "force"
    r = command(sub, t, "MI32Key", "00112233445566778899AABBCCDDEEFF" + LYWSD03_MAC + " force")
    assert r["MI32Key"] == "Done"
    # MI32Cfg writes the sensor list
    assert command(sub, t, "MI32Cfg") == {"MI32Cfg": "Done"}
    assert LYWSD03_MAC.lower() in (tmp_path / "cmd1.mi32cfg").read_text().lower()
    # TelePeriod
    assert command(sub, t, "TelePeriod", "60") == {"TelePeriod": 60}
    assert command(sub, t, "TelePeriod") == {"TelePeriod": 60}
    # Topic, State
    assert command(sub, t, "Topic") == {"Topic": "cmd1"}
    st = command(sub, t, "State")
    assert st["TelePeriod"] == 60 and st["MI32"]["Sensors"] == 20
    assert st["MQTT"]["Connected"] == 1
    # Status answers on STATUS<n>, like Tasmota
    s8 = command(sub, t, "Status", "8", reply="STATUS8")
    assert "StatusSNS" in s8 and any(k.startswith("LYWSD03-") for k in s8["StatusSNS"])
    s0 = command(sub, t, "Status", "", reply="STATUS")
    assert s0["Status"]["Topic"] == "cmd1"
    # Status 0 on STATUS0 (issue 17 #7), with every section
    s0 = command(sub, t, "Status", "0", reply="STATUS0")
    assert {"Status", "StatusPRM", "StatusNET", "StatusSTS"} <= set(s0)
    assert s0["StatusSTS"]["MqttCount"] == 1
    # Backlog over MQTT: one RESULT with every reply
    assert command(sub, t, "Backlog", "TelePeriod 120; MI32Option1 1") == {
        "TelePeriod": 120, "MI32Option1": 1}
    # unknown commands, Tasmota's reply
    assert command(sub, t, "NoSuchCommand") == {"Command": "Unknown"}


def test_group_topic(node):
    sub, p, _ = node
    # cmnd/<group>/...: every node answers on its own stat/<topic>/RESULT
    n = len(sub.payloads("stat/cmd1/RESULT"))
    sub.publish("cmnd/mi32s/MI32Option2", "1")
    assert json.loads(sub.wait_topic("stat/cmd1/RESULT", n + 1)[n]) == {"MI32Option2": 1}
    # sub-topics below the command are not commands
    sub.publish("cmnd/cmd1/MI32Option2/x", "0")
    assert command(sub, "cmd1", "MI32Option2") == {"MI32Option2": 1}


def test_username_password(mi32_bin, demo, tmp_path):
    pw = tmp_path / "passwd"
    pw.write_text("")
    subprocess.run(["mosquitto_passwd", "-b", str(pw), "mi32", "s3cret#x"], check=True)
    # conftest writes "allow_anonymous true" first; mosquitto takes the last value
    b = start_broker(tmp_path, extra=f"allow_anonymous false\npassword_file {pw}\n{ROOT}")
    try:
        sub = Sub(b, ["tele/+/LWT", "stat/#"], username="mi32", password="s3cret#x")
        bad = start_node(mi32_bin, b, tmp_path, "auth0", "--replay", str(demo["capture"]),
                         "--mqtt-user", "mi32", "--mqtt-password", "wrong")
        good = start_node(mi32_bin, b, tmp_path, "auth1", "--replay", str(demo["capture"]),
                          "--mqtt-user", "mi32", "--mqtt-password", "s3cret#x")
        wait_online(sub, "auth1")
        assert command(sub, "auth1", "Topic") == {"Topic": "auth1"}
        assert not sub.payloads("tele/auth0/LWT")
        assert bad.poll() is None  # refused, still running and retrying
        # the refusal is an event of its own: on a loaded machine the bad node may try later
        # than the good one came online
        end = time.monotonic() + 60
        while "refused" not in (tmp_path / "auth0.log").read_text() and time.monotonic() < end:
            time.sleep(0.05)
        stop(bad)
        stop(good)
        log = (tmp_path / "auth0.log").read_text()
        assert "refused" in log and log.count("refused") == 1  # said once, not per retry
        sub.close()
    finally:
        b.stop()


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """CA, a server certificate for 127.0.0.1 / localhost, a client certificate."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mi32 test CA",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, cn in (("server", "localhost"), ("client", "mi32-client")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}",
                "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        extra = ["-extfile", "san.cnf"] if name == "server" else []
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", f"{name}.crt", *extra, cwd=d)


@pytest.mark.skipif(not shutil.which("openssl"), reason="openssl not installed")
def test_tls_client_certificate(mi32_bin, demo, tmp_path):
    pki = tmp_path / "pki"
    pki.mkdir()
    make_pki(pki)
    plain = free_port()
    tls = free_port()
    b = start_broker(tmp_path, plain,
                     f"listener {tls} 127.0.0.1\ncafile {pki}/ca.crt\n"
                     f"certfile {pki}/server.crt\nkeyfile {pki}/server.key\n"
                     f"require_certificate true\nuse_identity_as_username true\n{ROOT}")
    try:
        sub = Sub(b, ["tele/+/LWT", "tele/+/SENSOR", "stat/#"])
        base = ["--replay", str(demo["capture"]), "--mi32cfg", str(demo["mi32cfg"]),
                "--mqtt-cafile", str(pki / "ca.crt")]
        good = start_node(mi32_bin, b, tmp_path, "tls1", *base,
                          "--mqtt-certfile", str(pki / "client.crt"),
                          "--mqtt-keyfile", str(pki / "client.key"), port=tls)
        nocert = start_node(mi32_bin, b, tmp_path, "tls0", *base, port=tls)
        wait_online(sub, "tls1")
        assert command(sub, "tls1", "Topic") == {"Topic": "tls1"}
        assert sub.wait_topic("tele/tls1/SENSOR", 1, timeout=10)
        assert not sub.payloads("tele/tls0/LWT")  # no client certificate: refused
        stop(good)
        assert sub.wait_topic("tele/tls1/LWT", 2)[-1] == "Offline"
        stop(nocert)
        sub.close()
    finally:
        b.stop()


def test_bad_tls_settings_fail_at_start(mi32_bin, demo, broker, tmp_path):
    r = subprocess.run([mi32_bin, "run", "--config", "/dev/null", "--state-dir", str(tmp_path),
                        "--replay", str(demo["capture"]),
                        "--web-port", "0", "--hass", "no", "--mqtt-host", "127.0.0.1",
                        "--mqtt-port", str(broker.port), "--topic", "x",
                        "--mqtt-certfile", "/nonexistent.crt"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    assert r.returncode != 0
    assert "mqtt-keyfile" in r.stderr
