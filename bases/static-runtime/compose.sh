#!/bin/sh
# mmdebstrap extract hook for static-runtime: replace the extracted tree (which also holds the
# dependencies apt downloaded: libc, openssl, ...) by exactly the files of the packages named in
# $KEEP plus the state their maintainer scripts would have made. Runs on the build host only.
set -eu
root=${1%/}
# mmdebstrap has dev, proc and sys mounted inside the rootfs while hooks run: those top-level
# directories are kept (empty in the image) and nothing is deleted below a mount point.
mounted=$(awk -v r="$root/" 'index($2, r) == 1 { p = substr($2, length(r) + 1); sub(/\/.*/, "", p); print p }' /proc/mounts | sort -u)
is_mounted_top() { printf '%s\n' "$mounted" | grep -qx "$1"; }
KEEP="base-files netbase tzdata ca-certificates"
archives=$root/var/cache/apt/archives
stage=$(mktemp -d "${root%/}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage/var/lib/dpkg/status.d"
for pkg in $KEEP; do
  deb=
  for candidate in "$archives/${pkg}_"*"_${BASE_ARCH:?}.deb" "$archives/${pkg}_"*"_all.deb"; do
    [ -e "$candidate" ] && deb=$candidate
  done
  [ -n "$deb" ] || { echo "compose.sh: no .deb for $pkg ($BASE_ARCH) in $archives" >&2; exit 1; }
  dpkg-deb --extract "$deb" "$stage"
  # dpkg record in the distroless layout (one file per package), read by SBOM scanners.
  {
    dpkg-deb --field "$deb" | sed '1a Status: install ok installed'
  } >"$stage/var/lib/dpkg/status.d/$pkg"
  ctrl=$(mktemp -d)
  dpkg-deb --control "$deb" "$ctrl"
  [ -f "$ctrl/md5sums" ] && cp "$ctrl/md5sums" "$stage/var/lib/dpkg/status.d/$pkg.md5sums"
  rm -rf "$ctrl"
done

# ca-certificates' postinst: enable every shipped certificate, concatenate them in C-sorted
# order into the bundle (what update-ca-certificates writes on a fresh install).
mkdir -p "$stage/etc/ssl/certs"
bundle=$stage/etc/ssl/certs/ca-certificates.crt
: >"$bundle"
(cd "$stage/usr/share/ca-certificates" && find . -type f -name '*.crt' | sed 's|^\./||' | LC_ALL=C sort) |
  while IFS= read -r cert; do
    sed -e '$a\' "$stage/usr/share/ca-certificates/$cert" >>"$bundle"
  done
[ -s "$bundle" ] || { echo "compose.sh: empty CA bundle" >&2; exit 1; }
chmod 0644 "$bundle"
# Only the bundle stays: no update tool, no per-certificate copies.
rm -rf "$stage/usr/share/ca-certificates" "$stage/usr/sbin" "$stage/etc/ca-certificates" \
  "$stage/usr/share/doc/ca-certificates/examples"

# tzdata's postinst: UTC.
ln -sf /usr/share/zoneinfo/Etc/UTC "$stage/etc/localtime"
echo "Etc/UTC" >"$stage/etc/timezone"

# Users (distroless numbering) and name service config.
cat >"$stage/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
PASSWD
cat >"$stage/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
staff:x:50:
nonroot:x:65532:
nogroup:x:65534:
GROUP
cat >"$stage/etc/nsswitch.conf" <<'NSS'
passwd:         files
group:          files
shadow:         files
hosts:          files dns
networks:       files
protocols:      files
services:       files
ethers:         files
rpc:            files
NSS
chmod 0644 "$stage/etc/passwd" "$stage/etc/group" "$stage/etc/nsswitch.conf"
install -d -m 0700 "$stage/root"
install -d -m 0700 -o 65532 -g 65532 "$stage/home/nonroot"
install -d -m 1777 "$stage/tmp"
install -d -m 0755 "$stage/run"

# Documentation beyond the copyright files is of no use at run time.
find "$stage/usr/share/doc" -type f ! -name copyright -delete
find "$stage/usr/share" -depth -type d -empty -delete
rm -rf "$stage/usr/share/man" "$stage/usr/share/lintian" "$stage/usr/share/info"

# Replace everything but mmdebstrap's apt/dpkg bookkeeping (removed by the recipe's prune list
# after mmdebstrap's own cleanup has used it) with the composed tree.
for entry in "$root"/* "$root"/.[!.]*; do
  [ -e "$entry" ] || [ -L "$entry" ] || continue
  top=${entry#"$root"/}
  case $top in
    etc | var) ;;
    *) is_mounted_top "$top" || rm -rf "$entry" ;;
  esac
done
for top in etc var; do
  if is_mounted_top "$top"; then echo "compose.sh: /$top is a mount point below $root" >&2; exit 1; fi
done
find "$root/etc" -mindepth 1 -maxdepth 1 ! -name apt ! -name dpkg -exec rm -rf {} +
find "$root/var" -mindepth 1 -maxdepth 1 ! -name lib ! -name cache ! -name log -exec rm -rf {} +
find "$root/var/lib" -mindepth 1 -maxdepth 1 ! -name apt ! -name dpkg -exec rm -rf {} +
for top in $mounted; do rm -rf "${stage:?}/$top"; done  # already there, as mount points
cp -a "$stage/." "$root/"
