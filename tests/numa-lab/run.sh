#!/usr/bin/env bash
# The NUMA lab: boots the host's Debian kernel in QEMU (TCG) as a guest with TWO NUMA nodes, shares the host's root
# read-only over virtio-9p, and runs a command chrooted into it, so "memory lands on host node 1" can be proved on a
# machine with one NUMA node. See docs/numa-lab.md.
#
#   bash tests/numa-lab/run.sh [options] -- COMMAND [ARGS...]     run one command (exit code = the command's)
#   bash tests/numa-lab/run.sh [options] --script FILE             run a guest shell script (guest-lib.sh sourced)
#
# Options:
#   --file PATH          copy PATH into the guest at /run/numalab/files/ (the working directory); repeatable
#   --env NAME=VALUE     export into the guest command's environment; repeatable
#   --hugepages N        2 MiB pages reserved on EACH guest NUMA node (default 64)
#   --node-memory SIZE   guest RAM per guest NUMA node (default 1G; two nodes)
#   --gigantic-pages N   1 GiB pages reserved on guest node 1 at boot (kernel command line; default 0; needs
#                        --node-memory above 1G), hugetlbfs pagesize=1G at /dev/hugepages1G. The guest CPU has pdpe1gb
#   --timeout SECONDS    kill the lab after this long (default 300); exit 124
#   --serial-log FILE    keep the guest's serial log here (default: a temp file, removed)
#   --kernel FILE        default: the newest /boot/vmlinuz-* whose /lib/modules tree exists
#   --accel MODE         auto (default): KVM when /dev/kvm opens, proved by a boot probe, else TCG; kvm; tcg.
#                        NUMAOPERATOR_FORCE_TCG=1 makes auto mean tcg (the switch the agent and the tests honour)
#   --kvm-boot-timeout S under KVM, the guest's init must print NUMALAB-INIT within S seconds (default 60), or the
#                        lab falls back to TCG (nested KVM can run firmware but hang the kernel); with --accel kvm: exit 3
#   --quiet              do not stream the serial log to stdout
#   --check              only check the prerequisites (qemu, a kernel with modules, a static busybox) and exit
# Inside the guest: the host's root is / (read-only); /tmp, /run and /dev/shm are empty tmpfs, so the host's /tmp is
# also visible at /run/numalab/host-tmp; hugetlbfs (2 MiB) is at /dev/hugepages.
# Exit codes: the command's (or the script's) exit code; 124 timeout; 3 the lab itself failed (see the log);
# 4 a prerequisite is missing (the message names the package).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { printf '[numa-lab] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 3; }
missing() { log "missing prerequisite: $*"; exit 4; }

files=() envs=() script="" command=() hugepages=64 gigantic_pages=0 node_memory=1G timeout=300 serial_log="" kernel="" quiet=0 check=0
accel_mode=auto kvm_boot_timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    --file) files+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --script) script=$2; shift 2 ;;
    --hugepages) hugepages=$2; shift 2 ;;
    --node-memory) node_memory=$2; shift 2 ;;
    --gigantic-pages) gigantic_pages=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --serial-log) serial_log=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --accel) accel_mode=$2; shift 2 ;;
    --kvm-boot-timeout) kvm_boot_timeout=$2; shift 2 ;;
    --quiet) quiet=1; shift ;;
    --check) check=1; shift ;;
    --) shift; command=("$@"); break ;;
    *) die "unknown option '$1' (see the header of $0 for the options)" ;;
  esac
