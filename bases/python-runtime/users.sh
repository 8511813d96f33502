#!/bin/sh
# The non-root app user of the Python images (uid/gid 10001, a contract with the graphs).
set -eu
. "$BASES_DIR/_shared/lib.sh"
add_user "$1" app 10001 /home/app
