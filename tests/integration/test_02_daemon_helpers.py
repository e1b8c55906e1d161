# SPDX-License-Identifier: MIT
"""Helpers of the test_02_daemon_* files (no tests here): run `mi32 run` on a capture, drive
its console, split its stdout into SENSOR messages and command replies, write btsnoop files.
Every wait is bounded; nothing sleeps blindly."""
import json
import os
import queue
import re
import struct
import subprocess
import threading
import time

BTSNOOP_EPOCH_DELTA_US = 0x00DCDDB30F2F8000  # µs from 0 AD to 1970-01-01
TIMEOUT = 30


def base_args(mi32_bin, state_dir, *extra):
    """`mi32 run` that reads no system config, opens no web port and keeps state in a tmp dir."""
    return [str(mi32_bin), "run", "--config", "/dev/null", "--web-port", "0",
            "--state-dir", str(state_dir), "--log-level", "info", *map(str, extra)]


def is_sensor(obj):
    """A SENSOR message: {"Time":…, "<key>":{…,"MAC":…}, …}; command replies are not."""
    return isinstance(obj, dict) and any(isinstance(v, dict) and "MAC" in v for v in obj.values())


def is_tele(obj):
    """TelePeriod messages carry the sensors' lastTime as "Time" inside each object."""
    return is_sensor(obj) and any(isinstance(v, dict) and "Time" in v for v in obj.values())


def sensor_objects(msgs):
    """(message index, key, object) of every sensor object of every SENSOR message."""
    out = []
    for i, m in enumerate(msgs):
        for k, v in m.items():
            if isinstance(v, dict) and "MAC" in v:
                out.append((i, k, v))
    return out


def by_mac(msgs):
    """MAC → list of (key, object) in order."""
    d = {}
    for _, k, v in sensor_objects(msgs):
        d.setdefault(v["MAC"], []).append((k, v))
    return d


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.stdout, self.stderr = rc, out, err
        self.lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.sensor = [m for m in self.lines if is_sensor(m)]
        self.replies = [m for m in self.lines if not is_sensor(m)]


def replay(mi32_bin, tmp_path, capture, *extra, commands=None, mi32cfg=None, check=True,
           timeout=TIMEOUT):
    """Replay @capture with --fast --json. @commands: console lines piped on stdin (closed
    after), else stdin is /dev/null."""
    cfg = mi32cfg if mi32cfg is not None else tmp_path / "absent.mi32cfg"
    args = base_args(mi32_bin, tmp_path, "--replay", capture, "--fast", "--json",
                     "--mi32cfg", cfg, *extra)
    if commands is None:
        p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout)
    else:
        p = subprocess.run(args, input="".join(c + "\n" for c in commands),
                           capture_output=True, text=True, timeout=timeout)
    r = Result(p.returncode, p.stdout, p.stderr)
    if check:
        assert r.rc == 0, f"mi32 run exited {r.rc}: {r.stderr[-2000:]}"
    return r


