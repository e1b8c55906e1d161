# SPDX-License-Identifier: MIT
"""Lua scripts in the daemon (issue 13): the scripts folder and --script, the `Script`
command over MQTT (Tasmota's Berry console), and the sandbox seen from outside: a script
with an endless loop, a memory bomb or os.execute is stopped, logged with file:line and
counted on `Script` and /metrics, and the daemon keeps answering."""
import json
import os
import time
import urllib.request

from conftest import free_port, wait_port
from test_03_mqtt_publish import Sub, command, start_node, stop, wait_online


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


def test_scripts_and_script_command_over_mqtt(mi32_bin, demo, broker, tmp_path):
    scripts = tmp_path / "state-lua1" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "10_loop.lua").write_text("local n = 0\nwhile true do n = n + 1 end\n")
    (scripts / "20_bomb.lua").write_text("local t = {}\nwhile true do\n"
                                         "  t[#t + 1] = string.rep('x', 4096) .. #t\nend\n")
    (scripts / "30_exec.lua").write_text("os.execute('touch " + str(tmp_path / "pwned") + "')\n")
    (scripts / "40_good.lua").write_text("print('good script ran')\n")
    extra = tmp_path / "extra.lua"
    extra.write_text("local b = bytes('0201')\nprint('extra', b:get(0, -2))\n")
    port = free_port()
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "lua1", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(tmp_path / "lua1.mi32cfg"), "--web-port", str(port),
                   "--script", str(extra), "--script-timeout", "200",
                   "--script-memory", "1024")
    try:
        wait_online(sub, "lua1")
        wait_port(port)
        t = "lua1"
        assert command(sub, t, "Script", "1 + 1") == {"Script": 2}
        assert command(sub, t, "Script", "n = bytes('A4C138')") == {"Script": "Done"}
        assert command(sub, t, "Script", "n:tohex(), n[0], #n") == {"Script": ["A4C138", 164, 3]}
        r = command(sub, t, "Script", "while true do end")
        assert r["Script"] == "Error" and "stopped after 200 ms" in r["Reason"]
        r = command(sub, t, "Script", "io.open('/etc/passwd')")
        assert r["Script"] == "Error" and "attempt to index a nil value (global 'io')" in r["Reason"]
        # the daemon and the console go on
        assert command(sub, t, "Script", "'still ' .. _VERSION") == {"Script": "still Lua 5.4"}

        status = command(sub, t, "Script")["Script"]
        by = {s["Name"]: s for s in status["Scripts"]}
        assert list(by) == ["10_loop.lua", "20_bomb.lua", "30_exec.lua", "40_good.lua",
                            "extra.lua", "console"]
        assert by["10_loop.lua"]["Timeouts"] == 1
        assert by["10_loop.lua"]["LastError"].endswith(
            "10_loop.lua:2: stopped after 200 ms: the script did not return (an endless loop?)")
        assert by["20_bomb.lua"]["LastError"] == "out of memory (the cap is 1024 kB)"
        assert "30_exec.lua:1: attempt to call a nil value (field 'execute')" in \
            by["30_exec.lua"]["LastError"]
        assert by["40_good.lua"]["Errors"] == 0 and by["extra.lua"]["Errors"] == 0
        assert by["console"]["Errors"] == 2
        assert status["Errors"] == 5
        assert not (tmp_path / "pwned").exists()

        metrics = get(port, "/metrics")
        assert 'mi32_script_timeouts_total{script="10_loop.lua"} 1' in metrics
        assert 'mi32_script_errors_total{script="20_bomb.lua"} 1' in metrics
        assert 'mi32_script_errors_total{script="40_good.lua"} 0' in metrics
        assert 'mi32_script_stopped{script="30_exec.lua"} 0' in metrics
    finally:
        stop(p)
        sub.close()
    log = (tmp_path / "lua1.log").read_text()
    assert "script 40_good.lua: good script ran" in log
    assert "script extra.lua: extra\t513" in log
    assert "error: script 10_loop.lua: loading 10_loop.lua: " in log


