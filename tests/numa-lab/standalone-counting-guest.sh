# Guest script for run.sh --script (sourced inside the lab, guest-lib.sh loaded, cwd /run/numalab/files): how long
# the test Linux guest (tests/guest, with its counter numaguest.count=1) takes to boot NESTED in the lab (TCG inside
# TCG), run by `numa-operator standalone` with the VM bound to host node 0. The migration tests need a guest that
# counts; this measures whether it is affordable here.
# Output: NUMALAB-VALUE lines (seconds from standalone's start to: API up, QEMU started, NUMAGUEST-BOOTED,
# NUMAGUEST-READY, first and NUMALAB_COUNTS-th NUMAGUEST-COUNT), the counts seen, free pages, QEMU left; blocks
# counting (standalone's output), counting-serial (the nested guest's serial log).
#   NUMALAB_CLI        the numa-operator executable (or numa-operator.dll) as the guest sees it (required)
#   NUMALAB_GUEST_DIR  the test guest's directory (tests/guest/build.sh's output) as the guest sees it (required)
#   NUMALAB_MEMORY     the nested VM's RAM (default 128Mi, 2 MiB pages)
#   NUMALAB_CMDLINE    extra kernel command line for the nested guest (default empty)
#   NUMALAB_COUNTS     how many counts to wait for (default 5)
#   NUMALAB_LIMIT      seconds the whole run may take (default 420)
#   NUMALAB_KUBECTL    kubectl (default: kubectl on PATH)
: "${NUMALAB_CLI:?set NUMALAB_CLI}"
: "${NUMALAB_GUEST_DIR:?set NUMALAB_GUEST_DIR (tests/guest/build.sh output, as the lab sees it)}"
memory=${NUMALAB_MEMORY:-128Mi}
counts_wanted=${NUMALAB_COUNTS:-5}
limit=${NUMALAB_LIMIT:-420}
kubectl_bin=${NUMALAB_KUBECTL:-kubectl}
vm_name=counting-vm
sa_dir=/tmp/sa-counting
now() { date +%s; }
elapsed() { echo $(( $(now) - started )); }
k() { "$kubectl_bin" --kubeconfig "$sa_dir/kubeconfig" --request-timeout=30s "$@"; }

cat >counting-vm.yaml <<YAML
apiVersion: numaoperator.io/v1alpha1
kind: NumaVirtualMachine
metadata: {name: $vm_name, namespace: default}
spec:
  running: true
  accelerator: Any
  cpu: {cores: 1}
  memory: {size: $memory, hugepages: {pageSize: 2Mi}}
  numa: {nodes: "0"}
  boot: {kernel: vmlinuz, initrd: initramfs.cpio, cmdline: "console=ttyS0 quiet numaguest.count=1 ${NUMALAB_CMDLINE:-}"}
YAML

echo "NUMALAB-VALUE free-before $(numalab_free_hugepages 0) $(numalab_free_hugepages 1)"
started=$(now)
taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" standalone --data-dir "$sa_dir" --node-name numalab --apply counting-vm.yaml \
  --image-root "$NUMALAB_GUEST_DIR" --sample-interval 5s --stop-grace 2s --stop-vms-on-exit \
  >/tmp/numalab.counting.out 2>/tmp/numalab.counting.err </dev/null &
sa_pid=$!

# mark NAME: prints NUMALAB-VALUE NAME SECONDS once.
seen=" "
mark() { case $seen in *" $1 "*) ;; *) seen="$seen$1 "; echo "NUMALAB-VALUE $1 $(elapsed)" ;; esac; }
serial=""
counts=0
while kill -0 "$sa_pid" 2>/dev/null && [ "$(elapsed)" -lt "$limit" ]; do
  if [ -z "$serial" ] && [ -s "$sa_dir/kubeconfig" ]; then
    uid=$(k get nvm "$vm_name" -o jsonpath='{.metadata.uid}' 2>/dev/null) && [ -n "$uid" ] && { mark api-up; serial=$sa_dir/agent/vms/$uid/serial.log; }
  fi
  if [ -n "$serial" ] && [ -f "$serial" ]; then
    mark qemu-started
    grep -q NUMAGUEST-BOOTED "$serial" && mark guest-booted
    grep -q NUMAGUEST-READY "$serial" && mark guest-ready
    counts=$(grep -c 'NUMAGUEST-COUNT [0-9]*' "$serial")
    [ "$counts" -ge 1 ] && mark first-count
    if [ "$counts" -ge "$counts_wanted" ]; then mark counts-done; break; fi
  fi
  sleep 1
done
echo "NUMALAB-VALUE counts-seen $(tr -d '\r' <"${serial:-/dev/null}" 2>/dev/null | sed -n 's/.*NUMAGUEST-COUNT \([0-9]*\)$/\1/p' | tr '\n' ' ')"
echo "NUMALAB-VALUE free-while-running $(numalab_free_hugepages 0) $(numalab_free_hugepages 1)"
[ -n "$serial" ] && cp "$serial" /tmp/numalab.counting-serial.out
kill -TERM "$sa_pid" 2>/dev/null
wait "$sa_pid"
rc=$?
echo "NUMALAB-VALUE total-seconds $(elapsed)"
numalab_emit counting "$rc"
numalab_emit counting-serial 0
echo "NUMALAB-VALUE free-after $(numalab_free_hugepages 0) $(numalab_free_hugepages 1)"
echo "NUMALAB-VALUE qemu-after $(pgrep -c -x qemu-system-x86 || true)"
[ "$counts" -ge "$counts_wanted" ]
