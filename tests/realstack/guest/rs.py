# SPDX-License-Identifier: MIT
"""The pieces the real-stack tests drive inside the VM: processes whose output lines can be
awaited (mi32, btvirt, bluetoothd, btmon), the stack itself (two btvirt controllers,
bluetoothd, the system D-Bus), the advertiser on hci1 and the frames taken from
../shared/vectors. Everything waits for an event with a deadline; nothing sleeps blindly."""
import ctypes
import importlib.machinery
import importlib.util
import json
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.request

import dbus

MI32 = os.environ["MI32_BIN"]
SHARED = os.environ["MI32_SHARED"]
OUT = os.environ["RS_OUT"]
# the software CPU of a loaded host is slow: every deadline is this many seconds at least
SLOW = float(os.environ.get("RS_TIMEOUT_SCALE", "1"))


def deadline(seconds):
    return time.monotonic() + seconds * SLOW


class Proc:
    """A child process; its stdout and stderr lines are kept (and logged) as they come."""

    def __init__(self, name, argv, logdir, stdin=subprocess.DEVNULL, **kw):
        self.name, self.argv = name, [str(a) for a in argv]
        self.lines = []  # (stream, text)
        self.cond = threading.Condition()
        self.log = open(os.path.join(logdir, name + ".log"), "a", buffering=1)
        self.log.write("$ " + " ".join(self.argv) + "\n")
        self.p = subprocess.Popen(self.argv, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, **kw)
        self.readers = [threading.Thread(target=self._read, args=(f, s), daemon=True)
                        for f, s in ((self.p.stdout, "out"), (self.p.stderr, "err"))]
        for t in self.readers:
            t.start()

    def _read(self, f, stream):
        for raw in iter(f.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                self.lines.append((stream, text))
                self.log.write(("" if stream == "out" else "! ") + text + "\n")
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_for(self, pattern, timeout, start=0, stream=None, quiet=False):
        """The first match of @pattern in a line after index @start (of @stream if given)
        within @timeout seconds; raises AssertionError (or returns None if @quiet)."""
        rx = re.compile(pattern)
        end = deadline(timeout)
        i = start
        with self.cond:
            while True:
                while i < len(self.lines):
                    s, text = self.lines[i]
                    i += 1
                    if stream in (None, s):
                        m = rx.search(text)
                        if m:
                            self.at = i  # the line after the match, for the next wait
                            return m
                left = end - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and i >= len(self.lines)
                                 and not any(t.is_alive() for t in self.readers)):
                    break
                self.cond.wait(min(left, 0.5))
        if quiet:
            return None
        raise AssertionError(f"{self.name}: no line matching /{pattern}/ within "
                             f"{timeout * SLOW:.0f} s (exit code {self.p.poll()})")

    def text(self, stream=None, start=0):
        with self.cond:
            return "\n".join(t for s, t in self.lines[start:] if stream in (None, s))

    def wait_exit(self, timeout):
        try:
            return self.p.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.name} still runs after {timeout * SLOW:.0f} s")

    def alive(self):
        return self.p.poll() is None

    def send(self, line):
        """One line on the process's stdin (started with stdin=subprocess.PIPE)."""
        self.log.write("> " + line + "\n")
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def stop(self, sig=signal.SIGTERM):
        if self.p.stdin:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout=10 * SLOW)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for t in self.readers:
            t.join(timeout=5)
        self.log.close()
        return self.p.returncode


def run(*argv, timeout=30, check=True):
    """A short command; its output as text. Its stdin is a pipe that stays open: btmgmt
    reads commands from a stdin that is not a terminal and quits at its end, before the
    kernel has answered the command given on its command line."""
    r, w = os.pipe()
    try:
        p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, stdin=r,
                           timeout=timeout * SLOW)
    finally:
        os.close(r)
        os.close(w)
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))}: exit {p.returncode}: "
                             f"{p.stdout}{p.stderr}")
    return p.stdout + p.stderr


def wait_until(what, fn, timeout, step=0.2):
    """Poll @fn (a cheap query of kernel state) until it returns true; not a fixed sleep."""
    end = deadline(timeout)
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


