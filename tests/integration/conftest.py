# SPDX-License-Identifier: MIT
"""Shared pytest fixtures: the real mi32 binary, a demo capture made by `mi32 simulate`, and a
real mosquitto broker on a free loopback port. Runs under Debian's /usr/bin/python3.

Environment: MI32_BIN (default build/mi32), MI32_BUILD_DIR (default build),
MI32_SHARED (default ../shared)."""
import os
import shutil
import socket
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("MI32_BUILD_DIR", "build"))
MI32 = os.environ.get("MI32_BIN", os.path.join(BUILD, "mi32"))
SHARED = os.environ.get("MI32_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))


def free_port():
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    """Wait until something accepts connections on 127.0.0.1:port."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.02)
    return False


@pytest.fixture(scope="session")
def mi32_bin():
    if not os.access(MI32, os.X_OK):
        pytest.skip(f"{MI32} is not built (make build)")
    return MI32


@pytest.fixture(scope="session")
def demo(tmp_path_factory, mi32_bin):
    """A 10-minute capture of the whole simulated fleet and its mi32cfg with the keys."""
    d = tmp_path_factory.mktemp("demo")
    cap, cfg = d / "demo.btsnoop", d / "demo.mi32cfg"
    subprocess.run([mi32_bin, "simulate", "--out", str(cap), "--mi32cfg", str(cfg),
                    "--duration", "600"], check=True, capture_output=True)
    return {"capture": cap, "mi32cfg": cfg, "dir": d}


class Broker:
    def __init__(self, port, proc, conf):
        self.host, self.port, self.proc, self.conf = "127.0.0.1", port, proc, conf

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_broker(tmp_path, port=None, extra=""):
    """Start Debian's mosquitto on 127.0.0.1:<port> with @extra config lines."""
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.access(exe, os.X_OK):
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    port = port or free_port()
    conf = tmp_path / f"mosquitto-{port}.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n"
                    f"persistence false\n{extra}\n")
    proc = subprocess.Popen([exe, "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    if not wait_port(port):
        proc.kill()
        raise RuntimeError(f"mosquitto did not start: {proc.stderr.read().decode()}")
    return Broker(port, proc, conf)


@pytest.fixture
def broker(tmp_path):
    b = start_broker(tmp_path)
    yield b
    b.stop()
