#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""MQTT benchmarks; figures printed, never asserted.

1. latency: an HCI LE Advertising Report written to the daemon's H4 UART (a pty: this script
   plays the controller on the master side, answering every HCI command with Command
   Complete, status 0) until the SENSOR message it causes reaches a subscriber through
   mosquitto on loopback, with --option2 1 (every accepted packet publishes). p50/p99.
2. throughput: `--replay --fast` of a 1,000-sensor ATC capture with MQTT on: adverts/s and
   CPU µs per advert, with option 2 off (TelePeriod only) and on (a message per advert).
   A rate means nothing without what arrived, so each run says where every SENSOR message
   went: made by the daemon (its --json lines), dropped by the daemon (its own bounded
   buffer, from its stop line), received and dropped by the broker (its $SYS counters:
   the per-client queue of a slow subscriber) and delivered to the subscriber.

usage: bench/bench_mqtt_latency.py [MI32_BIN] [--n N] [--throughput-only]
       (default build/mi32, N 2000)
Needs mosquitto and python3-paho-mqtt."""
import os
import resource
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BTSNOOP_EPOCH = 0x00DCDDB30F2F8000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(d):
    port = free_port()
    conf = os.path.join(d, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                "max_queued_messages 100000\nsys_interval 1\nuser root\n")
    p = subprocess.Popen([shutil.which("mosquitto") or "/usr/sbin/mosquitto", "-c", conf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            return p, port
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("mosquitto did not start")


def atc_report(mac, temp_dC, counter, rssi=-60):
    """H4 LE Advertising Report carrying an ATC1441 frame (service data 0x181A)."""
    sd = bytes(mac) + struct.pack(">hBBHB", temp_dC, 50, 90, 3000, counter & 0xFF)
    ad = bytes([len(sd) + 3, 0x16, 0x1A, 0x18]) + sd
    rep = bytes([1, 0, 0]) + bytes(reversed(mac)) + bytes([len(ad)]) + ad + \
        struct.pack("b", rssi)
    evt = bytes([0x02]) + rep
    return bytes([0x04, 0x3E, len(evt)]) + evt


class Controller(threading.Thread):
    """Answers every H4 command on the pty master with Command Complete, status 0; notes
    when scanning was enabled."""

    def __init__(self, fd):
        super().__init__(daemon=True)
        self.fd, self.scanning = fd, threading.Event()

    def run(self):
        buf = b""
        while True:
            try:
                buf += os.read(self.fd, 4096)
            except OSError:
                return
            while len(buf) >= 4 and buf[0] == 0x01 and len(buf) >= 4 + buf[3]:
                op = buf[1] | buf[2] << 8
                params = buf[4:4 + buf[3]]
                buf = buf[4 + buf[3]:]
                # status 0, then room for the longest return parameters we are asked for
                # (BD_ADDR, LE features: bit 12 "extended advertising" clear = legacy scan)
                ret = bytes([0, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0, 0])
                ev = bytes([1, op & 0xFF, op >> 8]) + ret
                os.write(self.fd, bytes([0x04, 0x0E, len(ev)]) + ev)
                if op in (0x200C, 0x2042) and params[:1] == b"\x01":
                    self.scanning.set()
            if buf and buf[0] != 0x01:
                buf = b""


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def latency(mi32, d, port, n):
    master, slave = os.openpty()
    import tty
    tty.setraw(slave)
    ctl = Controller(master)
    ctl.start()
    got = threading.Event()
    arrivals = []
    c = mqtt.Client(client_id="bench-lat")
    c.on_message = lambda cl, u, m: (arrivals.append(time.perf_counter_ns()), got.set())
    c.connect("127.0.0.1", port)
    c.subscribe("tele/bench/SENSOR")
    c.loop_start()
    state = os.path.join(d, "lat")
    os.makedirs(state, exist_ok=True)
    p = subprocess.Popen([mi32, "run", "--config", "/dev/null", "--state-dir", state,
                          "--hci-uart", os.ttyname(slave), "--mqtt-host", "127.0.0.1",
                          "--mqtt-port", str(port), "--topic", "bench", "--hass", "no",
                          "--web-port", "0", "--teleperiod", "0", "--option2", "1",
                          "--log-level", "warning"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        if not ctl.scanning.wait(10):
            print("latency: the daemon never enabled scanning")
            return
        time.sleep(1.0)  # the MQTT connection
        mac = [0xA4, 0xC1, 0x38, 0x12, 0x34, 0x56]
        lat = []
        for i in range(n + 50):
            got.clear()
            k = len(arrivals)
            pkt = atc_report(mac, 200 + i % 100, i)
            t0 = time.perf_counter_ns()
            os.write(master, pkt)
            if not got.wait(2):
                continue
            if i >= 50:  # warm-up: the first frames add the sensor
                lat.append((arrivals[k] - t0) / 1000)
            time.sleep(0.002)
        if lat:
            print(f"mqtt_latency_us n={len(lat)} p50={pct(lat, 50):.0f} p90={pct(lat, 90):.0f} "
                  f"p99={pct(lat, 99):.0f} max={max(lat):.0f} (target p99 <= 1000)")
    finally:
        p.terminate()
        p.wait()
        c.loop_stop()
        os.close(master)
        os.close(slave)


def fleet_capture(path, sensors=1000, rounds=200):
    """ATC frames of @sensors sensors, @rounds each, 10 µs apart in capture time."""
    t = 1_700_000_000 * 1_000_000
    with open(path, "wb") as f:
        f.write(b"btsnoop\0" + struct.pack(">II", 1, 1002))
        for r in range(rounds):
            for s in range(sensors):
                mac = [0xA4, 0xC1, 0x38, 0x10, s >> 8, s & 0xFF]
                pkt = atc_report(mac, 200 + (r + s) % 50, r)
                f.write(struct.pack(">IIIIq", len(pkt), len(pkt), 3, 0,
                                    t + BTSNOOP_EPOCH) + pkt)
                t += 10
    return sensors * rounds


class SysCounters:
    """The broker's $SYS publish counters (sys_interval 1; a value is sent when it changes).
    Not "sent": the $SYS updates to this very client move it every second."""

    TOPICS = ("received", "dropped")

    def __init__(self, port):
        self.v, self.at, self.lock = {}, time.monotonic(), threading.Lock()
        self.c = mqtt.Client(client_id="bench-sys")
        self.c.on_message = self._msg
        self.c.connect("127.0.0.1", port)
        self.c.subscribe("$SYS/broker/publish/messages/#")
        self.c.loop_start()

    def _msg(self, c, u, m):
        k = m.topic.rsplit("/", 1)[-1]
        if k in self.TOPICS:
            with self.lock:
                self.v[k] = int(m.payload)
                self.at = time.monotonic()

    def settled(self, quiet=2.5):
        """The counters once none moved for @quiet seconds (the broker is idle)."""
        while True:
            with self.lock:
                left = self.at + quiet - time.monotonic()
                if left <= 0:
                    return {k: self.v.get(k, 0) for k in self.TOPICS}
            time.sleep(left)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def settle(count, quiet=2.0):
    """Wait until @count() has not moved for @quiet seconds; its final value."""
    last, since = count(), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.1)
        if count() != last:
            last, since = count(), time.monotonic()
    return last


def throughput(mi32, d, port):
    cap = os.path.join(d, "fleet1000.btsnoop")
    n = fleet_capture(cap)
    sysc = SysCounters(port)
    for opt2 in ("0", "1"):
        received = []
        c = mqtt.Client(client_id="bench-tp" + opt2)
        c.on_message = lambda cl, u, m: received.append(1)
        c.connect("127.0.0.1", port)
        c.subscribe("tele/tp/SENSOR")
        c.loop_start()
        state = os.path.join(d, "tp" + opt2)
        os.makedirs(state, exist_ok=True)
        sys0 = sysc.settled()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run([mi32, "run", "--config", "/dev/null", "--state-dir", state,
                            "--replay", cap, "--fast", "--mqtt-host", "127.0.0.1",
                            "--mqtt-port", str(port), "--topic", "tp", "--hass", "no",
                            "--web-port", "0", "--teleperiod", "10", "--option2", opt2,
                            "--max-auto", "1000", "--mqtt-queue", "1000000", "--json",
                            "--log-level", "warning"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        made = r.stdout.count("\n")
        delivered = settle(lambda: len(received))
        sys1 = sysc.settled()
        c.loop_stop()
        c.disconnect()
        # the daemon's own drops, from its stop line (absent in builds before the bound)
        own = [ln for ln in r.stderr.splitlines() if "MQTT: stopped" in ln]
        print(f"mqtt_throughput option2={opt2} sensors=1000 adverts={n} wall={wall:.2f}s "
              f"adverts_per_s={n / wall:,.0f} cpu_us_per_advert={cpu / n * 1e6:.2f}")
        print(f"  sensor_msgs made={made} broker_received={sys1['received'] - sys0['received']} "
              f"broker_dropped={sys1['dropped'] - sys0['dropped']} delivered={delivered} "
              f"({100 * delivered / made if made else 0:.1f} % of made)")
        if own:
            print("  daemon: " + own[-1].split("MQTT: ", 1)[1])
    sysc.close()


def main():
    args = sys.argv[1:]
    n = 2000
    if "--n" in args:
        i = args.index("--n")
        n = int(args[i + 1])
        del args[i:i + 2]
    args = [a for a in args if a != "--throughput-only"]
    mi32 = args[0] if args else os.path.join(ROOT, "build", "mi32")
    with tempfile.TemporaryDirectory() as d:
        broker, port = start_broker(d)
        try:
            if "--throughput-only" not in sys.argv:
                latency(mi32, d, port, n)
            throughput(mi32, d, port)
        finally:
            broker.terminate()
            broker.wait()


if __name__ == "__main__":
    main()
