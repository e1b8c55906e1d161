# SPDX-License-Identifier: MIT
"""`mi32 run --hci-uart` against a controller played by this test on a pseudo-terminal: the
scan set-up of src/source/hci.c (each HCI command answered by Command Complete, status 0),
then LE Advertising Reports with ATC and MiBeacon frames → SENSOR JSON lines."""
import os
import select
import struct
import threading
import time
import tty

from test_02_daemon_helpers import Daemon, base_args, is_sensor, le_adv_report, svc_data_ad

ADDR = bytes.fromhex("665544332211")  # controller address, little-endian on the wire
# return parameters after Status, per opcode (Core Vol 4 Part E 7.4.1, 7.4.6, 7.8.3)
ANSWERS = {0x1001: bytes([0x09, 0x00, 0x00, 0x09, 0x5D, 0x00, 0x00, 0x00]),  # version
           0x1009: ADDR,                                                       # BD_ADDR
           0x2003: bytes(8)}   # LE features: no extended advertising → legacy commands


class Controller(threading.Thread):
    """Reads H4 command packets from the pty master and answers each one."""

    def __init__(self, fd):
        super().__init__(daemon=True)
        self.fd, self.ops, self.stop = fd, [], False
        os.set_blocking(fd, False)  # no call in run() may outlast a stop request
        self.scanning = threading.Event()

    def send_event(self, ev):
        os.write(self.fd, b"\x04" + ev)

    def finish(self):
        """Stop and wait for the thread without a time limit: its loop wakes every 0.1 s.
        Closing the pty while it still ran let a later test's pipe take the same fd number
        and the thread read that test's 'State' command (CI, 2026-12-03)."""
        self.stop = True
        self.join()

    def run(self):
        buf = b""
        while not self.stop:
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if not r:
                continue
            try:
                buf += os.read(self.fd, 4096)
            except BlockingIOError:
                continue
            except OSError:
                return
            while len(buf) >= 4:
                assert buf[0] == 0x01, f"not an H4 command packet: {buf.hex()}"
                op, plen = struct.unpack("<HB", buf[1:4])
                if len(buf) < 4 + plen:
                    break
                params, buf = buf[4:4 + plen], buf[4 + plen:]
                self.ops.append((op, params))
                ret = bytes([1]) + struct.pack("<H", op) + b"\x00" + ANSWERS.get(op, b"")
                self.send_event(bytes([0x0E, len(ret)]) + ret)
                if op == 0x200C and params[:1] == b"\x01":  # LE Set Scan Enable, on
                    self.scanning.set()


def atc_frame(mac, temp10, hum, bat, mv, cnt):
    return bytes.fromhex(mac) + struct.pack(">hBBHB", temp10, hum, bat, mv, cnt)


def mibeacon_temp_hum(mac, cnt, temp10, hum10):
    """MiBeacon v2-style plain frame of a MJ_HT_V1 (PID 0x01AA) with object 0x100D."""
    fc = 0x2050  # object included, MAC included, version 2
    obj = struct.pack("<HBhH", 0x100D, 4, temp10, hum10)
    return struct.pack("<HHB", fc, 0x01AA, cnt) + bytes.fromhex(mac)[::-1] + obj


def test_h4_controller_on_a_pty(mi32_bin, tmp_path):
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    path = os.ttyname(slave)
    ctl = Controller(master)
    ctl.start()
    d = Daemon(base_args(mi32_bin, tmp_path, "--hci-uart", path, "--json", "--option2", 1,
                         "--mi32cfg", tmp_path / "absent"))
    try:
        assert ctl.scanning.wait(15), f"scan never enabled; commands: " \
            f"{[hex(o) for o, _ in ctl.ops]}; stderr: {''.join(d.err)}"
        ops = [o for o, _ in ctl.ops]
        assert ops[0] == 0x0C03  # Reset first
        for op in (0x1001, 0x1009, 0x2003, 0x0C01, 0x2001, 0x200B, 0x200C):
            assert op in ops, hex(op)
        assert ops.index(0x200B) < ops.index(0x200C)
        scan_params = dict(ctl.ops)[0x200B]
        assert scan_params[0] == 0  # passive by default (SPEC §2.1)

        atc_mac = "A4C138AABBCC"
        ctl.send_event(le_adv_report(atc_mac, svc_data_ad(
            0x181A, atc_frame(atc_mac, 214, 48, 87, 2950, 1)), rssi=-60))
        m = d.wait_for(lambda o: is_sensor(o) and "ATC-aabbcc" in o, 15, "the ATC")
        assert m["ATC-aabbcc"]["Temperature"] == 21.4
        assert m["ATC-aabbcc"]["Humidity"] == 48.0
        assert m["ATC-aabbcc"]["Battery"] == 87
        assert m["ATC-aabbcc"]["RSSI"] == -60 and m["ATC-aabbcc"]["MAC"] == atc_mac

        mj_mac = "582D34112233"
        ctl.send_event(le_adv_report(mj_mac, svc_data_ad(
            0xFE95, mibeacon_temp_hum(mj_mac, 7, 235, 565)), rssi=-70))
        m = d.wait_for(lambda o: is_sensor(o) and "MJ_HT_V1-112233" in o, 15, "the MJ_HT_V1")
        o = m["MJ_HT_V1-112233"]
        assert (o["Temperature"], o["Humidity"], o["MAC"]) == (23.5, 56.5, mj_mac)

        st = d.cmd("State")["MI32"]
        assert st["Sensors"] == 2 and st["Adverts"] == 2
        # the topic is derived at start, before the controller told its address, so it
        # comes from /etc/machine-id here (reported to the lead)
        assert d.cmd("Topic")["Topic"].startswith("mi32")
        # MI32Option4 1 restarts the scan, active
        n = len(ctl.ops)
        ctl.scanning.clear()
        assert d.cmd("MI32Option4 1") == {"MI32Option4": 1}
        assert ctl.scanning.wait(15)
        new = [p for op, p in ctl.ops[n:] if op == 0x200B]
        assert new and new[-1][0] == 1
    finally:
        d.proc.terminate()
        try:
            d.proc.wait(10)
        finally:
            d.kill()
            ctl.finish()
            os.close(master)
            os.close(slave)
    assert d.proc.returncode == 0
