# Guest script for run.sh --script (sourced inside the lab, guest-lib.sh loaded, cwd /run/numalab/files): issue 21's
# NUMA-lab proof. `numa-operator standalone` runs the test Linux guest (tests/guest) with its counter
# (numaguest.count=1) NESTED in the lab (TCG inside TCG), 128 MiB of 2 MiB pages bound to host node 0; then
#   move     a NumaVirtualMachineMigration with targetNumaNodes "1" (kubectl apply): the same VM, live, to node 1
#   refused  a firmware-only VM of 160 MiB on node 0 asked to move to node 1, where only 64 MiB are free
# With NUMALAB_MIGRATE=0 only the boot is measured (how long the nested guest takes to count).
# Output: NUMALAB-VALUE lines (seconds from standalone's start to: api-up, qemu-started, guest-booted, guest-ready,
# first-count, counts-done; pids, free 2 MiB pages per node, QEMU left) and blocks: counting (standalone's output),
# serial-before (the guest's serial log before the move), move (the migration, JSON), moved-vm (the VM after),
# numamaps-before / numamaps-after (/proc/PID/numa_maps of the VM's QEMU), counter (the serial log followed by name
# across the move), refused (the refused migration), refused-vm, log (standalone's log tail on failure).
#   NUMALAB_CLI        the numa-operator executable (or numa-operator.dll) as the guest sees it (required)
#   NUMALAB_GUEST_DIR  the test guest's directory (tests/guest/build.sh's output) as the guest sees it (required)
#   NUMALAB_MIGRATE    1 (default): also move and refuse; 0: only boot and count
#   NUMALAB_COUNTS     the count to wait for before anything else (default 3)
#   NUMALAB_CPU_MODEL  the nested VM's spec.cpu.model (default qemu64: boots faster nested than host-model's -cpu max)
#   NUMALAB_AGENT_CPU  the guest CPU standalone runs on (default 1, node 1's: the nested VM's vCPU on node 0's CPU 0 then
#                      competes with no .NET thread; the target on node 1 proves its binding by its policy, bind:1)
#   NUMALAB_LIMIT      seconds each wait may take (default 600: the nested boot alone took > 420 s at host load 18-25)
#   NUMALAB_KUBECTL    kubectl (default: kubectl on PATH)
: "${NUMALAB_CLI:?set NUMALAB_CLI}"
: "${NUMALAB_GUEST_DIR:?set NUMALAB_GUEST_DIR (tests/guest/build.sh output, as the lab sees it)}"
migrate=${NUMALAB_MIGRATE:-1}
counts_wanted=${NUMALAB_COUNTS:-3}
cpu_model=${NUMALAB_CPU_MODEL:-qemu64}
agent_cpu=${NUMALAB_AGENT_CPU:-1}
limit=${NUMALAB_LIMIT:-600}
kubectl_bin=${NUMALAB_KUBECTL:-kubectl}
vm_name=counting-vm
sa_dir=/tmp/sa-migrate
now() { date +%s; }
elapsed() { echo $(( $(now) - started )); }
k() { "$kubectl_bin" --kubeconfig "$sa_dir/kubeconfig" --request-timeout=30s "$@"; }
free_pages() { echo "node0=$(numalab_free_hugepages 0) node1=$(numalab_free_hugepages 1)"; }
value() { echo "NUMALAB-VALUE $*"; }
# mark NAME: NUMALAB-VALUE NAME SECONDS, once.
seen=" "
mark() { case $seen in *" $1 "*) ;; *) seen="$seen$1 "; value "$1" "$(elapsed)" ;; esac; }
# qemu_pid UID: the QEMU started with -uuid UID (one, or empty).
qemu_pid() { pgrep -f -- "-uuid $1" | head -n 1; }
# last_count FILE: the last complete count in a serial log (0 when none).
last_count() { tr -d '\r' <"$1" 2>/dev/null | sed -n 's/.*NUMAGUEST-COUNT \([0-9]*\)$/\1/p' | tail -n 1 | grep . || echo 0; }
# wait_until SECONDS COMMAND...: runs COMMAND each second until it succeeds; 1 when standalone ended or time ran out.
wait_until() {
  w_limit=$1
  shift
  w_start=$(now)
  while kill -0 "$sa_pid" 2>/dev/null && [ $(( $(now) - w_start )) -lt "$w_limit" ]; do
    "$@" && return 0
    sleep 1
  done
  return 1
}
# migration_phase NAME: the migration's status.phase (Pending when none yet).
migration_phase() { p=$(k get numavirtualmachinemigrations "$1" -o jsonpath='{.status.phase}' 2>/dev/null); echo "${p:-Pending}"; }
# migrate NAME VM NODES: applies a migration of VM to host NUMA nodes NODES, waits for its end, prints each phase
# it saw as NUMALAB-VALUE NAME-phases "PHASE@SECONDSs ...", emits the migration as block NAME.
migrate() {
  printf 'apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachineMigration\nmetadata: {name: %s, namespace: default}\nspec: {vmName: %s, targetNumaNodes: "%s"}\n' "$1" "$2" "$3" >"$1.yaml"
  k apply -f "$1.yaml" >/dev/null
  m_last=""
  m_seen=""
  m_start=$(now)
  while kill -0 "$sa_pid" 2>/dev/null && [ $(( $(now) - m_start )) -lt "$limit" ]; do
    m_phase=$(migration_phase "$1")
    [ "$m_phase" = "$m_last" ] || { m_seen="$m_seen $m_phase@$(( $(now) - m_start ))s"; m_last=$m_phase; }
    case $m_phase in Succeeded|Failed) break ;; esac
    sleep 1
  done
  value "$1-phases" "$m_seen"
  numalab_run "$1" k get numavirtualmachinemigrations "$1" -o json
}