# ---- the stack: btvirt's two LE controllers and bluetoothd ----

class Mgmt:
    """A small client of the kernel's management interface (mgmt-api.txt), in-process:
    under the software CPU every spawned btmgmt costs seconds. Python's socket module
    cannot bind the control channel, so bind() goes through libc."""

    def __init__(self):
        self.s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                               socket.BTPROTO_HCI)
        libc = ctypes.CDLL(None, use_errno=True)
        sa = struct.pack("<HHH", socket.AF_BLUETOOTH, 0xFFFF, 3)  # HCI_CHANNEL_CONTROL
        if libc.bind(self.s.fileno(), ctypes.c_char_p(sa), len(sa)) < 0:
            raise OSError(ctypes.get_errno(), "bind HCI_CHANNEL_CONTROL")
        self.s.settimeout(10 * SLOW)

    def cmd(self, op, index=0xFFFF, params=b""):
        """(status, return parameters) of one command."""
        self.s.send(struct.pack("<HHH", op, index, len(params)) + params)
        end = deadline(10)
        while time.monotonic() < end:
            ev = self.s.recv(65536)
            code, _, _ = struct.unpack_from("<HHH", ev)
            if code in (1, 2) and struct.unpack_from("<H", ev, 6)[0] == op:
                return ev[8], ev[9:]
        raise AssertionError(f"mgmt: no answer to command 0x{op:04x}")

    def indexes(self):
        st, rp = self.cmd(0x0003)
        n = struct.unpack_from("<H", rp)[0] if st == 0 else 0
        return sorted(struct.unpack_from(f"<{n}H", rp, 2))

    def settings(self, index):
        """The current settings bits of hciN (0 when it is not there)."""
        st, rp = self.cmd(0x0004, index)
        return struct.unpack_from("<I", rp, 13)[0] if st == 0 else 0

    def powered(self, index):
        return bool(self.settings(index) & 1)

    def set_powered(self, index, on):
        return self.cmd(0x0005, index, bytes([1 if on else 0]))[0]

    def connections(self, index):
        """The links of hciN: [(address bytes as mgmt has them, address type)]"""
        st, rp = self.cmd(0x0015, index)  # Get Connections
        if st != 0:
            return []
        n = struct.unpack_from("<H", rp)[0]
        return [(rp[2 + 7 * i:8 + 7 * i], rp[8 + 7 * i]) for i in range(n)]

    def disconnect(self, index, addr, addr_type):
        return self.cmd(0x0014, index, addr + bytes([addr_type]))[0]

    def close(self):
        self.s.close()


def controllers():
    m = Mgmt()
    try:
        return m.indexes()
    finally:
        m.close()


def powered(index):
    m = Mgmt()
    try:
        return m.powered(index)
    finally:
        m.close()


