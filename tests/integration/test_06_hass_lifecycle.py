# SPDX-License-Identifier: MIT
"""Home Assistant discovery over time: a sensor removed from mi32cfg loses its configs (empty
retained payloads), HA's birth message makes the node announce everything again, a silent
sensor goes unavailable after the timeout learned from its own interval while event-only
devices stay available, and the knob follows HA's command."""
import json
import time

import pytest

from test_06_hass_discovery import (Collector, configs_by_mac, rewrite_capture, run_node,
                                    snapshot, stop_node, wait_node)

YLYK01 = "F82441AABB09"
ATC = "A4C138112212"
DOOR = "e4aaec020c13"


def wait_for(fn, timeout=8.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = fn()
        if r:
            return r
        time.sleep(0.1)
    return fn()


def test_removed_sensor_loses_configs(tmp_path, mi32_bin, demo, broker):
    p = run_node(mi32_bin, broker, tmp_path, "node1", demo["capture"], demo["mi32cfg"])
    wait_node(p)
    before = configs_by_mac(snapshot(broker))
    assert YLYK01.lower() in before and len(before[YLYK01.lower()]) >= 24
    inv = snapshot(broker, "tele/node1/HASS")
    assert YLYK01.lower() in json.loads(inv["tele/node1/HASS"])["sensors"]

    cfg = tmp_path / "less.mi32cfg"
    entries = [e for e in json.load(open(demo["mi32cfg"])) if e["MAC"].upper() != YLYK01]
    cfg.write_text(json.dumps(entries))
    p = run_node(mi32_bin, broker, tmp_path, "node1", demo["capture"], cfg, keep=True)
    try:
        gone = wait_for(lambda: YLYK01.lower() not in configs_by_mac(snapshot(broker, wait=0.3)))
        after = configs_by_mac(snapshot(broker))
        inv = snapshot(broker, "tele/node1/HASS")
    finally:
        stop_node(p)
    assert gone, "the removed sensor's configs are still retained"
    assert set(after) == set(before) - {YLYK01.lower()}
    assert YLYK01.lower() not in json.loads(inv["tele/node1/HASS"])["sensors"]
    # its per-sensor state topics are cleared too
    assert not [t for t in snapshot(broker, "tele/#") if YLYK01.lower() in t]


def test_birth_reannounces(tmp_path, mi32_bin, demo, broker):
    topic = "homeassistant/sensor/mi32_a4c138112212/temperature/config"
    p = run_node(mi32_bin, broker, tmp_path, "node1", demo["capture"], demo["mi32cfg"],
                 keep=True)
    try:
        assert wait_for(lambda: topic in snapshot(broker, topic, 0.3))
        original = snapshot(broker)
        # a broker that lost its retained messages: wipe them, then HA comes up
        c = Collector(broker, ())
        for t in original:
            c.publish(t, "", retain=True)
        assert not snapshot(broker, wait=0.3)
        time.sleep(1.2)  # past the 1 s guard against announcing twice at once
        c.publish("homeassistant/status", "online")
        c.stop()
        again = wait_for(lambda: snapshot(broker, wait=0.3) == original or None)
    finally:
        stop_node(p)
    assert again, "the birth message did not bring every config back"


def test_disco_ids_and_clearing_disco_configs(tmp_path, mi32_bin, demo, broker):
    """Issue 17 #8: --hass-unique-ids disco gives disco.be's ids (HA keeps the entities), and
    HassClearDisco deletes disco.be's retained configs, nobody else's."""
    dev = {"ids": ["A4C138A1B204"], "name": "LYWSD03-a1b204", "mf": "Xiaomi",
           "mdl": "LYWSD03", "via_device": "Tasmota BLE", "cns": [["mac", "A4C138A1B204"]]}
    disco = {  # as disco.be publishes them (Staars/berry-examples disco.be)
        "homeassistant/sensor/LYWSD03-a1b204_Temperature/config": {
            "obj_id": "LYWSD03-a1b204.Temperature", "uniq_id": "LYWSD03-a1b204.Temperature",
            "name": "Temperature LYWSD03-a1b204", "dev_cla": "Temperature", "dev": dev,
            "unit_of_meas": "°C", "stat_t": "tele/+/SENSOR",
            "val_tpl": "{{ value_json['LYWSD03-a1b204']['Temperature'] | is_defined}}"},
        "homeassistant/sensor/tasmota-ABC123_LYWSD03-a1b204_rssi/config": {
            "uniq_id": "rssi_tasmota-ABC123_LYWSD03-a1b204.signal_strength", "dev": dev,
            "stat_t": "tele/tasmota_ABC123/SENSOR"},
        "homeassistant/sensor/Tasmota_BLE_tasmota_ABC123/config": {
            "uniq_id": "tasmota_ABC123.BLE_Node",
            "dev": {"ids": ["Tasmota BLE"], "name": "Tasmota BLE", "via_device": "Tasmota",
                    "cns": [["mac", "virtual"]]}},
    }
    other = "homeassistant/sensor/someone_else/config"
    c = Collector(broker, ())
    for t, cfg in disco.items():
        c.publish(t, json.dumps(cfg), retain=True)
    c.publish(other, json.dumps({"uniq_id": "x", "dev": {"ids": ["other"]}}), retain=True)
    p = run_node(mi32_bin, broker, tmp_path, "node1", demo["capture"], demo["mi32cfg"],
                 keep=True, extra=("--hass-unique-ids", "disco"))
    try:
        ours = "homeassistant/sensor/mi32_a4c138a1b204/temperature/config"
        assert wait_for(lambda: ours in snapshot(broker, ours, 0.3))
        cfgs = {t: json.loads(v) for t, v in snapshot(broker).items()}
        assert cfgs[ours]["unique_id"] == "LYWSD03-a1b204.Temperature"
        assert cfgs["homeassistant/sensor/mi32_a4c138a1b204/humidity/config"]["unique_id"] \
            == "LYWSD03-a1b204.Humidity"
        # disco.be had no dew point: ours
        assert cfgs["homeassistant/sensor/mi32_a4c138a1b204/dewpoint/config"]["unique_id"] \
            == "mi32_a4c138a1b204_dewpoint"
        assert cfgs["homeassistant/binary_sensor/mi32_e4aaec020c13/door/config"][
            "unique_id"] == "MCCGQ02-020c13.Door"
        assert cfgs["homeassistant/number/mi32_f82441c59816/knob/config"]["unique_id"] == \
            "YLKG08-c59816.Dimmer"
        assert set(disco) <= set(cfgs)
        c.publish("cmnd/node1/HassClearDisco", "")
        gone = wait_for(lambda: not set(disco) & set(snapshot(broker, wait=0.3)), 15)
        left = snapshot(broker)
    finally:
        c.stop()
        err = stop_node(p)
    assert gone, f"disco.be's configs are still retained; log: {err[-1500:]}"
    assert other in left and ours in left
    assert "HassClearDisco: deleted disco.be's" in err


def test_silent_sensor_goes_unavailable(tmp_path, mi32_bin, demo, broker):
    """The ATC (every ~10 s) stops half-way through the 10-minute capture: 5 × its median
    interval later (here above the 10 s floor) it is unavailable. The door sensor, silent
    for minutes between events, stays available."""
    cap = tmp_path / "silent.btsnoop"
    first = []

    def drop_atc(mac, ts, pkt):
        first.append(ts) if not first else None
        if mac == ATC and ts - first[0] > 300_000_000:
            return None
        return pkt
    rewrite_capture(demo["capture"], cap, drop_atc)
    col = Collector(broker, ("tele/node1/+/availability", "tele/node1/+/rssi"))
    p = run_node(mi32_bin, broker, tmp_path, "node1", cap, demo["mi32cfg"], keep=True,
                 extra=("--hass-stale-min", "10"))
    try:
        col.wait_quiet(1.0)
        retained = snapshot(broker, "tele/#")
    finally:
        stop_node(p)
    col.stop()
    atc = ATC.lower()
    assert retained[f"tele/node1/{atc}/availability"] == "offline"
    assert json.loads(retained[f"tele/node1/{atc}/rssi"])["online"] is False
    # it was online before it went quiet
    seen = [pl for t, pl in col.topics(f"tele/node1/{atc}/availability")]
    assert "online" in seen and seen[-1] == "offline"
    assert retained[f"tele/node1/{DOOR}/availability"] == "online"
    assert retained["tele/node1/a4c138a1b204/availability"] == "online"


def test_knob_command(tmp_path, mi32_bin, demo, broker):
    p = run_node(mi32_bin, broker, tmp_path, "node1", demo["capture"], demo["mi32cfg"],
                 keep=True)
    t = "tele/node1/f82441c59816/knob"
    try:
        assert wait_for(lambda: t in snapshot(broker, t, 0.3))
        c = Collector(broker, ())
        c.publish("mi32/f82441c59816/knob/set", "42")
        c.stop()
        assert wait_for(lambda: snapshot(broker, t, 0.3).get(t) == "42")
        c = Collector(broker, ())
        c.publish("mi32/f82441c59816/knob/set", "250")
        c.stop()
        assert wait_for(lambda: snapshot(broker, t, 0.3).get(t) == "100")
    finally:
        stop_node(p)
