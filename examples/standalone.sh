#!/usr/bin/env bash
# The README's main command: one host, one process. Starts numa-operator standalone (embedded API server, controller,
# agent) on a throw-away data dir, applies examples/vm-small.yaml (2 vCPUs, 128 MiB of 2 MiB pages on host NUMA node 0),
# reserves the hugepages it needs, waits until the VM is Running and NumaAligned, prints the measured per-node memory,
# then stops the VM and gives the pages back. Needs root (hugepages, QEMU pinning) and the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "[examples/standalone.sh] installing qemu-system-x86"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
  else
    echo "[examples/standalone.sh] QEMU is missing; run: sudo apt-get install -y qemu-system-x86" >&2
    exit 1
  fi
fi

data=$(mktemp -d /tmp/numa-operator-standalone.XXXXXX)
trap 'rm -rf "$data"' EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# --stop-grace 5s: the example VM boots firmware only, so no OS answers the ACPI powerdown; QEMU is told to quit after 5 s.
dotnet run --project operator/NumaOperator -c Release -- standalone \
  --data-dir "$data" \
  --apply examples/vm-small.yaml \
  --reserve-hugepages 2Mi:64 \
  --exit-when-ready --stop-vms-on-exit --stop-grace 5s
