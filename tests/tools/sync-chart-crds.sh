#!/usr/bin/env bash
# Copies the generated CRDs (crds/, the output of `numa-operator crds`) into the Helm chart's files/crds/, which
# templates/crds.yaml renders (with the chart's labels and the keep annotation). The copies must stay byte for
# byte (tests/NumaOperator.Packaging.Tests checks).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -d crds ] || { echo "sync-chart-crds.sh: crds/ does not exist; generate it first" >&2; exit 1; }
rm -f charts/numa-operator/files/crds/*.yaml charts/numa-operator/files/crds/*.yml
cp crds/*.y*ml charts/numa-operator/files/crds/
ls charts/numa-operator/files/crds/
