#!/usr/bin/env bash
# A Native AOT build of numa-operator, for the benchmarks of docs/benchmarks.md ("Native AOT of the controller") only.
# It is NOT what ships (tests/tools/publish.sh is). Our own code now builds without trimming or AOT warnings, but a
# trimmed build (without the two settings below) does not work yet: its controller syncs its caches and then writes
# nothing (cause not found; docs/benchmarks.md, thirteenth session), and KubernetesClient and YamlDotNet still warn. So
# reflection-based System.Text.Json is switched back on and every assembly of ours is kept whole
# (tests/tools/native-aot.props); only the paths measured there (`--version`, `place`, `controller`) have been run
# under it. Needs clang and zlib1g-dev; takes 5-8 minutes on 2 cores.
# Usage: tests/tools/publish-aot.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish-aot.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
export NUMAOP_SLOT="${NUMAOP_SLOT:+$NUMAOP_SLOT-}native-aot" # its own artifacts tree: the shipped publish never picks up these objects
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false \
  -p:JsonSerializerIsReflectionEnabledByDefault=true -p:CustomAfterDirectoryBuildTargets="$PWD/tests/tools/native-aot.props" \
  -nologo -o "$out"
