#!/usr/bin/env bash
# Cold-burst figures of docs/benchmarks.md ("Start-up"): runs the controller benchmark
# (tests/NumaOperator.Controller.Tests/SchedulingBenchmark.cs) with no warm-up, once per build per round, builds
# interleaved (A, B, A, B, ...) so every build sees the same machine, each run in a fresh test process (the embedded
# API server starts cold too). Takes the host lock per run. Prints one report line per run.
#   tests/tools/cold-burst-bench.sh [-r ROUNDS] [-w] NAME=CLI[@K=V;K=V]...
#   -w: the API server is warmed first (500 VMs scheduled by a throwaway controller), then a fresh controller
#       process meets the burst: a restarted controller against a running kube-apiserver.
#   -W: both warm (500 VMs, then 3 s for the tier-up, the same controller process): the running-controller figure.
#   CLI: a numa-operator.dll (run with dotnet) or a published executable; after @ the controller's environment.
#   e.g. tests/tools/cold-burst-bench.sh -r 3 jit=artifacts/$NUMAOP_SLOT/bin/NumaOperator/release/numa-operator.dll r2r=/tmp/pub/numa-operator
set -euo pipefail
rounds=2; warmup=0; cold_controller=0
if [[ ${1:-} == -r ]]; then rounds=$2; shift 2; fi
if [[ ${1:-} == -w ]]; then warmup=500; cold_controller=1; shift; fi
if [[ ${1:-} == -W ]]; then warmup=500; cold_controller=0; shift; fi
(( $# > 0 )) || { echo "usage: $0 [-r ROUNDS] [-w|-W] NAME=CLI[@K=V;K=V]..." >&2; exit 2; }
cd "$(dirname "$0")/../.."
for ((r = 1; r <= rounds; r++)); do
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; cli=$(realpath "${rest%%@*}"); env=""; [[ $rest == *@* ]] && env=${rest#*@}
    rm -f /tmp/numaop-controller-bench-1000.txt
    NUMAOP_CONTROLLER_BENCH=1 NUMAOP_CONTROLLER_BENCH_WARMUP=$warmup NUMAOP_CONTROLLER_BENCH_COLD_CONTROLLER=$cold_controller \
      NUMAOP_CONTROLLER_BENCH_CLI=$cli NUMAOP_CONTROLLER_BENCH_ENV=$env \
      flock /tmp/numaop-host.lock dotnet test tests/NumaOperator.Controller.Tests -c Release --no-build \
      --filter "FullyQualifiedName~SchedulingBenchmark" >/dev/null 2>&1 || true
    echo "round $r $name: $(cat /tmp/numaop-controller-bench-1000.txt 2>/dev/null || echo 'no report (failed)')"
  done
done