class Stack:
    """btvirt (hci0 = the listener, hci1 = the advertiser) and bluetoothd, with logs."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.btvirt = self.btd = None

    def start_btvirt(self):
        # btvirt creates both controllers before its main loop: on a slow VM hci0's HCI
        # Reset can miss the kernel's 2 s timeout and hci0 stays dead; a new btvirt helps
        for attempt in range(4):
            self.btvirt = Proc("btvirt", ["btvirt", "-L", "-l2"], self.logdir)
            try:
                wait_until("two controllers", lambda: controllers() == [0, 1], 30)
                return
            except AssertionError:
                self.btvirt.stop()
                wait_until("controllers gone", lambda: not controllers(), 30)
        raise AssertionError(f"btvirt: hci0 and hci1 never both came up ({controllers()});"
                             " dmesg: " + run("dmesg", check=False)[-1500:])

    def start_bluetoothd(self, *extra):
        """bluetoothd with @extra arguments (e.g. "-P", "hog": without a plugin)"""
        self.btd = Proc("bluetoothd", ["/usr/libexec/bluetooth/bluetoothd", "-n", "-d", *extra],
                        self.logdir)
        bus = dbus.SystemBus()
        wait_until("bluetoothd on the system bus", lambda: bus.name_has_owner("org.bluez"), 30)
        # bluetoothd powers the adapters it finds (AutoEnable)
        wait_until("hci0 and hci1 powered", lambda: powered(0) and powered(1), 30)

    def healthy(self):
        return (self.btvirt and self.btvirt.alive() and self.btd and self.btd.alive()
                and controllers() == [0, 1])

    def ensure(self):
        """Bring back whatever the previous test took away."""
        run("rfkill", "unblock", "all", check=False)
        if not (self.btvirt and self.btvirt.alive()) or controllers() != [0, 1]:
            if self.btvirt:
                self.btvirt.stop()
            self.start_btvirt()
        if not (self.btd and self.btd.alive()):
            self.start_bluetoothd()
        m = Mgmt()
        for i in (0, 1):
            if not m.powered(i):
                m.set_powered(i, True)
        # no link of the previous test is left: a mi32 that exits asks bluetoothd to
        # disconnect, and the link went down only while the next test ran its first op on
        # it (test_11_examples' MI32Bat after the clock test: error 2, "disconnected")
        try:
            def links():
                return m.connections(0) + m.connections(1)
            if links():
                for i in (0, 1):
                    for addr, t in m.connections(i):
                        m.disconnect(i, addr, t)
                wait_until("no links left from the previous test", lambda: not links(), 20)
        finally:
            m.close()
        # each test starts without bonds, on both sides: a bond kept on one side only (a test
        # that forgot hci1 on hci0 alone) made test_8's next link fail to encrypt, status
        # 0x0e. Unpaired records stay: forgetting those too makes every first connection
        # discover again, and the discovery races with btvirt (test_8 advertising_again).
        for adapter in ("hci0", "hci1"):
            forget(adapter, paired_only=True)

    def stop(self):
        for p in (self.btd, self.btvirt):
            if p:
                p.stop()


def forget(adapter, mac=None, paired_only=False):
    """Remove from bluetoothd's @adapter the device with address @mac (every device if None;
    only paired ones with @paired_only), and with it its bond, under whichever path (a device
    first seen by its RPA keeps that path)."""
    bus = dbus.SystemBus()
    try:
        objs = dbus.Interface(bus.get_object("org.bluez", "/"),
                              "org.freedesktop.DBus.ObjectManager").GetManagedObjects()
        ad = dbus.Interface(bus.get_object("org.bluez", "/org/bluez/" + adapter),
                            "org.bluez.Adapter1")
        for path, ifaces in objs.items():
            dev = ifaces.get("org.bluez.Device1")
            if dev and str(dev.get("Adapter")) == "/org/bluez/" + adapter and \
                    (mac is None or str(dev.get("Address")).upper() == mac.upper()) and \
                    (not paired_only or dev.get("Paired")):
                try:
                    ad.RemoveDevice(path)
                except dbus.DBusException:
                    pass  # gone meanwhile
    finally:
        bus.close()


# ---- MQTT: a broker and a subscriber in the guest ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """mosquitto on a free loopback port and a mosquitto_sub printing "<topic> <payload>"
    lines of @topics; both are stopped with @env's processes."""

    def __init__(self, env, topics):
        self.port = free_port()
        broker = Proc("mosquitto", ["mosquitto", "-p", self.port], env.logdir)
        env.procs.append(broker)
        broker.wait_for(r"running", 20)
        self.sub = Proc("mqtt-sub", ["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p",
                                     self.port, "-v"] + [a for t in topics for a in ("-t", t)],
                        env.logdir)
        env.procs.append(self.sub)
        broker.wait_for(r"New client connected", 20)

    def args(self, topic):
        """mi32's arguments for this broker, with @topic as its %topic%"""
        return ["--mqtt-host", "127.0.0.1", "--mqtt-port", str(self.port), "--topic", topic]

    def messages(self, topic, start=0):
        """The payloads of @topic received after line @start, in order"""
        return [t[len(topic) + 1:] for s, t in self.sub.lines[start:]
                if s == "out" and t.startswith(topic + " ")]

    def wait(self, topic, n, timeout, start=0):
        """The first @n payloads of @topic after line @start, once they are there"""
        wait_until(f"{n} messages on {topic}",
                   lambda: len(self.messages(topic, start)) >= n, timeout)
        return self.messages(topic, start)[:n]


