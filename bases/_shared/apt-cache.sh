#!/bin/sh
# mmdebstrap hook: share downloaded .debs between builds through $BASES_APT_CACHE.
#   apt-cache.sh in  ROOTFS   (setup hook)   link cached .debs into ROOTFS/var/cache/apt/archives
#   apt-cache.sh out ROOTFS   (last hook)    link newly downloaded .debs back into the cache and
#                                            drop older versions of the same package/arch
# Hard links when the cache and the rootfs share a filesystem (they do under $STATE_DIR),
# copies otherwise. mmdebstrap's cleanup empties the rootfs side afterwards.
set -eu
mode=$1
root=$2
cache=${BASES_APT_CACHE:?BASES_APT_CACHE not set (run through tools/engine/bases.py)}
archives=$root/var/cache/apt/archives
mkdir -p "$cache" "$archives"

link_or_copy() { ln -f "$1" "$2" 2>/dev/null || cp -f "$1" "$2"; }

case $mode in
  in)
    for deb in "$cache"/*.deb; do
      [ -e "$deb" ] || continue
      link_or_copy "$deb" "$archives/"
    done
    ;;
  out)
    for deb in "$archives"/*.deb; do
      [ -e "$deb" ] || continue
      name=${deb##*/}
      [ -e "$cache/$name" ] && continue
      pkg=${name%%_*}
      arch=${name##*_}
      for old in "$cache/${pkg}_"*"_$arch"; do
        [ -e "$old" ] && rm -f "$old"
      done
      link_or_copy "$deb" "$cache/$name"
    done
    ;;
  *)
    echo "usage: apt-cache.sh in|out ROOTFS" >&2
    exit 2
    ;;
esac