cat >counting-vm.yaml <<YAML
apiVersion: numaoperator.io/v1alpha1
kind: NumaVirtualMachine
metadata: {name: $vm_name, namespace: default}
spec:
  running: true
  accelerator: Any
  cpu: {cores: 1, model: $cpu_model}
  memory: {size: 128Mi, hugepages: {pageSize: 2Mi}}
  numa: {nodes: "0"}
  # vmlinux: the uncompressed kernel, booted directly (PVH), in less than half the time of vmlinuz under TCG.
  # no_timer_check: a TCG guest starved of host CPU can fail the kernel's IO-APIC timer check and panic.
  boot: {kernel: vmlinux, initrd: initramfs.cpio, cmdline: "console=ttyS0 quiet no_timer_check numaguest.count=1"}
YAML

value free-before "$(free_pages)"
started=$(now)
taskset -c "$agent_cpu" "$(numalab_cli_runner)" "$NUMALAB_CLI" standalone --data-dir "$sa_dir" --node-name numalab --apply counting-vm.yaml \
  --image-root "$NUMALAB_GUEST_DIR" --sample-interval 2s --stop-grace 2s --stop-vms-on-exit \
  >/tmp/numalab.counting.out 2>/tmp/numalab.counting.err </dev/null &
sa_pid=$!

# --- boot: until the nested guest has counted to NUMALAB_COUNTS --------------------------------------------------
serial=""
booted() {
  if [ -z "$serial" ] && [ -s "$sa_dir/kubeconfig" ]; then
    uid=$(k get nvm "$vm_name" -o jsonpath='{.metadata.uid}' 2>/dev/null) && [ -n "$uid" ] && { mark api-up; serial=$sa_dir/agent/vms/$uid/serial.log; }
  fi
  [ -n "$serial" ] && [ -f "$serial" ] || return 1
  mark qemu-started
  grep -q NUMAGUEST-BOOTED "$serial" && mark guest-booted
  grep -q NUMAGUEST-READY "$serial" && mark guest-ready
  [ "$(last_count "$serial")" -ge 1 ] && mark first-count
  [ "$(last_count "$serial")" -ge "$counts_wanted" ] && mark counts-done
}
wait_until "$limit" booted
value counts-seen "$(tr -d '\r' <"${serial:-/dev/null}" 2>/dev/null | sed -n 's/.*NUMAGUEST-COUNT \([0-9]*\)$/\1/p' | tr '\n' ' ')"
value free-while-running "$(free_pages)"
ok=1
case $seen in *" counts-done "*) ;; *) ok=0 ;; esac