class Daemon:
    """A running `mi32 run` whose console we write to and whose stdout lines we read."""

    def __init__(self, args, keep_sensor=True):
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.q = queue.Queue()
        self.err = []
        self.err_cond = threading.Condition()
        self.err_done = False
        self.keep_sensor = keep_sensor
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()

    def _read_out(self):
        for line in self.proc.stdout:
            try:
                obj = json.loads(line)
            except ValueError:
                obj = {"_raw": line}
            if self.keep_sensor or not is_sensor(obj):
                self.q.put(obj)
        self.q.put(None)

    def _read_err(self):
        for line in self.proc.stderr:
            with self.err_cond:
                self.err.append(line)
                self.err_cond.notify_all()
        with self.err_cond:
            self.err_done = True  # the end: nothing more will come
            self.err_cond.notify_all()

    def wait_stderr(self, pattern, timeout=TIMEOUT):
        """Wait until a stderr line matches the regex @pattern (a log line: an event, not a
        sleep); return it."""
        end = time.monotonic() + timeout
        i = 0
        with self.err_cond:
            while True:
                while i < len(self.err):
                    line = self.err[i]
                    i += 1
                    if re.search(pattern, line):
                        return line
                if self.err_done:
                    raise AssertionError(f"mi32 exited before logging {pattern!r}")
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"mi32 never logged {pattern!r}; stderr: "
                                         f"{''.join(self.err)[-2000:]}")
                self.err_cond.wait(left)

    def wait_bluetoothd(self):
        """The GATT server commands (MI32Server) answer "bluetoothd is not running" until
        the daemon has read bluetoothd's object tree (the client commands wait for it):
        tests wait for that first."""
        return self.wait_stderr(r"bluez: bluetoothd is on the bus")

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait_for(self, pred, timeout=TIMEOUT, what="a matching line"):
        """Consume stdout lines until @pred(obj) holds; return that object."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}; stderr: "
                                     f"{''.join(self.err)[-2000:]}")
            try:
                obj = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if obj is None:
                raise AssertionError(f"mi32 exited ({self.proc.poll()}) before {what}; "
                                     f"stderr: {''.join(self.err)[-2000:]}")
            if pred(obj):
                return obj

    def cmd(self, line, timeout=TIMEOUT):
        """Send one command and return its reply (the next non-SENSOR line)."""
        self.send(line)
        return self.wait_for(lambda o: not is_sensor(o), timeout, f"the reply to {line!r}")

    def close(self, timeout=TIMEOUT):
        """Close stdin and wait for the exit; returns the exit code."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("mi32 did not exit after stdin was closed")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def wait_replayed(d, adverts, timeout=TIMEOUT):
    """Poll State until the daemon has taken @adverts adverts (a replay without --loop is
    then finished). Returns the last State reply."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = d.cmd("State")
        if st["MI32"]["Adverts"] >= adverts:
            return st
    raise AssertionError(f"the replay did not reach {adverts} adverts")


# ---- btsnoop -----------------------------------------------------------------------------

def btsnoop_write(path, events):
    """@events: (unix µs, HCI event bytes starting with the event code 0x3E…); written as H4
    btsnoop (datalink 1002), received, event packets."""
    with open(path, "wb") as f:
        f.write(b"btsnoop\0" + struct.pack(">II", 1, 1002))
        for t, ev in events:
            data = b"\x04" + ev
            f.write(struct.pack(">IIIIQ", len(data), len(data), 3, 0,
                                t + BTSNOOP_EPOCH_DELTA_US))
            f.write(data)


def btsnoop_read(path):
    """(unix µs, flags, packet bytes) of each record."""
    out = []
    with open(path, "rb") as f:
        assert f.read(16) == b"btsnoop\0" + struct.pack(">II", 1, 1002)
        while True:
            h = f.read(24)
            if not h:
                break
            olen, ilen, flags, _drops, ts = struct.unpack(">IIIIQ", h)
            out.append((ts - BTSNOOP_EPOCH_DELTA_US, flags, f.read(ilen)))
    return out


def le_adv_report(mac, ad, rssi=-60, addr_type=0, evt_type=0):
    """HCI LE Advertising Report event (0x3E/0x02) with one report; @mac "AA:BB:…" or hex."""
    a = bytes.fromhex(mac.replace(":", ""))[::-1]
    body = bytes([0x02, 1, evt_type, addr_type]) + a + bytes([len(ad)]) + ad + \
        struct.pack("b", rssi)
    return bytes([0x3E, len(body)]) + body


def svc_data_ad(uuid16, data, name=None):
    """Flags + Service Data (16-bit UUID) [+ Complete Local Name]."""
    ad = bytes([2, 0x01, 0x06])
    ad += bytes([len(data) + 3, 0x16]) + struct.pack("<H", uuid16) + data
    if name:
        n = name.encode()
        ad += bytes([len(n) + 1, 0x09]) + n
    return ad


def adv_data_of_event(ev):
    """(advertiser MAC hex upper, AD bytes) of the first report of an LE (extended)
    advertising report event given with or without the 0x04 H4 byte."""
    if ev[0] == 0x04:
        ev = ev[1:]
    assert ev[0] == 0x3E
    sub = ev[2]
    p = ev[3:]
    if sub == 0x02:
        addr = p[3:9]
        dlen = p[9]
        return addr[::-1].hex().upper(), p[10:10 + dlen]
    if sub == 0x0D:
        addr = p[4:10]
        dlen = p[24]
        return addr[::-1].hex().upper(), p[25:25 + dlen]
    raise ValueError(f"not an advertising report: subevent 0x{sub:02x}")


def first_service_data(ad):
    """(uuid16, data) of the first 16-bit Service Data element, or None."""
    i = 0
    while i + 1 < len(ad):
        n = ad[i]
        if n == 0 or i + 1 + n > len(ad):
            return None
        if ad[i + 1] == 0x16 and n >= 3:
            return struct.unpack("<H", ad[i + 2:i + 4])[0], ad[i + 4:i + 1 + n]
        i += n + 1
    return None
