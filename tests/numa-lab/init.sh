#!/bin/busybox sh
# /init of the NUMA lab's initramfs (PID 1 inside the two-node guest). Built by run.sh; prints NUMALAB-* markers
# on the serial console. It mounts the host's root (virtio-9p, read-only) and runs /lab/guest.sh chrooted into it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() { echo "NUMALAB-$*"; }
# First line the kernel's init prints: run.sh's boot probe waits for it to tell a kernel that runs from one that hangs.
say "INIT"
fail() { say "ERROR $*"; say "DONE lab-failed"; poweroff -f; sleep 5; }

# Modules for virtio-9p, in modules.dep order (virtio_ring before virtio, ...), listed by run.sh.
while read -r module; do
  insmod "/lab/modules/$module" 2>/dev/null || say "WARN insmod $module failed"
done < /lab/modules.order

mkdir -p /newroot
# cache=loose: the host root is read-only for the guest's lifetime, and .NET reads thousands of files.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /newroot \
  || fail "cannot mount the host root over virtio-9p (mount_tag hostroot)"

mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm /newroot/dev/hugepages
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run || fail "cannot mount tmpfs on /run"
# The host's /tmp (where a checkout or test output may live) stays reachable under /run before tmpfs hides it.
mkdir -p /newroot/run/numalab/host-tmp
mount --bind /newroot/tmp /newroot/run/numalab/host-tmp
mount -t tmpfs tmpfs /newroot/tmp || fail "cannot mount tmpfs on /tmp"
# Gotcha: hugetlbfs must be mounted at a directory that exists inside the chroot (here on the guest's devtmpfs);
# otherwise QEMU backs the VM with a plain file of 4 KiB pages and says nothing.
mount -t hugetlbfs -o pagesize=2M hugetlbfs /newroot/dev/hugepages || fail "cannot mount hugetlbfs"

# 1 GiB pages: reserved on node 1 by the kernel at boot (run.sh puts hugepagesz=1G hugepages=1:N on its command line).
gigantic=$(cat /lab/gigantic-pages-node1)
if [ "$gigantic" -gt 0 ]; then
  g=/sys/devices/system/node/node1/hugepages/hugepages-1048576kB
  if [ -d "$g" ]; then
    mkdir -p /newroot/dev/hugepages1G
    mount -t hugetlbfs -o pagesize=1G hugetlbfs /newroot/dev/hugepages1G || say "WARN cannot mount hugetlbfs pagesize=1G"
    say "VALUE gigantic-pages-node1 $(cat "$g/nr_hugepages")"
  else
    say "WARN no 1 GiB pages in this guest: the CPU lacks pdpe1gb"
  fi
fi

pages=$(cat /lab/hugepages-per-node)
for node in /sys/devices/system/node/node[0-9]*; do
  echo "$pages" > "$node/hugepages/hugepages-2048kB/nr_hugepages"
done

# Loopback up: programs in the guest talk to themselves over 127.0.0.1 (standalone's API server and kubectl).
ip link set lo up || say "WARN cannot bring up lo"
cp -r /lab/. /newroot/run/numalab/
say "BOOTED kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) nodes=$(cat /sys/devices/system/node/online)"
for node in /sys/devices/system/node/node[0-9]*; do
  h="$node/hugepages/hugepages-2048kB"
  say "NODE ${node##*/node} cpus=$(cat "$node/cpulist") hugepages-2048kB total=$(cat "$h/nr_hugepages") free=$(cat "$h/free_hugepages")"
done

chroot /newroot /bin/sh /run/numalab/guest.sh
say "DONE rc=$?"
sync
poweroff -f
sleep 10
