#!/bin/sh
# mmdebstrap hook, last of every base: drop what the build host leaked into the rootfs.
# The container runtime provides resolv.conf, hostname and hosts at run time.
set -eu
root=$1
: >"$root/etc/resolv.conf"
: >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
rm -rf "$root/var/cache/debconf/"*-old "$root/var/lib/dpkg/"*-old \
  "$root/var/log/"*.log "$root/var/log/apt/"* "$root/root/.cache" 2>/dev/null || true
# Nothing from the host's trust store may stay behind (hooks copy it in for pip only).
rm -f "$root/tmp/host-ca.crt"
