# SPDX-License-Identifier: MIT
"""11. The seed's Govee desk lamp example (examples/scripts/govee_lamp.lua) through the real
bluetoothd: a lamp on hci1 (govee_peer.py) checks each 20-byte frame (magic, command,
arguments, XOR checksum) and keeps its state; mi32 on hci0 runs the shipped script (only its
LAMP line points at hci1), whose commands are the daemon's (mi32.add_cmd, the seed's
tasmota.add_cmd): `gpower 1` on mi32's console, and over MQTT (cmnd/<topic>/gpower). Each
command is one connection (op 12: write, then disconnect); the lamp's state after it is what
the command asked for. A bad argument is the command's error with the reason and writes
nothing; a frame the lamp refuses comes back to the script as error 8 and leaves the lamp as
it was."""
import json
import os
import re
import subprocess

import rs
import test_8_gatt as g8

HERE = os.path.dirname(os.path.abspath(__file__))
LAMP = os.path.join(HERE, "govee_peer.py")
EXAMPLE = os.path.join(HERE, "..", "..", "..", "examples", "scripts", "govee_lamp.lua")
NAME = "govee_lamp.lua"
TOPIC = "govee"


def example_for(env, path, line_rx, line):
    """The shipped example with its one configuration line (@line_rx) set to @line, as a user
    edits it, in the test's folder under the same name."""
    src = open(path).read()
    text, n = re.subn(line_rx, line, src, count=1, flags=re.M)
    assert n == 1, f"{path} has no line matching {line_rx}"
    out = os.path.join(env.logdir, os.path.basename(path))
    with open(out, "w") as f:
        f.write(text)
    return out


def start(env, broker=None):
    lamp = rs.Proc("govee_peer", ["/usr/bin/python3", LAMP], env.logdir, stdin=subprocess.PIPE)
    env.procs.append(lamp)
    lamp.wait_for(r"^ready$", 60, stream="out")
    script = example_for(env, EXAMPLE, r"^local LAMP = .*$",
                         'local LAMP = { mac = "%s", type = 0 }' % g8.PEER.replace(":", ""))
    m = env.mi32("--hci", "hci0", "--web-port", "0", "--gatt-timeout", str(g8.GATT_TIMEOUT),
                 "--script", script, *(broker.args(TOPIC) if broker else []), console=True)
    m.wait_for(r"bluetoothd is on the bus", 60, stream="err")
    return lamp, m


def call(env, m, line):
    """The command @line on mi32's console once hci1 advertises again: its reply (keyed by
    the name as the script registered it, lower case, whatever the case typed)."""
    g8.advertising_again(env)
    return m.command(line, key=line.split()[0].lower())


def script(m, lua):
    """`Script @govee_lamp.lua <lua>` (in the script's state): its reply."""
    return m.command("Script @%s %s" % (NAME, lua))


def lamp_state(lamp, m, start_lamp, start_m):
    """The lamp's state after the frame written since @start_lamp, and the script's
    "success!" for it."""
    st = lamp.wait_for(r"^(state|refused) (.*)$", g8.GATT_TIMEOUT + 30, start=start_lamp,
                       stream="out")
    assert st.group(1) == "state", st.string
    m.wait_for(r"script %s: success!" % NAME, 30, start=start_m, stream="err")
    return st.group(2)


def test_govee_lamp_commands(env):
    broker = rs.Broker(env, ["stat/%s/RESULT" % TOPIC, "tele/%s/LWT" % TOPIC])
    lamp, m = start(env, broker)
    steps = [("gpower 1", "power=1 brightness=0 color=000000 mode=none scene=0"),
             ("bright 128", "power=1 brightness=128 color=000000 mode=none scene=0"),
             ("color FF80400A", "power=1 brightness=128 color=ff8040 mode=manual scene=0"),
             ("Scene 3", "power=1 brightness=128 color=ff8040 mode=scene scene=3"),
             ("MUSIC 0F102030", "power=1 brightness=128 color=102030 mode=music scene=3")]
    b0 = env.btmon.mark()
    for line, want in steps:
        lp, mp = lamp.mark(), m.mark()
        reply, _ = call(env, m, line)
        assert reply == {line.split()[0].lower(): "Done"}, (line, reply)
        assert lamp_state(lamp, m, lp, mp) == want, line
    # the last one over MQTT, as Tasmota users send it: cmnd/<topic>/gpower 0
    broker.wait("tele/%s/LWT" % TOPIC, 1, 60)
    g8.advertising_again(env)
    lp, mp, bp = lamp.mark(), m.mark(), broker.sub.mark()
    subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port), "-t",
                    "cmnd/%s/gpower" % TOPIC, "-m", "0"], check=True, timeout=30)
    reply = broker.wait("stat/%s/RESULT" % TOPIC, 1, 30, start=bp)[0]
    assert json.loads(reply) == {"gpower": "Done"}, reply
    assert lamp_state(lamp, m, lp, mp) == \
        "power=0 brightness=128 color=102030 mode=music scene=3"
    # the frames as the seed builds them: 0x33, command, arguments, zeros, XOR checksum
    w = re.findall(r"^write %s (\w+)" % "00010203-0405-0607-0809-0a0b0c0d2b11",
                   lamp.text(stream="out"), re.M)
    assert w[0] == "3301010000000000000000000000000000000033", w
    assert w[2] == "330505" "0a" "ff8040" + "00" * 12 + "%02x" % (0x33 ^ 5 ^ 5 ^ 0x0a ^ 0xff
                                                              ^ 0x80 ^ 0x40), w
    # one connection per command (op 12 disconnects)
    assert g8.connections(env.btmon, b0, len(steps) + 1) == len(steps) + 1


def test_govee_lamp_errors(env):
    lamp, m = start(env)
    lp = lamp.mark()
    # bad arguments: the command's error with the reason, and nothing is written
    for line, why in (("gpower 2", "gpower 2: a whole number 0-1"),
                      ("bright high", "bright high: a whole number 0-255"),
                      ("color FF00", "color FF00: 8 hex digits, e.g. FF000000")):
        reply, _ = m.command(line)
        assert reply == {line.split()[0]: "Error", "Reason": why}, reply
    # a frame the lamp refuses (the magic byte spoilt): error 8 reaches the script's
    # callback, and the lamp keeps its state
    g8.advertising_again(env)
    lp2, mp = lamp.mark(), m.mark()
    reply, _ = script(m, "gv.buf[1] = 0x34; gv:writeBuf('spoilt')")
    assert reply == {"Script": "Done"}, reply
    assert lamp.wait_for(r"^(state|refused) (.*)$", g8.GATT_TIMEOUT + 30, start=lp2,
                         stream="out").group(0) == "refused first byte 34, not 33"
    m.wait_for(r"script %s: error:\t8$" % NAME, 30, start=mp, stream="err")
    # the first write of the test was the spoilt one: the bad arguments wrote nothing
    assert [t for s, t in lamp.lines[lp:] if s == "out" and t.startswith("write ")] == \
        ["write 00010203-0405-0607-0809-0a0b0c0d2b11 34" + "00" * 18 + "34 "], lamp.text()
    # the script goes on: a good command after it is taken
    assert script(m, "gv.buf[1] = 0x33")[0] == {"Script": "Done"}
    lp, mp = lamp.mark(), m.mark()
    reply, _ = call(env, m, "gpower 1")
    assert reply == {"gpower": "Done"}, reply
    assert lamp_state(lamp, m, lp, mp) == "power=1 brightness=0 color=000000 mode=none scene=0"
