# Sourced by guest.sh inside the chroot (host root, read-only; /tmp and /run are tmpfs, /dev/hugepages is hugetlbfs).
# numalab_run NAME COMMAND...: runs COMMAND and prints its stdout and stderr between markers, then its exit code:
#   NUMALAB-OUTPUT-BEGIN NAME / NUMALAB-OUTPUT-END NAME, NUMALAB-STDERR-BEGIN NAME / NUMALAB-STDERR-END NAME,
#   NUMALAB-RESULT NAME exit=N
numalab_run() {
  name=$1
  shift
  "$@" >"/tmp/numalab.$name.out" 2>"/tmp/numalab.$name.err"
  numalab_emit "$name" $?
}

# numalab_cli_runner: the program that runs $NUMALAB_CLI, for `taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" ARGS`:
# dotnet for a numa-operator.dll, env for the published executable (tests/tools/publish.sh, Native AOT:
# start-up under TCG is mostly JIT otherwise).
numalab_cli_runner() {
  case $NUMALAB_CLI in
    *.dll) echo dotnet ;;
    *) echo env ;;
  esac
}

# numalab_emit NAME EXIT: prints /tmp/numalab.NAME.out and .err (missing = empty) between the same markers as
# numalab_run, then NUMALAB-RESULT NAME exit=EXIT; returns EXIT. For commands a script ran in the background.
numalab_emit() {
  echo "NUMALAB-OUTPUT-BEGIN $1"
  cat "/tmp/numalab.$1.out" 2>/dev/null
  echo
  echo "NUMALAB-OUTPUT-END $1"
  echo "NUMALAB-STDERR-BEGIN $1"
  cat "/tmp/numalab.$1.err" 2>/dev/null
  echo
  echo "NUMALAB-STDERR-END $1"
  echo "NUMALAB-RESULT $1 exit=$2"
  return "$2"
}

# numalab_free_hugepages NODE: free 2 MiB pages on a guest NUMA node.
numalab_free_hugepages() {
  cat "/sys/devices/system/node/node$1/hugepages/hugepages-2048kB/free_hugepages"
}