LAMP_LUA = """-- a command with an index and a JSON payload, and one that fails
state = {}
mi32.add_cmd("Lamp", function(cmd, idx, payload, json)
  if type(json) == "table" then
    state[idx] = json.on
  elseif payload ~= "" then
    local n = math.tointeger(tonumber(payload))
    if not n then return mi32.resp_cmnd_error("on: 0 or 1") end
    state[idx] = n
  end
  mi32.resp_cmnd(string.format('{"%s%d":%s}', cmd, idx, state[idx] or "null"))
end)
mi32.add_cmd("Boom", function() error("bang") end)
"""


def test_script_commands_over_mqtt_and_http(mi32_bin, demo, broker, tmp_path):
    """mi32.add_cmd (Tasmota's tasmota.add_cmd): a script's command answers on the node's
    topic and the group topic with its index and JSON payload; an error in it is a reply
    with file:line, counted; over HTTP it is a write like every state change (GET refused,
    POST needs the password and the CSRF token); ScriptReload takes the old commands away."""
    from test_05_web_api import Web
    from test_05_web_auth import login

    script = tmp_path / "lamp.lua"
    script.write_text(LAMP_LUA)
    port = free_port()
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "cmd1", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(tmp_path / "cmd1.mi32cfg"), "--web-port", str(port),
                   "--web-password", "pw", "--script", str(script))
    try:
        wait_online(sub, "cmd1")
        wait_port(port)
        t = "cmd1"
        assert command(sub, t, "Lamp2", '{"on":1}') == {"Lamp2": 1}
        assert command(sub, t, "lamp2") == {"Lamp2": 1}
        assert command(sub, t, "LAMP", "x") == {"Lamp": "Error", "Reason": "on: 0 or 1"}
        # the group topic reaches it as the built-ins
        n = len(sub.payloads(f"stat/{t}/RESULT"))
        sub.publish("cmnd/mi32s/Lamp3", "0")
        assert json.loads(sub.wait_topic(f"stat/{t}/RESULT", n + 1)[n]) == {"Lamp3": 0}
        r = command(sub, t, "Boom")
        assert r["Boom"] == "Error" and r["Reason"].endswith("lamp.lua:13: bang"), r
        by = {s["Name"]: s for s in command(sub, t, "Script")["Script"]["Scripts"]}
        assert by["lamp.lua"]["Errors"] == 1 and by["lamp.lua"]["Commands"] == ["Lamp", "Boom"]

        w = Web(p, port, None)
        auth = "&user=admin&password=pw"
        # a GET changes nothing, even with the password; reads still answer
        status, j = w.json("/cm?cmnd=Lamp%201" + auth)
        assert status == 405 and "send it as POST" in j["error"], j
        assert w.json("/cm?cmnd=Topic" + auth) == (200, {"Topic": t})
        assert command(sub, t, "Lamp") == {"Lamp1": None}
        # POST: the session's token, and the password behind it
        jar, tok = login(w)
        assert w.req("/cm", data=b"cmnd=Lamp%201", headers=jar)[0] == 403
        assert w.req("/cm", data=b"cmnd=Lamp%201", headers={"X-CSRF-Token": tok})[0] == 401
        assert command(sub, t, "Lamp") == {"Lamp1": None}
        assert w.json("/cm", data=b"cmnd=Lamp%201",
                      headers=dict(jar, **{"X-CSRF-Token": tok})) == (200, {"Lamp1": 1})
        assert command(sub, t, "Lamp") == {"Lamp1": 1}

        # the file without Boom, loaded again: Boom is gone, Lamp is the new state's
        script.write_text(LAMP_LUA.replace('mi32.add_cmd("Boom"', '-- mi32.add_cmd("Boom"'))
        assert command(sub, t, "ScriptReload", "lamp.lua") == {"ScriptReload": "lamp.lua"}
        assert command(sub, t, "Boom") == {"Command": "Unknown"}
        by = {s["Name"]: s for s in command(sub, t, "Script")["Script"]["Scripts"]}
        assert by["lamp.lua"]["Commands"] == ["Lamp"]
        assert command(sub, t, "Lamp") == {"Lamp1": None}
    finally:
        stop(p)
        sub.close()
    log = (tmp_path / "cmd1.log").read_text()
    assert "script lamp.lua: command Lamp added" in log
    assert "error: script lamp.lua: command Boom: " in log and "lamp.lua:13: bang" in log


