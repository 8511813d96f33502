# Shell functions for recipe hooks (sourced; hooks get the rootfs as $1).

# run_in ROOT CMD...: run a command inside the rootfs (under qemu for a foreign arch).
run_in() {
  _root=$1
  shift
  chroot "$_root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 "$@"
}

# add_user ROOT NAME ID HOME [SHELL]: a system user and its group, both with id ID, written
# straight into the rootfs's passwd/group (and shadow/gshadow when present), so it works in any
# hook stage and needs no emulation. Fails if the id is taken by another name: graphs and
# compose files rely on these numbers.
add_user() {
  _root=$1 _name=$2 _id=$3 _home=$4 _shell=${5:-/usr/sbin/nologin}
  _have=$(awk -F: -v n="$_name" '$1 == n { print $3 }' "$_root/etc/passwd")
  if [ -n "$_have" ]; then
    [ "$_have" = "$_id" ] || { echo "add_user: $_name exists with uid $_have, want $_id" >&2; exit 1; }
    return 0
  fi
  if awk -F: -v i="$_id" '$3 == i { found = 1 } END { exit !found }' "$_root/etc/passwd" "$_root/etc/group"; then
    echo "add_user: id $_id is taken in $_root/etc/passwd or group" >&2
    exit 1
  fi
  _days=$(( ${SOURCE_DATE_EPOCH:-$(date +%s)} / 86400 ))
  echo "$_name:x:$_id:$_id:$_name:$_home:$_shell" >>"$_root/etc/passwd"
  echo "$_name:x:$_id:" >>"$_root/etc/group"
  if [ -f "$_root/etc/shadow" ]; then echo "$_name:!:$_days::::::" >>"$_root/etc/shadow"; fi
  if [ -f "$_root/etc/gshadow" ]; then echo "$_name:!::" >>"$_root/etc/gshadow"; fi
  if [ "$_home" != /nonexistent ]; then install -d -m 0755 -o "$_id" -g "$_id" "$_root$_home"; fi
}

# pip_venv ROOT VENV PACKAGE...: a venv inside the rootfs with PyPI packages, made by the
# rootfs's own python. Wheels are kept in $BASES_PIP_CACHE/wheels: when every requirement is
# there the install is offline; otherwise `pip download` fetches them first, through the host CA
# bundle (TLS-intercepting proxy). The bundle and the wheels are visible only during this call;
# neither stays in the image.
pip_venv() {
  _root=$1 _venv=$2
  shift 2
  [ -r "${HOST_CA_BUNDLE:?}" ] || { echo "pip_venv: host CA bundle $HOST_CA_BUNDLE not readable" >&2; exit 1; }
  _wheels=${BASES_PIP_CACHE:?}/wheels
  mkdir -p "$_wheels" "$_root/tmp/wheels"
  cp -a "$_wheels/." "$_root/tmp/wheels/"
  run_in "$_root" python3 -m venv "$_venv"
  _pip() {
    run_in "$_root" env PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_NO_CACHE_DIR=1 "$@"
  }
  if ! _pip "$_venv/bin/pip" install --progress-bar off --no-index --find-links /tmp/wheels "$@" 2>/dev/null; then
    install -m 0644 "$HOST_CA_BUNDLE" "$_root/tmp/host-ca.crt"
    _pip PIP_CERT=/tmp/host-ca.crt SSL_CERT_FILE=/tmp/host-ca.crt \
      "$_venv/bin/pip" download --progress-bar off --dest /tmp/wheels "$@"
    rm -f "$_root/tmp/host-ca.crt"
    _pip "$_venv/bin/pip" install --progress-bar off --no-index --find-links /tmp/wheels "$@"
    cp -a "$_root/tmp/wheels/." "$_wheels/"
  fi
  rm -rf "$_root/tmp/wheels" "$_root/tmp/host-ca.crt"
}
