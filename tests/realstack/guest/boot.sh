#!/bin/bash
# boot.sh — runs inside the VM (chroot on the read-only 9p host root) as the init's child:
# loads the Bluetooth modules from the unpacked Debian kernel, starts the system D-Bus and
# loopback, then runs the real-stack tests with pytest. Settings come from $RS_OUT/env,
# written by tests/realstack/run.sh on the host. Exit code: pytest's.
set -u
# shellcheck disable=SC1091
set -a
. "$RS_OUT/env"
set +a
kmod() {
	case " $* " in *jitterentropy*) return 1 ;; esac
	/sbin/modprobe -d "$RS_KDIR" "$@"
}
echo "guest: kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime) s"
# hci_vhci pulls in bluetooth; SMP wants ECDH and AES-CMAC; rfkill for the fault tests
kmod -a hci_vhci ecdh_generic ecc rfkill cmac ecb || echo "guest: modprobe failed"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
mkdir -p /run/dbus
dbus-daemon --system --fork || echo "guest: dbus-daemon failed"
# the binaries come over 9p: read them once so the first test does not pay for it
cat /usr/bin/btvirt /usr/bin/btmon /usr/bin/btmgmt /usr/libexec/bluetooth/bluetoothd \
	"$MI32_BIN" > /dev/null
echo "guest: stack ready at $(cut -d' ' -f1 /proc/uptime) s"
cd /tmp
# RS_DEBUG=script runs that script instead of the tests (to look around in the guest)
[ -n "${RS_DEBUG:-}" ] && exec /bin/bash "$RS_DEBUG"
# shellcheck disable=SC2086
/usr/bin/python3 -m pytest -p no:cacheprovider -q -rfE --color=no \
	"$(dirname "$0")" $RS_PYTEST_ARGS
