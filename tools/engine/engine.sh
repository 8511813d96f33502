#!/usr/bin/env bash
# Bring up (or check, or stop) the machine-level container engine this repo builds with:
#   dockerd (Debian trixie docker.io, containerd image store) + buildx 0.29 (Debian sid)
#   + qemu binfmt handlers for linux/arm64 + a plain-HTTP registry on 127.0.0.1:5000.
#
# usage: engine.sh up|down|status
#
# Everything machine-level lives under STATE_DIR (default /var/lib/patient-risk), never in
# the checkout, so CI clones and later sessions reuse it. No systemd is assumed: the
# daemons are started detached (setsid + nohup) and survive the calling make.
#
# A Docker engine or registry that this script did not start is never touched: it is only
# checked, and anything it lacks is reported with the fix.
set -euo pipefail

STATE_DIR=${STATE_DIR:-/var/lib/patient-risk}
LOCAL_REGISTRY=${LOCAL_REGISTRY:-127.0.0.1:5000}
MIN_BUILDX=${MIN_BUILDX:-0.15.0}
DOCKER_WAIT_SECONDS=${DOCKER_WAIT_SECONDS:-90}
REGISTRY_WAIT_SECONDS=${REGISTRY_WAIT_SECONDS:-30}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOG_DIR=$STATE_DIR/log
RUN_DIR=$STATE_DIR/run
ETC_DIR=$STATE_DIR/etc
REGISTRY_DATA=$STATE_DIR/registry
DOCKERD_LOG=$LOG_DIR/dockerd.log
REGISTRY_LOG=$LOG_DIR/registry.log
APT_LOG=$LOG_DIR/apt.log
DOCKERD_PIDFILE=$RUN_DIR/dockerd.pid
REGISTRY_PIDFILE=$RUN_DIR/registry.pid
REGISTRY_CONFIG=$ETC_DIR/registry.yml
DAEMON_JSON=/etc/docker/daemon.json
DOCKER_PIDFILE=/var/run/docker.pid

APT_SOURCES=/etc/apt/sources.list.d/patient-risk-trixie-sid.sources
APT_PREFS=/etc/apt/preferences.d/patient-risk
# Installed as <package>/<suite>: only the named package comes from that suite, its
# dependencies come from bookworm whenever bookworm satisfies them. (`-t trixie` would
# raise every trixie package to 990 and apt then upgrades libc6 to 2.41.)
TRIXIE_PKGS=(docker.io docker-compose docker-registry)
SID_PKGS=(docker-buildx)
HOST_PKGS=(qemu-user-static binfmt-support arch-test mmdebstrap pigz)

# The daemons need the sbin directories (iptables, containerd, runc) whatever make had.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${PATH}

DID=()
HAD=()
MISSING=()
did() { DID+=("$*"); echo "engine: did     $*"; }
had() { HAD+=("$*"); }  # listed in the summary only
missing() { MISSING+=("$*"); echo "engine: MISSING $*" >&2; }
die() { echo "engine: error: $*" >&2; exit 1; }

summary() {
  echo
  echo "engine: summary: ${#DID[@]} action(s) taken, ${#HAD[@]} thing(s) already in place"
  local line
  for line in "${DID[@]+"${DID[@]}"}"; do echo "  did:     $line"; done
  for line in "${HAD[@]+"${HAD[@]}"}"; do echo "  already: $line"; done
  for line in "${MISSING[@]+"${MISSING[@]}"}"; do echo "  MISSING: $line"; done
}

need_root() {
  [[ $(id -u) == 0 ]] || die "engine/up must run as root (it installs Debian packages and starts dockerd); re-run with sudo"
}

# ---------------------------------------------------------------- process helpers
# Alive and not a zombie (an exited child nobody reaped yet counts as gone).
pid_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# The pid in FILE if that process is alive and its command line contains WORD.
live_pid_from() {
  local file=$1 word=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$word" || return 1
  echo "$pid"
}

stop_pid() {
  local pid=$1 name=$2
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    pid_alive "$pid" || return 0
    sleep 0.2
  done
  echo "engine: $name (pid $pid) ignored SIGTERM for 20 s, sending SIGKILL" >&2
  kill -9 "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- docker checks
docker_answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# Our dockerd: started by this script (pid recorded) and still running.
our_dockerd_pid() { live_pid_from "$DOCKERD_PIDFILE" dockerd; }

containerd_store_on() {
  timeout 10 docker info --format '{{json .DriverStatus}}' 2>/dev/null | grep -q 'io.containerd.snapshotter.v1'
}

buildx_version() {
  # "github.com/docker/buildx 0.29.1+ds1 ..." or "github.com/docker/buildx v0.29.1 <commit>"
  docker buildx version 2>/dev/null | awk 'NR==1 {v=$2; sub(/^v/, "", v); sub(/[+-].*/, "", v); print v}'
}

version_ge() { [[ $(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1) == "$2" ]]; }

# ---------------------------------------------------------------- apt
pkg_installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == "ii "* ]]; }

