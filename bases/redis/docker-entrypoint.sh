#!/bin/sh
# redis entrypoint: `docker run IMAGE --appendonly yes` and `... IMAGE /path/redis.conf` mean
# redis-server with those arguments. redis-server gets --protected-mode no unless the arguments
# set it, so other containers can connect without a password (as with the official image).
# Started as root, it hands /data to redis and re-runs itself as redis.
set -eu
case ${1:-} in
  -* | *.conf) set -- redis-server "$@" ;;
esac
if [ "${1:-}" = redis-server ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    find . \! -user redis -exec chown redis:redis '{}' +
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
fi
exec "$@"
