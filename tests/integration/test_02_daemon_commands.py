# SPDX-License-Identifier: MIT
"""Console commands of `mi32 run` (SPEC §8): exact replies for good and bad arguments, no
state change on an error, no crash; MI32Name and MI32Option3 seen in the SENSOR lines."""
import json
import shutil
import socket
import time

import pytest

from test_02_daemon_helpers import TIMEOUT, Daemon, base_args, is_sensor, wait_replayed

ADVERTS = 1890  # the demo capture's records, 600 s of the simulated fleet


def fleet(path):
    return json.loads(path.read_text())


@pytest.fixture
def replayed(mi32_bin, demo, tmp_path):
    """A daemon that has replayed the whole demo capture and now only listens."""
    cfg = tmp_path / "mi32cfg"
    shutil.copy(demo["mi32cfg"], cfg)
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--json",
                         "--mi32cfg", cfg, "--topic", "node1"))
    try:
        wait_replayed(d, ADVERTS)
        d.cfg = cfg
        yield d
    finally:
        d.kill()


def sns(d):
    """Status 8 without its clock: the whole visible sensor state."""
    r = d.cmd("Status 8")["StatusSNS"]
    r.pop("Time")
    return r


def options(d):
    return [d.cmd(f"MI32Option{n}")[f"MI32Option{n}"] for n in range(6)]


def error_of(reply, key):
    assert list(reply) == [key, "Reason"] and reply[key] == "Error", reply
    return reply["Reason"]


def test_options(replayed):
    d = replayed
    assert options(d) == [1, 0, 0, 0, 0, 1]  # mi32cfg loaded, with a PID 0000 entry
    assert d.cmd("MI32Option2 1") == {"MI32Option2": 1}
    assert d.cmd("MI32Option2") == {"MI32Option2": 1}
    assert d.cmd("mi32option2 0") == {"MI32Option2": 0}
    assert d.cmd("MI32Option0 7") == {"MI32Option0": 1}  # any non-zero is 1
    assert d.cmd("MI32Option 1") == {"MI32Option1": 1}   # no index = index 1
    assert d.cmd("MI32Option1 0") == {"MI32Option1": 0}
    assert "MI32Option5" in error_of(d.cmd("MI32Option9 1"), "MI32Option9")
    error_of(d.cmd("MI32Option2 yes"), "MI32Option2")
    error_of(d.cmd("MI32Option2 1x"), "MI32Option2")
    assert d.cmd("MI32Optionx 1") == {"Command": "Unknown"}
    assert options(d) == [1, 0, 0, 0, 0, 1]


def test_mi32name(replayed):
    d = replayed
    first = fleet(d.cfg)[0]["MAC"]
    assert d.cmd("MI32Name0 Kitchen") == {"MI32Name": "Kitchen"}
    s = sns(d)
    assert s["Kitchen"]["MAC"] == first
    assert not [k for k in s if k.endswith(first[-6:].lower())]
    assert d.cmd("MI32Name0") == {"MI32Name": "Flora"}  # no text: the override goes
    assert f"Flora-{first[-6:].lower()}" in sns(d)
    before = sns(d)
    assert "slot" in error_of(d.cmd("MI32Name99 x"), "MI32Name99")
    assert "long" in error_of(d.cmd("MI32Name0 " + "x" * 200), "MI32Name0")
    assert sns(d) == before