ensure_apt_sources() {
  local want_sources want_prefs changed=0
  want_sources=$(cat <<'EOF'
# Managed by patient-risk tools/engine/engine.sh (make engine/up).
# trixie provides docker.io, docker-compose, docker-registry; sid provides docker-buildx only.
# Both are pinned low in /etc/apt/preferences.d/patient-risk so nothing else moves.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
)
  want_prefs=$(cat <<'EOF'
# Managed by patient-risk tools/engine/engine.sh (make engine/up).
# Below bookworm's 500: packages come from these suites only when asked for by name.
Package: *
Pin: release n=trixie
Pin-Priority: 100

Package: *
Pin: release n=sid
Pin-Priority: 50
EOF
)
  if [[ -f $APT_SOURCES && $(<"$APT_SOURCES") == "$want_sources" ]]; then
    had "apt source trixie+sid ($APT_SOURCES)"
  else
    printf '%s\n' "$want_sources" >"$APT_SOURCES"
    did "wrote apt source trixie+sid ($APT_SOURCES)"
    changed=1
  fi
  if [[ -f $APT_PREFS && $(<"$APT_PREFS") == "$want_prefs" ]]; then
    had "apt pins trixie=100 sid=50 ($APT_PREFS)"
  else
    printf '%s\n' "$want_prefs" >"$APT_PREFS"
    did "wrote apt pins trixie=100 sid=50 ($APT_PREFS)"
    changed=1
  fi
  return $((1 - changed))  # 0 (true) when something changed
}

# apt has package lists for a suite.
apt_lists_have() { compgen -G "/var/lib/apt/lists/*_dists_$1_main_binary-*_Packages*" >/dev/null; }

apt_update() {
  echo "engine: apt-get update"
  apt-get update -qq || die "apt-get update failed (see above); check the network and $APT_SOURCES"
}

# Refuse an install that would upgrade or remove anything already on the machine
# (other than the named packages): this is how libc stays at bookworm's.
apt_install_checked() {
  local sim bad
  sim=$(apt-get -s install --no-install-recommends "$@" 2>&1) \
    || die "apt-get cannot resolve: $*
$sim"
  local named=() spec
  for spec in "$@"; do named+=("${spec%%/*}"); done
  # Upgrades of packages other than the named ones, and any removal.
  bad=$(grep -E '^(Inst [^ ]+ \[|Remv )' <<<"$sim" \
    | grep -v -E "^Inst ($(IFS='|'; echo "${named[*]//./\\.}")) \\[" || true)
  if [[ -n $bad ]]; then
    die "installing '$*' would change packages already on this machine; refusing:
$bad
(the pins in $APT_PREFS keep trixie/sid packages from replacing bookworm ones; do not use -t)"
  fi
  grep -E '^Inst ' <<<"$sim" | sed 's/^/engine:   + /' || true
  # A policy-rc.d denying service starts: postinst scripts must not start a second
  # dockerd/registry behind our back (there is no systemd; invoke-rc.d would use init.d).
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, from patient-risk engine.sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  local rc=0
  echo "--- $(date -u +%FT%TZ) apt-get install $*" >>"$APT_LOG"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >>"$APT_LOG" 2>&1 || rc=$?
  if ((created_policy)); then rm -f "$policy"; fi
  if ((rc)); then
    echo "engine: apt-get install failed; last lines of $APT_LOG:" >&2
    tail -n 20 "$APT_LOG" >&2
  fi
  return $rc
}

# Installed, but an older version than the engine needs (bookworm's own docker.io 20.10 has no
# containerd image store; bookworm's docker-compose is the v1 Python tool).
too_old() {
  local min
  case $1 in
    docker.io) min=26 ;;
    docker-compose) min=2 ;;
    docker-buildx) min=0.15 ;;
    *) return 1 ;;
  esac
  dpkg --compare-versions "$(dpkg-query -W -f='${Version}' "$1")" lt "$min"
}

