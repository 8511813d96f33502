#!/bin/sh
set -eu
root=$1
install -d -m 0755 -o 999 -g 999 "$root/data"
install -m 0755 "$(dirname "$0")/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
