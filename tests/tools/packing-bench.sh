#!/usr/bin/env bash
# Packing figures of docs/benchmarks.md ("Packing"): generates the two Nova-style fleets
# (tests/fixtures/nova-fleet/generate_fleet.py), places each with every --packing policy and with --optimize, and
# prints VMs placed, nodes used, the optimizer's bound and the wall-clock time per run. With --nova (needs Debian's
# python3-nova) it adds OpenStack Nova's own NUMA fitting on the same files (tests/fixtures/nova-fleet/nova_peer.py).
#   tests/tools/packing-bench.sh CLI_COMMAND [--nova] [--time-limit S]
#   tests/tools/packing-bench.sh "dotnet artifacts/$NUMAOP_SLOT/bin/NumaOperator/release/numa-operator.dll" --nova
set -euo pipefail
cli=${1:?usage: $0 CLI_COMMAND [--nova] [--time-limit S]}; shift
nova=false; limit=60
while (( $# )); do
  case $1 in
    --nova) nova=true; shift ;;
    --time-limit) limit=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
gen=tests/fixtures/nova-fleet/generate_fleet.py
python3 $gen --hosts 1000 --vms 10000 --out "$work/nova-1000x10000.json" >/dev/null
python3 $gen --hosts 100 --vms 3000 --out "$work/nova-100x3000.json" >/dev/null
printf '%-22s %-28s %12s %12s %s\n' fleet run "VMs placed" "nodes used" "seconds / bound"
for fleet in nova-1000x10000 nova-100x3000; do
  for run in consolidate pack spread numa-best-fit optimize; do
    args=(place --packing "$run"); [[ $run == optimize ]] && args=(place --optimize --time-limit "$limit")
    start=$(date +%s%N)
    # shellcheck disable=SC2086 # the CLI command is a word list on purpose
    $cli "${args[@]}" "$work/$fleet.json" > "$work/out" 2>/dev/null || true
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    placed=$(grep -oP '\d+(?= placed now)' "$work/out")
    nodes=$(grep -oP '^\d+(?= of \d+ nodes hold a VM)' "$work/out")
    extra=$(grep -oP 'no plan \K.*?\)' "$work/out" || true)
    printf '%-22s %-28s %12s %12s %d ms %s\n' "$fleet" "$run" "$placed" "$nodes" "$took" "$extra"
  done
  if $nova; then
    for order in first-fit most-free-ram; do
      for cells in pack spread; do
        [[ $fleet == nova-1000x10000 && $order != first-fit ]] && continue # hours in Python
        line=$(/usr/bin/python3 tests/fixtures/nova-fleet/nova_peer.py "$work/$fleet.json" --cells "$cells" --host-order "$order" 2>/dev/null | tail -1)
        printf '%-22s %-28s %s\n' "$fleet" "nova $order cells=$cells" "${line#*: }"
      done
    done
  fi
done
