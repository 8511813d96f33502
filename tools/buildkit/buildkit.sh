#!/usr/bin/env bash
# Standalone BuildKit daemons of the newest release next to Docker's embedded BuildKit 0.13,
# reached by buildx through the `remote` driver (docs/scale.md).
#
# usage: buildkit.sh install|up|down|status
#
#   install  build buildkitd + buildctl $BUILDKIT_VERSION from the Go module proxy into
#            $STATE_DIR/buildkit/<version>/bin (once per machine; about 2 minutes on 2 cores)
#   up       start three daemons on unix sockets under $STATE_DIR/buildkit/run and register
#            the buildx builders (idempotent):
#              patient-risk-next   node `next`, linux/amd64 + linux/arm64 (QEMU for arm64 steps)
#              patient-risk-multi  two nodes: `peer` declared linux/amd64, `next` linux/arm64
#              patient-risk-fresh  node `fresh`, which the registry-cache test empties: a
#                                  "second machine" that only has the registry cache
#   down     remove the builders and stop the daemons this script started
#   status   print each daemon's socket, pid, version and platforms
#
# The daemons run as root with Debian's runc (the OCI worker) and keep their state (cache,
# content store) under $STATE_DIR/buildkit/<node>, so CI clones and later sessions reuse it.
# They pull and push the local registry over plain HTTP, and reach nothing but loopback and
# the package registries (build steps run in their own network namespaces).
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
LOCAL_REGISTRY=${LOCAL_REGISTRY:-127.0.0.1:5000}
# The newest BuildKit release verified here; bump together with docs/scale.md.
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
# Disk the cache of each daemon may keep before BuildKit's GC trims it (MB), and the free disk
# its GC leaves on the machine (GB): the daemons share one disk with the engine, the checkouts'
# target dirs and the registries, so their caches give way first.
BUILDKIT_GC_KEEP_MB=${BUILDKIT_GC_KEEP_MB:-8000}
BUILDKIT_GC_MIN_FREE_GB=${BUILDKIT_GC_MIN_FREE_GB:-8}
BUILDKIT_WAIT_SECONDS=${BUILDKIT_WAIT_SECONDS:-60}

ROOT=$STATE_DIR/buildkit
BIN_DIR=$ROOT/$BUILDKIT_VERSION/bin
RUN_DIR=$ROOT/run
LOG_DIR=$STATE_DIR/log
GO_ENV=(GOMODCACHE="$STATE_DIR/go/mod" GOCACHE="$STATE_DIR/go/cache" GOFLAGS=-mod=mod CGO_ENABLED=0)
NODES=(next peer fresh)
SINGLE_BUILDER=patient-risk-next
MULTI_BUILDER=patient-risk-multi
FRESH_BUILDER=patient-risk-fresh

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}

say() { echo "buildkit: $*"; }
die() { echo "buildkit: error: $*" >&2; exit 1; }

socket_of() { echo "$RUN_DIR/$1.sock"; }
pidfile_of() { echo "$RUN_DIR/$1.pid"; }

# Built and stamped with the pinned version (a build without the stamp says v0.0.0+unknown).
installed() {
  [[ -x $BIN_DIR/buildkitd && -x $BIN_DIR/buildctl ]] \
    && [[ $("$BIN_DIR/buildkitd" --version 2>/dev/null) == *" $BUILDKIT_VERSION "* ]]
}

