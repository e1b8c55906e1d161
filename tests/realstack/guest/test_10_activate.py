# SPDX-License-Identifier: MIT
"""10. Local activation through bluetoothd: a simulated Xiaomi sensor on hci1 (mi_peer.py: a
GATT server with the Mi Service 0xFE95 running the device's side of the protocol with its own
key pair) is registered by mi32 on hci0 (MI32Activate on the console, and `mi32 activate`);
both sides derive the same bind key, and the daemon decodes the MiBeacon v5 frames hci1 then
sends encrypted with the key the device derived. A device that wants its button pressed
(BUSY until the test presses it). Failures: the device refuses (REG_FAILED), a wrong DID tag
(REG_FAILED), the device drops the link in the middle of a transfer. (Stopping midway is
tested against the fake bluetoothd, tests/integration/test_10_activate.py: here a session
cut short leaves hci0 a stale GATT cache of hci1 that the next test's connection trips on.)"""
import json
import os
import subprocess
import sys
import time

import rs
from test_8_gatt import CENTRAL, PEER, advertising_again, start_mi32, tell

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "activate"))
import mibeacon_seal  # noqa: E402

HELPER = os.path.join(HERE, "mi_peer.py")
PID = 0x055B
TIMEOUT = 120  # a discovery, a connection and ~30 GATT exchanges; seconds in the VM


def mi_peer(env, kind="standard", opts="-"):
    env.procs.append(rs.Proc("dbus-monitor", ["dbus-monitor", "--system", "sender=org.bluez"],
                             env.logdir))
    p = rs.Proc("mi_peer", ["/usr/bin/python3", HELPER, CENTRAL], env.logdir,
                stdin=subprocess.PIPE)
    env.procs.append(p)
    p.wait_for(r"^ready$", 60, stream="out")
    tell(p, "device %s %s" % (kind, opts))
    rs.forget("hci0", PEER)  # earlier tests' peers had other services there
    return p


def stored(p, start=0):
    """What the device stored, from its last "state" line after @start"""
    lines = [t for s, t in p.lines[start:] if s == "out" and t.startswith("state ")]
    assert lines, "the device stored nothing"
    return dict(kv.split("=", 1) for kv in lines[-1][6:].split(";"))


def result(m, status, start, timeout=TIMEOUT):
    m.wait_for(r'^\{"MI32Activate":"%s"' % status, timeout, start=start, stream="out")
    return json.loads(m.lines[m.at - 1][1])


def activate(env, m, opts=None):
    advertising_again(env)
    reply, start = m.command("MI32Activate " + PEER)
    assert reply["MI32Activate"] == "Pending" and "Mi Home" in reply["Warning"], reply
    m.wait_for(r'^\{"MI32Activate":"(Done|Error)"', TIMEOUT, start=start, stream="out")
    return json.loads(m.lines[m.at - 1][1]), start


def mibeacon_v5(key, cnt, temp10):
    """AD structures: flags and an encrypted MiBeacon v5 temperature frame (object 0x1004)"""
    return mibeacon_seal.advert(key, PEER, PID, cnt, mibeacon_seal.temperature(temp10))


def test_activate_then_the_adverts_decrypt(env):
    p = mi_peer(env)
    m = start_mi32(env, "055b")
    done, start = activate(env, m)
    assert done["MI32Activate"] == "Done", done
    dev = stored(p)
    assert dev["state"] == "loggedin"
    assert done["Key"] == dev["bindkey"] and done["Token"] == dev["token"], (done, dev)
    assert done["DID"] == dev["did"] and done["Version"] == "1.0.0_0130"
    steps = [json.loads(t)["Step"] for s, t in m.lines[start:]
             if s == "out" and t.startswith('{"MI32Activate":"Progress"')]
    assert "exchanging keys" in steps and steps[-1] == "disconnecting", steps
    # hci1 now sends what a bound sensor sends: frames encrypted with its new key
    tell(p, "stop-adv")
    env.adv.advertise(PEER, mibeacon_v5(bytes.fromhex(dev["bindkey"]), 1, 215))
    end = rs.deadline(60)
    while time.monotonic() < end:
        if m.wait_for(r'^\{"MI32Activate":"Decoded"', 4, start=start, stream="out",
                      quiet=True):
            break
        env.adv.rearm()
    else:
        raise AssertionError("the advert encrypted with the device's key never decoded")
    rs.wait_until("Temperature 21.5 in a SENSOR line",
                  lambda: m.sensors(start).get(PEER.replace(":", ""), {})
                  .get("Temperature") == 21.5, 20)


