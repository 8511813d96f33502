#!/usr/bin/env bash
# The native floor of `make bench`: the compile work of one app's image, run directly on the host
# with the same tools (the host's own versions: see docs/benchmarks.md), in a throwaway copy of
# TREE with empty download and compiler caches, so it pays the same downloads as a cold build.
#
# usage: floor.sh APP TREE     prints "floor <app> <seconds>" on the last line
set -euo pipefail
APP=$1 TREE=$2
STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
TOOLS=${BENCH_FLOOR_VENV:-$STATE_DIR/venv/bench-floor}
CONAN_VENV=${DSP_TOOLS:-$STATE_DIR/venvs/conan}
export PATH=/usr/local/go/bin:$HOME/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export SSL_CERT_FILE=$HOST_CA_BUNDLE PIP_CERT=$HOST_CA_BUNDLE NODE_EXTRA_CA_CERTS=$HOST_CA_BUNDLE CARGO_HTTP_CAINFO=$HOST_CA_BUNDLE
die() { echo "floor: error: $*" >&2; exit 1; }
[[ -x $TOOLS/bin/uv && -x $TOOLS/bin/maturin ]] || die "$TOOLS lacks uv/maturin: run make bench/floor-tools"

work=$(mktemp -d "$STATE_DIR/bench/floor.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$TREE/." "$work/src"
cd "$work/src"
caches=$work/caches && mkdir -p "$caches"
start=$(date +%s.%N)
case $APP in
  dev-guide-docs)
    export UV_CACHE_DIR=$caches/uv UV_PYTHON_DOWNLOADS=never
    "$TOOLS/bin/uv" venv -q -p python3 "$work/mkdocs"
    "$TOOLS/bin/uv" pip install -q --python "$work/mkdocs/bin/python" --require-hashes --only-binary :all: -r apps/dev-guide-docs/requirements.txt
    cp -a apps/dev-guide-docs/portal/. "$work/out/" 2>/dev/null || { mkdir -p "$work/out" && cp -a apps/dev-guide-docs/portal/. "$work/out/"; }
    "$work/mkdocs/bin/mkdocs" build -q --config-file apps/dev-guide-docs/mkdocs.yml --site-dir "$work/out/guide"
    "$work/mkdocs/bin/mkdocs" build -q --config-file apps/dev-guide-docs/handoff/mkdocs.yml --site-dir "$work/out/handoff"
    ;;
  patient-risk-web)
    export npm_config_cache=$caches/npm npm_config_update_notifier=false
    npm ci --ignore-scripts --no-audit --no-fund --silent
    NODE_ENV=production VITE_API_BASE=/api npm run build --silent --workspace patient-risk-web >/dev/null
    test -f apps/patient-risk-web/dist/index.html
    ;;
  risk-monitor-operator)
    export GOMODCACHE=$caches/go-mod GOCACHE=$caches/go-build GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath"
    cd apps/risk-monitor-operator
    go mod download
    for arch in amd64 arm64; do
      GOOS=linux GOARCH=$arch go build -ldflags "-s -w -buildid=" -o "$work/out/$arch/risk-monitor-operator" ./cmd/risk-monitor-operator
    done
    ;;
  patient-risk-python-api)
    # linux/amd64 only: the host's rustup has no aarch64 std and cannot fetch one offline.
    export CONAN_HOME=$caches/conan CARGO_HOME=$caches/cargo CARGO_TARGET_DIR=$caches/target ZIG_GLOBAL_CACHE_DIR=$caches/zig
    mkdir -p "$CONAN_HOME"
    PATH=$CONAN_VENV/bin:$TOOLS/bin:$PATH
    conan remote remove conancenter >/dev/null 2>&1 || true
    conan export -q packages/patient-signal-dsp >/dev/null
    conan install -v quiet --requires=patient-signal-dsp/0.1.0 -pr:h packages/patient-signal-dsp/profiles/linux-x86_64 \
      -pr:b packages/patient-signal-dsp/profiles/linux-x86_64 --build='missing:patient-signal-dsp/0.1.0' \
      --deployer=full_deploy --deployer-folder="$work/deps" >/dev/null
    sed -i -z 's/members = \[[^]]*\]/members = ["packages\/patient-signal-python-rust"]/' Cargo.toml
    cargo fetch -q
    PATIENT_SIGNAL_DSP_DIR=$work/deps/full_deploy/host/patient-signal-dsp/0.1.0/Release/x86_64 \
      maturin build -q --release --locked --zig --compatibility manylinux_2_28 --target x86_64-unknown-linux-gnu \
      --manifest-path packages/patient-signal-python-rust/Cargo.toml --out "$work/out" >/dev/null
    export UV_CACHE_DIR=$caches/uv UV_PYTHON_DOWNLOADS=never
    (cd apps/patient-risk-python-api && "$TOOLS/bin/uv" export -q --frozen --no-dev --no-emit-workspace --format requirements-txt --output-file "$work/req.txt")
    "$TOOLS/bin/uv" pip install -q --target "$work/site" --python-version 3.13 --python-platform x86_64-manylinux_2_28 --no-deps --only-binary :all: --require-hashes -r "$work/req.txt"
    ;;
  *) die "unknown app $APP" ;;
esac
end=$(date +%s.%N)
echo "floor $APP $(python3 -c "print(f'{$end - $start:.1f}')")"
