#!/bin/busybox sh
# /init of the test Linux guest (tests/guest/build.sh). PID 1; prints NUMAGUEST-* marker lines on the console
# (console=ttyS0), which the tests read from the VM's serial log. What it does is listed in tests/guest/README.md.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /mnt/disk /mnt/seed /www
mount -t devpts devpts /dev/pts

say() { echo "NUMAGUEST-$*"; }
# arg NAME: the value of numaguest.NAME= on the kernel command line; fails when absent.
arg() {
  for w in $(cat /proc/cmdline); do
    case $w in "numaguest.$1="*) echo "${w#*=}"; return 0 ;; esac
  done
  return 1
}
say BOOTED

while read -r module; do
  insmod "/guest/modules/$module" 2>/dev/null || say "WARN insmod $module failed"
done < /guest/modules.order
# Devices probe asynchronously after insmod: give virtio a moment to name them.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  ls /sys/class/net | grep -q '^eth' && break
  sleep 0.2
done

hostname "$(arg hostname || echo numaguest)"
ip link set lo up
for dev in /sys/class/net/eth*; do
  [ -e "$dev" ] || continue
  n=${dev##*/}
  ip link set "$n" up
  say "MAC $n $(cat "$dev/address")"
  if a=$(arg "ip.$n"); then
    ip addr add "$a" dev "$n"
  else
    udhcpc -i "$n" -n -q -t 10 -T 2 -s /guest/udhcpc.sh >/dev/null 2>&1 || say "WARN dhcp on $n failed"
  fi
  for a in $(ip -4 -o addr show dev "$n" | awk '{print $4}'); do say "ADDR $n $a"; done
done

echo "numaguest $(hostname)" > /www/index.html
httpd -p 80 -h /www

for b in /sys/block/vd*; do
  [ -e "$b" ] || continue
  say "BLOCK ${b##*/} $(( $(cat "$b/size") * 512 ))"
done

if [ -b /dev/vda ] && mount -t ext4 /dev/vda /mnt/disk 2>/dev/null; then
  if w=$(arg write); then
    echo "written by $(hostname)" > "/mnt/disk/$w"
    sync
  fi
  say "DISK-FILES $(ls /mnt/disk | grep -v '^lost+found$' | tr '\n' ' ')"
fi

# NoCloud: the seed is the disk whose filesystem is labelled cidata (iso9660 or vfat).
seed=$(findfs LABEL=cidata 2>/dev/null || findfs LABEL=CIDATA 2>/dev/null)
if [ -n "$seed" ] && { mount -t iso9660 -o ro "$seed" /mnt/seed 2>/dev/null || mount -t vfat -o ro "$seed" /mnt/seed 2>/dev/null; }; then
  for f in meta-data:METADATA network-config:NETWORKCONFIG user-data:USERDATA; do
    [ -f "/mnt/seed/${f%%:*}" ] || continue
    say "${f#*:}-BEGIN"
    cat "/mnt/seed/${f%%:*}"
    echo
    say "${f#*:}-END"
  done
  if head -c 2 /mnt/seed/user-data 2>/dev/null | grep -q '^#!'; then
    cp /mnt/seed/user-data /tmp/user-script && chmod +x /tmp/user-script
    say USERSCRIPT-BEGIN
    /tmp/user-script 2>&1
    say USERSCRIPT-END
  fi
fi

for n in /sys/devices/system/node/node*; do
  [ -e "$n" ] || continue
  say "NUMA ${n##*/} cpus=$(cat "$n/cpulist") $(grep MemTotal "$n/meminfo" | awk '{print "memtotal=" $4 $5}')"
done
say READY

# numaguest.count=1: a process that keeps counting, one NUMAGUEST-COUNT N line a second from 1 up. N lives only in
# this shell's memory (guest RAM), so a count that goes on from where it was after a live migration proves the
# memory moved with the VM.
if arg count >/dev/null; then
  (
    n=0
    while true; do
      n=$((n + 1))
      echo "NUMAGUEST-COUNT $n"
      sleep 1
    done
  ) &
fi

if arg poweroff >/dev/null; then
  sync
  poweroff -f
fi
# An interactive root shell on the serial console, for `numa-operator console`; a new one when it exits.
while true; do
  env PS1='numaguest# ' setsid cttyhack sh -i
  sleep 1
done
