#!/usr/bin/env bash
# Build the real kube-apiserver for the operator's integration tests, once per machine.
#
# Source: the k8s.io/kubernetes module at KUBE_VERSION from the Go module proxy, with every staging
# module replaced by its published release (go.mod beside this script; go.sum pins every checksum,
# so the build runs with -mod=readonly and needs no checksum database). Compiler: Debian trixie's
# Go 1.24 (`make operator/toolchain`), the Go line Kubernetes 1.33 is released with. CGO_ENABLED=0,
# -trimpath, version stamped the way Kubernetes' own build does (hack/lib/version.sh).
# Output: $STATE_DIR/kube/$KUBE_VERSION/bin/kube-apiserver; kept while `--version` answers
# "Kubernetes $KUBE_VERSION" and the stamp file matches go.mod, go.sum, the Go version and the flags.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
KUBE_VERSION=v1.33.13                       # must match go.mod's k8s.io/kubernetes line
KUBE_COMMIT=c029d48d28322ad0369aabdcf8b656fd3195cd30   # the tag's commit (the proxy's .info Origin.Hash)
KUBE_BUILD_DATE=2026-06-11T16:59:07Z        # the tag's commit time (the proxy's .info Time): deterministic
STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
GO=${GO:-/usr/lib/go-1.24/bin/go}
out_dir=$STATE_DIR/kube/$KUBE_VERSION/bin
out=$out_dir/kube-apiserver
stamp=$out_dir/kube-apiserver.inputs

die() { echo "kube-apiserver: error: $*" >&2; exit 1; }

grep -qx "	k8s.io/kubernetes $KUBE_VERSION // indirect" "$here/go.mod" ||
  die "$here/go.mod does not require k8s.io/kubernetes $KUBE_VERSION; fix KUBE_VERSION in $0 or go.mod"
[ -x "$GO" ] || die "$GO not found: run 'make operator/toolchain' (Debian trixie's golang-1.24-go)"
go_version=$("$GO" version)
[[ $go_version == *" go1.24."* ]] || die "$GO is not Go 1.24: $go_version"

pkg=k8s.io/component-base/version
cgo=k8s.io/client-go/pkg/version
ldflags="-s -w -buildid="
for p in $pkg $cgo; do
  ldflags+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitCommit=$KUBE_COMMIT -X $p.gitTreeState=clean"
  ldflags+=" -X $p.buildDate=$KUBE_BUILD_DATE -X $p.gitMajor=1 -X $p.gitMinor=33"
done
goflags="-mod=readonly -trimpath -buildvcs=false"

# What the binary is made from: the module graph, the compiler and the flags (not this file's text).
inputs=$({ cat "$here/go.mod" "$here/go.sum"; echo "$go_version"; echo "$ldflags"; echo "$goflags"; } | sha256sum | cut -d' ' -f1)
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ] &&
   [ "$("$out" --version 2>/dev/null)" = "Kubernetes $KUBE_VERSION" ]; then
  echo "kube-apiserver: had $out ($KUBE_VERSION)"
  exit 0
fi

mkdir -p "$out_dir"
echo "kube-apiserver: building $KUBE_VERSION with $("$GO" version | cut -d' ' -f3) into $out" \
  "(once per machine; ~15-25 min on 2 cores)"
start=$(date +%s)
# nice: the machine's 2 cores are shared with everyone else.
(cd "$here" && GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="$goflags" \
  nice -n 10 "$GO" build -ldflags "$ldflags" -o "$out.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
got=$("$out.tmp" --version)
[ "$got" = "Kubernetes $KUBE_VERSION" ] || die "built binary says '$got', want 'Kubernetes $KUBE_VERSION'"
mv "$out.tmp" "$out"
echo "$inputs" > "$stamp"
echo "kube-apiserver: built $out ($(du -h "$out" | cut -f1)) in $(( $(date +%s) - start ))s"
