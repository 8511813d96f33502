#!/bin/sh
# Before redis-server's postinst: the redis user with the upstream image's ids (999).
set -eu
. "$BASES_DIR/_shared/lib.sh"
add_user "$1" redis 999 /var/lib/redis
