# SPDX-License-Identifier: MIT
"""Capture files against Wireshark's own tools: tshark must read the btsnoop mi32 writes
and see the same advertising reports, and mi32 must read the pcap files text2pcap and
editcap make. mi32's side runs through the cmocka binary's argv mode
(test_capture --write-sample FILE / --read FILE), found in $MI32_BUILD_DIR (default build/).

Needs Debian's tshark package (tshark, text2pcap, editcap)."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("MI32_BUILD_DIR", "build"))
TEST_BIN = os.path.join(BUILD, "test_capture")

pytestmark = [
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("tshark", "text2pcap", "editcap")),
        reason="tshark/text2pcap/editcap not installed (apt-get install tshark)"),
    pytest.mark.skipif(
        not os.access(TEST_BIN, os.X_OK),
        reason=f"{TEST_BIN} not built (cmake -DMI32_TESTS=ON, or set MI32_BUILD_DIR)"),
]

# The first five adverts of the sample in tests/source/test_capture.c, as tshark shows
# them: epoch time, LE Meta subevent, address, RSSI.
SAMPLE_TSHARK = [
    ("1700000000.000001000", "0x02", "a4:c1:38:5b:74:8e", "-67"),
    ("1700000000.250000000", "0x02", "c4:7c:8d:6a:3e:01", "-90"),
    ("1700000000.999999000", "0x02", "58:2d:34:35:93:21", "127"),
    ("1700000002.000000000", "0x02", "e8:11:22:33:44:55", "-40"),
    ("1700000003.000000000", "0x0d", "38:1f:8d:00:00:01", "-100"),
]

# ADV_IND from public 58:2D:34:35:93:21, flags AD, RSSI -60; and a command to skip.
H4_ADV = "04 3e 0f 02 01 00 00 21 93 35 34 2d 58 03 02 01 06 c4"
H4_CMD = "01 0b 20 07 01 10 00 10 00 00 00"
ADV_LINE = "58:2D:34:35:93:21 0 -60 {evt} {t} 020106"


def run(*args, check=True, env=None):
    return subprocess.run(args, capture_output=True, text=True, check=check, env=env)


def tshark(path, *args):
    return run("tshark", "-r", str(path), *args).stdout


def mi32_read(path):
    """Our reader's view: (format, [advert lines]); raises on a reader error."""
    out = run(TEST_BIN, "--read", str(path)).stdout.splitlines()
    assert out[0].startswith("format ")
    return out[0].split()[1], out[1:]


def text2pcap(tmp_path, name, dump, *opts):
    txt = tmp_path / (name + ".txt")
    txt.write_text(dump)
    out = tmp_path / name
    run("text2pcap", "-q", *opts, str(txt), str(out), env={**os.environ, "TZ": "UTC"})
    return out


def shift(tmp_path, path, fmt="pcap"):
    """text2pcap in Wireshark 4.0 drops fractional seconds; editcap adds some back, so the
    µs / ns conversion is exercised."""
    out = tmp_path / (path.name + ".shifted")
    run("editcap", "-F", fmt, "-t", "0.123456", str(path), str(out))
    return out


def epoch_us(path):
    """tshark's frame times in µs, the reference our reader must agree with."""
    return [round(float(t) * 1e6) for t in tshark(path, "-T", "fields",
                                                 "-e", "frame.time_epoch").split()]


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "sample.btsnoop"
    run(TEST_BIN, "--write-sample", str(path))
    return path


def test_tshark_reads_our_btsnoop(sample):
    rows = tshark(sample, "-Y", "bthci_evt.le_meta_subevent == 0x02 || bthci_evt.le_meta_subevent == 0x0d", "-T", "fields",
                  "-e", "frame.time_epoch", "-e", "bthci_evt.le_meta_subevent",
                  "-e", "bthci_evt.bd_addr", "-e", "bthci_evt.rssi").splitlines()
    got = [tuple(r.split("\t")) for r in rows]
    assert got[:5] == SAMPLE_TSHARK
    # the sixth has time 0 and 229 bytes of data: an extended report too
    assert got[5][1:] == ("0x0d", "7f:ff:ff:ff:ff:fe", "20")
    assert len(got) == 6


def test_tshark_finds_nothing_malformed(sample):
    # (the sample's lone ACL packet draws a "no connection" note; the events none)
    assert tshark(sample, "-Y", "_ws.malformed || (bthci_evt && _ws.expert.severity >= error)") == ""
    # 6 adverts + 6 other packets (command, events, ACL) the reader skips
    assert len(tshark(sample).splitlines()) == 12


