#!/usr/bin/env bash
# Builds the test Linux guest from Debian packages and prints, as its last line, the directory that holds it:
#   vmlinuz          Debian's kernel (the host's newest /boot/vmlinuz-* with modules)
#   vmlinux          the same kernel uncompressed (an ELF with a PVH entry note): QEMU boots it directly, without the
#                    firmware's real-mode load and the in-guest decompression (on TCG 13 s of a 21 s boot; nested in
#                    the NUMA lab this is what makes the guest affordable)
#   initramfs.cpio   static busybox, /init (tests/guest/init.sh) and the virtio-net/-blk, ext4, isofs and vfat modules
#   disk.raw         a 64 MiB raw ext4 base image holding /base.txt
# The result is cached under ${NUMAOP_CACHE_DIR:-/var/cache/numa-operator}/test-guest/<key>, the key being a hash of
# everything that goes in, so a second run (and every test process after the first) only checks the key.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[tests/guest] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
. "$here/../tools/initramfs-lib.sh"

busybox=$(initramfs_static_busybox) || exit 4
kernel=$(initramfs_kernel) || exit 4
command -v mke2fs >/dev/null || { log "mke2fs not found (apt-get install e2fsprogs)"; exit 4; }
moddir=/lib/modules/${kernel#/boot/vmlinuz-}
modules=(virtio_ring virtio virtio_pci virtio_net virtio_blk crc32c_generic crc16 ext4 isofs vfat nls_utf8 nls_ascii nls_cp437 nls_iso8859-1)

key=$( { cat "$here/build.sh" "$here/init.sh" "$here/udhcpc.sh" "$here/../tools/initramfs-lib.sh";
         echo "$kernel ${modules[*]}"; sha256sum "$kernel" "$busybox"; } | sha256sum | cut -c1-16)
cache_root=${NUMAOP_CACHE_DIR:-/var/cache/numa-operator}/test-guest
out=$cache_root/$key
mkdir -p "$cache_root"
exec 9>"$cache_root/.lock"
flock 9
if [ -f "$out/complete" ]; then
  touch "$out/complete"
  echo "$out"
  exit 0
fi

work=$(mktemp -d "$cache_root/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,proc,sys,dev,guest}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
cp "$here/udhcpc.sh" "$root/guest/udhcpc.sh"
chmod 0755 "$root/init" "$root/bin/busybox" "$root/guest/udhcpc.sh"
initramfs_copy_modules "$moddir" "$root/guest/modules" "$root/guest/modules.order" "${modules[@]}" \
  || die "cannot copy the kernel modules from $moddir"
(cd "$root" && find . -print0 | "$busybox" cpio -o -H newc -0 2>/dev/null) > "$work/initramfs.cpio" \
  || die "cannot build the initramfs"

# extract_vmlinux BZIMAGE OUT: the kernel's compressed payload, found by its magic and decompressed, kept when it is an
# ELF (the kernel tree's scripts/extract-vmlinux does the same).
extract_vmlinux() {
  local tool magic offset
  for tool in xz zstd gzip; do
    case $tool in xz) magic=$'\xfd7zXZ' ;; zstd) magic=$'\x28\xb5\x2f\xfd' ;; gzip) magic=$'\x1f\x8b\x08' ;; esac
    command -v "$tool" >/dev/null || continue
    for offset in $(LC_ALL=C grep -abo "$magic" "$1" | cut -d: -f1 | head -n 3); do
      tail -c "+$((offset + 1))" "$1" | "$tool" -dc >"$2" 2>/dev/null
      [ "$(head -c 4 "$2" | tr -d '\0')" = $'\x7fELF' ] && return 0
    done
  done
  return 1
}
extract_vmlinux "$kernel" "$work/vmlinux" || die "cannot extract an uncompressed vmlinux from $kernel (needs xz, zstd or gzip)"

mkdir -p "$work/disk"
echo "base image of the NumaOperator test guest" > "$work/disk/base.txt"
# No metadata_csum: the guest then needs no crc32c at mount time.
mke2fs -q -t ext4 -O ^metadata_csum -L numaguest -d "$work/disk" -F "$work/disk.raw" 64M >&2 \
  || die "cannot build the base disk image"

mkdir -p "$work/out"
cp "$kernel" "$work/out/vmlinuz"
mv "$work/initramfs.cpio" "$work/disk.raw" "$work/vmlinux" "$work/out/"
chmod 0644 "$work/out/"*
touch "$work/out/complete"
rm -rf "$out"
mv "$work/out" "$out"
# Other keys are builds of other inputs (another checkout may still use one): drop those unused for two days.
for old in "$cache_root"/*/complete; do
  [ -e "$old" ] && [ -n "$(find "$old" -mtime +2)" ] && rm -rf "$(dirname "$old")"
done
log "built $out"
echo "$out"