def test_mi32key(replayed):
    d = replayed
    entries = fleet(d.cfg)
    lyw = next(e for e in entries if e["PID"] == "055b")
    good = lyw["key"] + lyw["MAC"]
    assert d.cmd("MI32Key " + good) == {"MI32Key": "Done", "Check": "decrypts"}
    # a MAC typed with colons, a key in lower case
    colon = ":".join(lyw["MAC"][i:i + 2] for i in range(0, 12, 2))
    assert d.cmd(f"MI32Key {lyw['key'].lower()} {colon}") == \
        {"MI32Key": "Done", "Check": "decrypts"}
    before = sns(d)
    # the 24-digit Mi token is not a v5 bind key
    r = d.cmd("MI32Key " + "00112233445566778899AABB" + lyw["MAC"])
    assert "token" in error_of(r, "MI32Key")
    assert "hex" in error_of(d.cmd("MI32Key " + "zz" * 16 + lyw["MAC"]), "MI32Key")
    assert "44 digits" in error_of(d.cmd("MI32Key 1234"), "MI32Key")
    error_of(d.cmd("MI32Key"), "MI32Key")
    assert "MAC" in error_of(d.cmd("MI32Key " + "00" * 16 + "112233445566"), "MI32Key")
    # still decrypts: no error changed the key
    assert d.cmd("MI32Key " + good)["Check"] == "decrypts"
    # a wrong key is refused and the working one kept (issue 17 #3), unless forced
    wrong = d.cmd("MI32Key " + "FF" * 16 + lyw["MAC"])
    assert wrong["MI32Key"] == "Error" and wrong["Reason"].startswith("wrong key"), wrong
    wrong = d.cmd("MI32Key " + "FF" * 16 + lyw["MAC"] + " force")
    assert wrong["MI32Key"] == "Done" and wrong["Check"].startswith("wrong key"), wrong
    assert d.cmd("MI32Key " + good)["Check"] == "decrypts"
    assert sns(d) == before
    # a device that has sent nothing encrypted
    plain = next(e for e in entries if e["PID"] == "045b")
    r = d.cmd("MI32Key " + "00" * 16 + plain["MAC"])
    assert r == {"MI32Key": "Done", "Check": "no encrypted frame heard yet"}


def test_teleperiod_status_topic_state(replayed):
    d = replayed
    assert d.cmd("TelePeriod") == {"TelePeriod": 300}
    assert d.cmd("TelePeriod 5") == {"TelePeriod": 10}
    assert d.cmd("TelePeriod 1") == {"TelePeriod": 300}
    assert d.cmd("TelePeriod 0") == {"TelePeriod": 0}
    assert d.cmd("TelePeriod 60") == {"TelePeriod": 60}
    error_of(d.cmd("TelePeriod 99999"), "TelePeriod")
    error_of(d.cmd("TelePeriod -1"), "TelePeriod")
    error_of(d.cmd("TelePeriod abc"), "TelePeriod")
    assert d.cmd("TelePeriod") == {"TelePeriod": 60}

    s8 = d.cmd("Status 8")
    assert list(s8) == ["StatusSNS"]
    body = s8["StatusSNS"]
    assert list(body)[0] == "Time" and list(body)[-1] == "TempUnit"
    assert len([k for k, v in body.items() if isinstance(v, dict)]) == len(fleet(d.cfg))
    assert d.cmd("Status 10") == s8 or list(d.cmd("Status 10")) == ["StatusSNS"]
    st = d.cmd("Status")
    assert st == {"Status": {"DeviceName": "mi32", "FriendlyName": ["node1"],
                             "Topic": "node1", "Sensors": 20}}
    assert list(d.cmd("Status 2")) == ["StatusFWR"]
    assert list(d.cmd("Status 11")) == ["StatusSTS"]
    assert list(d.cmd("Status 0")) == ["Status", "StatusPRM", "StatusFWR", "StatusLOG",
                                       "StatusMEM", "StatusNET", "StatusSNS", "StatusSTS"]
    error_of(d.cmd("Status 99"), "Status")
    error_of(d.cmd("Status x"), "Status")

    assert d.cmd("Topic") == {"Topic": "node1"}
    error_of(d.cmd("Topic other"), "Topic")
    assert d.cmd("Topic") == {"Topic": "node1"}

    state = d.cmd("State")
    assert state["TelePeriod"] == 60
    m = state["MI32"]
    assert m["Sensors"] == 20 and m["Adverts"] == ADVERTS and m["Decoded"] > 0
    assert m["NoKey"] == 0 and m["WrongKey"] == 0 and m["Malformed"] == 0
    error_of(d.cmd("State now"), "State")


