# syntax=docker/dockerfile:1
# One image, both roles: `numa-operator controller` (Deployment, runs as the non-root user below) and
# `numa-operator agent` (DaemonSet, which overrides to root + privileged to launch QEMU).
#
# Build stage: the .NET 10 SDK. Its distro does not matter for the output: the Native AOT executable links only libc and
# libm and asks for glibc 2.34 at most (the runtime's prebuilt parts set that, not the build's glibc; a Packaging test
# holds it to bookworm's 2.36). Keep the SDK's feature band in step with global.json.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.100-noble
# Runtime stage: Debian 12 "bookworm", pinned by point-release tag. Debian because the agent launches
# Debian's qemu-system-x86 (7.2 in bookworm), the same QEMU the project's tests run against; a plain
# Debian image because the app is one native executable (Native AOT) and needs no .NET runtime.
# For production pin by digest as well (debian:12.12-slim@sha256:...).
ARG RUNTIME_IMAGE=debian:12.12-slim

FROM ${SDK_IMAGE} AS build
# Native AOT links the executable with clang against zlib (tests/tools/publish.sh).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The same script CI and tests/NumaOperator.Packaging.Tests run: same flags, same output layout.
RUN --mount=type=cache,target=/root/.nuget/packages \
    bash tests/tools/publish.sh /app

FROM ${RUNTIME_IMAGE} AS runtime
# qemu-system-x86: the agent launches QEMU inside its container (guest RAM bound with host-nodes=).
# ca-certificates + libssl3: TLS to the Kubernetes API and the OTLP collector.
# numactl: `numastat`/`numactl --hardware` for troubleshooting from `kubectl exec`.
# iproute2: `ip`, with which the agent creates and removes the taps of spec.interfaces[].bridge.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      qemu-system-x86 ca-certificates libssl3 numactl iproute2 \
 && rm -rf /var/lib/apt/lists/*
# A fixed non-root uid/gid for the controller (the chart's runAsUser matches it).
RUN groupadd --system --gid 65532 numa-operator \
 && useradd --system --uid 65532 --gid 65532 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin numa-operator
COPY --from=build /app /opt/numa-operator
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    Logging__Console__FormatterName=json
USER 65532:65532
ENTRYPOINT ["/opt/numa-operator/numa-operator"]
CMD ["controller", "--leader-elect"]
