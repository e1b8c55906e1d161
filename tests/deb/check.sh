#!/bin/bash
# check.sh — the Debian package and `make install` as a user gets them (`make test-deb`).
# Usage: tests/deb/check.sh DEB_DIR   (DEB_DIR holds mi32_*.deb and its .changes from `make deb`)
#   - lintian: no error or warning (overrides, if any, are in debian/ with their reason);
#   - the .deb unpacked into a throwaway root (dpkg -x): files and modes, conffiles,
#     dependencies from shlibs, the man pages equal to what the binary prints;
#   - the maintainer scripts run in a private mount namespace: install enables the unit,
#     upgrade restarts it, remove keeps /var/lib/mi32, purge deletes it;
#   - the unit: systemd-analyze verify, security exposure under 2.0, the hardening it promises;
#   - the man pages render without a warning; bash completion completes from the binary;
#   - `make install PREFIX=/usr/local DESTDIR=…` puts the same files under the prefix.
set -euo pipefail

dir=${1:?usage: check.sh DEB_DIR}
cd "$(dirname "$0")/../.."
deb=$(ls "$dir"/mi32_*_*.deb | head -n 1)
changes=$(ls "$dir"/mi32_*.changes | head -n 1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { # check "what" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# ---- lintian ----
# As root lintian says "running with root privileges is not recommended!": not a finding.
if lintian --fail-on error,warning --display-level ">=warning" "$changes" >"$tmp/lintian" 2>&1
then
	ok "lintian: no error or warning ($(grep -c . "$tmp/lintian" || true) lines of output)"
else
	fail "lintian:"
	sed 's/^/     /' "$tmp/lintian"
fi

# ---- the files ----
root=$tmp/root
dpkg -x "$deb" "$root"
mode() { # mode PATH OCTAL
	[ "$(stat -c %a "$root$1")" = "$2" ] || { echo "     $1: mode $(stat -c %a "$root$1"), want $2"; return 1; }
}
check "binary /usr/bin/mi32, 755" mode /usr/bin/mi32 755
check "unit /lib/systemd/system/mi32.service, 644" mode /lib/systemd/system/mi32.service 644
check "conffile /etc/mi32/mi32.conf, 644" mode /etc/mi32/mi32.conf 644
check "man page mi32(8), compressed" mode /usr/share/man/man8/mi32.8.gz 644
check "man page mi32.conf(5), compressed" mode /usr/share/man/man5/mi32.conf.5.gz 644
check "bash completion" mode /usr/share/bash-completion/completions/mi32 644
for f in demo.btsnoop demo.mi32cfg sample.jsonl mi32.conf scripts/adv_listener.lua; do
	check "example $f, uncompressed" mode "/usr/share/doc/mi32/examples/$f" 644
done
check "copyright" mode /usr/share/doc/mi32/copyright 644
check "the conffile is the commented example (every key at its default)" \
	cmp -s "$root/etc/mi32/mi32.conf" examples/mi32.conf
check "no key of the conffile is set" \
	bash -c "! grep -Eq '^[[:space:]]*[a-z0-9_-]+[[:space:]]*(=|\$)' '$root/etc/mi32/mi32.conf'"
check "the binary runs: mi32 version" \
	bash -c "'$root/usr/bin/mi32' version | grep -qx 'mi32 [0-9.]*'"

dpkg-deb -e "$deb" "$tmp/control"
check "conffiles: exactly /etc/mi32/mi32.conf" \
	bash -c "[ \"\$(cat '$tmp/control/conffiles')\" = /etc/mi32/mi32.conf ]"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libssl3 libcjson1 libsystemd0 libmicrohttpd12 libmosquitto1 libqrencode4; do
	check "Depends (from shlibs) has $lib" grep -q "$lib (>= " <<<"$depends"
done
for p in postinst prerm postrm; do
	check "$p is a shell script that passes sh -n" sh -n "$tmp/control/$p"
done
check "postinst restarts on upgrade, starts on install" \
	grep -q '_dh_action=restart' "$tmp/control/postinst"
check "prerm stops only on remove (upgrade restarts in postinst)" \
	grep -q '"$1" = remove' "$tmp/control/prerm"

# The maintainer scripts, run for real with /var/lib, /etc/systemd/system and the unit
# directory on private tmpfs mounts: nothing on this machine is touched.
cat >"$tmp/scripts.sh" <<EOF
set -e
for d in /var/lib /etc/systemd/system /lib/systemd/system; do mount -t tmpfs mi32test \$d; done
cp '$root/lib/systemd/system/mi32.service' /lib/systemd/system/
export DPKG_MAINTSCRIPT_PACKAGE=mi32 DPKG_ROOT= # as dpkg runs them
sh '$tmp/control/postinst' configure
[ -L /etc/systemd/system/multi-user.target.wants/mi32.service ] || { echo "     not enabled"; exit 1; }
mkdir -p /var/lib/private/mi32 && ln -s private/mi32 /var/lib/mi32
echo '[]' >/var/lib/private/mi32/mi32cfg
sh '$tmp/control/prerm' remove
sh '$tmp/control/postrm' remove
[ -f /var/lib/mi32/mi32cfg ] || { echo "     remove deleted the state"; exit 1; }
sh '$tmp/control/postrm' purge
[ ! -e /var/lib/mi32 ] && [ ! -e /var/lib/private/mi32 ] || { echo "     purge kept the state"; exit 1; }
[ ! -e /etc/systemd/system/multi-user.target.wants/mi32.service ] || { echo "     purge kept the enablement"; exit 1; }
EOF
check "maintainer scripts: enabled on install, state kept on remove, deleted on purge" \
	unshare -m bash "$tmp/scripts.sh"

# ---- the unit ----
unit=$root/lib/systemd/system/mi32.service
check "unit ExecStart is the packaged binary with the packaged config" \
	grep -qx 'ExecStart=/usr/bin/mi32 run --config /etc/mi32/mi32.conf' "$unit"
# verify checks that ExecStart exists: point it at the unpacked binary, nothing else changes
mkdir -p "$tmp/verify"
sed "s|^ExecStart=/usr/bin/mi32|ExecStart=$root/usr/bin/mi32|" "$unit" >"$tmp/verify/mi32.service"
if systemd-analyze verify --man=no "$tmp/verify/mi32.service" >"$tmp/verify.out" 2>&1 &&
	! grep -q . "$tmp/verify.out"; then
	ok "systemd-analyze verify: clean"
else
	fail "systemd-analyze verify:"
	sed 's/^/     /' "$tmp/verify.out"
fi
score=$(systemd-analyze security --offline=yes "$unit" 2>&1 |
	sed -n 's/.*Overall exposure level for mi32.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure $score < 2.0" \
	awk -v s="$score" 'BEGIN { exit !(s != "" && s < 2.0) }'
for line in 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW' \
	'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' 'DynamicUser=yes' 'StateDirectory=mi32' \
	'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_BLUETOOTH AF_NETLINK' \
	'SystemCallFilter=@system-service' 'After=network-online.target bluetooth.service' \
	'Wants=network-online.target bluetooth.service' 'WantedBy=multi-user.target'; do
	check "unit: $line" grep -qxF "$line" "$unit"
done
check "unit: bluetooth.service wanted, not required" bash -c "! grep -q '^Requires=' '$unit'"
check "unit: Type=notify with WatchdogSec (the daemon sends READY=1 and WATCHDOG=1)" \
	bash -c "grep -qx Type=notify '$unit' && grep -q '^WatchdogSec=' '$unit' &&
		 grep -rq 'WATCHDOG=1' src && grep -rq 'READY=1' src"

# ---- the man pages ----
for page in man8/mi32.8 man5/mi32.conf.5; do
	sec=${page##*.}
	check "$page.gz is what 'mi32 man $sec' prints (one source)" \
		bash -c "cmp -s <(zcat '$root/usr/share/man/$page.gz') <('$root/usr/bin/mi32' man $sec)"
	if MANWIDTH=80 man --warnings -l "$root/usr/share/man/$page.gz" 2>"$tmp/man.err" \
		>"$tmp/man.out" && ! grep -q . "$tmp/man.err" && [ "$(wc -l <"$tmp/man.out")" -gt 40 ]
	then
		ok "man --warnings -l $page: $(wc -l <"$tmp/man.out") lines, no warning"
	else
		fail "man --warnings -l $page:"
		sed 's/^/     /' "$tmp/man.err"
	fi
done
check "mi32(8) documents --mqtt-host, mi32.conf(5) the key web-port" bash -c \
	"MANWIDTH=80 man -l '$root/usr/share/man/man8/mi32.8.gz' | grep -q -- '--mqtt-host HOST' &&
	 MANWIDTH=80 man -l '$root/usr/share/man/man5/mi32.conf.5.gz' | grep -q 'web-port = PORT'"

# ---- bash completion, with the packaged binary ----
complete_words() { # complete_words WORD... → the candidates for the last word
	bash -c 'source "$1"; shift; bin=$1; shift; COMP_WORDS=(mi32 "$@");
		COMP_CWORD=$(($# )); _mi32 "$bin" "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD-1]}"; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$root/usr/share/bash-completion/completions/mi32" "$root/usr/bin/mi32" "$@"
}
export -f complete_words
export root
check "completion: 'mi32 ru' → run" bash -c "[ \"\$(complete_words ru)\" = run ]"
check "completion: 'mi32 run --mqtt-ho' → --mqtt-host" \
	bash -c "[ \"\$(complete_words run --mqtt-ho)\" = --mqtt-host ]"
check "completion: 'mi32 run --log-level d' → debug" \
	bash -c "[ \"\$(complete_words run --log-level d)\" = debug ]"
check "completion: 'mi32 run --option3 a' → auto" \
	bash -c "[ \"\$(complete_words run --option3 a)\" = auto ]"

# ---- make install ----
if [ -x build/mi32 ]; then
	stage=$tmp/stage
	make --no-print-directory install PREFIX=/usr/local DESTDIR="$stage" >"$tmp/install.out" 2>&1 ||
		{ fail "make install"; cat "$tmp/install.out"; }
	for f in bin/mi32 lib/systemd/system/mi32.service etc/mi32/mi32.conf share/man/man8/mi32.8 \
		share/man/man5/mi32.conf.5 share/bash-completion/completions/mi32 \
		share/doc/mi32/examples/demo.btsnoop; do
		check "make install PREFIX=/usr/local: $f" test -f "$stage/usr/local/$f"
	done
	check "make install: the unit runs /usr/local/bin/mi32 with /usr/local/etc/mi32/mi32.conf" \
		grep -qx 'ExecStart=/usr/local/bin/mi32 run --config /usr/local/etc/mi32/mi32.conf' \
		"$stage/usr/local/lib/systemd/system/mi32.service"
else
	fail "make install: build/mi32 is missing (make build first)"
fi

echo "test-deb: $passes passed, $fails failed"
[ "$fails" = 0 ]