def test_tasmota_habits(replayed):
    """Issue 17 #7: Backlog, Status 1/3/4/5, STATE's Heap/LoadAvg/Sleep/SleepMode (no Wifi),
    and a clear answer to a rule."""
    d = replayed
    assert d.cmd("Backlog TelePeriod 60; MI32Option2 1;MI32Option1 0") == {
        "TelePeriod": 60, "MI32Option2": 1, "MI32Option1": 0}
    assert d.cmd("TelePeriod") == {"TelePeriod": 60}
    # an error in one does not stop the others; no Backlog inside a Backlog
    r = d.cmd("backlog TelePeriod 99999; TelePeriod 120")
    assert r["TelePeriod"] == 120 and r["Reason"]
    assert "inside a Backlog" in error_of(d.cmd("Backlog TelePeriod 30; Backlog State"),
                                          "Backlog")
    error_of(d.cmd("Backlog"), "Backlog")

    prm = d.cmd("Status 1")["StatusPRM"]
    assert prm["GroupTopic"] == "mi32s" and prm["Sleep"] == 0 and prm["StartupUTC"]
    log = d.cmd("Status 3")["StatusLOG"]
    assert log["SerialLog"] == 2 and log["TelePeriod"] == 120
    mem = d.cmd("Status 4")["StatusMEM"]
    assert mem["Heap"] > 100 and mem["ProgramSize"] > 100  # kB
    net = d.cmd("Status 5")["StatusNET"]
    assert net["Hostname"] == socket.gethostname()
    assert set(net) == {"Hostname", "IPAddress", "Mac"}

    st = d.cmd("State")
    assert st["Heap"] > 100 and st["Sleep"] == 0 and st["SleepMode"] == "Dynamic"
    assert isinstance(st["LoadAvg"], int) and 0 <= st["LoadAvg"] <= 200
    assert "Wifi" not in st
    assert list(st)[:8] == ["Time", "Uptime", "UptimeSec", "Heap", "SleepMode", "Sleep",
                            "LoadAvg", "TelePeriod"]

    # without MQTT there is no discovery to clean up after
    assert "discovery is off" in error_of(d.cmd("HassClearDisco"), "HassClearDisco")

    why = error_of(d.cmd("rule1 on System#Boot do backlog MI32key 00112233 endon"), "Rule1")
    assert "rules are not supported" in why and "Lua" in why and "MI32Key" in why


def test_unknown_and_hostile_lines_do_not_change_anything(replayed):
    d = replayed
    before = (sns(d), options(d), d.cfg.read_bytes())
    for line in ["Bogus", "MI32", "MI32Keys x", "MI32Option99999999999 1", "Status8",
                 "=", "MI32Name-1 x", "\x01\x02", "MI32Cfg now", "é" * 300, "x" * 4000]:
        r = d.cmd(line)
        assert r == {"Command": "Unknown"} or list(r.values())[0] == "Error", (line, r)
    assert d.cmd("Bogus") == {"Command": "Unknown"}
    # blank lines and comments get no reply: the next reply is the Topic's
    d.send("")
    d.send("# a comment")
    assert d.cmd("Topic") == {"Topic": "node1"}
    assert (sns(d), options(d), d.cfg.read_bytes()) == before
    assert d.proc.poll() is None
    assert d.close() == 0


def test_mi32cfg_command(replayed):
    d = replayed
    assert d.cmd("MI32Name0 Kitchen") == {"MI32Name": "Kitchen"}
    assert d.cmd("MI32Cfg") == {"MI32Cfg": "Done"}
    saved = json.loads(d.cfg.read_text())
    assert saved[0]["name"] == "Kitchen" and len(saved) == 20
    error_of(d.cmd("MI32Cfg x"), "MI32Cfg")


# ---- effects on the SENSOR lines, with a replay that loops ------------------------------