def test_button_is_asked_for(env):
    """A sensor that wants its button pressed answers BUSY over the real link: MI32Activate
    says so (a Progress RESULT with "Button"), the test presses it, and the activation goes
    on to the key the device derived."""
    p = mi_peer(env, "standard", "button")
    m = start_mi32(env, "055b")
    advertising_again(env)
    reply, start = m.command("MI32Activate " + PEER)
    assert reply["MI32Activate"] == "Pending", reply
    m.wait_for(r'^\{"MI32Activate":"Progress".*"Button":true', TIMEOUT, start=start,
               stream="out")
    ask = json.loads(m.lines[m.at - 1][1])
    assert ask["Step"].startswith("press the button on the sensor"), ask
    tell(p, "press")
    done = result(m, "(Done|Error)", start)
    assert done["MI32Activate"] == "Done", done
    dev = stored(p)
    assert done["Key"] == dev["bindkey"] and int(dev["busy"]) >= 1, (done, dev)


def test_cli_gets_the_same_key_and_checks_it(env):
    """`mi32 activate` prints the key the device derived, then watches the sensor's adverts
    through bluetoothd's discovery on hci0 and decrypts the next encrypted one with it."""
    p = mi_peer(env, "standard", "registered")
    advertising_again(env)
    cli = rs.Proc("activate", [rs.MI32, "activate", "--hci", "hci0", PEER], env.logdir)
    env.procs.append(cli)
    cli.wait_for(r"^For a running mi32: MI32Key", TIMEOUT, stream="out")
    dev = stored(p)
    out = [t for s, t in cli.lines if s == "out"]
    assert f"Bind key:   {dev['bindkey']}" in out, out
    assert any(t.startswith(f"Token:      {dev['token']} ") for t in out), out
    assert "Device id:  blt.1.1pds65t394801" in out  # its own DID, kept
    cli.wait_for(r"waiting up to 600 s for the sensor's next encrypted advert", 30,
                 stream="err")
    # hci1 now sends what a bound sensor sends: frames encrypted with its new key, from its
    # own public address as the sensor it plays (bluetoothd keeps one object per address:
    # the same address as random while the public one exists is dropped, "Unable to
    # create object")
    tell(p, "stop-adv")
    env.adv.advertise(None, mibeacon_v5(bytes.fromhex(dev["bindkey"]), 1, 215))
    end = rs.deadline(60)
    while cli.p.poll() is None and time.monotonic() < end:
        if cli.wait_for(r"^Check: ", 4, stream="out", quiet=True):
            break
        env.adv.rearm()
    assert cli.wait_exit(30) == 0, "exit code"
    check = cli.wait_for(r"^Check: .*", 5, stream="out").group(0)
    assert check == ("Check:      the sensor's next encrypted advert decrypted: "
                     "Temperature 21.5 °C"), check


def test_failures(env):
    p = mi_peer(env, "standard", "refuse")
    m = start_mi32(env, "055b")
    err, _ = activate(env, m)
    assert err["MI32Activate"] == "Error" and "REG_FAILED" in err["Reason"], err
    # the DID sealed with keys the device does not share: the tag fails, REG_FAILED
    tell(p, "device standard badkeys")
    err, _ = activate(env, m)
    assert err["MI32Activate"] == "Error" and "REG_FAILED" in err["Reason"], err
    assert stored(p)["state"] == "fresh"
    # the device drops the link while our public key is coming in
    tell(p, "device standard drop=3")
    err, _ = activate(env, m)
    assert err["MI32Activate"] == "Error" and "disconnected" in err["Reason"], err
    # the list is untouched: no key
    sns = m.command("Status 8", key="StatusSNS")[0]["StatusSNS"]
    assert not any(isinstance(v, dict) and v.get("Temperature") for v in sns.values())
