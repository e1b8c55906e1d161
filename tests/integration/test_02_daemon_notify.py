# SPDX-License-Identifier: MIT
"""systemd's notify protocol and the radio state: `mi32 run --hci-uart` against the pty
controller of test_02_daemon_h4_pty, with $NOTIFY_SOCKET pointing at a datagram socket
this test holds. READY=1, STATUS= following the radio (scanning, then down when the
controller goes away), WATCHDOG=1 only when $WATCHDOG_USEC asks for it."""
import os
import socket
import subprocess
import time
import tty

from test_02_daemon_helpers import base_args
from test_02_daemon_h4_pty import Controller


class Notifications:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.seen = []

    def wait_for(self, pred, timeout, what):
        end = time.monotonic() + timeout
        while True:
            for m in self.seen:
                if pred(m):
                    return m
            left = end - time.monotonic()
            assert left > 0, f"timed out waiting for {what}; got {self.seen}"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                continue
            self.seen.extend(data.split("\n"))


def run(mi32_bin, tmp_path, watchdog):
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    ctl = Controller(master)
    ctl.start()
    note = Notifications(tmp_path / "notify")
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"))
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    if watchdog:
        env["WATCHDOG_USEC"] = "2000000"
    proc = subprocess.Popen(base_args(mi32_bin, tmp_path, "--hci-uart", os.ttyname(slave),
                                      "--mi32cfg", tmp_path / "absent"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    return proc, ctl, note, master, slave


def check(mi32_bin, tmp_path, watchdog):
    proc, ctl, note, master, slave = run(mi32_bin, tmp_path, watchdog)
    try:
        note.wait_for(lambda m: m == "READY=1", 15, "READY=1")
        # STATUS= changes and WATCHDOG=1 are sent from the same once-a-second tick
        note.wait_for(lambda m: m == "STATUS=scanning on H4 UART (passive, duty 100 %)", 15,
                      "the scanning status")
        if watchdog:
            note.wait_for(lambda m: m == "WATCHDOG=1", 15, "a watchdog ping")
        # the controller goes away: the status says so, and the daemon keeps running
        ctl.finish()
        os.close(master)
        master = -1
        note.wait_for(lambda m: m.startswith("STATUS=radio down on H4 UART: "), 15,
                      "the down status")
        assert proc.poll() is None
        if not watchdog:
            # datagrams arrive in order: every tick before this status has been read
            assert "WATCHDOG=1" not in note.seen
    finally:
        proc.terminate()
        proc.wait(10)
        ctl.finish()
        if master >= 0:
            os.close(master)
        os.close(slave)
    assert proc.returncode == 0


def test_ready_status_and_watchdog(mi32_bin, tmp_path):
    check(mi32_bin, tmp_path, watchdog=True)


def test_no_watchdog_without_watchdog_usec(mi32_bin, tmp_path):
    check(mi32_bin, tmp_path, watchdog=False)