def test_adv_listener_example(mi32_bin, demo, broker, tmp_path):
    """examples/scripts/adv_listener.lua on the demo fleet: every advert of the watched
    LYWSD03 reaches the script in the seed's buffer layout and goes out on tele/<topic>/ADV."""
    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                       "adv_listener.lua")
    sub = Sub(broker, ["tele/lua2/ADV", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "lua2", "--replay", str(demo["capture"]),
                   "--fast", "--loop", "--mi32cfg", str(tmp_path / "lua2.mi32cfg"),
                   "--script", src)
    try:
        wait_online(sub, "lua2")
        assert sub.wait(lambda ms: sum(t == "tele/lua2/ADV" for t, _, _ in ms) >= 3, 20), \
            "no ADV messages"
        for payload in sub.payloads("tele/lua2/ADV")[:3]:
            m = json.loads(payload)
            assert m["MAC"] == "A4C138A1B204" and m["Type"] in (0, 1)
            assert -127 <= m["RSSI"] < 0
            # the MiBeacon service data: UUID FE95 little endian, then the frame
            assert m["ServiceData"].startswith("95FE") and m["ServiceData"] in m["Payload"]
    finally:
        stop(p)
        sub.close()
    log = (tmp_path / "lua2.log").read_text()
    assert "script adv_listener.lua: Full buffer:\tA4C138A1B204" in log
    assert "script adv_listener.lua: service data:\t95FE" in log


def test_widget(mi32_bin, demo, broker, tmp_path):
    """MI32.widget: the script's fragment at /api/widgets (what the dashboard shows in a
    sandboxed frame); its callback runs after each request, so the next one sees its update;
    "" takes the box away."""
    script = tmp_path / "w.lua"
    script.write_text("n = 0\n"
                      "local function cb()\n"
                      "  n = n + 1\n"
                      "  MI32.widget('<p>asked ' .. n .. '</p>')\n"
                      "end\n"
                      "assert(MI32.widget() == true)\n"
                      "assert(MI32.widget('<p>hello</p><script>alert(1)</script>', cb))\n")
    port = free_port()
    sub = Sub(broker, ["stat/#", "tele/+/LWT"])
    p = start_node(mi32_bin, broker, tmp_path, "lua3", "--replay", str(demo["capture"]),
                   "--mi32cfg", str(tmp_path / "lua3.mi32cfg"), "--web-port", str(port),
                   "--script", str(script))
    try:
        wait_online(sub, "lua3")
        wait_port(port)
        w = json.loads(get(port, "/api/widgets"))["widgets"]
        # as the script set it: the dashboard's sandbox (no scripts) is what makes it safe
        assert w == [{"name": "w.lua", "html": "<p>hello</p><script>alert(1)</script>"}]
        # the callback ran after that request (from the loop): the Script console's state is
        # another one, so ask the page again until the script's own update shows
        for _ in range(50):
            w = json.loads(get(port, "/api/widgets"))["widgets"]
            if w[0]["html"].startswith("<p>asked"):
                break
        assert w[0]["html"].startswith("<p>asked ")
        assert command(sub, "lua3", "ScriptReload", "w.lua") == {"ScriptReload": "w.lua"}
        w = json.loads(get(port, "/api/widgets"))["widgets"]
        assert w[0]["html"] == "<p>hello</p><script>alert(1)</script>"
        script.write_text("MI32.widget('')\n")
        command(sub, "lua3", "ScriptReload", "w.lua")
        assert json.loads(get(port, "/api/widgets"))["widgets"] == []
    finally:
        stop(p)
        sub.close()


def test_bthome_broadcaster_example(mi32_bin, demo, tmp_path):
    """examples/scripts/bthome_broadcaster.lua against the fake bluetoothd: the first
    thermometer of the demo fleet's reading goes out as a BTHome v2 broadcast (op 201
    without characteristics), the value being the one mi32 decoded."""
    from test_07_gatt_commands import gatt_daemon
    from test_09_gatt_server_command import FakeServerBluez

    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                       "bthome_broadcaster.lua")
    fake = FakeServerBluez(tmp_path)
    try:
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--script", src) as d:
            st = d.cmd("Status 8")["StatusSNS"]
            key = sorted(k for k, v in st.items()
                         if isinstance(v, dict) and "Temperature" in v and "Humidity" in v)[0]
            t, h = st[key]["Temperature"], st[key]["Humidity"]
            sd = (bytes.fromhex("D2FC4002") + round(t * 100).to_bytes(2, "little", signed=True)
                  + b"\x03" + round(h * 100).to_bytes(2, "little"))
            want = "broadcast " + (bytes([len(sd) + 1, 0x16]) + sd).hex() + " -"
            end = time.monotonic() + 20
            while fake.ctl.Advertised() != want:
                assert time.monotonic() < end, f"advertised {fake.ctl.Advertised()!r}, not {want!r}"
                time.sleep(0.1)
    finally:
        fake.close()


