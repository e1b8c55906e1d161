# SPDX-License-Identifier: MIT
"""The state files' edges (issue 10, items 6-10): an empty upload never wipes the key file;
temporary copies of the keys are swept at start and everything is 0600; a symlinked mi32cfg
stays a link; names are clean UTF-8 text and each MAC is given once, refused with the element
and the reason wherever they come from (mi32cfg, MI32Name, the web editor); mi32cfg that is
not a regular file or too large is refused at once instead of hanging or filling memory."""
import json
import os
import stat
import subprocess
import time

from test_02_daemon_helpers import Result, base_args, replay
from test_05_web_api import start

FLORA = {"MAC": "C47C8D6A1B01", "PID": "0098", "key": ""}


def dead_pids(n):
    """@n process ids that just ended (reaped, so nobody runs under them now)."""
    out = []
    for _ in range(n):
        p = subprocess.Popen(["true"])
        p.wait()
        out.append(p.pid)
    return out


# ---- 6: an empty body ------------------------------------------------------------------------

def test_an_empty_upload_never_wipes_the_list(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)
    try:
        cfg = tmp_path / "mi32cfg"
        before = cfg.read_bytes()
        tok = w.json("/api/session")[1]["csrf"]
        h = {"X-CSRF-Token": tok, "Content-Type": "application/json"}
        for body in (b"", b"  \r\n\t"):
            status, j = w.json("/api/mi32cfg", data=body, headers=h, method="POST")
            assert status == 400 and j["MI32Cfg"] == "Error", (body, j)
            assert "the body is empty: nothing was saved" in j["error"]
            assert cfg.read_bytes() == before
        # even with the confirmation an empty body is no list
        status, j = w.json("/api/mi32cfg?confirm_empty=1", data=b"", headers=h,
                           method="POST")
        assert status == 400 and cfg.read_bytes() == before
        # an explicit [] needs the confirmation
        status, j = w.json("/api/mi32cfg", data=b"[ ]", headers=h)
        assert status == 400 and "an empty list would remove every sensor" in j["error"]
        assert "confirm_empty=1" in j["error"]
        assert cfg.read_bytes() == before
        status, j = w.json("/api/mi32cfg?confirm_empty=0", data=b"[]", headers=h)
        assert status == 400 and cfg.read_bytes() == before
        status, j = w.json("/api/mi32cfg?confirm_empty=1", data=b"[]", headers=h)
        assert status == 200 and j["MI32Cfg"] == "Done" and j["sensors"] == 0, j
        assert cfg.read_text() == "[]"
    finally:
        w.stop()


# ---- 7: temporary files and modes ---------------------------------------------------------------

def test_stale_copies_are_swept_and_files_are_0600(mi32_bin, demo, tmp_path):
    cfg = tmp_path / "mi32cfg"
    cfg.write_bytes(demo["mi32cfg"].read_bytes())
    os.chmod(cfg, 0o644)
    stale = [tmp_path / f"mi32cfg.tmp.{pid}" for pid in dead_pids(3)]
    live = tmp_path / f"mi32cfg.tmp.{os.getpid()}"  # a save in flight in a live process
    others = [tmp_path / "mi32cfg.tmp.notapid", tmp_path / "other.tmp.1"]
    for f in stale + [live] + others:
        f.write_text("[{\"keys\":1}]")
    r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=cfg, commands=["MI32Cfg"])
    assert r.replies == [{"MI32Cfg": "Done"}]
    assert "removed 3 stale temporary copies of " + str(cfg) in r.stderr
    assert not any(f.exists() for f in stale)
    assert live.exists() and all(f.exists() for f in others)
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    # no temporary file of this run is left, and the run's own saves are 0600 all along
    assert sorted(p.name for p in tmp_path.glob("mi32cfg.tmp.*")) == sorted(
        [live.name, "mi32cfg.tmp.notapid"])


# ---- 8: a symlinked mi32cfg ---------------------------------------------------------------------

def test_a_symlinked_mi32cfg_stays_a_link(mi32_bin, demo, tmp_path):
    (tmp_path / "keys").mkdir()
    real = tmp_path / "keys" / "mi32cfg.json"
    real.write_bytes(demo["mi32cfg"].read_bytes())
    link = tmp_path / "mi32cfg"
    link.symlink_to("keys/mi32cfg.json")
    r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=link,
               commands=["MI32Name0 Porch", "MI32Cfg"])
    assert r.replies == [{"MI32Name": "Porch"}, {"MI32Cfg": "Done"}]
    assert link.is_symlink() and os.readlink(link) == "keys/mi32cfg.json"
    assert json.loads(real.read_text())[0]["name"] == "Porch"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("**/*.tmp.*"))


# ---- 9: names and duplicates --------------------------------------------------------------------

BAD_FILES = {
    "control character": ([dict(FLORA, name="Kit\u0001chen")],
                          ["element 1 (C47C8D6A1B01)", "control character (0x01)"]),
    "newline": ([dict(FLORA, name="Kit\nchen")], ["element 1", "control character (0x0A)"]),
    "NUL": ([FLORA, {"MAC": "A4C138000001", "PID": "055b", "name": "Bath\u0000room"}],
            ["element 2", "\\u0000 (NUL)", "would cut a text short"]),
    "duplicate": ([FLORA, {"MAC": "A4C138000001", "PID": "055b"},
                   {"MAC": "c4:7c:8d:6a:1b:01", "PID": "0098", "name": "Again"}],
                  ["element 3 (C47C8D6A1B01)", "the same MAC as element 1"]),
}


