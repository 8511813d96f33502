#!/bin/sh
# The upstream node images' unprivileged user.
set -eu
. "$BASES_DIR/_shared/lib.sh"
add_user "$1" node 1000 /home/node /bin/sh