def test_ibeacon_broadcaster_example(mi32_bin, demo, tmp_path):
    """examples/scripts/ibeacon_broadcaster.lua against the fake bluetoothd: Apple's
    manufacturer data (UUID, major and minor big-endian, the 1 m power as a signed byte)
    goes out as a non-connectable broadcast, and beacon(major, minor) from the console
    advertises the new numbers; bad numbers are an error that changes nothing."""
    from test_07_gatt_commands import gatt_daemon
    from test_09_gatt_server_command import FakeServerBluez

    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                       "ibeacon_broadcaster.lua")

    def want(major, minor):
        m = (bytes.fromhex("4c000215fda50693a4e24fb1afcfc6eb07647825")
             + major.to_bytes(2, "big") + minor.to_bytes(2, "big") + bytes([256 - 59]))
        return "broadcast " + (bytes([len(m) + 1, 0xFF]) + m).hex() + " -"

    def advertised(fake, what):
        end = time.monotonic() + 20
        while fake.ctl.Advertised() != what:
            assert time.monotonic() < end, f"advertised {fake.ctl.Advertised()!r}, not {what!r}"
            time.sleep(0.1)

    fake = FakeServerBluez(tmp_path)
    try:
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--script", src) as d:
            advertised(fake, want(1, 2))
            assert fake.ctl.AdvProp("Type") == "broadcast"
            s = "Script @ibeacon_broadcaster.lua "
            assert d.cmd(s + "beacon(513, 65535)") == {"Script": "Done"}
            advertised(fake, want(513, 65535))
            for bad in ("beacon(-1, 2)", "beacon(1, 65536)", "beacon(1.5, 2)"):
                r = d.cmd(s + bad)
                assert r["Script"] == "Error" and "0..65535" in r["Reason"], (bad, r)
            assert fake.ctl.Advertised() == want(513, 65535)
    finally:
        fake.close()


def test_irk_grabber_example(mi32_bin, demo, tmp_path):
    """examples/scripts/irk_grabber.lua against the fake bluetoothd: the heart-rate server
    goes up in the seed's order (211 BPM with the seed's 1554 properties, 211 location,
    202, 201 with the heart-rate UUID); a phone met by its RPA connects and pairs, giving
    its identity; the script takes identity, name and IRK (here from bluetoothd's bond
    store) from BLE.info() and MI32Irk keeps them in the list and the mi32cfg file."""
    from test_07_gatt_commands import gatt_daemon
    from test_09_gatt_server_command import FakeServerBluez

    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                       "irk_grabber.lua")
    rpa, ident = "5A:11:22:33:44:55", "00:AA:01:00:00:07"
    irk_lsb = "F0E1D2C3B4A5968778695A4B3C2D1E0F"
    bonds = tmp_path / "bonds"
    info = bonds / "00:AA:01:00:00:00" / ident
    info.mkdir(parents=True)
    (info / "info").write_text("[IdentityResolvingKey]\nKey=%s\n\n[LongTermKey]\n"
                               "Key=00112233445566778899AABBCCDDEEFF\nAuthenticated=2\n"
                               % irk_lsb)
    fake = FakeServerBluez(tmp_path)
    try:
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--bond-dir", bonds,
                         "--script", src) as d:
            end = time.monotonic() + 20
            while not fake.ctl.Advertised().startswith("peripheral"):
                assert time.monotonic() < end, fake.ctl.Advertised()
                time.sleep(0.1)
            # bluetoothd writes the UUID list as complete (0x03) and the name as complete
            # (0x09) from LEAdvertisement1's properties; the fake rebuilds them so
            assert fake.ctl.Advertised() == "peripheral 03030d18 09096d69333220424c45", \
                fake.ctl.Advertised()
            handles = fake.ctl.AppHandles()
            assert "00002a37-0000-1000-8000-00805f9b34fb=" in handles, handles
            assert "00002a38-0000-1000-8000-00805f9b34fb=" in handles, handles
            fake.ctl.CentralConnect(rpa)
            fake.ctl.SetName(rpa, "Pixel")
            fake.ctl.CentralPairIdentity(rpa, ident)
            mac = ident.replace(":", "")
            while True:
                entries = json.loads((tmp_path / "mi32cfg").read_text())
                e = [x for x in entries if x["MAC"] == mac]
                if e:
                    break
                assert time.monotonic() < end, "the script kept no IRK"
                time.sleep(0.1)
            (e,) = e
            key = bytes.fromhex(irk_lsb)[::-1].hex().upper()
            assert e["PID"] == "0000" and e["key"] == key and e["name"] == "Pixel", e
            assert d.cmd("MI32Option5") == {"MI32Option5": 1}
    finally:
        fake.close()


