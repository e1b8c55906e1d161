# SPDX-License-Identifier: MIT
"""Local activation end to end against simulated Xiaomi devices (tests/activate/
fake_mi_device.py: each runs the device side with its own key pair) on a fake bluetoothd:

- MI32Activate over MQTT: Pending with the Mi Home warning, a Progress RESULT per step,
  Done with the key and token the device derived, the key in the running list (not in the
  mi32cfg file until MI32Cfg), then Decoded when the next encrypted advert (relayed on
  tele/+/BLE, encrypted with the device's key) decodes; WrongKey for one that does not.
- A device that refuses (REG_FAILED): one Error sentence, the list untouched.
- `mi32 activate`: the key and token printed, the MI32Key line, then the check on the next
  encrypted advert (exit 0; 3 when it does not decrypt, 4 when none comes); failures exit 1
  with the sentence; usage errors exit 2."""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from test_02_daemon_helpers import TIMEOUT
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online
from test_03_mqtt_relay import idle_capture
from test_07_gatt_commands import FakeBluez

sys.path.insert(0, os.path.join(ROOT, "tests", "activate"))
import mibeacon_seal  # noqa: E402

MAC = "A4:C1:38:00:00:07"
PLAIN = MAC.replace(":", "")
PID = 0x055B


class FakeMi(FakeBluez):
    def start(self):
        self.fake = subprocess.Popen(
            ["/usr/bin/python3", os.path.join(ROOT, "tests", "activate", "fake_mi_device.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, FAKE_BUS=self.address))
        assert self.fake.stdout.readline().strip() == "ready"

    def result(self, mac=MAC):
        return dict(kv.split("=", 1) for kv in str(self.ctl.MiResult(mac)).split(";"))


@pytest.fixture
def fake(tmp_path):
    f = FakeMi(tmp_path)
    yield f
    f.close()


def mibeacon_v5(key, mac, pid, cnt, temp10):
    """An encrypted MiBeacon v5 temperature frame (object 0x1004) as AD hex."""
    sealed = mibeacon_seal.advert(key, mac, pid, cnt, mibeacon_seal.temperature(temp10))
    return sealed.hex().upper()


def frame_sd(key, cnt, temp10):
    """The same frame as bluetoothd's Device1.ServiceData carries it (after the UUID)."""
    return mibeacon_seal.service_data(key, MAC, PID, cnt, mibeacon_seal.temperature(temp10))


def relay(sub, ad):
    sub.publish("tele/obs/BLE", json.dumps({"Node": "obs", "MAC": PLAIN, "AddrType": 0,
                                            "RSSI": -60, "Evt": 0,
                                            "Time": int(time.time() * 1000), "AD": ad}))


def results(sub, node, pred, timeout=TIMEOUT):
    """The RESULT payloads of @node until one satisfies @pred."""
    t = f"stat/{node}/RESULT"
    assert sub.wait(lambda ms: any(x == t and pred(json.loads(p)) for x, p, _ in ms),
                    timeout), f"no such RESULT; seen: {sub.payloads(t)}"
    return [json.loads(p) for p in sub.payloads(t)]


@pytest.fixture
def central(mi32_bin, broker, fake, tmp_path):
    idle = tmp_path / "idle.btsnoop"
    idle_capture(idle)
    cfg = tmp_path / "act.mi32cfg"
    cfg.write_text(json.dumps([{"MAC": PLAIN, "PID": "055b", "key": ""}]))
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "act", "--replay", str(idle), "--mi32cfg",
                   str(cfg), "--teleperiod", "0", "--mqtt-raw-in", "tele/+/BLE",
                   "--dbus-address", fake.address, "--gatt-timeout", "3")
    try:
        wait_online(sub, "act")
        yield sub, cfg
    finally:
        stop(p)
        sub.close()


def is_status(s):
    return lambda o: o.get("MI32Activate") == s


def test_mi32activate_applies_the_key_and_checks_it(central, fake):
    sub, cfg = central
    fake.ctl.MiDevice(MAC, "standard", "")
    r = command(sub, "act", "MI32Activate", MAC)
    assert r["MI32Activate"] == "Pending" and r["MAC"] == MAC and r["Step"] == "connecting"
    assert "unbinds it from Mi Home" in r["Warning"]
    msgs = results(sub, "act", is_status("Done"))
    dev = fake.result()
    done = msgs[-1]
    assert done["Key"] == dev["bindkey"] and done["Token"] == dev["token"]
    assert done["Slot"] == 0 and done["DID"] == dev["did"] and done["Version"] == "1.0.0_0130"
    assert "in the running list" in done["Check"]
    steps = [m["Step"] for m in msgs if m.get("MI32Activate") == "Progress"]
    assert steps[:2] == ["reading the device info", "exchanging keys"], steps
    assert "logging in with the new token to check it" in steps and \
        steps[-1] == "disconnecting", steps
    # the file is written only on MI32Cfg, as always
    assert json.loads(cfg.read_text())[0]["key"] == ""
    # the next advert, encrypted with the device's key, decodes
    relay(sub, mibeacon_v5(bytes.fromhex(dev["bindkey"]), MAC, PID, 1, 215))
    results(sub, "act", is_status("Decoded"))
    sns = command(sub, "act", "Status", "8", reply="STATUS8")["StatusSNS"]
    (obj,) = [v for v in sns.values() if isinstance(v, dict) and v.get("MAC") == PLAIN]
    assert obj["Temperature"] == 21.5
    assert command(sub, "act", "MI32Cfg")["MI32Cfg"] == "Done"
    assert json.loads(cfg.read_text())[0]["key"].lower() == dev["bindkey"]


def test_wrong_key_is_said(central, fake):
    """An advert that does not decrypt is no verdict at once (a sensor may repeat one made
    before it was bound): a good one after it is Decoded; when none comes within the grace
    (ACTIVATION_CHECK_GRACE_S, 30 s), WrongKey."""
    sub, _ = central
    fake.ctl.MiDevice(MAC, "standard", "")
    command(sub, "act", "MI32Activate", "0")  # the slot form
    results(sub, "act", is_status("Done"))
    relay(sub, mibeacon_v5(bytes(16), MAC, PID, 2, 215))
    relay(sub, mibeacon_v5(bytes.fromhex(fake.result()["bindkey"]), MAC, PID, 3, 215))
    results(sub, "act", is_status("Decoded"))
    assert not [m for m in sub.payloads("stat/act/RESULT") if '"WrongKey"' in m]
    fake.ctl.MiDevice(MAC, "standard", "")
    start = time.monotonic()
    command(sub, "act", "MI32Activate", "0")
    results(sub, "act", lambda o: o.get("MI32Activate") == "Done" and
            o["Key"] == fake.result()["bindkey"])
    relay(sub, mibeacon_v5(bytes(16), MAC, PID, 4, 215))
    bad = results(sub, "act", is_status("WrongKey"), timeout=TIMEOUT + 30)[-1]
    assert "do not decrypt with the new key (none did for 30 s)" in bad["Reason"], bad
    assert time.monotonic() - start >= 30


def test_device_refuses_list_untouched(central, fake):
    sub, cfg = central
    fake.ctl.MiDevice(MAC, "standard", "badkeys")
    assert command(sub, "act", "MI32Activate", MAC)["MI32Activate"] == "Pending"
    err = results(sub, "act", is_status("Error"))[-1]
    assert "refused the registration (REG_FAILED)" in err["Reason"]
    assert "Key" not in err
    assert command(sub, "act", "MI32Cfg")["MI32Cfg"] == "Done"
    assert json.loads(cfg.read_text())[0]["key"] == ""
    assert not fake.ctl.Connected(MAC)


def test_refused_at_once(central, fake):
    sub, _ = central
    for payload, words in (("", "give the sensor's MAC or slot"),
                           ("7", "no sensor in this slot"),
                           ("A4C138 x", "takes the MAC or slot"),
                           ("zz:zz:zz:zz:zz:zz", "12 hex digits")):
        r = command(sub, "act", "MI32Activate", payload)
        assert r["MI32Activate"] == "Error" and words in r["Reason"], (payload, r)


def run_cli(mi32_bin, fake, *args):
    return subprocess.run([mi32_bin, "activate", "--dbus-address", fake.address, *args],
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_cli_prints_key_and_token_then_checks_it(mi32_bin, fake):
    """The key, token and MI32Key line come first (stdout flushed); then the tool watches the
    sensor's adverts through bluetoothd's discovery (DuplicateData: every advert): one made
    before the binding does not decrypt, the next, sealed with the key the device derived,
    does: exit 0."""
    fake.ctl.MiDevice(MAC, "standard", "registered")
    p = cli(mi32_bin, fake, MAC)
    try:
        out = read_until(p.stdout, "MI32Key")
        said = read_until(p.stderr, "waiting up to 600 s for the sensor's next encrypted")
        assert "check the key" in said[-1] and "Ctrl-C ends the wait" in said[-1], said
        dev = fake.result()
        # first an advert the sensor made before it was bound (another key): not the verdict
        stale = frame_sd(bytes(16), 9, 100)
        end = time.monotonic() + TIMEOUT
        while not fake.ctl.Advertise(MAC, "fe95", stale.hex()):  # the discovery is asked for
            assert time.monotonic() < end, "no discovery"
            time.sleep(0.05)
        frame = frame_sd(bytes.fromhex(dev["bindkey"]), 1, 215)
        cnt = 0
        while p.poll() is None:  # a sensor repeats its advert; the tool takes the first
            assert cnt < 500, "the tool never took the advert"
            fake.ctl.Advertise(MAC, "fe95", frame.hex())
            cnt += 1
            time.sleep(0.05)
        rest, err = p.communicate(timeout=TIMEOUT)
    finally:
        p.kill()
    out = "".join(out) + rest
    assert p.returncode == 0, err
    assert f"Bind key:   {dev['bindkey']}\n" in out
    assert f"Token:      {dev['token']} " in out
    assert "Device id:  blt.1.1pds65t394801\n" in out
    assert f"MI32Key {dev['bindkey']}{PLAIN}\n" in out
    assert out.endswith("Check:      the sensor's next encrypted advert decrypted: "
                        "Temperature 21.5 °C\n"), out
    said = "".join(said)
    assert said.startswith("mi32 activate: Activation registers the device here and "
                           "unbinds it from Mi Home")
    assert "mi32 activate: exchanging keys\n" in said
    calls = str(fake.ctl.Calls()).split(";")
    assert "SetDiscoveryFilter le DuplicateData" in calls and calls[-1] == "StopDiscovery", \
        calls


def test_cli_check_wrong_key_and_no_advert(mi32_bin, fake):
    """The sensor's encrypted adverts do not decrypt with the key (another app bound it again
    meanwhile): exit 3 and the sentence at the end of the check's time (after the first
    failure it waits up to 30 s for one that does); no advert in time: exit 4, key printed.
    A stale advert followed by a good one is the real-stack test's case."""
    fake.ctl.MiDevice(MAC, "standard", "")
    p = cli(mi32_bin, fake, "--check-timeout", "2", MAC)
    try:
        read_until(p.stdout, "MI32Key")
        read_until(p.stderr, "waiting up to 2 s")
        frame = frame_sd(bytes(16), 1, 215)
        while p.poll() is None:
            fake.ctl.Advertise(MAC, "fe95", frame.hex())
            time.sleep(0.05)
        _, err = p.communicate(timeout=TIMEOUT)
    finally:
        p.kill()
    assert p.returncode == 3, err
    assert err.endswith("mi32 activate: the sensor's encrypted adverts do not decrypt with "
                        "this key: activate it again\n"), err
    fake.ctl.MiDevice(MAC, "standard", "")
    r = run_cli(mi32_bin, fake, "--check-timeout", "1", MAC)
    assert r.returncode == 4, r.stderr
    assert f"Bind key:   {fake.result()['bindkey']}\n" in r.stdout
    assert r.stderr.endswith("mi32 activate: no encrypted advert from the sensor in time: "
                             "the key above is unchecked\n"), r.stderr
    assert run_cli(mi32_bin, fake, "--check-timeout", "x", MAC).returncode == 2


def test_cli_legacy(mi32_bin, fake):
    fake.ctl.MiDevice(MAC, "legacy", "")
    p = run_cli(mi32_bin, fake, "--legacy", "--pid", "950", "--check-timeout", "0", MAC)
    assert p.returncode == 0, p.stderr
    key12 = fake.result()["bindkey"]
    assert f"Beacon key: {key12} " in p.stdout
    assert f"Bind key:   {key12[:12]}8d3d3c97{key12[12:]}\n" in p.stdout
    assert f"MI32Key {key12}{PLAIN}\n" in p.stdout


def test_cli_failures(mi32_bin, fake):
    fake.ctl.MiDevice(MAC, "standard", "silent")
    p = run_cli(mi32_bin, fake, "--timeout", "1", MAC)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.rstrip().endswith("the device did not answer within 1000 ms while reading "
                                      "the device info: bring it closer, or press its pair "
                                      "button if it has one, and try again"), p.stderr
    assert run_cli(mi32_bin, fake, "nonsense").returncode == 2
    assert run_cli(mi32_bin, fake, "--pid", "0x10000", MAC).returncode == 2
    p = run_cli(mi32_bin, fake, "B4:C1:38:00:00:09")
    assert p.returncode == 1 and "could not connect to B4:C1:38:00:00:09" in p.stderr


def test_button_asked_for_and_awaited(central, fake):
    """A device that wants its button pressed answers BUSY: a Progress RESULT with "Button"
    asks the user; once pressed, the activation goes on to Done with the device's key."""
    sub, _ = central
    fake.ctl.MiDevice(MAC, "standard", "button")
    assert command(sub, "act", "MI32Activate", MAC)["MI32Activate"] == "Pending"
    ask = results(sub, "act", lambda o: o.get("Button") is True)[-1]
    assert ask["MI32Activate"] == "Progress" and ask["Step"].startswith(
        "press the button on the sensor"), ask
    assert "waiting up to 60 s" in ask["Step"]
    fake.ctl.MiPress(MAC)
    done = results(sub, "act", is_status("Done"))[-1]
    dev = fake.result()
    assert done["Key"] == dev["bindkey"] and int(dev["busy"]) >= 1


def test_sigterm_mid_activation_disconnects(mi32_bin, broker, fake, tmp_path):
    """The daemon stopped (SIGTERM) while an activation waits on the device: the link goes
    down with it instead of staying up in bluetoothd."""
    idle = tmp_path / "idle.btsnoop"
    idle_capture(idle)
    fake.ctl.MiDevice(MAC, "standard", "silent")
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "term", "--replay", str(idle), "--teleperiod",
                   "0", "--dbus-address", fake.address, "--gatt-timeout", "3")
    try:
        wait_online(sub, "term")
        assert command(sub, "term", "MI32Activate", MAC)["MI32Activate"] == "Pending"
        # the device info is asked for on a connected link
        results(sub, "term", lambda o: o.get("Step") == "reading the device info")
        assert fake.ctl.Connected(MAC)
        stop(p)
        assert p.returncode == 0
        assert not fake.ctl.Connected(MAC)
    finally:
        stop(p)
        sub.close()


def cli(mi32_bin, fake, *args):
    return subprocess.Popen([mi32_bin, "activate", "--dbus-address", fake.address, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(stream, words):
    """The lines of @stream up to the first with @words (or its end)"""
    lines = []
    for line in stream:
        lines.append(line)
        if words in line:
            break
    return lines


def test_cli_button(mi32_bin, fake):
    fake.ctl.MiDevice(MAC, "standard", "button")
    p = cli(mi32_bin, fake, "--check-timeout", "0", MAC)
    try:
        said = read_until(p.stderr, "press the button")
        assert said[-1] == ("mi32 activate: press the button on the sensor (hold its pair "
                            "button until it blinks): waiting up to 60 s\n"), said
        fake.ctl.MiPress(MAC)
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        p.kill()
    assert p.returncode == 0, err
    assert f"Bind key:   {fake.result()['bindkey']}\n" in out


def test_cli_button_never_pressed(mi32_bin, fake):
    """Nobody presses it: the press time-out, one sentence, exit 1"""
    fake.ctl.MiDevice(MAC, "standard", "button")
    r = run_cli(mi32_bin, fake, "--press-timeout", "2", MAC)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.rstrip().endswith(
        "the device still waited for its button after 2 s (it answered BUSY while we were "
        "sending our public key): press or hold its pair button until it blinks, then try "
        "again"), r.stderr
    assert fake.result()["state"] == "fresh" and not fake.ctl.Connected(MAC)
    assert run_cli(mi32_bin, fake, "--press-timeout", "0", MAC).returncode == 2


def test_cli_sigterm_disconnects(mi32_bin, fake):
    fake.ctl.MiDevice(MAC, "standard", "silent")
    p = cli(mi32_bin, fake, "--timeout", "60", MAC)
    try:
        read_until(p.stderr, "reading the device info")
        assert fake.ctl.Connected(MAC)
        p.terminate()
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        p.kill()
    assert p.returncode == 1 and out == ""
    assert "stopped by Terminated: disconnecting, nothing was applied" in err, err
    assert not fake.ctl.Connected(MAC)