def test_option3_and_name_in_the_sensor_lines(mi32_bin, demo, tmp_path):
    entries = fleet(demo["mi32cfg"])
    atc = next(e for e in entries if e["PID"] == "0a1c")["MAC"]
    cfg = tmp_path / "mi32cfg"
    cfg.write_text(json.dumps([e for e in entries if e["MAC"] != atc]))
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--loop",
                         "--json", "--mi32cfg", cfg))
    try:
        assert d.cmd("MI32Option3") == {"MI32Option3": 0}
        # two full passes (TelePeriod every 300 s lists every record) without the ATC
        seen = 0
        while seen < 4:
            m = d.wait_for(is_sensor)
            assert atc not in json.dumps(m)
            seen += any(isinstance(v, dict) and "Time" in v for v in m.values())
        assert d.cmd("MI32Option3 1") == {"MI32Option3": 1}
        m = d.wait_for(lambda o: is_sensor(o) and atc in json.dumps(o), what="the ATC")
        assert f"ATC-{atc[-6:].lower()}" in m
        assert d.cmd("MI32Name0 Kitchen") == {"MI32Name": "Kitchen"}
        m = d.wait_for(lambda o: is_sensor(o) and "Kitchen" in o, what="Kitchen")
        assert m["Kitchen"]["MAC"] == entries[0]["MAC"]
        assert not [k for k in m if k.startswith("Flora-")]
    finally:
        d.kill()


def test_a_wrong_key_never_replaces_a_working_one(mi32_bin, demo, tmp_path):
    """issue 17 #3: MI32Key with a key that fails the last encrypted frame heard is refused
    (the sensor goes on decoding), unless forced; the reply says which case applied."""
    fleet = json.loads(demo["mi32cfg"].read_text())
    lyw = next(e for e in fleet if e["PID"] == "055b")
    cfg = tmp_path / "mi32cfg"
    cfg.write_text(json.dumps(fleet))
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--loop",
                         "--json", "--mi32cfg", cfg, "--teleperiod", "0"))

    def decodes(timeout=TIMEOUT):
        """The next SENSOR object of the LYWSD03 carries a temperature."""
        obj = d.wait_for(lambda o: any(isinstance(v, dict) and v.get("MAC") == lyw["MAC"]
                                       for v in o.values()), timeout, "a LYWSD03 SENSOR")
        return any("Temperature" in v for v in obj.values()
                   if isinstance(v, dict) and v.get("MAC") == lyw["MAC"])

    try:
        # wait until an encrypted frame of it was heard: it decodes
        end = time.monotonic() + TIMEOUT
        while not decodes():
            assert time.monotonic() < end
        wrong = "FF" * 16 + lyw["MAC"]
        r = d.cmd("MI32Key " + wrong)
        assert r["MI32Key"] == "Error" and "Done" not in json.dumps(r), r
        assert r["Reason"].startswith("wrong key: it does not decrypt the last encrypted "
                                      "frame heard from this sensor, so the key in use is "
                                      "kept"), r
        assert '" force"' in r["Reason"]
        for _ in range(3):  # still decoding, with the old key
            assert decodes()
        bad = "LYWSD03-" + lyw["MAC"][-6:].lower() + ": the key does not decrypt"
        assert not any(bad in x for x in d.err)
        # forced: set, and the reply says it was wrong
        r = d.cmd(f"MI32Key {wrong} force")
        assert r == {"MI32Key": "Done",
                     "Check": "wrong key: it does not decrypt the last frame; set anyway "
                              "(force)"}, r
        end = time.monotonic() + TIMEOUT
        while not any(bad in x for x in d.err):  # the next encrypted frame fails
            assert time.monotonic() < end, "the forced key was not used"
            time.sleep(0.05)
        # the right key again, checked against the frame just heard
        assert d.cmd("MI32Key " + lyw["key"] + lyw["MAC"] + "  FORCE") == \
            {"MI32Key": "Done", "Check": "decrypts"}
        assert d.cmd("MI32Key " + lyw["key"] + lyw["MAC"]) == \
            {"MI32Key": "Done", "Check": "decrypts"}
    finally:
        d.kill()
