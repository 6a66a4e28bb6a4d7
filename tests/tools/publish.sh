#!/usr/bin/env bash
# Publishes the numa-operator executable the one way the project ships it. The Dockerfile's build stage
# runs this very script, and tests/NumaOperator.Packaging.Tests runs it too, so the image and CI
# publish with the same flags.
#   -r linux-x64 --self-contained: the runtime image is plain Debian (no .NET Debian images exist
#   for .NET 10), so the .NET runtime travels with the app.
#   PublishReadyToRun: the app's own assemblies are precompiled (the framework's already are), so a cold
#   process runs native code instead of JIT-compiling its start-up path: `place` of one VM 480 -> 330 ms,
#   `--version` 190 -> 150 ms (docs/benchmarks.md, "Start-up"). Not composite (no gain measured, 27 MB more)
#   and not Native AOT (the CLI finds its commands, the CRD generator and the JSON layer by reflection).
# Usage: tests/tools/publish.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true -nologo -o "$out"