def test_mi32_commands_example(mi32_bin, demo, tmp_path):
    """examples/scripts/mi32_commands.lua (the seed's removed MI32 commands) against the fake
    bluetoothd playing the demo fleet's GATT devices, called in the script's own state with
    `Script @mi32_commands.lua …`: the LYWSD03's notification (op 13) lands in the store
    through MI32.set_*, a LYWSD02's battery (op 11), and MI32Unit writes its unit (op 12)."""
    from test_07_gatt_commands import LYWSD02, LYWSD03, FakeBluez, gatt_daemon, mi, sensor

    src = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                       "mi32_commands.lua")
    fake = FakeBluez(tmp_path)
    try:
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--gatt-timeout", "3",
                         "--script", src) as d:
            fake.fleet()
            s = "@mi32_commands.lua "
            assert d.cmd("Script " + s + "MI32Bat(99)") == {"Script": "out of bounds"}
            assert d.cmd("Script " + s + "MI32Bat(%d)" % LYWSD03) == {"Script": "Done"}
            end = time.monotonic() + 20
            while sensor(d, LYWSD03).get("Battery") != 70:
                assert time.monotonic() < end, sensor(d, LYWSD03)
                time.sleep(0.1)
            v = sensor(d, LYWSD03)
            assert v["Temperature"] == 21.5 and v["Humidity"] == 48
            assert d.cmd("Script " + s + "MI32Bat(%d)" % LYWSD02) == {"Script": "Done"}
            while sensor(d, LYWSD02).get("Battery") != 57:
                assert time.monotonic() < end, sensor(d, LYWSD02)
                time.sleep(0.1)
            assert d.cmd("Script " + s + "MI32Unit(%d, 1)" % LYWSD02) == {"Script": "Done"}
            # the seed asks for a write with response: "request"
            while fake.ctl.Written("E7:2E:00:11:22:03", mi("BE")) != "01/request":
                assert time.monotonic() < end, fake.ctl.Written("E7:2E:00:11:22:03", mi("BE"))
                time.sleep(0.1)
            r = d.cmd("Script @nope.lua 1")
            assert r["Script"] == "Error" and r["Reason"] == "no script named 'nope.lua'"
    finally:
        fake.close()


