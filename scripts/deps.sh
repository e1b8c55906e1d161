#!/bin/sh
# deps.sh — install the Debian packages mi32 needs, only those missing.
# Usage: scripts/deps.sh [build|deb|test|realstack|all]. Called by `make`; safe to run twice.
set -e

build_pkgs="cmake make gcc pkg-config libssl-dev libcjson-dev libsystemd-dev libmicrohttpd-dev libmosquitto-dev libavahi-client-dev libqrencode-dev liblua5.4-dev"
test_pkgs="libcmocka-dev clang libfuzzer-14-dev libclang-rt-14-dev python3 python3-pytest tshark chromium nodejs npm python3-jinja2 mosquitto mosquitto-clients python3-paho-mqtt openssl dbus python3-dbus python3-gi python3-cryptography avahi-daemon avahi-utils zbar-tools"
# the real-stack VM (tests/realstack): QEMU, busybox for its initramfs, and BlueZ's btvirt,
# btmon, bluetoothd and D-Bus, run inside the guest from the host's own root
realstack_pkgs="qemu-system-x86 busybox-static bluez bluez-test-tools dbus python3-dbus kmod xz-utils rfkill tshark python3-pytest python3-gi python3-cryptography"

# the Debian package (make deb) and its checks (make test-deb)
deb_pkgs="debhelper dpkg-dev fakeroot"
deb_test_pkgs="lintian man-db groff-base systemd"

case "${1:-build}" in
build) pkgs="$build_pkgs" ;;
deb) pkgs="$build_pkgs $deb_pkgs" ;;
test|all) pkgs="$build_pkgs $test_pkgs $realstack_pkgs $deb_pkgs $deb_test_pkgs" ;;
realstack) pkgs="$build_pkgs $realstack_pkgs" ;;
*) echo "deps.sh: unknown set '$1' (build, deb, test, realstack, all)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	# NodeSource's nodejs ships its own npm and conflicts with Debian's
	*) [ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
	   missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps.sh: installing$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || { echo "deps.sh: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; the tests need no such thing
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