done
[ "$check" -eq 1 ] || [ -n "$script" ] || [ ${#command[@]} -gt 0 ] || die "nothing to run: give --script FILE or -- COMMAND"
[ -z "$script" ] || [ ${#command[@]} -eq 0 ] || die "give either --script FILE or -- COMMAND, not both"
[ -z "$script" ] || [ -f "$script" ] || die "--script: no such file '$script'"
[[ "$hugepages" =~ ^[0-9]+$ ]] || die "--hugepages: '$hugepages' is not a page count"
[[ "$gigantic_pages" =~ ^[0-9]+$ ]] || die "--gigantic-pages: '$gigantic_pages' is not a page count"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout: '$timeout' is not a number of seconds"
[[ "$kvm_boot_timeout" =~ ^[0-9]+$ ]] || die "--kvm-boot-timeout: '$kvm_boot_timeout' is not a number of seconds"
case "$accel_mode" in auto|kvm|tcg) ;; *) die "--accel: '$accel_mode' is not auto, kvm or tcg" ;; esac
if [ "$accel_mode" = auto ] && [ "${NUMAOPERATOR_FORCE_TCG:-}" = 1 ]; then accel_mode=tcg; fi
for e in ${envs[@]+"${envs[@]}"}; do [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env: '$e' is not NAME=VALUE"; done

# --- prerequisites (the test project skips with this reason when one is missing) ---
qemu=$(command -v qemu-system-x86_64) || missing "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
. "$here/../tools/initramfs-lib.sh"
busybox=$(initramfs_static_busybox 2>/dev/null) || missing "no static busybox found (apt-get install busybox-static)"
if [ -z "$kernel" ]; then
  kernel=$(initramfs_kernel 2>/dev/null) || true
fi
[ -n "$kernel" ] && [ -r "$kernel" ] || missing "no readable kernel /boot/vmlinuz-* with modules (apt-get install linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || missing "$moddir/modules.dep: the kernel $kernel has no modules tree"
if [ "$check" -eq 1 ]; then
  log "ready: $qemu, $kernel, $busybox"
  exit 0
fi

work=$(mktemp -d /tmp/numa-lab.XXXXXX)
qemu_pid=""
tail_pid=""
cleanup() {
  [ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null || true
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ -n "$serial_log" ] || serial_log=$work/serial.log
: > "$serial_log"

# --- initramfs: static busybox, the virtio-9p modules in dependency order, /init, the lab files ---
root=$work/initramfs
mkdir -p "$root"/{bin,proc,sys,dev,newroot,lab/modules,lab/files}
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod +x "$root/init" "$root/bin/busybox"

# The virtio-9p modules and their dependencies, in load order.
initramfs_copy_modules "$moddir" "$root/lab/modules" "$root/lab/modules.order" \
  virtio_ring virtio virtio_pci 9pnet 9pnet_virtio 9p || die "cannot copy the kernel modules from $moddir"
echo "$hugepages" > "$root/lab/hugepages-per-node"
echo "$gigantic_pages" > "$root/lab/gigantic-pages-node1"
cp "$here/guest-lib.sh" "$root/lab/guest-lib.sh"
for f in ${files[@]+"${files[@]}"}; do
  [ -e "$f" ] || die "--file: no such file '$f'"
  cp -r "$f" "$root/lab/files/"
done

# guest.sh: runs inside the chroot (the host's root); dash, so quote every word in single quotes.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
  echo '#!/bin/sh'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp TMPDIR=/tmp'
  # .NET in a TCG guest: tiered PGO off, ReadyToRun code on, workstation GC; see docs/numa-lab.md.
  echo 'export DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=1 DOTNET_ReadyToRun=1 DOTNET_gcServer=0'
  echo 'export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1'
  for e in ${envs[@]+"${envs[@]}"}; do printf 'export %s=%s\n' "${e%%=*}" "$(quote "${e#*=}")"; done
  echo '. /run/numalab/guest-lib.sh'
  echo 'cd /run/numalab/files'
  if [ -n "$script" ]; then
    echo '. /run/numalab/script.sh'
  else
    printf 'numalab_run command'
    for a in "${command[@]}"; do printf ' %s' "$(quote "$a")"; done
    echo
  fi
} > "$root/lab/guest.sh"
[ -z "$script" ] || cp "$script" "$root/lab/script.sh"

(cd "$root" && find . -print0 | "$busybox" cpio -o -H newc -0 2>/dev/null) > "$work/initramfs.cpio" \
  || die "cannot build the initramfs"

# --- the two-node guest ---
# KVM when this host offers it and a short boot probe proves it runs the kernel (nested KVM can run the firmware and
# then hang the kernel right after "Probing EDD"), else TCG; the guest is the same either way.
# 1 GiB pages come from the kernel's boot-time allocator ("hugepages=NODE:COUNT" after hugepagesz=1G): at run time a
# whole free, aligned GiB of node 1 is not to be had (seen: 0 of 1 on a 2 GiB node right after boot).
gigantic_append=""
[ "$gigantic_pages" -eq 0 ] || gigantic_append=" hugepagesz=1G hugepages=1:$gigantic_pages"
boot() { # $1: -accel value; $2: seconds the guest's init has to print NUMALAB-INIT (0: no probe). Sets timed_out, probe_failed.
  local accel=$1 probe=$2
  : > "$serial_log"
  local argv=(
    # qemu64 plus pdpe1gb: the guest kernel offers 1 GiB pages only when the CPU has them (TCG emulates them).
    "$qemu" -machine q35 -accel "$accel" -cpu qemu64,+pdpe1gb -m "$(( $(numfmt --from=iec "$node_memory") * 2 / 1048576 ))M" -smp 2
    -object "memory-backend-ram,id=m0,size=$node_memory" -numa "node,nodeid=0,cpus=0,memdev=m0"
    -object "memory-backend-ram,id=m1,size=$node_memory" -numa "node,nodeid=1,cpus=1,memdev=m1"
    -kernel "$kernel" -initrd "$work/initramfs.cpio"
    -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init$gigantic_append"
    # multidevs=remap: the host root spans several filesystems; without it inode numbers collide.
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -nodefaults -no-user-config -display none -monitor none -serial "file:$serial_log" -no-reboot
  )
  log "booting $kernel (-accel $accel; two guest NUMA nodes of $node_memory, $hugepages x 2 MiB hugepages each), timeout ${timeout}s"
  start=$(date +%s)
  "${argv[@]}" </dev/null &
  qemu_pid=$!
  if [ "$quiet" -eq 0 ]; then
    tail -n +1 -F --pid="$qemu_pid" "$serial_log" 2>/dev/null &
    tail_pid=$!
  fi
  timed_out=0 probe_failed=0
  while kill -0 "$qemu_pid" 2>/dev/null; do
    local now=$(( $(date +%s) - start ))
    if [ "$probe" -gt 0 ] && [ "$now" -ge "$probe" ] && ! grep -q 'NUMALAB-INIT' "$serial_log"; then
      probe_failed=1
      kill -9 "$qemu_pid" 2>/dev/null || true
      break
    fi
    if [ "$now" -ge "$timeout" ]; then
      timed_out=1
      kill -9 "$qemu_pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=""
  if [ -n "$tail_pid" ]; then wait "$tail_pid" 2>/dev/null || true; tail_pid=""; fi
  log "guest ended after $(( $(date +%s) - start ))s"
}

# NUMALAB_KVM_DEVICE: tests point this at an ordinary file to take the KVM path on any host (device nodes stay untouched).
kvm_device=${NUMALAB_KVM_DEVICE:-/dev/kvm}
kvm_opens=0
if [ -r "$kvm_device" ] && [ -w "$kvm_device" ]; then kvm_opens=1; fi
case "$accel_mode" in
  tcg) boot tcg 0 ;;
  kvm)
    [ "$kvm_opens" -eq 1 ] || missing "--accel kvm: $kvm_device does not open read-write here"
    boot kvm "$kvm_boot_timeout"
    [ "$probe_failed" -eq 0 ] || die "--accel kvm: the guest kernel did not reach its init within ${kvm_boot_timeout}s under KVM" ;;
  auto)
    if [ "$kvm_opens" -eq 1 ]; then
      boot kvm "$kvm_boot_timeout"
      if [ "$probe_failed" -eq 1 ]; then
        log "KVM ran no kernel: no NUMALAB-INIT within ${kvm_boot_timeout}s (seen on nested KVM); falling back to TCG"
        boot tcg 0
      fi
    else
      boot tcg 0
    fi ;;
esac

[ "$timed_out" -eq 0 ] || { log "timeout after ${timeout}s"; exit 124; }
done_line=$(tr -d '\r' < "$serial_log" | grep -m1 '^NUMALAB-DONE ' || true)
case "$done_line" in
  "NUMALAB-DONE rc="*) exit "${done_line#NUMALAB-DONE rc=}" ;;
  *) log "the lab did not finish (no NUMALAB-DONE rc=N line; see the serial log)"; exit 3 ;;
esac