def test_bad_names_and_duplicate_macs_in_the_file_are_refused(mi32_bin, demo, tmp_path):
    for what, (rows, words) in BAD_FILES.items():
        cfg = tmp_path / "mi32cfg"
        cfg.write_text(json.dumps(rows))
        before = cfg.read_bytes()
        r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=cfg,
                   commands=["MI32Option3"])
        for w in words + ["left as it is"]:
            assert w in r.stderr, (what, w, r.stderr[-1500:])
        assert r.replies == [{"MI32Option3": 1}], what  # not used
        assert cfg.read_bytes() == before, what
    # invalid UTF-8 (bytes no JSON writer makes, but editors do)
    cfg.write_bytes(b'[{"MAC":"C47C8D6A1B01","PID":"0098","name":"K\xfcche"}]')
    r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=cfg)
    assert "element 1 (C47C8D6A1B01): name: byte 2 (0xFC) is not valid UTF-8" in r.stderr


def test_mi32name_refuses_control_characters_and_bad_utf8(mi32_bin, demo, tmp_path):
    args = base_args(mi32_bin, tmp_path, "--replay", demo["capture"], "--fast", "--json",
                     "--mi32cfg", tmp_path / "absent")
    lines = [b"MI32Name0 Kit\x01chen", b"MI32Name0 K\xfcche", b"MI32Name0 Bad\x7f",
             b"MI32Name0 \xc2\x85x", b"MI32Name0 K\xc3\xbcche \xe6\xb8\xa9", b"Status 8"]
    p = subprocess.run(args, input=b"".join(x + b"\n" for x in lines), capture_output=True,
                       timeout=30)
    r = Result(p.returncode, p.stdout.decode(), p.stderr.decode("utf-8", "replace"))
    assert r.rc == 0, r.stderr
    assert r.replies[:5] == [
        {"MI32Name0": "Error", "Reason": "name: byte 4 is a control character (0x01)"},
        {"MI32Name0": "Error", "Reason": "name: byte 2 (0xFC) is not valid UTF-8"},
        {"MI32Name0": "Error", "Reason": "name: byte 4 is a control character (0x7F)"},
        {"MI32Name0": "Error", "Reason": "name: byte 1 starts a control character (U+0085)"},
        {"MI32Name": "Küche 温"},
    ]
    names = list(r.replies[5]["StatusSNS"])
    assert "Küche 温" in names and not any("Kit" in n or "Bad" in n for n in names)


def test_the_editor_refuses_bad_names_and_duplicates(mi32_bin, demo, tmp_path):
    w = start(mi32_bin, demo, tmp_path)
    try:
        cfg = tmp_path / "mi32cfg"
        before = cfg.read_bytes()
        rows = json.loads(before)
        tok = w.json("/api/session")[1]["csrf"]
        h = {"X-CSRF-Token": tok, "Content-Type": "application/json"}
        bad = [dict(r) for r in rows]
        bad[2]["name"] = "tab\there"
        status, j = w.json("/api/mi32cfg", data=json.dumps(bad).encode(), headers=h)
        assert status == 400 and j["ok"] is False
        assert "name: byte 4 is a control character (0x09)" in j["rows"][2]["error"]
        assert "element 3" in j["error"]
        dup = rows + [dict(rows[0], name="Twin")]
        status, j = w.json("/api/mi32cfg", data=json.dumps(dup).encode(), headers=h)
        assert status == 400 and "the same MAC as element 1" in j["error"], j
        assert cfg.read_bytes() == before
    finally:
        w.stop()


# ---- 10: limits -----------------------------------------------------------------------------------

def test_a_fifo_or_device_is_refused_without_waiting(mi32_bin, demo, tmp_path):
    fifo = tmp_path / "mi32cfg.fifo"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device")):
        t = time.monotonic()
        r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=path,
                   commands=["MI32Option3"], timeout=20)
        assert f"cannot read: it is {kind}, not a regular file" in r.stderr, r.stderr[-1000:]
        assert r.replies == [{"MI32Option3": 1}]
        assert time.monotonic() - t < 15
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # left alone


def test_a_huge_file_is_refused_and_one_at_the_limit_loads(mi32_bin, demo, tmp_path):
    def rows(n):
        return [{"MAC": "%012X" % (0xA4C138000000 + i), "PID": "055b",
                 "key": "%032X" % (i * 7919), "name": "s%d" % i, "feat": 3} for i in range(n)]

    big = tmp_path / "big.mi32cfg"
    big.write_text(json.dumps(rows(120000), separators=(",", ":")))  # ~12 MB
    assert big.stat().st_size > 12_000_000
    r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=big, commands=["MI32Option3"])
    assert f"{big}: larger than 1048576 bytes" in r.stderr, r.stderr[-1000:]
    assert r.replies == [{"MI32Option3": 1}]
    # 10,000 sensors fit under the limit and load
    ok = tmp_path / "ok.mi32cfg"
    ok.write_text(json.dumps(rows(10000), separators=(",", ":")))
    assert ok.stat().st_size <= 1048576
    r = replay(mi32_bin, tmp_path, demo["capture"], mi32cfg=ok, commands=["MI32Option3"])
    assert f"10000 sensors from {ok}" in r.stderr
    assert r.replies == [{"MI32Option3": 0}]
