#!/usr/bin/env python3
"""Launch time of `numa-operator launch` (start -> daemonized -> QMP ready -> pinned -> cont) vs the same argv run by hand.

Run as root from the repository root after building the CLI:
  python3 tests/NumaOperator.Qemu.Tests/bench/launch_vs_hand.py [--cli artifacts/<slot>/bin/NumaOperator/debug/numa-operator.dll] [--runs 7]
--cli is a numa-operator.dll (run with dotnet) or a published executable (tests/tools/publish.sh).
Reserves 32 extra 2 MiB pages on node 0 (and mounts hugetlbfs in a temp dir when none is mounted), restores both after.
"""
import argparse, json, os, statistics, subprocess, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--cli", default="artifacts/bin/NumaOperator/debug/numa-operator.dll")
p.add_argument("--runs", type=int, default=7)
args = p.parse_args()

pool = "/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
work = tempfile.mkdtemp(prefix="numaop-bench-")
mount = None
if not any(l.split()[2] == "hugetlbfs" and "pagesize=2M" in l for l in open("/proc/mounts")):
    mount = os.path.join(work, "hp"); os.mkdir(mount)
    subprocess.check_call(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "none", mount])
before = int(open(pool).read()); open(pool, "w").write(str(before + 32))
vm = os.path.join(work, "vm.yaml")
open(vm, "w").write("""apiVersion: numaoperator.io/v1alpha1
kind: NumaVirtualMachine
metadata: {name: bench, namespace: default}
spec:
  accelerator: Any
  cpu: {cores: 1, dedicated: true}
  memory: {size: 64Mi, hugepages: {pageSize: 2Mi}}
  numa: {guestNodes: 1, policy: Strict}
""")
state = os.path.join(work, "state")
op = {k: [] for k in ("daemonized", "qmpReady", "pinned", "running")}
hand = []
argv = None
try:
    for _ in range(args.runs):
        cli = ["dotnet", args.cli] if args.cli.endswith(".dll") else [args.cli]
        out = subprocess.run([*cli, "launch", "--vm", vm, "--host-nodes", "0", "--state-dir", state, "--stop-after", "-o", "json"],
                             check=True, capture_output=True, text=True).stdout
        result = json.loads(out)
        argv = result["argv"]
        for k in op:
            op[k].append(result["timingsMs"][k])
    for _ in range(args.runs):
        os.makedirs(state, exist_ok=True)
        t = time.perf_counter(); subprocess.run(argv, check=True); hand.append((time.perf_counter() - t) * 1000)
        pid = int(open(os.path.join(state, "qemu.pid")).read()); os.kill(pid, 9)
        while os.path.exists(f"/proc/{pid}"):
            time.sleep(0.02)
        subprocess.run(["rm", "-rf", state])
finally:
    now = int(open(pool).read()); open(pool, "w").write(str(max(0, now - 32)))
    if mount:
        subprocess.call(["umount", mount])
    subprocess.call(["rm", "-rf", work])

print("argv:", " ".join(argv))
print(f"runs: {args.runs}; median (min-max) ms")
for k, v in op.items():
    print(f"numa-operator launch, {k:>10}: {statistics.median(v):7.1f} ({min(v):.1f}-{max(v):.1f})")
print(f"same argv by hand, daemonized: {statistics.median(hand):7.1f} ({min(hand):.1f}-{max(hand):.1f})")
