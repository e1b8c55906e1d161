#!/bin/bash
# prepare.sh BUILD_VM_DIR — the guest kernel and initramfs of the real-stack VM, made once and
# kept in BUILD_VM_DIR (under build/, so `make clean` and a fresh clone start over; a rerun
# of `make test` reuses them). Debian's own kernel package is unpacked, never installed.
set -euo pipefail
VMD=${1:?usage: prepare.sh BUILD_VM_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$VMD"
cd "$VMD"

# 1. the kernel package linux-image-amd64 points at, unpacked into k/
if ! ls k/boot/vmlinuz-* >/dev/null 2>&1; then
	kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	if [ -z "$kpkg" ]; then
		apt-get update -qq
		kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	fi
	[ -n "$kpkg" ] || { echo "prepare: apt-cache knows no linux-image-amd64" >&2; exit 1; }
	rm -rf dl k.tmp && mkdir -p dl
	(cd dl && apt-get download -q "$kpkg" >/dev/null)
	dpkg -x dl/"$kpkg"_*.deb k.tmp
	rm -rf k dl && mv k.tmp k
fi
kv=$(ls k/lib/modules | head -1)
# the package ships no modules.dep: the guest's modprobe needs it
[ -s "k/lib/modules/$kv/modules.dep" ] || depmod -b k "$kv"

# 2. the uncompressed kernel: QEMU boots an ELF vmlinux directly (PVH) in a few seconds,
#    where the firmware decompressing vmlinuz on the software CPU takes 20 s or more
if [ ! -s vmlinux ]; then
	off=$(/usr/bin/python3 -c "import sys; print(open(sys.argv[1], 'rb').read().find(b'\xfd7zXZ\x00'))" \
		"k/boot/vmlinuz-$kv")
	[ "$off" -ge 0 ] || { echo "prepare: no XZ stream in vmlinuz-$kv" >&2; exit 1; }
	# xz complains about the trailing bytes after the stream; the kernel is complete
	tail -c +$((off + 1)) "k/boot/vmlinuz-$kv" | xz -dc --single-stream > vmlinux.tmp 2>/dev/null || true
	head -c 4 vmlinux.tmp | grep -q ELF || { echo "prepare: vmlinux is not an ELF file" >&2; exit 1; }
	mv vmlinux.tmp vmlinux
fi

# 3. the initramfs: busybox, the virtio/9p modules in dependency order, /init and the
#    kernel's modprobe helper; rebuilt when one of its inputs changes
if [ ! -s initramfs.cpio.gz ] || [ "$HERE/guest/init" -nt initramfs.cpio.gz ] ||
	[ "$HERE/guest/kmodprobe" -nt initramfs.cpio.gz ]; then
	w=initramfs.d
	rm -rf "$w" && mkdir -p "$w"/{bin,sbin,mod,proc,sys,dev,newroot}
	cp /bin/busybox "$w/bin/busybox"
	cp "$HERE/guest/init" "$w/init"
	cp "$HERE/guest/kmodprobe" "$w/sbin/modprobe"
	for m in virtio_pci 9pnet_virtio 9p; do
		/sbin/modprobe -d k -S "$kv" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r f; do
		n=$(basename "$f" .ko)
		cp "$f" "$w/mod/$n.ko"
		echo "$n" >> "$w/modlist"
	done
	(cd "$w" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null | gzip -1) > initramfs.tmp
	mv initramfs.tmp initramfs.cpio.gz
	rm -rf "$w"
fi
echo "$kv"
