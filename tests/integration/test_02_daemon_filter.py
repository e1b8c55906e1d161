# SPDX-License-Identifier: MIT
"""Watch and block lists (issue 12 #4, the seed's BLE.adv_watch / adv_block): --watch and
--block from the command line or the config file, MI32Watch and MI32Block at run time,
applied before anything is decoded and counted in State's "Filtered"."""
import json

from test_02_daemon_helpers import Daemon, base_args, by_mac, replay, wait_replayed

ADVERTS = 1890  # the demo capture's records
FLORA = "C47C8D6A1B01"
MJHT = "582D34359302"


def macs_with_values(r):
    """MACs that a replay's SENSOR lines reported"""
    return set(by_mac([json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]))


def test_block_and_watch_options(mi32_bin, demo, tmp_path):
    full = macs_with_values(replay(mi32_bin, tmp_path, demo["capture"]))
    assert FLORA in full and MJHT in full and len(full) > 5
    blocked = macs_with_values(replay(mi32_bin, tmp_path, demo["capture"], "--block",
                                      f"C4:7C:8D:6A:1B:01,{MJHT.lower()}"))
    assert blocked == full - {FLORA, MJHT}
    watched = macs_with_values(replay(mi32_bin, tmp_path, demo["capture"], "--watch", FLORA))
    assert watched == {FLORA}


def test_a_bad_list_is_refused_at_start(mi32_bin, demo, tmp_path):
    r = replay(mi32_bin, tmp_path, demo["capture"], "--block", f"{FLORA},C47C8D6A1B0",
               check=False)
    assert r.rc != 0
    assert "is not a list of MACs" in r.stderr and "block" in r.stderr


def test_commands(mi32_bin, demo, tmp_path):
    d = Daemon(base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--json",
                         "--mi32cfg", tmp_path / "absent.mi32cfg", "--block", FLORA))
    try:
        st = wait_replayed(d, ADVERTS)
        flora_adverts = st["MI32"]["Filtered"]
        assert flora_adverts > 0
        assert d.cmd("MI32Block") == {"MI32Block": ["C4:7C:8D:6A:1B:01"]}
        assert d.cmd("MI32Block 58:2D:34:35:93:02") == {
            "MI32Block": ["C4:7C:8D:6A:1B:01", "58:2D:34:35:93:02"]}
        assert d.cmd("MI32Block1 582D34359302") == {
            "MI32Block1": "Error", "Reason": "this MAC is on the list already"}
        assert d.cmd("MI32Block0 C47C8D6A1B01") == {"MI32Block": ["58:2D:34:35:93:02"]}
        assert d.cmd("MI32Block0 C47C8D6A1B01") == {
            "MI32Block0": "Error", "Reason": "this MAC is not on the list"}
        assert d.cmd("MI32Block0") == {"MI32Block": []}
        assert "12 hex digits" in d.cmd("MI32Block C47C8D6A1B")["Reason"]
        assert "1 to add, 0 to remove" in d.cmd("MI32Block2 C47C8D6A1B01")["Reason"]
        assert d.cmd("MI32Watch") == {"MI32Watch": []}
        assert d.cmd("MI32Watch A4:C1:38:8D:18:15") == {"MI32Watch": ["A4:C1:38:8D:18:15"]}
        assert d.cmd("MI32Watch0") == {"MI32Watch": []}
        assert d.cmd("State")["MI32"]["Filtered"] == flora_adverts
    finally:
        d.kill()
