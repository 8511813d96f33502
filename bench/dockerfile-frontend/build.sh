#!/usr/bin/env bash
# The Dockerfile frontend as a gateway image (the second baseline of `make bench`): BuildKit's
# own `dockerfile-frontend` command, built from the pinned Go module github.com/moby/buildkit
# (the same release as the standalone daemons of tools/buildkit), packaged on scratch the way
# upstream's docker/dockerfile image is, and pushed to the local registry.
#
# usage: build.sh            build (once) and push; print <ref>@<digest> on the last line
#
# The binary is built from a throwaway module that requires buildkit (`go install …@version`
# is refused: buildkit's go.mod has exclude directives), static (CGO_ENABLED=0, netgo,
# osusergo), with the version stamped, into $STATE_DIR/bench/dockerfile-frontend/<version>.
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
LOCAL_REGISTRY=${LOCAL_REGISTRY:-127.0.0.1:5000}
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
REF=${BENCH_DOCKERFILE_FRONTEND_REF:-$LOCAL_REGISTRY/patient-risk/bench/dockerfile-frontend:buildkit-$BUILDKIT_VERSION}
PLATFORMS=${BENCH_DOCKERFILE_FRONTEND_PLATFORMS:-linux/amd64,linux/arm64}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$STATE_DIR/bench/dockerfile-frontend/$BUILDKIT_VERSION
LOG=$STATE_DIR/log/bench-dockerfile-frontend.log
PKG=github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend
GO_ENV=(GOMODCACHE="$STATE_DIR/go/mod" GOCACHE="$STATE_DIR/go/cache" GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local)
export PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

say() { echo "dockerfile-frontend: $*" >&2; }
die() { echo "dockerfile-frontend: error: $*" >&2; exit 1; }
command -v go >/dev/null || die "go not found; install Go first (make buildkit/up uses the same toolchain)"

stamp="$BUILDKIT_VERSION"
mkdir -p "$ROOT/src" "$(dirname "$LOG")"
for platform in ${PLATFORMS//,/ }; do
  arch=${platform#linux/}
  bin=$ROOT/rootfs-$arch/bin/dockerfile-frontend
  if [[ -x $bin ]] && [[ $(cat "$ROOT/rootfs-$arch.stamp" 2>/dev/null) == "$stamp" ]]; then
    continue
  fi
  say "building $PKG@$BUILDKIT_VERSION for $platform (log $LOG)"
  (
    cd "$ROOT/src"
    [[ -f go.mod ]] || env "${GO_ENV[@]}" go mod init patient-risk.local/dockerfile-frontend-build
    env "${GO_ENV[@]}" go get "$PKG@$BUILDKIT_VERSION"
    mkdir -p "$(dirname "$bin")"
    env "${GO_ENV[@]}" GOOS=linux GOARCH="$arch" nice go build -trimpath -tags "netgo static_build osusergo" \
      -ldflags "-s -w -X main.Version=buildkit-$BUILDKIT_VERSION -X main.Revision=module -X main.Package=$PKG" \
      -o "$bin" "$PKG"
  ) >>"$LOG" 2>&1 || { tail -n 30 "$LOG" >&2; die "build failed (log $LOG)"; }
  echo "$stamp" >"$ROOT/rootfs-$arch.stamp"
done

# Package: scratch + the binary, upstream's labels (network none, the caps it implements).
mkdir -p "$ROOT/context"
for platform in ${PLATFORMS//,/ }; do
  arch=${platform#linux/}
  rm -rf "$ROOT/context/$arch" && cp -a "$ROOT/rootfs-$arch" "$ROOT/context/$arch"
done
docker buildx build --builder default --progress=quiet -f "$HERE/Dockerfile" --platform "$PLATFORMS" \
  --provenance=false --sbom=false -t "$REF" --push "$ROOT/context" >&2
digest=$(docker buildx imagetools inspect "$REF" --format '{{json .Manifest}}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["digest"])')
say "pushed $REF@$digest"
echo "$REF@$digest"
