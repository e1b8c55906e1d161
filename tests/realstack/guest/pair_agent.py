#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""pair_agent.py PASSKEY [--default] — a pairing agent of bluetoothd (gatt_peer.py's Agent,
KeyboardOnly: it types PASSKEY when asked), for a test whose two sides are both this
bluetoothd's (hci0 pairs with a mi32 server on hci1). bluetoothd gives an agent one request
at a time, so each side needs its own: with --default this one answers for the side that
did not ask (the default agent); without, it answers for the pairing it starts itself on
the stdin command "pair <device path>" (bluetoothd asks the caller's agent). Prints "ready",
"passkey-asked" per request, "paired" or "pair-error <D-Bus error>"; ends when stdin
closes."""
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
    if "--default" in sys.argv[2:]:
        mgr.RequestDefaultAgent(Agent.PATH)
    loop = GLib.MainLoop()

    def on_stdin(fd, cond):
        line = sys.stdin.readline()
        if not line:
            loop.quit()
            return False
        cmd, *args = line.split()
        if cmd == "pair":
            dev = dbus.Interface(bus.get_object("org.bluez", args[0]), "org.bluez.Device1")
            dev.Pair(reply_handler=lambda: say("paired"),
                     error_handler=lambda e: say("pair-error", e.get_dbus_name()),
                     timeout=120)
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    say("ready")
    loop.run()


if __name__ == "__main__":
    main()