ensure_packages() {
  local foreign_docker=$1
  local want=() spec pkg
  for pkg in "${HOST_PKGS[@]}"; do want+=("$pkg"); done
  if [[ $foreign_docker == 0 ]]; then
    for pkg in "${TRIXIE_PKGS[@]}"; do want+=("$pkg/trixie"); done
    for pkg in "${SID_PKGS[@]}"; do want+=("$pkg/sid"); done
  fi
  local todo=()
  for spec in "${want[@]}"; do
    pkg=${spec%%/*}
    if pkg_installed "$pkg" && ! too_old "$pkg"; then
      had "package $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
    else
      todo+=("$spec")
    fi
  done
  local sources_changed=0
  if ensure_apt_sources; then sources_changed=1; fi
  ((${#todo[@]})) || return 0
  if ((sources_changed)) || ! apt_lists_have trixie || ! apt_lists_have sid; then
    apt_update
    did "apt-get update"
  fi
  echo "engine: installing ${todo[*]}"
  if ! apt_install_checked "${todo[@]}"; then
    # Stale lists (a 404 on a superseded .deb): refresh once and retry.
    apt_update
    apt_install_checked "${todo[@]}" || die "apt-get install ${todo[*]} failed (see above)"
  fi
  for spec in "${todo[@]}"; do
    pkg=${spec%%/*}
    pkg_installed "$pkg" || die "package $pkg is still not installed after apt-get install"
    did "installed $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
  done
}

# ---------------------------------------------------------------- binfmt
ensure_binfmt() {
  local dir=/proc/sys/fs/binfmt_misc
  if [[ -e $dir/status ]]; then
    had "binfmt_misc mounted"
  else
    mount -t binfmt_misc binfmt_misc "$dir" || die "cannot mount binfmt_misc on $dir (needs CAP_SYS_ADMIN; in a container run it privileged)"
    did "mounted binfmt_misc on $dir"
  fi
  if [[ $(<"$dir/status") != enabled ]]; then
    echo 1 >"$dir/status"
    did "enabled binfmt_misc"
  fi
  if [[ -e $dir/qemu-aarch64 ]] && head -n1 "$dir/qemu-aarch64" | grep -q enabled; then
    had "qemu-aarch64 binfmt handler enabled"
  else
    command -v update-binfmts >/dev/null || die "update-binfmts not found: apt-get install binfmt-support qemu-user-static"
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --enable
    [[ -e $dir/qemu-aarch64 ]] || die "update-binfmts did not register qemu-aarch64 (is qemu-user-static installed? ls /usr/share/binfmts)"
    did "enabled qemu-aarch64 binfmt handler"
  fi
  # The F (fix-binary) flag lets containers use the handler without qemu in their rootfs.
  grep -q '^flags: .*F' "$dir/qemu-aarch64" \
    || missing "qemu-aarch64 handler lacks the F flag: arm64 containers will fail (reinstall qemu-user-static)"
}

# ---------------------------------------------------------------- dockerd
ensure_daemon_json() {
  mkdir -p "$(dirname "$DAEMON_JSON")"
  local current='{}'
  if [[ -s $DAEMON_JSON ]]; then
    current=$(jq -c . "$DAEMON_JSON") || die "$DAEMON_JSON is not valid JSON; fix or remove it"
  fi
  if [[ $(jq -r '.features["containerd-snapshotter"] // false' <<<"$current") == true ]]; then
    had "containerd image store enabled in $DAEMON_JSON"
    return 1
  fi
  jq '.features["containerd-snapshotter"] = true' <<<"$current" >"$DAEMON_JSON.tmp"
  mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
  did "set features.containerd-snapshotter=true in $DAEMON_JSON (other keys kept)"
  return 0
}

start_dockerd() {
  command -v dockerd >/dev/null || die "dockerd not found after install (package docker.io)"
  local pid
  # A stale pid file from a dockerd that died (machine reboot, kill -9) blocks a new start.
  if [[ -s $DOCKER_PIDFILE ]] && ! pid_alive "$(<"$DOCKER_PIDFILE")"; then
    rm -f "$DOCKER_PIDFILE"
  fi
  echo "--- $(date -u +%FT%TZ) engine.sh starting dockerd" >>"$DOCKERD_LOG"
  # setsid: own session, so neither make's exit nor a terminal hang-up stops it.
  # dockerd starts and supervises its own containerd when none listens on
  # /run/containerd/containerd.sock (no systemd unit here).
  setsid nohup dockerd --pidfile "$DOCKER_PIDFILE" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$DOCKERD_PIDFILE"
  local waited=0
  until docker_answers; do
    if ! pid_alive "$pid"; then
      echo "engine: dockerd exited during start-up; last lines of $DOCKERD_LOG:" >&2
      tail -n 25 "$DOCKERD_LOG" >&2
      die "dockerd did not start"
    fi
    if ((waited >= DOCKER_WAIT_SECONDS)); then
      echo "engine: dockerd (pid $pid) still not answering after ${DOCKER_WAIT_SECONDS}s; last lines of $DOCKERD_LOG:" >&2
      tail -n 25 "$DOCKERD_LOG" >&2
      die "dockerd did not answer 'docker info' in time (raise DOCKER_WAIT_SECONDS or read the log)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  did "started dockerd (pid $pid, answered after ${waited}s, log $DOCKERD_LOG)"
}

ensure_dockerd() {
  local pid json_changed=0
  if ensure_daemon_json; then json_changed=1; fi
  if pid=$(our_dockerd_pid); then
    if ((json_changed)) || ! containerd_store_on; then
      echo "engine: restarting our dockerd (pid $pid) to apply $DAEMON_JSON"
      stop_pid "$pid" dockerd
      start_dockerd
    elif docker_answers; then
      had "dockerd running (pid $pid, started by engine/up, log $DOCKERD_LOG)"
    else
      die "our dockerd (pid $pid) runs but 'docker info' does not answer; see $DOCKERD_LOG or run make engine/down && make engine/up"
    fi
  else
    start_dockerd
  fi
}

# Docker that engine/up did not start: check only, never change it.
check_foreign_docker() {
  had "a Docker engine not started by engine/up answers: checking it only, never changing it"
  if containerd_store_on; then
    had "containerd image store on (foreign engine)"
  else
    missing "the running Docker engine does not use the containerd image store (multi-platform images need it): add {\"features\":{\"containerd-snapshotter\":true}} to its daemon.json and restart it"
  fi
}

check_engine_basics() {
  local v
  v=$(timeout 10 docker info --format '{{.ServerVersion}}' 2>/dev/null || true)
  [[ -n $v ]] && had "docker engine $v answers ($(command -v docker) client $(docker version --format '{{.Client.Version}}' 2>/dev/null))"
  if [[ ${1:-} == ours ]]; then
    if containerd_store_on; then
      had "containerd image store on"
    else
      missing "dockerd started without the containerd image store although $DAEMON_JSON enables it (see $DOCKERD_LOG)"
    fi
  fi
  v=$(buildx_version)
  if [[ -z $v ]]; then
    missing "docker buildx plugin not found (apt-get install docker-buildx/sid, or put a buildx >= $MIN_BUILDX in ~/.docker/cli-plugins)"
  elif version_ge "$v" "$MIN_BUILDX"; then
    had "docker buildx $v (>= $MIN_BUILDX)"
  else
    missing "docker buildx $v is older than $MIN_BUILDX (apt-get install docker-buildx/sid)"
  fi
}

# ---------------------------------------------------------------- registry
registry_answers() {
  curl -fsS -m 5 -o /dev/null -D - "http://$LOCAL_REGISTRY/v2/" 2>/dev/null | grep -qi '^docker-distribution-api-version: registry/2'
}

our_registry_pid() { live_pid_from "$REGISTRY_PIDFILE" docker-registry; }

write_registry_config() {
  local want
  want=$(sed -e "s|@REGISTRY_DATA@|$REGISTRY_DATA|g" -e "s|@LOCAL_REGISTRY@|$LOCAL_REGISTRY|g" "$HERE/registry.yml.in")
  if [[ -f $REGISTRY_CONFIG && $(<"$REGISTRY_CONFIG") == "$want" ]]; then
    return 1
  fi
  printf '%s\n' "$want" >"$REGISTRY_CONFIG"
  did "wrote registry config $REGISTRY_CONFIG"
  return 0
}

start_registry() {
  command -v docker-registry >/dev/null || die "docker-registry not found (package docker-registry)"
  echo "--- $(date -u +%FT%TZ) engine.sh starting docker-registry" >>"$REGISTRY_LOG"
  setsid nohup docker-registry serve "$REGISTRY_CONFIG" >>"$REGISTRY_LOG" 2>&1 </dev/null &
  local pid=$! waited=0
  echo "$pid" >"$REGISTRY_PIDFILE"
  until registry_answers; do
    if ! pid_alive "$pid"; then
      tail -n 20 "$REGISTRY_LOG" >&2
      die "docker-registry exited during start-up (is $LOCAL_REGISTRY taken by something else? see $REGISTRY_LOG)"
    fi
    ((waited < REGISTRY_WAIT_SECONDS)) || { tail -n 20 "$REGISTRY_LOG" >&2; die "registry on $LOCAL_REGISTRY did not answer in ${REGISTRY_WAIT_SECONDS}s"; }
    sleep 1
    waited=$((waited + 1))
  done
  did "started registry on $LOCAL_REGISTRY (pid $pid, data $REGISTRY_DATA, log $REGISTRY_LOG)"
}

ensure_registry() {
  local pid
  if pid=$(our_registry_pid); then
    if write_registry_config; then
      stop_pid "$pid" docker-registry
      start_registry
    elif registry_answers; then
      had "registry on $LOCAL_REGISTRY (pid $pid, data $REGISTRY_DATA)"
    else
      die "our registry (pid $pid) runs but http://$LOCAL_REGISTRY/v2/ does not answer; see $REGISTRY_LOG"
    fi
  elif registry_answers; then
    had "a registry not started by engine/up answers on $LOCAL_REGISTRY: using it as is (deletes must be enabled for cleanup)"
  else
    write_registry_config || true
    start_registry
  fi
}

# ---------------------------------------------------------------- commands
cmd_up() {
  need_root
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$ETC_DIR" "$REGISTRY_DATA" "$STATE_DIR/bases-cache"
  local foreign=0
  if docker_answers && ! our_dockerd_pid >/dev/null; then foreign=1; fi
  ensure_packages "$foreign"
  ensure_binfmt
  if ((foreign)); then
    check_foreign_docker
    check_engine_basics foreign
  else
    ensure_dockerd
    check_engine_basics ours
  fi
  ensure_registry
  summary
  if ((${#MISSING[@]})); then
    echo "engine: the engine is NOT ready: fix the MISSING items above and re-run make engine/up" >&2
    exit 1
  fi
  echo "engine: ready (docker $(docker info --format '{{.ServerVersion}}'), buildx $(buildx_version), registry $LOCAL_REGISTRY)"
}

cmd_down() {
  local pid stopped=0
  if pid=$(our_registry_pid); then
    stop_pid "$pid" docker-registry
    echo "engine: stopped registry (pid $pid)"
    stopped=1
  fi
  rm -f "$REGISTRY_PIDFILE"
  if pid=$(our_dockerd_pid); then
    stop_pid "$pid" dockerd
    echo "engine: stopped dockerd (pid $pid)"
    stopped=1
  fi
  rm -f "$DOCKERD_PIDFILE"
  ((stopped)) || echo "engine: nothing started by engine/up is running (a Docker or registry started otherwise is left alone)"
}

cmd_status() {
  local pid ok=1 v
  if pid=$(our_dockerd_pid); then
    echo "dockerd:    running (pid $pid, started by engine/up, log $DOCKERD_LOG)"
  elif docker_answers; then
    echo "dockerd:    a Docker engine not started by engine/up answers"
  else
    echo "dockerd:    not running (make engine/up)"; ok=0
  fi
  if docker_answers; then
    echo "engine:     $(docker info --format '{{.ServerVersion}}')"
    if containerd_store_on; then echo "image store: containerd"; else echo "image store: NOT containerd (multi-platform images need it)"; ok=0; fi
  fi
  v=$(buildx_version)
  if [[ -n $v ]] && version_ge "$v" "$MIN_BUILDX"; then echo "buildx:     $v"; else echo "buildx:     ${v:-missing} (need >= $MIN_BUILDX)"; ok=0; fi
  if [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] && head -n1 /proc/sys/fs/binfmt_misc/qemu-aarch64 | grep -q enabled; then
    echo "binfmt:     qemu-aarch64 enabled"
  else
    echo "binfmt:     qemu-aarch64 NOT enabled"; ok=0
  fi
  if registry_answers; then
    if pid=$(our_registry_pid); then echo "registry:   $LOCAL_REGISTRY (pid $pid, data $REGISTRY_DATA)"; else echo "registry:   $LOCAL_REGISTRY (not started by engine/up)"; fi
  else
    echo "registry:   $LOCAL_REGISTRY not answering"; ok=0
  fi
  if ((ok)); then
    echo "status:     ready"
  else
    echo "status:     NOT ready (make engine/up)"
    return 1
  fi
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
