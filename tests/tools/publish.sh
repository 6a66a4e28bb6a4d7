#!/usr/bin/env bash
# Publishes the numa-operator executable the one way the project ships it. The Dockerfile's build stage
# runs this very script, and tests/NumaOperator.Packaging.Tests runs it too, so the image and CI
# publish with the same flags.
#   -r linux-x64 --self-contained: the runtime image is plain Debian (no .NET Debian images exist
#   for .NET 10), so the .NET runtime travels with the app.
# Usage: tests/tools/publish.sh OUTPUT_DIR
set -euo pipefail
out=${1:?usage: tests/tools/publish.sh OUTPUT_DIR}
cd "$(dirname "$0")/../.."
exec dotnet publish operator/NumaOperator -c Release -r linux-x64 --self-contained true -nologo -o "$out"
