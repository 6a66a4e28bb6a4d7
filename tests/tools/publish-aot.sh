#!/usr/bin/env bash
# A Native AOT build of numa-operator, for the benchmarks of docs/benchmarks.md ("Native AOT of the controller") only.
# It is NOT what ships (tests/tools/publish.sh is), because it builds with the trimming and AOT warnings allowed: 67 in
# our code (reflection JSON, the command catalog, the CRD generator) and more in KubernetesClient, YamlDotNet and
# ASP.NET. Reflection-based System.Text.Json is switched back on and every assembly of ours is kept whole
# (tests/tools/native-aot.props), so what the warnings name works as far as the trimmer is concerned, but only the
# paths measured there (`--version`, `place`, `controller`) have been run under it. Needs clang and zlib1g-dev; takes
# 5-8 minutes on 2 cores.
# Usage: tests/tools/publish-aot.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish-aot.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
export NUMAOP_SLOT="${NUMAOP_SLOT:+$NUMAOP_SLOT-}native-aot" # its own artifacts tree: the shipped publish never picks up these objects
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 -p:PublishAot=true -p:TreatWarningsAsErrors=false \
  -p:JsonSerializerIsReflectionEnabledByDefault=true -p:CustomAfterDirectoryBuildTargets="$PWD/tests/tools/native-aot.props" \
  -nologo -o "$out"
