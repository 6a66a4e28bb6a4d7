#!/usr/bin/env bash
# Copies the generated CRDs (crds/, the output of `numa-operator crds`) into the Helm chart, which must
# ship them byte for byte (tests/NumaOperator.Packaging.Tests checks).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d crds ] || { echo "sync-chart-crds.sh: crds/ does not exist; generate it first" >&2; exit 1; }
rm -f charts/numa-operator/crds/*.yaml charts/numa-operator/crds/*.yml
cp crds/*.y*ml charts/numa-operator/crds/
ls charts/numa-operator/crds/
