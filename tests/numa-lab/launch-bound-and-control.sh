# Guest script for run.sh --script (sourced inside the lab, guest-lib.sh loaded, cwd /run/numalab/files):
# launches the VM twice with --host-nodes 1, once as the agent does (bound) and once with the binding omitted
# (the seed bug), measuring numa_maps each time. Both runs start on guest CPU 0, i.e. on node 0, like an agent
# whose own threads run on node 0: without a binding the pages land where the prealloc thread runs.
#   NUMALAB_CLI  the numa-operator executable (or numa-operator.dll) as the guest sees it (required)
#   NUMALAB_VM   the NumaVirtualMachine file (default lab-vm.yaml, passed with --file)
: "${NUMALAB_CLI:?set NUMALAB_CLI (run.sh --env NUMALAB_CLI=/path/to/numa-operator.dll)}"
vm=${NUMALAB_VM:-lab-vm.yaml}

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
true