def test_daemon_lists_apply_to_scripts(mi32_bin, demo, tmp_path):
    """--watch / MI32Watch (issue 12 #4) narrow what a script's adv_cb sees as well as the
    store; the script's own BLE.adv_block narrows it further, for that script only."""
    from test_02_daemon_helpers import Daemon, base_args, wait_replayed

    flora, mjht = "C47C8D6A1B01", "582D34359302"
    script = tmp_path / "count.lua"
    script.write_text("seen = {}\n"
                      "local buf = bytes(-64)\n"
                      "BLE.adv_cb(function() local m = buf:slice(0, 5):tohex()\n"
                      "  seen[m] = (seen[m] or 0) + 1 end, buf)\n"
                      "BLE.adv_block(bytes('%s'))\n"
                      "function macs() local t = {} for m in pairs(seen) do t[#t + 1] = m end\n"
                      "  table.sort(t) return table.concat(t, ' ') end\n" % mjht)
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--json",
                         "--mi32cfg", tmp_path / "absent.mi32cfg", "--watch",
                         f"{flora},{mjht}", "--script", script))
    try:
        st = wait_replayed(d, 1890)
        assert st["MI32"]["Filtered"] > 0
        # adv_cb calls are queued and run from the loop: the console line runs after them
        assert d.cmd("Script @count.lua macs()") == {"Script": flora}
    finally:
        d.kill()


def test_docs_list_every_example_as_shipped():
    """docs/scripting.md shows each examples/scripts/*.lua in full next to the seed's Berry
    (issue 13: side by side): a listing there is the file, byte for byte, so the page cannot
    drift from what ships; an example without its listing fails too."""
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    doc = open(os.path.join(root, "docs", "scripting.md")).read()
    blocks = {}
    for block in doc.split("```lua\n")[1:]:
        body = block.split("\n```")[0]
        first = body.split("\n", 1)[0]
        if first.startswith("-- ") and ".lua " in first:
            blocks[first[3:first.index(".lua ") + 4]] = body + "\n"
    ex = os.path.join(root, "examples", "scripts")
    names = sorted(n for n in os.listdir(ex) if n.endswith(".lua"))
    assert names, "no examples"
    for n in names:
        assert n in blocks, f"docs/scripting.md has no listing of {n}"
        assert blocks[n] == open(os.path.join(ex, n)).read(), \
            f"the listing of {n} in docs/scripting.md differs from the file"


def example_copy(tmp_path, name, line_rx, line):
    """examples/scripts/@name with its one configuration line (@line_rx) set to @line, as a
    user edits it, under the same name in @tmp_path."""
    import re

    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "scripts",
                            name)).read()
    text, n = re.subn(line_rx, line, src, count=1, flags=re.M)
    assert n == 1, f"{name} has no line matching {line_rx}"
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_govee_lamp_example(mi32_bin, demo, tmp_path):
    """examples/scripts/govee_lamp.lua (the seed's Govee desk lamp) against the fake
    bluetoothd: each command writes one 20-byte frame (write, then disconnect) that the lamp
    model of the real-stack test (tests/realstack/guest/govee_peer.py) takes, and the lamp's
    state is what the commands asked for; bad arguments are errors that write nothing. The
    commands are the daemon's, as the seed's tasmota.add_cmd made them (`gpower 1`)."""
    import sys

    from test_07_gatt_commands import FakeBluez, gatt_daemon

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "realstack", "guest"))
    from govee_peer import CMD, SVC, Lamp

    mac = "A4:C1:38:00:60:01"
    script = example_copy(tmp_path, "govee_lamp.lua", r"^local LAMP = .*$",
                          'local LAMP = { mac = "%s", type = 0 }' % mac.replace(":", ""))
    fake = FakeBluez(tmp_path)
    try:
        fake.peer(mac, {SVC: [(CMD, "write", "")]})
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--gatt-timeout", "3",
                         "--script", str(script)) as d:
            # the seed's commands are the daemon's (mi32.add_cmd), in any case
            for line, why in (("gpower 2", "gpower 2: a whole number 0-1"),
                              ("BRIGHT -1", "bright -1: a whole number 0-255"),
                              ("scene x", "scene x: a whole number 0-255"),
                              ("music 0F", "music 0F: 8 hex digits, e.g. FF000000")):
                name = line.split()[0].lower()
                assert d.cmd(line) == {name: "Error", "Reason": why}, line
            lamp = Lamp()
            steps = [("gpower 1", "power=1 brightness=0 color=000000 mode=none scene=0"),
                     ("bright 200", "power=1 brightness=200 color=000000 mode=none scene=0"),
                     ("color 00FF0001",
                      "power=1 brightness=200 color=00ff00 mode=manual scene=0"),
                     ("Scene 7", "power=1 brightness=200 color=00ff00 mode=scene scene=7"),
                     ("music 05AABBCC",
                      "power=1 brightness=200 color=aabbcc mode=music scene=7")]
            for i, (line, want) in enumerate(steps):
                assert d.cmd(line) == {line.split()[0].lower(): "Done"}, line
                end = time.monotonic() + 20
                while len(fake.ctl.Written(mac, CMD).split()) <= i:
                    assert time.monotonic() < end, f"{line}: nothing written"
                    time.sleep(0.05)
                frame, kind = fake.ctl.Written(mac, CMD).split()[i].split("/")
                assert kind == "request" and lamp.take(bytes.fromhex(frame)) is None, frame
                assert lamp.state() == want, line
            assert d.wait_stderr(r"script govee_lamp.lua: success!")
    finally:
        fake.close()


