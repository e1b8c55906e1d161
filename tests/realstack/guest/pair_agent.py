#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pair_agent.py PASSKEY — bluetoothd's default pairing agent and nothing else (gatt_peer.py's
Agent, KeyboardOnly), for a test whose two sides are both bluetoothd's (hci0 pairs with a mi32
server on hci1): every passkey request, from either adapter, gets PASSKEY, so the pairing is
authenticated (passkey entry). The kernel asks user space even for "just works", and
bluetoothd refuses when no agent answers. Prints "ready", then "passkey-asked" per request;
ends when stdin closes."""
import sys

import dbus
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

from gatt_peer import Agent, say


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    agent = Agent(bus, int(sys.argv[1]))  # noqa: F841 - exported while the loop runs
    mgr = dbus.Interface(bus.get_object("org.bluez", "/org/bluez"), "org.bluez.AgentManager1")
    mgr.RegisterAgent(Agent.PATH, "KeyboardOnly")
    mgr.RequestDefaultAgent(Agent.PATH)
    say("ready")
    loop = GLib.MainLoop()
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP,
                      lambda fd, cond: loop.quit() if not sys.stdin.readline() else True)
    loop.run()


if __name__ == "__main__":
    main()
