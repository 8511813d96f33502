#!/usr/bin/env bash
# The benchmark's own BuildKit: a standalone buildkitd (the pinned release tools/buildkit builds)
# with its own state dir and socket, so `make bench` can empty its cache between cold runs
# without touching Docker's default builder or the shared patient-risk-next/-multi/-fresh nodes.
#
# usage: engine.sh up|down|status|prune|pid
#   up      build the binaries once (tools/buildkit/buildkit.sh install) and start the daemon
#   down    stop the daemon this script started
#   prune   empty its whole build cache (cache mounts included) and check nothing is left
#   pid     print the daemon's pid (for memory sampling)
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
LOCAL_REGISTRY=${LOCAL_REGISTRY:-127.0.0.1:5000}
BUILDKIT_VERSION=${BUILDKIT_VERSION:-v0.34.2}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$STATE_DIR/bench/buildkitd
BIN_DIR=$STATE_DIR/buildkit/$BUILDKIT_VERSION/bin
SOCK=$ROOT/buildkitd.sock
PIDFILE=$ROOT/buildkitd.pid
CONF=$ROOT/buildkitd.toml
LOG=$STATE_DIR/log/buildkitd-bench.log
export PATH=/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

say() { echo "bench-engine: $*" >&2; }
die() { echo "bench-engine: error: $*" >&2; exit 1; }
buildctl() { "$BIN_DIR/buildctl" --addr "unix://$SOCK" "$@"; }
daemon_pid() {
  [[ -f $PIDFILE ]] || return 0
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null && grep -q buildkitd "/proc/$pid/cmdline" 2>/dev/null; then echo "$pid"; fi
}
answers() { timeout 10 "$BIN_DIR/buildctl" --addr "unix://$SOCK" debug workers >/dev/null 2>&1; }

cmd_up() {
  [[ $(id -u) == 0 ]] || die "run as root (buildkitd with the runc worker needs it)"
  STATE_DIR=$STATE_DIR BUILDKIT_VERSION=$BUILDKIT_VERSION bash "$HERE/../tools/buildkit/buildkit.sh" install >&2
  mkdir -p "$ROOT" "$(dirname "$LOG")"
  cat >"$CONF.new" <<CONF
# Rendered by bench/engine.sh; do not edit.
root = "$ROOT/state"
[grpc]
  address = ["unix://$SOCK"]
[worker.oci]
  enabled = true
  platforms = ["linux/amd64", "linux/arm64"]
  gc = true
  reservedSpace = "1GB"
  maxUsedSpace = "${BENCH_GC_KEEP:-8GB}"
  minFreeSpace = "${BENCH_GC_MIN_FREE:-4GB}"
[worker.containerd]
  enabled = false
[registry."$LOCAL_REGISTRY"]
  http = true
  insecure = true
CONF
  local pid; pid=$(daemon_pid)
  if [[ -n $pid ]] && answers && cmp -s "$CONF.new" "$CONF"; then rm -f "$CONF.new"; say "running (pid $pid, unix://$SOCK)"; return; fi
  [[ -n $pid ]] && { say "restarting (config changed or daemon not answering)"; cmd_down; }
  mv "$CONF.new" "$CONF"
  rm -f "$SOCK"
  setsid nohup "$BIN_DIR/buildkitd" --config "$CONF" >>"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 60); do answers && break; kill -0 "$(cat "$PIDFILE")" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "buildkitd exited (log $LOG)"; }; sleep 1; done
  answers || die "buildkitd did not answer on $SOCK within 60s (log $LOG)"
  say "started (pid $(cat "$PIDFILE"), unix://$SOCK, log $LOG)"
}

cmd_down() {
  local pid; pid=$(daemon_pid)
  if [[ -n $pid ]]; then
    kill "$pid"
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    say "stopped (pid $pid)"
  fi
  rm -f "$PIDFILE" "$SOCK"
}

cmd_prune() {
  answers || die "not running (bench/engine.sh up)"
  buildctl prune --all >/dev/null
  local left; left=$(buildctl du | awk '/^Total:/{print $2}')
  [[ $left == 0B || $left == 0 || -z $left ]] || die "cache not empty after prune: $left"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  prune) cmd_prune ;;
  pid) daemon_pid ;;
  status) if answers; then echo "bench engine: pid $(daemon_pid), unix://$SOCK, $("$BIN_DIR/buildkitd" --version | awk '{print $3}')"; else echo "bench engine: not running"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status|prune|pid" >&2; exit 2 ;;
esac
