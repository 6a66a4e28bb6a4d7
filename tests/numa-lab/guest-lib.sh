# Sourced by guest.sh inside the chroot (host root, read-only; /tmp and /run are tmpfs, /dev/hugepages is hugetlbfs).
# numalab_run NAME COMMAND...: runs COMMAND and prints its stdout and stderr between markers, then its exit code:
#   NUMALAB-OUTPUT-BEGIN NAME / NUMALAB-OUTPUT-END NAME, NUMALAB-STDERR-BEGIN NAME / NUMALAB-STDERR-END NAME,
#   NUMALAB-RESULT NAME exit=N
numalab_run() {
  name=$1
  shift
  "$@" >"/tmp/numalab.$name.out" 2>"/tmp/numalab.$name.err"
  rc=$?
  echo "NUMALAB-OUTPUT-BEGIN $name"
  cat "/tmp/numalab.$name.out"
  echo
  echo "NUMALAB-OUTPUT-END $name"
  echo "NUMALAB-STDERR-BEGIN $name"
  cat "/tmp/numalab.$name.err"
  echo
  echo "NUMALAB-STDERR-END $name"
  echo "NUMALAB-RESULT $name exit=$rc"
  return $rc
}

# numalab_free_hugepages NODE: free 2 MiB pages on a guest NUMA node.
numalab_free_hugepages() {
  cat "/sys/devices/system/node/node$1/hugepages/hugepages-2048kB/free_hugepages"
}