if [ "$ok" = 1 ] && [ "$migrate" = 1 ]; then
  # --- move: the counting VM, live, from host node 0 to host node 1 ---------------------------------------------
  pid_before=$(qemu_pid "$uid")
  value pid-before "$pid_before"
  cp "$serial" /tmp/numalab.serial-before.out
  numalab_emit serial-before 0
  numalab_run numamaps-before cat "/proc/$pid_before/numa_maps"
  # Followed by name: after the handover STATE/vms/UID is the target's directory and tail goes on with its log.
  tail -n +1 -F "$serial" >/tmp/numalab.counter.out 2>/tmp/numalab.counter.err &
  tail_pid=$!
  value free-before-move "$(free_pages)"
  migrate move "$vm_name" 1
  moved_numastat() { k get nvm "$vm_name" -o jsonpath='{.status.placement.guestNodes[0].hostNode} {.status.numastat.localRatio} {.status.numastat.nodes[?(@.node==1)].bytes}' 2>/dev/null | grep -qx '1 1.000 134217728'; }
  wait_until 120 moved_numastat
  numalab_run moved-vm k get nvm "$vm_name" -o json
  pid_after=$(qemu_pid "$uid")
  value pid-after "$pid_after"
  value qemu-for-vm "$(pgrep -c -f -- "-uuid $uid" || true)"
  [ -n "$pid_after" ] && numalab_run numamaps-after cat "/proc/$pid_after/numa_maps"
  counted_on() { [ "$(last_count /tmp/numalab.counter.out)" -ge $(( $(last_count /tmp/numalab.serial-before.out) + 3 )) ]; }
  wait_until 120 counted_on
  kill "$tail_pid" 2>/dev/null
  wait "$tail_pid" 2>/dev/null
  numalab_emit counter 0
  value free-after-move "$(free_pages)"

  # --- refused: 160 MiB on node 0 asked to move to node 1, which has 64 MiB free ---------------------------------
  printf 'apiVersion: numaoperator.io/v1alpha1\nkind: NumaVirtualMachine\nmetadata: {name: big-vm, namespace: default}\nspec:\n  running: true\n  accelerator: Any\n  cpu: {cores: 1}\n  memory: {size: 160Mi, hugepages: {pageSize: 2Mi}}\n  numa: {nodes: "0"}\n' >big-vm.yaml
  k apply -f big-vm.yaml >/dev/null
  big_ready() { k get nvm big-vm -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True; }
  wait_until "$limit" big_ready && value big-ready "$(elapsed)"
  big_uid=$(k get nvm big-vm -o jsonpath='{.metadata.uid}')
  value big-pid-before "$(qemu_pid "$big_uid")"
  value free-before-refused "$(free_pages)"
  migrate refused big-vm 1
  sleep 3
  value big-pid-after "$(qemu_pid "$big_uid")"
  numalab_run refused-vm k get nvm big-vm -o json
  value free-after-refused "$(free_pages)"
fi

[ "$ok" = 1 ] || { tail -n 150 "$sa_dir/standalone.log" >/tmp/numalab.log.out 2>&1; numalab_emit log 0; }
kill -TERM "$sa_pid" 2>/dev/null
wait "$sa_pid"
rc=$?
value total-seconds "$(elapsed)"
numalab_emit counting "$rc"
value free-after "$(free_pages)"
value qemu-after "$(pgrep -c -x qemu-system-x86 || true)"
[ "$ok" = 1 ]
