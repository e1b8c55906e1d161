#!/bin/bash
# run.sh — the real-stack tests: Linux's Bluetooth subsystem, btvirt's two virtual LE
# controllers and bluetoothd in ONE QEMU VM on the software CPU (no KVM needed), running the
# freshly built mi32 from the host's / shared read-only over 9p. Logs: build/realstack/.
# Prints 'realstack: N passed, N failed' last; exits non-zero on any failure, also when the
# VM cannot start (unless MI32_NO_VM=1 is set explicitly).
# Env: MI32_BIN, MI32_SHARED (default ../shared), RS_PYTEST_ARGS (e.g. "-k passive"),
#      RS_TIMEOUT_SCALE (stretches every wait in the guest), RS_VM_TIMEOUT (s, default 1200).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd -P)
BUILD=$ROOT/build
OUT=$BUILD/realstack
VMD=$BUILD/vm
MI32_BIN=${MI32_BIN:-$BUILD/mi32}
MI32_SHARED=${MI32_SHARED:-$ROOT/../shared}
# real paths: the guest sees the host's / but puts tmpfs over /tmp, /root, /home …, so the
# project and shared/ are also shared on their own and mounted back at these paths
MI32_SHARED=$(cd "$MI32_SHARED" 2>/dev/null && pwd -P || echo "$MI32_SHARED")
MI32_BIN=$(realpath -m "$MI32_BIN")

if [ "${MI32_NO_VM:-}" = 1 ]; then
	echo "realstack: not run (MI32_NO_VM=1): the real Bluetooth stack was NOT tested"
	exit 0
fi
fail() {
	echo "realstack: $*" >&2
	echo "realstack: 0 passed, 1 failed"
	exit 1
}
command -v qemu-system-x86_64 >/dev/null ||
	fail "cannot start the VM: qemu-system-x86_64 is missing (scripts/deps.sh realstack installs it; MI32_NO_VM=1 skips these tests)"
[ -x "$MI32_BIN" ] || fail "no mi32 binary at $MI32_BIN (build it first)"
[ -d "$MI32_SHARED/vectors" ] || fail "no vectors in $MI32_SHARED/vectors"

# every wait in the guest is an upper bound on an awaited event; on a loaded host the TCG
# guest runs slower, so unless told, the waits stretch with the host's load (1 when idle,
# up to 4): a failure then takes longer to report, a pass is never slower
if [ -z "${RS_TIMEOUT_SCALE:-}" ]; then
	RS_TIMEOUT_SCALE=$(awk -v n="$(nproc)" '{s = 1 + $1 / n; if (s > 4) s = 4; printf "%.1f", s}' /proc/loadavg)
fi
t0=$(date +%s)
kv=$("$HERE/prepare.sh" "$VMD" | tail -1) || fail "could not prepare the guest kernel in $VMD"
rm -rf "$OUT"
mkdir -p "$OUT"
cat > "$OUT/env" <<ENV
MI32_BIN='$MI32_BIN'
MI32_SHARED='$MI32_SHARED'
RS_PYTEST_ARGS='${RS_PYTEST_ARGS:-}'
RS_TIMEOUT_SCALE='${RS_TIMEOUT_SCALE:-1}'
RS_DEBUG='${RS_DEBUG:-}'
ENV
echo "realstack: guest kernel $kv ready in $(($(date +%s) - t0)) s; booting the VM (waits x$RS_TIMEOUT_SCALE)"

# -cpu max on TCG; the root is the host's / (read-only), the log folder is writable
timeout --foreground -k 10 "${RS_VM_TIMEOUT:-1200}" \
	qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
	-nographic -no-reboot -nodefaults -serial stdio -monitor none \
	-kernel "$VMD/vmlinux" -initrd "$VMD/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off rs_kdir=$VMD/k rs_out=$OUT rs_run=$HERE/guest/boot.sh rs_proj=$ROOT rs_shared=$MI32_SHARED" \
	-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
	-fsdev local,id=p,path="$ROOT",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=p,mount_tag=proj \
	-fsdev local,id=s,path="$MI32_SHARED",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=s,mount_tag=shared \
	-fsdev local,id=o,path="$OUT",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=o,mount_tag=rsout \
	< /dev/null 2>&1 | sed -u 's/\r$//' | tee "$OUT/console.log" | grep --line-buffered -v '^\s*$'
qrc=${PIPESTATUS[0]}
secs=$(($(date +%s) - t0))

rc=$(sed -n 's/.*GUEST-EXIT rc=\([0-9]*\).*/\1/p' "$OUT/console.log" | tail -1)
collected=$(sed -n 's/^COLLECTED \([0-9]*\)$/\1/p' "$OUT/results.txt" 2>/dev/null | tail -1)
# a test passed when its call passed and no phase of it failed
read -r passed failed < <(awk '$1 == "FAIL" {f[$2] = 1} $1 == "PASS" {p[$2] = 1}
	END {np = 0; nf = 0; for (t in f) nf++; for (t in p) if (!(t in f)) np++; print np, nf}' \
	"$OUT/results.txt" 2>/dev/null || echo 0 0)
if [ -z "$rc" ]; then
	echo "realstack: the VM ended without the guest's exit code (qemu exit $qrc${secs:+, after $secs s}); see $OUT/console.log"
	[ "$qrc" = 124 ] && echo "realstack: the VM ran out of its ${RS_VM_TIMEOUT:-1200} s"
fi
# tests that never reported (the VM died mid-run) count as failed
missing=$(( ${collected:-0} - passed - failed ))
[ "$missing" -gt 0 ] && failed=$((failed + missing))
if [ -z "$collected" ] || [ "$collected" = 0 ] || [ "$rc" != 0 ]; then
	[ "$failed" = 0 ] && failed=1
fi
echo "realstack: VM run took $secs s; logs in $OUT/<test>/"
echo "realstack: $passed passed, $failed failed"
[ "$failed" = 0 ]