def test_tshark_sees_our_data_bytes(sample):
    ad = tshark(sample, "-Y", "bthci_evt.bd_addr == a4:c1:38:5b:74:8e", "-T", "fields",
                "-e", "btcommon.eir_ad.entry.uuid_16",
                "-e", "btcommon.eir_ad.entry.service_data").split()
    assert ad[0] == "0x181a"
    assert ad[1].startswith("a4c1385b748e00e63b")


def test_our_reader_agrees_with_tshark(sample):
    fmt, lines = mi32_read(sample)
    assert fmt == "btsnoop/H4"
    ours = [(l.split()[0].lower(), l.split()[2], int(l.split()[4])) for l in lines]
    theirs = [(a, r, round(float(t) * 1e6)) for t, _, a, r in SAMPLE_TSHARK]
    assert ours[:5] == theirs


@pytest.mark.parametrize("fmt", ["pcap", "nsecpcap"])
def test_editcap_conversion_of_our_btsnoop(tmp_path, sample, fmt):
    """Wireshark's btsnoop → pcap conversion (link type 201) reads back the same."""
    pcap = tmp_path / ("sample." + fmt)
    run("editcap", "-F", fmt, str(sample), str(pcap))
    fmt_name, lines = mi32_read(pcap)
    assert fmt_name == "pcap/H4-PHDR"
    assert lines == mi32_read(sample)[1]


@pytest.mark.parametrize("fmt", ["pcap", "nsecpcap"])
def test_text2pcap_h4_with_phdr(tmp_path, fmt):
    # text2pcap adds the 201 direction pseudo-header itself from the I/O marks (-D).
    dump = f"O\n0000 {H4_CMD}\nI\n0000 {H4_ADV}\n"
    pcap = shift(tmp_path, text2pcap(tmp_path, "h4phdr", dump, "-F", fmt, "-D", "-l", "201"),
                 fmt)
    fmt_name, lines = mi32_read(pcap)
    assert fmt_name == "pcap/H4-PHDR"
    assert lines == [ADV_LINE.format(evt=0, t=epoch_us(pcap)[1])]
    assert epoch_us(pcap)[1] % 1000000 > 123456  # the shift survived: sub-second stamps


def test_text2pcap_h4(tmp_path):
    pcap = text2pcap(tmp_path, "h4", f"0000 {H4_CMD}\n0000 {H4_ADV}\n",
                     "-F", "pcap", "-l", "187")
    fmt_name, lines = mi32_read(pcap)
    assert fmt_name == "pcap/H4"
    assert lines == [ADV_LINE.format(evt=0, t=epoch_us(pcap)[1])]


def test_text2pcap_le_link_layer(tmp_path):
    # phdr: channel 37, signal -60 dBm, noise -90, flags 0x0C13 (signal valid, CRC ok);
    # then ADV_NONCONN_IND, and a SCAN_REQ the reader skips
    ll = ("0000 25 c4 a6 00 d6 be 89 8e 13 0c d6 be 89 8e 03 0c "
          "01 02 03 04 05 06 21 93 35 34 2d 58 aa bb cc\n"
          "0000 25 c4 a6 00 d6 be 89 8e 13 0c d6 be 89 8e 02 09 "
          "21 93 35 34 2d 58 02 01 06 aa bb cc\n")
    pcap = shift(tmp_path, text2pcap(tmp_path, "ll", ll, "-F", "pcap", "-l", "256"))
    assert tshark(pcap, "-T", "fields", "-e", "btle.advertising_address").split() == [
        "58:2d:34:35:93:21", "58:2d:34:35:93:21"]
    fmt_name, lines = mi32_read(pcap)
    assert fmt_name == "pcap/LE-LL"
    assert lines == [ADV_LINE.format(evt=3, t=epoch_us(pcap)[1])]


def test_pcapng_is_refused_with_advice(tmp_path):
    ng = text2pcap(tmp_path, "h4.pcapng", f"0000 {H4_ADV}\n", "-l", "187")
    r = run(TEST_BIN, "--read", str(ng), check=False)
    assert r.returncode == 1
    assert "pcapng is not supported, convert with editcap -F pcap" in r.stderr
    pcap = tmp_path / "h4.pcap"
    run("editcap", "-F", "pcap", str(ng), str(pcap))
    assert len(mi32_read(pcap)[1]) == 1
