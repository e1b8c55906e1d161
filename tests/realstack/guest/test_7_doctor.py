# SPDX-License-Identifier: MIT
"""7. `mi32 doctor` on the real stack: ready with bluetoothd up; bluetoothd down (a note,
still ready: mi32 scans through the kernel); an rfkill block, the adapter gone and no
capabilities (each not ready, with the sentence that says the fix)."""
import glob
import os
import re
import subprocess

import dbus

import rs


def doctor(env, *args, user=None):
    state = os.path.join("/tmp", "mi32-doctor-" + os.path.basename(env.logdir))
    os.makedirs(state, exist_ok=True)
    argv = [rs.MI32, "doctor", "--config", "/dev/null", "--state-dir", state,
            "--web-port", "0", *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", *argv]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60 * rs.SLOW,
                       stdin=subprocess.DEVNULL)
    with open(os.path.join(env.logdir, "doctor.log"), "a") as f:
        f.write(f"$ {' '.join(argv)}\n{p.stdout}{p.stderr}exit {p.returncode}\n")
    return p.returncode, p.stdout


def has(out, pattern):
    assert re.search(pattern, out, re.M), f"no line /{pattern}/ in:\n{out}"


def test_doctor_ready(env):
    rc, out = doctor(env)
    has(out, r"^  ok    the kernel has Bluetooth support")
    has(out, r"^  ok    adapter hci0 \(00:AA:01:00:00:00\) is there; the kernel has: hci0 hci1$")
    has(out, r"^  ok    hci0 is not blocked by rfkill$")
    has(out, r"^  ok    hci0 is powered$")
    has(out, r"^  ok    running as root, this process has CAP_NET_ADMIN and CAP_NET_RAW")
    has(out, r"^  ok    bluetoothd 5\.\d+ is running \(org\.bluez on the system D-Bus\)$")
    has(out, r"^  ok    the state directory /tmp/mi32-doctor-\S+ is writable$")
    has(out, r"^mi32 doctor: ready to run$")
    assert rc == 0, out


def test_doctor_bluetoothd_down(env):
    bus = dbus.SystemBus()
    env.stack.btd.stop()
    rs.wait_until("org.bluez gone", lambda: not bus.name_has_owner("org.bluez"), 30)
    rc, out = doctor(env)
    has(out, r"^  note  bluetoothd 5\.\d+ is not running: mi32 scans without it, through "
             r"the kernel \(systemctl start bluetooth\)$")
    # bluetoothd powers its adapters off on its way out
    has(out, r"^  note  hci0 is powered off: mi32 powers it on when it starts$")
    has(out, r"^mi32 doctor: ready to run$")
    assert rc == 0, out


def test_doctor_rfkill_blocked(env):
    sw = glob.glob("/sys/class/bluetooth/hci0/rfkill*")
    assert sw, "hci0 has no rfkill switch"
    rs.run("rfkill", "block", os.path.basename(sw[0])[len("rfkill"):])
    rc, out = doctor(env)
    has(out, r"^  FAIL  hci0: the radio is blocked by rfkill \(soft block\): rfkill unblock "
             r"bluetooth$")
    has(out, r"^mi32 doctor: 1 thing is not ready$")
    assert rc == 1, out


def test_doctor_adapter_gone(env):
    env.adv.close()
    env.stack.btvirt.stop()
    rs.wait_until("controllers gone", lambda: not rs.controllers(), 30)
    rc, out = doctor(env)
    has(out, r"^  ok    the kernel has Bluetooth support")
    has(out, r"^  FAIL  no Bluetooth adapter hci0 \(the kernel has: none\): plug one in, or "
             r"see dmesg for its driver$")
    assert rc == 1, out
    rc, out = doctor(env, "--wait-adapter")
    has(out, r"^  note  no Bluetooth adapter hci0 \(the kernel has: none\): mi32 waits for it")
    assert rc == 0, out


def test_doctor_unprivileged(env):
    rc, out = doctor(env, user=65534)
    # the adapter list needs no capability; the management socket's commands do
    has(out, r"^  ok    adapter hci0 ")
    has(out, r"^  FAIL  this process lacks CAP_NET_ADMIN: run mi32 as root, through its "
             r"systemd unit \(it grants them\), or setcap cap_net_admin,cap_net_raw\+eip ")
    has(out, r"^  FAIL  the state directory /tmp/mi32-doctor-\S+ is not writable by this "
             r"user \(uid 65534\)")
    has(out, r"^mi32 doctor: 2 things are not ready$")
    assert rc == 1, out