# ---- the advertiser: hci1 driven over a raw HCI socket ----

HCI_COMMAND_PKT, HCI_EVENT_PKT = 0x01, 0x04
EVT_CMD_COMPLETE, EVT_CMD_STATUS = 0x0E, 0x0F


class Advertiser:
    """Legacy advertising on hci1 with any AD bytes and any advertiser address (sent as a
    random address, so the frame carries the vector's own MAC: BTHome's encryption nonce
    and mi32cfg's keys need it). btvirt sends an advertising report to a scanning peer
    when advertising gets enabled, not each interval, so every rearm() is a new packet."""

    def __init__(self, index=1):
        self.index = index
        self.s = None

    def _open(self):
        s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_RAW, socket.BTPROTO_HCI)
        s.bind((self.index,))
        # struct hci_filter: packet types, two event mask words, opcode
        s.setsockopt(socket.SOL_HCI, socket.HCI_FILTER,
                     struct.pack("<IIIH2x", 1 << HCI_EVENT_PKT, 0xFFFFFFFF, 0xFFFFFFFF, 0))
        s.settimeout(5 * SLOW)
        return s

    def cmd(self, opcode, params=b""):
        if self.s is None:
            self.s = self._open()
        self.s.send(bytes([HCI_COMMAND_PKT]) + struct.pack("<HB", opcode, len(params)) + params)
        end = deadline(5)
        while time.monotonic() < end:
            ev = self.s.recv(260)
            if ev[0] != HCI_EVENT_PKT:
                continue
            if ev[1] == EVT_CMD_COMPLETE and struct.unpack_from("<H", ev, 4)[0] == opcode:
                return ev[6]
            if ev[1] == EVT_CMD_STATUS and struct.unpack_from("<H", ev, 5)[0] == opcode:
                return ev[3]
        raise AssertionError(f"hci{self.index}: no answer to HCI command 0x{opcode:04x}")

    def close(self):
        if self.s:
            self.s.close()
            self.s = None

    def advertise(self, mac, ad, connectable=False):
        """Advertise @ad (bytes, at most 31) from @mac ("AA:BB:..", sent as a random
        address; None: hci1's own public address), non-connectable."""
        assert len(ad) <= 31, f"AD of {len(ad)} bytes does not fit a legacy advert"
        self.cmd(0x200A, b"\x00")  # LE Set Advertising Enable: off (may already be)
        if mac is not None:
            addr = bytes.fromhex(mac.replace(":", ""))[::-1]
            st = self.cmd(0x2005, addr)  # LE Set Random Address
            assert st == 0, f"LE Set Random Address: status 0x{st:02x}"
        # interval 100 ms, ADV_IND or ADV_NONCONN_IND, own address random (or public), all
        # channels
        params = struct.pack("<HHBBB6sBB", 0xA0, 0xA0, 0x00 if connectable else 0x03,
                             0x00 if mac is None else 0x01, 0x00, bytes(6), 0x07, 0x00)
        st = self.cmd(0x2006, params)
        assert st == 0, f"LE Set Advertising Parameters: status 0x{st:02x}"
        st = self.cmd(0x2008, bytes([len(ad)]) + ad.ljust(31, b"\x00"))
        assert st == 0, f"LE Set Advertising Data: status 0x{st:02x}"
        self.enable()

    def enable(self):
        st = self.cmd(0x200A, b"\x01")
        assert st == 0, f"LE Set Advertising Enable: status 0x{st:02x}"

    def rearm(self):
        self.cmd(0x200A, b"\x00")
        self.enable()

    def stop(self):
        self.cmd(0x200A, b"\x00")


# ---- frames from ../shared/vectors ----