cmd_install() {
  if installed; then
    say "buildkitd $BUILDKIT_VERSION already built ($BIN_DIR)"
    return
  fi
  command -v go >/dev/null || die "go not found; install Go (>= 1.23) first"
  command -v runc >/dev/null || die "runc not found; run \`make engine/up\` (it installs Debian's runc)"
  # `go install github.com/moby/buildkit/cmd/buildkitd@…` is refused (buildkit's go.mod has
  # exclude directives), so build from a throwaway module that requires buildkit.
  local src=$ROOT/$BUILDKIT_VERSION/src tmp
  rm -rf "$src" && mkdir -p "$src" "$BIN_DIR.tmp"
  say "building buildkitd + buildctl $BUILDKIT_VERSION from the Go module proxy (log $LOG_DIR/buildkit-build.log)"
  mkdir -p "$LOG_DIR"
  (
    cd "$src"
    env "${GO_ENV[@]}" go mod init patient-risk.local/buildkit-build
    env "${GO_ENV[@]}" go get "github.com/moby/buildkit/cmd/buildkitd@$BUILDKIT_VERSION" \
      "github.com/moby/buildkit/cmd/buildctl@$BUILDKIT_VERSION"
    for cmd in buildkitd buildctl; do
      env "${GO_ENV[@]}" nice go build -trimpath \
        -ldflags "-X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION -X github.com/moby/buildkit/version.Revision=module" \
        -o "$BIN_DIR.tmp/$cmd" "github.com/moby/buildkit/cmd/$cmd"
    done
  ) >"$LOG_DIR/buildkit-build.log" 2>&1 || {
    tail -n 30 "$LOG_DIR/buildkit-build.log" >&2
    die "building BuildKit $BUILDKIT_VERSION failed (full log: $LOG_DIR/buildkit-build.log)"
  }
  tmp=$BIN_DIR.tmp
  rm -rf "$BIN_DIR" && mv "$tmp" "$BIN_DIR"
  say "built $("$BIN_DIR/buildkitd" --version)"
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }
node_pid() {
  local f; f=$(pidfile_of "$1")
  [[ -f $f ]] || return 0
  local pid; pid=$(cat "$f")
  if pid_alive "$pid" && grep -q buildkitd "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}
node_answers() { timeout 10 "$BIN_DIR/buildctl" --addr "unix://$(socket_of "$1")" debug workers >/dev/null 2>&1; }

write_config() {
  local node=$1 conf=$ROOT/$1/buildkitd.toml
  mkdir -p "$ROOT/$node"
  cat >"$conf.tmp" <<EOF
# Rendered by tools/buildkit/buildkit.sh; do not edit.
root = "$ROOT/$node/state"
[grpc]
  address = ["unix://$(socket_of "$node")"]
[worker.oci]
  enabled = true
  platforms = ["linux/amd64", "linux/arm64"]
  gc = true
  reservedSpace = "1GB"
  maxUsedSpace = "${BUILDKIT_GC_KEEP_MB}MB"
  minFreeSpace = "${BUILDKIT_GC_MIN_FREE_GB}GB"
[worker.containerd]
  enabled = false
[registry."$LOCAL_REGISTRY"]
  http = true
  insecure = true
EOF
  if cmp -s "$conf.tmp" "$conf"; then rm -f "$conf.tmp"; else mv "$conf.tmp" "$conf"; fi
  echo "$conf"
}

# Whether the running daemon of a node was started with the config this script renders now.
config_current() {
  local conf=$ROOT/$1/buildkitd.toml started=$ROOT/$1/buildkitd.toml.started
  write_config "$1" >/dev/null
  cmp -s "$conf" "$started"
}

start_node() {
  local node=$1 pid conf sock log
  pid=$(node_pid "$node")
  if [[ -n $pid ]] && node_answers "$node" && config_current "$node"; then
    say "node $node already running (pid $pid, $(socket_of "$node"))"
    return
  fi
  [[ -n $pid ]] && say "node $node: config changed, restarting"
  if [[ -n $pid ]]; then
    kill "$pid" 2>/dev/null || true
    local waited=0
    while pid_alive "$pid"; do
      (( waited++ < BUILDKIT_WAIT_SECONDS )) || die "buildkitd $node (pid $pid) did not stop within ${BUILDKIT_WAIT_SECONDS}s"
      sleep 1
    done
  fi
  conf=$(write_config "$node")
  sock=$(socket_of "$node")
  log=$LOG_DIR/buildkitd-$node.log
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  rm -f "$sock"
  cp "$conf" "$conf.started"
  setsid nohup "$BIN_DIR/buildkitd" --config "$conf" >>"$log" 2>&1 </dev/null &
  echo $! >"$(pidfile_of "$node")"
  local waited=0
  until node_answers "$node"; do
    pid_alive "$(cat "$(pidfile_of "$node")")" || { tail -n 20 "$log" >&2; die "buildkitd $node exited (log $log)"; }
    (( waited++ < BUILDKIT_WAIT_SECONDS )) || die "buildkitd $node did not answer on $sock within ${BUILDKIT_WAIT_SECONDS}s (log $log)"
    sleep 1
  done
  say "started node $node (pid $(cat "$(pidfile_of "$node")"), $sock, log $log)"
}


ensure_builders() {
  # One node for both platforms: the second engine the frontend's tests run on.
  if ! docker buildx inspect "$SINGLE_BUILDER" >/dev/null 2>&1; then
    docker buildx create --name "$SINGLE_BUILDER" --driver remote --node next-single \
      "unix://$(socket_of next)" >/dev/null
    say "created builder $SINGLE_BUILDER (remote, unix://$(socket_of next))"
  fi
  # Two nodes, one platform each: buildx sends each platform of a build to its own node.
  if ! docker buildx inspect "$MULTI_BUILDER" >/dev/null 2>&1; then
    docker buildx create --name "$MULTI_BUILDER" --driver remote --node peer-amd64 \
      --platform linux/amd64 "unix://$(socket_of peer)" >/dev/null
    docker buildx create --append --name "$MULTI_BUILDER" --node next-arm64 \
      --platform linux/arm64 "unix://$(socket_of next)" >/dev/null
    say "created builder $MULTI_BUILDER (peer-amd64: linux/amd64, next-arm64: linux/arm64)"
  fi
  if ! docker buildx inspect "$FRESH_BUILDER" >/dev/null 2>&1; then
    docker buildx create --name "$FRESH_BUILDER" --driver remote --node fresh \
      "unix://$(socket_of fresh)" >/dev/null
    say "created builder $FRESH_BUILDER (remote, unix://$(socket_of fresh))"
  fi
  docker buildx inspect --bootstrap "$SINGLE_BUILDER" >/dev/null
  docker buildx inspect --bootstrap "$MULTI_BUILDER" >/dev/null
  docker buildx inspect --bootstrap "$FRESH_BUILDER" >/dev/null
}

cmd_up() {
  [[ $(id -u) == 0 ]] || die "run as root (buildkitd with the runc worker needs it)"
  cmd_install
  local node
  for node in "${NODES[@]}"; do start_node "$node"; done
  ensure_builders
  say "ready: builders $SINGLE_BUILDER, $MULTI_BUILDER, $FRESH_BUILDER ($("$BIN_DIR/buildkitd" --version | awk '{print $3}'))"
}

cmd_down() {
  local b node pid
  for b in "$FRESH_BUILDER" "$MULTI_BUILDER" "$SINGLE_BUILDER"; do
    docker buildx rm "$b" >/dev/null 2>&1 && say "removed builder $b" || true
  done
  for node in "${NODES[@]}"; do
    pid=$(node_pid "$node")
    if [[ -n $pid ]]; then
      kill "$pid"
      for _ in $(seq 30); do pid_alive "$pid" || break; sleep 1; done
      pid_alive "$pid" && kill -9 "$pid"
      say "stopped node $node (pid $pid)"
    fi
    rm -f "$(pidfile_of "$node")" "$(socket_of "$node")"
  done
}

cmd_status() {
  installed || { say "not built (make buildkit/up builds $BUILDKIT_VERSION)"; return 1; }
  local node rc=0
  for node in "${NODES[@]}"; do
    if node_answers "$node"; then
      echo "$node: pid $(node_pid "$node"), unix://$(socket_of "$node"), $("$BIN_DIR/buildkitd" --version | awk '{print $3}'), platforms $("$BIN_DIR/buildctl" --addr "unix://$(socket_of "$node")" debug workers --format '{{range .}}{{range .Platforms}}{{.OS}}/{{.Architecture}}{{with .Variant}}/{{.}}{{end}} {{end}}{{end}}')"
    else
      echo "$node: not running"; rc=1
    fi
  done
  return $rc
}

case ${1:-} in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|up|down|status" >&2; exit 2 ;;
esac
