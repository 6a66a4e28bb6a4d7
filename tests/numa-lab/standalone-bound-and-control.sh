# Guest script for run.sh --script (sourced inside the lab, guest-lib.sh loaded, cwd /run/numalab/files):
# `numa-operator standalone` (API server + controller + agent in one process) twice on the two-node guest, with the
# VM of lab-vm.yaml (64 MiB of 2 MiB pages, numa.nodes "1"):
#   bound    --exit-when-ready --stop-vms-on-exit: must exit 0 with the VM Ready; a kubectl watch against the
#            standalone's kubeconfig records every status the VM went through (NumaAligned, status.numastat)
#   control  --omit-binding-for-test (the seed bug): the agent must report NumaAligned=False and a Warning Event naming
#            node 0; the script reads both with kubectl, deletes the VM, then ends standalone with SIGTERM
# Both start on guest CPU 0 (node 0), like an agent whose threads run on node 0: unbound pages land there.
# Output: numalab_run-style blocks (bound, bound-watch, control, control-vm, control-events, control-delete) and
# NUMALAB-VALUE lines (free 2 MiB pages per node, QEMU processes left, seconds taken); the xunit test asserts on them.
#   NUMALAB_CLI      the numa-operator executable (or numa-operator.dll) as the guest sees it (required)
#   NUMALAB_VM       the NumaVirtualMachine file (default lab-vm.yaml, passed with --file)
#   NUMALAB_LIMIT    seconds each run may take to reach its goal (default 300)
#   NUMALAB_KUBECTL  kubectl (default: kubectl on PATH, the host's /usr/bin/kubectl)
: "${NUMALAB_CLI:?set NUMALAB_CLI (run.sh --env NUMALAB_CLI=/path/to/numa-operator.dll)}"
vm=${NUMALAB_VM:-lab-vm.yaml}
limit=${NUMALAB_LIMIT:-300}
kubectl_bin=${NUMALAB_KUBECTL:-kubectl}
vm_name=lab-vm

free_pages() { echo "node0=$(numalab_free_hugepages 0) node1=$(numalab_free_hugepages 1)"; }
qemu_count() { pgrep -c -x qemu-system-x86 || true; }
now() { date +%s; }

# standalone_start NAME ARGS...: `numa-operator standalone` in the background on guest CPU 0, data dir /tmp/sa-NAME,
# output in /tmp/numalab.NAME.out/.err; sets sa_pid, sa_dir, sa_started.
standalone_start() {
  sa_name=$1
  shift
  sa_dir=/tmp/sa-$sa_name
  sa_started=$(now)
  taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" standalone --data-dir "$sa_dir" --node-name numalab --apply "$vm" \
    --sample-interval 2s "$@" >"/tmp/numalab.$sa_name.out" 2>"/tmp/numalab.$sa_name.err" </dev/null &
  sa_pid=$!
}

# k ARGS...: kubectl against the running standalone's API server.
k() { "$kubectl_bin" --kubeconfig "$sa_dir/kubeconfig" --request-timeout=30s "$@"; }

# standalone_wait_api: until kubectl gets an answer (the kubeconfig is written once the server listens); 1 if
# standalone ended first or the limit passed.
standalone_wait_api() {
  while kill -0 "$sa_pid" 2>/dev/null && [ $(( $(now) - sa_started )) -lt "$limit" ]; do
    if [ -s "$sa_dir/kubeconfig" ] && k get nvm >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

# standalone_log_tail NAME: the last lines of standalone's own log, for a run that went wrong.
standalone_log_tail() {
  tail -n 150 "$sa_dir/standalone.log" >"/tmp/numalab.$1-log.out" 2>&1
  numalab_emit "$1-log" 0
}

echo "NUMALAB-VALUE kubectl $(command -v "$kubectl_bin" || echo missing)"

# --- bound: exit 0 once the VM is Ready (Running + NumaAligned), then stop it -------------------------------------
echo "NUMALAB-VALUE free-before-bound $(free_pages)"
standalone_start bound --reserve-hugepages 2Mi:32 --exit-when-ready --stop-vms-on-exit --timeout "${limit}s"
: >/tmp/numalab.bound-watch.out
: >/tmp/numalab.bound-watch.err
watch_rc=none
if standalone_wait_api; then
  # A watch sees every status write, including the Ready=True one that standalone ends on (a poll could miss it).
  # Restarted if it ends while standalone still runs; each start lists the current object first.
  while kill -0 "$sa_pid" 2>/dev/null; do
    k get nvm -w -o json >>/tmp/numalab.bound-watch.out 2>>/tmp/numalab.bound-watch.err &
    watch_pid=$!
    while kill -0 "$sa_pid" 2>/dev/null && kill -0 "$watch_pid" 2>/dev/null; do sleep 1; done
    kill "$watch_pid" 2>/dev/null
    wait "$watch_pid"
    watch_rc=$?
  done
fi
wait "$sa_pid"
bound_rc=$?
echo "NUMALAB-VALUE bound-seconds $(( $(now) - sa_started ))"
[ "$bound_rc" -eq 0 ] || standalone_log_tail bound
numalab_emit bound "$bound_rc"
numalab_emit bound-watch 0
echo "NUMALAB-VALUE bound-watch-last-exit $watch_rc"
echo "NUMALAB-VALUE free-after-bound $(free_pages)"
echo "NUMALAB-VALUE qemu-after-bound $(qemu_count)"

# --- control: binding omitted; NumaAligned=False and a Warning Event, read with kubectl; delete; SIGTERM ------------
echo "NUMALAB-VALUE free-before-control $(free_pages)"
standalone_start control --omit-binding-for-test --stop-vms-on-exit
control_seen=no
if standalone_wait_api; then
  while kill -0 "$sa_pid" 2>/dev/null && [ $(( $(now) - sa_started )) -lt "$limit" ]; do
    # The agent writes NumaAligned=False first, then the Warning Event: wait for the Event.
    if k get events -o jsonpath='{range .items[?(@.type=="Warning")]}{.involvedObject.name}{"\n"}{end}' 2>/dev/null \
      | grep -qx "$vm_name"; then
      control_seen=yes
      break
    fi
    sleep 2
  done
  # Captured while QEMU still runs unbound: the object, the Events, and what is on the guest's nodes right now.
  echo "NUMALAB-VALUE free-while-control $(free_pages)"
  echo "NUMALAB-VALUE qemu-while-control $(qemu_count)"
  numalab_run control-vm k get nvm "$vm_name" -o json
  numalab_run control-events k get events -o json
  # Delete: the agent stops QEMU (ACPI powerdown, then quit after its grace), the controller releases the placement.
  numalab_run control-delete k delete nvm "$vm_name" --timeout=180s
  echo "NUMALAB-VALUE qemu-after-delete $(qemu_count)"
fi
echo "NUMALAB-VALUE control-seen $control_seen"
kill -TERM "$sa_pid" 2>/dev/null
wait "$sa_pid"
control_rc=$?
echo "NUMALAB-VALUE control-seconds $(( $(now) - sa_started ))"
[ "$control_seen" = yes ] || standalone_log_tail control
numalab_emit control "$control_rc"
echo "NUMALAB-VALUE free-after-control $(free_pages)"
echo "NUMALAB-VALUE qemu-after-control $(qemu_count)"
true
