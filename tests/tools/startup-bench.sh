#!/usr/bin/env bash
# Start-up figures of docs/benchmarks.md ("Start-up"): runs each build's `--version` and `place` of one VM N times,
# interleaved (build A, B, C, A, B, C, ...) so load drifts hit every build alike, and prints per build and command
# the median, min and max wall-clock milliseconds and the median user+sys CPU milliseconds.
#   tests/tools/startup-bench.sh [-n RUNS] NAME=COMMAND...   e.g.
#   tests/tools/startup-bench.sh -n 20 "jit=dotnet artifacts/x/bin/NumaOperator/release/numa-operator.dll" "r2r=/tmp/pub/numa-operator"
set -euo pipefail
runs=10
if [[ ${1:-} == -n ]]; then runs=$2; shift 2; fi
(( $# > 0 )) || { echo "usage: $0 [-n RUNS] NAME=COMMAND..." >&2; exit 2; }
cd "$(dirname "$0")/../.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 tests/fixtures/nova-fleet/generate_fleet.py --hosts 1 --vms 1 --out "$work/one.json" >/dev/null
declare -a names cmds
for spec in "$@"; do names+=("${spec%%=*}"); cmds+=("${spec#*=}"); done
for ((r = 0; r < runs; r++)); do
  for i in "${!names[@]}"; do
    for what in version place; do
      args=(--version); [[ $what == place ]] && args=(place "$work/one.json")
      # shellcheck disable=SC2086 # the command is a word list on purpose (e.g. "dotnet x.dll")
      /usr/bin/time -f "%e %U %S" -o "$work/t" ${cmds[$i]} "${args[@]}" >/dev/null 2>&1 || { echo "${names[$i]} $what failed" >&2; exit 1; }
      read -r wall user sys < "$work/t"
      echo "${names[$i]} $what $wall $user $sys" >> "$work/all"
    done
  done
done
python3 - "$work/all" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    name, what, wall, user, sys_ = line.split()
    rows.setdefault((name, what), []).append((float(wall) * 1000, (float(user) + float(sys_)) * 1000))
print(f"{'build':<12} {'command':<8} {'runs':>4} {'median ms':>10} {'min':>6} {'max':>6} {'CPU ms':>7}")
for (name, what), v in rows.items():
    walls = [w for w, _ in v]
    print(f"{name:<12} {what:<8} {len(v):>4} {st.median(walls):>10.0f} {min(walls):>6.0f} {max(walls):>6.0f} {st.median([c for _, c in v]):>7.0f}")
PY
