# syntax=docker/dockerfile:1
# Baseline for `make bench` (docs/benchmarks.md): the risk-monitor-operator image as a good team
# would write it for the Dockerfile frontend today: modules first (cached by go.mod/go.sum),
# then a static cross-compile on the build platform ($BUILDPLATFORM -> GOOS/GOARCH), the binary
# alone on static-runtime. Same bases, lock files and context (the repo root) as
# apps/risk-monitor-operator/Dockerfile.
ARG BASES=127.0.0.1:5000/patient-risk/bases

FROM --platform=$BUILDPLATFORM ${BASES}/go-builder:local AS go-binary
ENV GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath" \
    GOMODCACHE=/var/cache/go-mod GOCACHE=/var/cache/go-build
WORKDIR /src/apps/risk-monitor-operator
COPY apps/risk-monitor-operator/go.mod apps/risk-monitor-operator/go.sum ./
COPY packages/patient-risk-go-core/go.mod packages/patient-risk-go-core/go.sum /src/packages/patient-risk-go-core/
RUN --mount=type=cache,id=bench-go-mod,target=/var/cache/go-mod \
    --mount=type=secret,id=host_ca_bundle,target=/etc/ssl/certs/ca-certificates.crt \
    go mod download
COPY packages/patient-risk-go-core /src/packages/patient-risk-go-core
COPY apps/risk-monitor-operator /src/apps/risk-monitor-operator
ARG TARGETOS TARGETARCH VERSION=0.1.0
RUN --network=none \
    --mount=type=cache,id=bench-go-mod,target=/var/cache/go-mod \
    --mount=type=cache,id=bench-go-build,target=/var/cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags "-s -w -buildid= -X main.version=${VERSION}" \
      -o /out/risk-monitor-operator ./cmd/risk-monitor-operator

FROM ${BASES}/static-runtime:local AS release
COPY --from=go-binary --chmod=0755 /out/risk-monitor-operator /usr/local/bin/risk-monitor-operator
LABEL org.opencontainers.image.title="risk-monitor-operator" \
      org.opencontainers.image.source="https://github.com/tirosh-chain/guide"
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/risk-monitor-operator"]
