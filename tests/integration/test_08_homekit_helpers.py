# SPDX-License-Identifier: MIT
"""Helpers of the test_08_homekit* files (no tests here): mi32 with the HomeKit bridge on the
replayed demo, its log read line by line (waits are on lines, never sleeps), the npm
hap-controller driver, and a private system D-Bus with avahi-daemon for the mDNS test."""
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTROLLER = os.path.join(ROOT, "tests", "homekit", "controller.js")
CODE = "518-08-582"
# no system bus at this address: the bridge runs without avahi-daemon, deterministically,
# whatever the machine runs (its own test says so is logged and HAP still serves)
NO_BUS = "unix:path=/nonexistent/mi32-test-no-system-bus"


class Bridge:
    """mi32 replaying the demo with the bridge on a free loopback port."""

    def __init__(self, mi32_bin, state_dir, extra=(), bus=NO_BUS, web_port=0, web_extra=()):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus)
        self.p = subprocess.Popen(
            [mi32_bin, "run", "--config", "/dev/null", "--replay",
             os.path.join(ROOT, "examples", "demo.btsnoop"), "--loop",
             "--mi32cfg", os.path.join(ROOT, "examples", "demo.mi32cfg"),
             "--state-dir", str(state_dir), "--web-port", str(web_port), *web_extra,
             "--homekit", "--homekit-port", "0", "--homekit-bind", "127.0.0.1", *extra],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=env)
        self.lines = queue.Queue()
        self.log = []
        # a reader thread: select() on a buffered text pipe would miss lines already read
        threading.Thread(target=lambda: [self.lines.put(l) for l in self.p.stderr],
                         daemon=True).start()
        # the line that ends the bridge's start: the setup code, or the pairings
        m = self.wait(r"homekit: (not paired|paired with).*port (\d+)")
        self.port, self.said = int(m.group(2)), m.group(0)

    def wait(self, pattern, timeout=30):
        """The first line from now on matching @pattern (a re.Match); fails after @timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            self.log.append(line)
            m = re.search(pattern, line)
            if m:
                return m
        pytest.fail(f"mi32 never logged /{pattern}/: " + "".join(self.log[-30:]))

    def seen(self, pattern):
        return any(re.search(pattern, l) for l in self.log)

    def stop(self):
        self.p.kill()
        self.p.wait()


def controller(port, mode, *args, timeout=120):
    """Runs tests/homekit/controller.js in @mode; returns its steps by name."""
    node = shutil.which("node")
    assert node, "node is missing (scripts/deps.sh test installs nodejs)"
    r = subprocess.run([node, CONTROLLER, str(port), CODE, mode, *map(str, args)],
                       capture_output=True, text=True, timeout=timeout,
                       cwd=os.path.dirname(CONTROLLER))
    steps = {}
    for line in r.stdout.splitlines():
        o = json.loads(line)
        steps[o["step"]] = o
    assert r.returncode == 0, f"controller failed: {r.stdout}\n{r.stderr}"
    return steps


BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"""

# loopback only, in a network namespace of its own: nothing goes to the machine's LAN and
# no other avahi-daemon (the machine's, another test run's) answers or collides
AVAHI_CONF = """[server]
host-name=mi32test
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
"""


class SystemBus:
    """A private dbus-daemon with a system-bus configuration (the address goes to mi32 and
    avahi-browse through DBUS_SYSTEM_BUS_ADDRESS)."""

    def __init__(self, tmp):
        if not shutil.which("dbus-daemon"):
            pytest.skip("dbus-daemon is missing (scripts/deps.sh test installs dbus)")
        sock = os.path.join(str(tmp), "system_bus_socket")
        conf = os.path.join(str(tmp), "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONF.format(sock=sock))
        self.p = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork",
                                   "--print-address"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        self.address = self.p.stdout.readline().strip()  # printed once it listens
        assert self.address.startswith("unix:"), "dbus-daemon did not start"

    def stop(self):
        self.p.kill()
        self.p.wait()


class Avahi:
    """avahi-daemon on the private bus, in its own network and mount namespaces (its pid file
    and socket under /run/avahi-daemon are a tmpfs of its own there)."""

    def __init__(self, tmp, bus):
        if not shutil.which("avahi-daemon") or not shutil.which("avahi-browse"):
            pytest.skip("avahi-daemon/avahi-browse missing (scripts/deps.sh test installs "
                        "avahi-daemon avahi-utils)")
        if not shutil.which("unshare"):
            pytest.skip("unshare (util-linux) is missing")
        conf = os.path.join(str(tmp), "avahi-daemon.conf")
        with open(conf, "w") as f:
            f.write(AVAHI_CONF)
        # root: plain namespaces; otherwise a user namespace maps us to root inside
        ns = ["unshare", "-m", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-m", "-n"]
        probe = subprocess.run(ns + ["true"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip("cannot make network/mount namespaces here for a private "
                        f"avahi-daemon: {probe.stderr.strip()}")
        script = ("ip link set lo up && mkdir -p /run/avahi-daemon && "
                  "mount -t tmpfs tmpfs /run/avahi-daemon && "
                  f"exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f {conf}")
        self.bus = bus
        self.p = subprocess.Popen(ns + ["sh", "-c", script], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True,
                                  env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus.address))

    def browse(self):
        """avahi-browse -rpt _hap._tcp: {instance name: {"port":…, "txt":{key: value}}}."""
        r = subprocess.run(["avahi-browse", "-rpt", "_hap._tcp"], capture_output=True,
                           text=True, timeout=30,
                           env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address))
        found = {}
        for line in r.stdout.splitlines():
            f = line.split(";")
            if f[0] != "=" or len(f) < 10:
                continue
            txt = dict(kv.split("=", 1) for kv in re.findall(r'"([^"]*)"', f[9]))
            found[f[3]] = {"port": int(f[8]), "txt": txt}
        return found

    def stop(self):
        self.p.kill()
        self.p.wait()
