# SPDX-License-Identifier: MIT
"""Improv Wi-Fi's RPC frames (improv-wifi.com/ble) as a client builds and checks them, for
the tests of examples/scripts/improv.lua (tests/integration and the real stack's guest)."""


def rpc(cmd, data=b"", good=True):
    """An RPC command packet: [command][length][data][checksum], the checksum the low byte
    of the sum (@good False: off by one)"""
    p = bytes([cmd, len(data)]) + data
    return p + bytes([(sum(p) + (0 if good else 1)) & 0xFF])


def strings(packet):
    """An RPC result's strings, after checking its length and checksum"""
    assert packet[1] == len(packet) - 3 and sum(packet[:-1]) & 0xFF == packet[-1], packet
    out, i = [], 2
    while i < len(packet) - 1:
        out.append(packet[i + 1:i + 1 + packet[i]].decode())
        i += 1 + packet[i]
    return out