def _check_vectors():
    """The shared vector checker's comparison (its key map and tolerances), reused as is."""
    path = os.path.join(SHARED, "tools", "check-vectors")
    loader = importlib.machinery.SourceFileLoader("check_vectors", path)
    spec = importlib.util.spec_from_loader("check_vectors", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


CHECK = _check_vectors()


def vector(vid, **fields):
    """The first vector whose id is (or starts with) @vid and whose @fields match."""
    for name in os.listdir(os.path.join(SHARED, "vectors")):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(SHARED, "vectors", name)) as f:
            for line in f:
                if line.strip():
                    v = json.loads(line)
                    if ((v["id"] == vid or v["id"].startswith(vid))
                            and all(v.get(k) == x for k, x in fields.items())):
                        return v
    raise AssertionError(f"vector {vid} not found in {SHARED}/vectors")


def ad_of(v):
    """Flags (LE General Discoverable, no BR/EDR) + the vector's Service Data AD."""
    sd = bytes.fromhex(v["service_uuid"])[::-1] + bytes.fromhex(v["service_data"])
    return bytes([2, 0x01, 0x06, len(sd) + 1, 0x16]) + sd


def mac12(v):
    return v["mac"].replace(":", "").upper()


def mi32cfg_entry(v, pid):
    return {"MAC": mac12(v), "PID": f"{pid:04x}", "key": v.get("bindkey") or ""}


def mibeacon_pid(v):
    sd = bytes.fromhex(v["service_data"])
    return sd[2] | sd[3] << 8


# ---- mi32 ----

class Mi32(Proc):
    """`mi32 run` with its JSON lines on stdout and its log on stderr."""

    def __init__(self, logdir, *args, user=None, state=None, console=False,
                 name="mi32"):
        state = state or os.path.join("/tmp", "mi32-state-" + os.path.basename(logdir))
        os.makedirs(state, exist_ok=True)
        argv = [MI32, "run", "--config", "/dev/null", "--state-dir", state, "--json",
                "--option2", "1", "--log-level", "debug", *args]
        if user is not None:
            os.chmod(state, 0o777)
            argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", *argv]
        # @console: commands go to mi32's stdin (a pipe kept open: its end stops mi32)
        super().__init__(name, argv, logdir,
                         stdin=subprocess.PIPE if console else subprocess.DEVNULL)

    def command(self, line, key=None, timeout=30):
        """Run @line on the console; (its reply, the object whose first key is @key or the
        command's name, and the index of the line before it)."""
        start = self.mark()
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        key = key or line.split()[0].rstrip("0123456789")
        self.wait_for(r'^\{"%s\d*":' % re.escape(key), timeout, start=start, stream="out")
        return json.loads(self.lines[self.at - 1][1]), start

    def sensors(self, start=0):
        """MAC -> every value the SENSOR lines after @start gave it, merged."""
        seen = {}
        for s, text in self.lines[start:]:
            if s != "out" or not text.startswith("{"):
                continue
            for key, val in json.loads(text).items():
                if isinstance(val, dict) and "MAC" in val:
                    seen.setdefault(val["MAC"].upper(), {}).update(val)
        return seen

    def wait_decoded(self, v, timeout, start=0, rearm=None):
        """Wait until the SENSOR lines carry every value vector @v expects (the shared
        checker's comparison); @rearm() makes the advertiser send the frame again."""
        end = deadline(timeout)
        mac, bad = mac12(v), ["nothing decoded"]
        while time.monotonic() < end:
            vals = self.sensors(start).get(mac)
            if vals is not None:
                bad = CHECK.compare(v, {"ok": True, "values": vals})
                if not bad:
                    return vals
            if not self.alive():
                break
            # a packet is on its way once per rearm; give it a few seconds to come through
            self.wait_for(r"^\{.*" + mac, 4, start=self.mark(), stream="out", quiet=True)
            if rearm:
                rearm()
        raise AssertionError(f"{v['id']} from {v['mac']}: {'; '.join(bad)} "
                             f"(mi32 {'exited ' + str(self.p.poll()) if not self.alive() else 'runs'})")


def http_get(port, path, timeout=10):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout * SLOW) as r:
        return r.read().decode()
