#!/usr/bin/env bash
# Publishes the numa-operator executable the one way the project ships it. The Dockerfile's build stage
# runs this very script, and the tests run what it produces (tests/Shared/PublishedCli: tests/run.sh sets
# NUMAOP_TEST_CLI=published, so every test that starts numa-operator starts this executable; the NUMA lab runs it
# inside its guest), so the image and CI publish with the same flags.
#   Native AOT (-p:PublishAot=true): one native executable, no JIT and no .NET runtime to start, so a cold process runs
#   compiled code from its first instruction. A controller restarted into a burst of 1,000 VMs schedules them with
#   about half the CPU of the composite ReadyToRun build shipped before (docs/benchmarks.md, "Native AOT ships").
#   What is rooted and why (the API client library is not trim-safe) is in operator/NumaOperator/NumaOperator.csproj.
#   Needs clang and zlib1g-dev (the native link); takes 5-8 minutes on 2 cores.
# Usage: tests/tools/publish.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
command -v clang >/dev/null 2>&1 || { echo "tests/tools/publish.sh: clang is missing (Native AOT links with it); run: apt-get install -y clang zlib1g-dev" >&2; exit 1; }
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 -p:PublishAot=true -nologo -o "$out"
