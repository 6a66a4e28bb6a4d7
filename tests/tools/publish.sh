#!/usr/bin/env bash
# Publishes the numa-operator executable the one way the project ships it. The Dockerfile's build stage
# runs this very script, and tests/NumaOperator.Packaging.Tests runs it too, so the image and CI
# publish with the same flags.
#   -r linux-x64 --self-contained: the runtime image is plain Debian (no .NET Debian images exist
#   for .NET 10), so the .NET runtime travels with the app.
#   PublishReadyToRun + PublishReadyToRunComposite: the app, its packages and the .NET framework are precompiled
#   together into one native image (numa-operator.r2r.dll), so code is inlined across assemblies and generic code over
#   our types is precompiled too. A cold process runs that code instead of JIT-compiling its start-up path, and a
#   restarted controller meets a burst of 1,000 VMs with about 20% less CPU than with per-assembly ReadyToRun
#   (docs/benchmarks.md, "Composite ReadyToRun"). It costs about 28 MB of image and 2-3 minutes of publish time.
#   Tiered compilation stays on: with it off a cold burst cost a little less, but a warm one cost the running controller
#   1.1-1.7 s of CPU instead of 0.7 s (its hot paths were never recompiled at tier 1).
#   Not Native AOT: the CLI finds its commands, the CRD generator and the JSON layer by reflection.
# Usage: tests/tools/publish.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 --self-contained true -p:PublishReadyToRun=true \
  -p:PublishReadyToRunComposite=true -nologo -o "$out"