def test_air_mouse_example(mi32_bin, demo, broker, tmp_path):
    """examples/scripts/air_mouse.lua (the seed's BPR2S air mouse) against the fake
    bluetoothd playing the remote with the seed's handles (reports at 34 mouse, 38 consumer,
    42 keyboard): the script reads 2A4A, 2A4B, 2A4D, subscribes to the three reports, and key
    presses and pointer moves come out on MQTT as the seed publishes them; a release
    publishes nothing; when the remote drops the link the script connects again by itself."""
    from test_07_gatt_commands import FakeBluez, gatt_daemon

    mac = "E0:07:02:01:03:C1"
    script = example_copy(tmp_path, "air_mouse.lua", r"^local REMOTE = .*$",
                          'local REMOTE = { mac = "%s", type = 0 }' % mac.replace(":", ""))
    fake = FakeBluez(tmp_path)
    sub = Sub(broker, ["tele/BPR2S"])
    try:
        c = fake.ctl
        c.AddPeer(mac, "public", "ok")
        c.AddService(mac, "1812", dbus_u16(16))
        for uuid, flags, value, h in (("2A4A", "read", "11010002", 17),
                                      ("2A4B", "read", "05010902a101c0", 19),
                                      ("2A4D", "read,notify", "00000000", 33),
                                      ("2A4D", "read,notify", "0000", 37),
                                      ("2A4D", "read,notify", "0000000000000000", 41),
                                      ("2A4C", "write-without-response", "", 45)):
            c.AddChar(mac, "1812", uuid, flags, value, dbus_u16(h))
        with gatt_daemon(mi32_bin, demo, tmp_path, fake, "--gatt-timeout", "3",
                         "--mqtt-host", "127.0.0.1", "--mqtt-port", str(broker.port),
                         "--script", str(script)) as d:
            d.wait_stderr(r"script air_mouse.lua: BLE: init completed for BPR2S")

            def press(handle, value, want):
                n = len(sub.payloads("tele/BPR2S"))
                assert c.Notify(mac, "2A4D", dbus_u16(handle), value)
                if want is None:
                    return
                assert sub.wait(lambda ms: len(sub.payloads("tele/BPR2S")) > n, 10), value
                assert json.loads(sub.payloads("tele/BPR2S")[n]) == want

            press(41, "0000520000000000", {"key": "up"})
            press(41, "0000000000000000", None)  # the release
            press(37, "e900", {"key": "plus"})
            press(37, "3000", {"key": "on"})
            # x = -256 and y = 384 in 12 bits from bit 4 of the data: 128 - 2, 128 + 3
            press(33, "00f08001", {"mouse": {"x": 126, "y": 131}})
            press(41, "0000500000000000", {"key": "left"})
            assert len(sub.payloads("tele/BPR2S")) == 5  # the release published nothing
            c.PeerDisconnect(mac)
            d.wait_stderr(r"BLE: did disconnect BPR2S \.\.\. will try to reconnect")
            d.wait_stderr(r"BLE: try to reconnect BPR2S")
            end = time.monotonic() + 20
            while not c.Notify(mac, "2A4D", dbus_u16(41), "0000510000000000"):
                assert time.monotonic() < end, "not subscribed again"
                time.sleep(0.1)
            assert sub.wait(lambda ms: json.loads(ms[-1][1]) == {"key": "down"}, 10)
    finally:
        sub.close()
        fake.close()


def dbus_u16(v):
    import dbus

    return dbus.UInt16(v)
