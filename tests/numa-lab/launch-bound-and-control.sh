# Guest script for run.sh --script (sourced inside the lab, guest-lib.sh loaded, cwd /run/numalab/files):
# launches the VM twice with --host-nodes 1, once as the agent does (bound) and once with the binding omitted
# (the seed bug); then the spanning VM on host nodes 0,1 as placed and in the two control shapes the per-guest-node
# verdict must catch (swapped bindings, every backend over host-nodes=0-1); then, when the lab has a 1 GiB page on
# node 1, the 1 GiB-page VM there. Each run measures numa_maps. All start on guest CPU 0, i.e. on node 0, like an agent
# whose own threads run on node 0: without a binding the pages land where the prealloc thread runs.
#   NUMALAB_CLI  the numa-operator executable (or numa-operator.dll) as the guest sees it (required)
#   NUMALAB_VM, NUMALAB_VM_SPANNING, NUMALAB_VM_1G  the NumaVirtualMachine files (defaults lab-vm.yaml,
#                lab-vm-spanning.yaml, lab-vm-1g.yaml, passed with --file)
: "${NUMALAB_CLI:?set NUMALAB_CLI (run.sh --env NUMALAB_CLI=/path/to/numa-operator.dll)}"
vm=${NUMALAB_VM:-lab-vm.yaml}
spanning=${NUMALAB_VM_SPANNING:-lab-vm-spanning.yaml}
gigantic=${NUMALAB_VM_1G:-lab-vm-1g.yaml}

free_pages() { echo "node0=$(numalab_free_hugepages 0) node1=$(numalab_free_hugepages 1)"; }
qemu_count() { pgrep -c -x qemu-system-x86 || true; }

echo "NUMALAB-VALUE free-before-bound $(free_pages)"
numalab_run bound taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" launch --vm "$vm" --host-nodes 1 \
  --measure --stop-after --state-dir /run/numalab-bound -o json
echo "NUMALAB-VALUE free-after-bound $(free_pages)"
echo "NUMALAB-VALUE qemu-after-bound $(qemu_count)"

numalab_run control taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" launch --vm "$vm" --host-nodes 1 \
  --measure --stop-after --state-dir /run/numalab-control --omit-binding-for-test -o json
echo "NUMALAB-VALUE free-after-control $(free_pages)"
echo "NUMALAB-VALUE qemu-after-control $(qemu_count)"

# name, then extra launch flags: the spanning VM, guest node 0 on host node 0 and guest node 1 on host node 1.
launch_spanning() {
  name=$1
  shift
  numalab_run "$name" taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" launch --vm "$spanning" --host-nodes 0,1 \
    --measure --stop-after --state-dir "/run/numalab-$name" -o json "$@"
  echo "NUMALAB-VALUE free-after-$name $(free_pages)"
  echo "NUMALAB-VALUE qemu-after-$name $(qemu_count)"
}
echo "NUMALAB-VALUE free-before-spanning $(free_pages)"
launch_spanning spanning
launch_spanning spanning-swapped --swap-bindings-for-test
launch_spanning spanning-wide --wide-binding-for-test

g=/sys/devices/system/node/node1/hugepages/hugepages-1048576kB
if [ -r "$g/free_hugepages" ] && [ "$(cat "$g/free_hugepages")" -ge 1 ]; then
  numalab_run gigantic taskset -c 0 "$(numalab_cli_runner)" "$NUMALAB_CLI" launch --vm "$gigantic" --host-nodes 1 \
    --measure --stop-after --state-dir /run/numalab-gigantic -o json
  echo "NUMALAB-VALUE gigantic-free-after $(cat "$g/free_hugepages")"
  echo "NUMALAB-VALUE qemu-after-gigantic $(qemu_count)"
else
  echo "NUMALAB-VALUE gigantic-skipped no free 1 GiB page on node 1"
fi
true
